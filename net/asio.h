#pragma once
// The one place that includes Asio/Beast. <utility> must come first with
// Boost 1.74 + g++ 12 (conventions.md).
// <utility> must stay first (Boost 1.74 + g++ 12), so the block is not reordered.
// clang-format off
#include <utility>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
// clang-format on

namespace kimgate::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using tcp = asio::ip::tcp;
}  // namespace kimgate::net

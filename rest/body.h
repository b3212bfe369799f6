#pragma once
// Streamed bodies (design.md "Bodies are streams"): a BodySource yields pieces until `end`, a
// BodySink takes them. A piece's data stays valid only until the next call of next(). An error
// piece (non-empty `error`) ends the stream; the consumer aborts and reports the sentence.
#include <string>
#include <string_view>

#include "net/asio.h"

namespace kimgate::rest {

namespace asio = net::asio;

struct Piece {
  std::string_view data;
  std::string error;  // non-empty: the source failed, nothing more follows
  bool end = false;   // no more data (data is empty then)
};

class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual net::awaitable<Piece> next() = 0;
};

class BodySink {
 public:
  virtual ~BodySink() = default;
  // Non-empty return = error sentence; the transfer aborts.
  virtual net::awaitable<std::string> write(std::string_view data) = 0;
  // The response's status, once its header is complete and before any body byte (exchange()).
  virtual void on_status(int /*status*/) {}
};

// A whole string as one piece, then end.
class StringSource final : public BodySource {
 public:
  explicit StringSource(std::string s) : s_(std::move(s)) {}
  net::awaitable<Piece> next() override;

 private:
  std::string s_;
  bool given_ = false;
};

// Appends everything to a string, refusing more than `limit` bytes.
class StringSink final : public BodySink {
 public:
  explicit StringSink(std::size_t limit = static_cast<std::size_t>(-1)) : limit_(limit) {}
  net::awaitable<std::string> write(std::string_view data) override;
  const std::string& data() const { return data_; }
  std::string take() { return std::move(data_); }

 private:
  std::size_t limit_;
  std::string data_;
};

}  // namespace kimgate::rest

// ResponseReader: Beast's HTTP/1.1 response parser fed from bytes we read ourselves, so that the
// same code (and the same limits) runs in exchange(), in the unit tests and under libFuzzer.
#include <boost/beast/http.hpp>
#include <limits>

#include "rest/http_client.h"

namespace kimgate::rest {

namespace http = boost::beast::http;
using boost::beast::error_code;

namespace {

// A body that collects what the parser hands it into a string the reader drains after each feed:
// the parser's body_limit bounds it when no sink streams it away.
struct CollectBody {
  struct value_type {
    std::string pending;
    std::uint64_t total = 0;  // every body byte parsed so far
  };
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>& /*header*/, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>& /*length*/, error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      std::size_t n = 0;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        body_.pending.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
        body_.total += b.size();
      }
      ec = {};
      return n;
    }
    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace

struct ResponseReader::Impl {
  Impl(std::size_t header, std::optional<std::uint64_t> body, bool head)
      : max_header(header), max_body(body), head_request(head) {}
  std::size_t max_header;
  std::optional<std::uint64_t> max_body;
  bool head_request;
  std::optional<http::response_parser<CollectBody>> parser;

  void fresh() {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(max_header, UINT32_MAX)));
    if (max_body) {
      parser->body_limit(*max_body);
    } else {
      // Boost 1.74's body_limit takes an integer (boost::none would become 0): no limit.
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    }
    parser->eager(true);
    if (head_request) {
      parser->skip(true);
    }
  }

  // Whether the Content-Length of the parsed header describes a body that follows (RFC 9112 §6.3).
  bool announces_body() const {
    const unsigned status = parser->get().result_int();
    return !head_request && status >= 200 && status != 204 && status != 304;
  }

  Fed failed(const error_code& ec) const {
    Fed out;
    out.state = State::error;
    if (ec == http::error::header_limit) {
      out.failure = Response::Failure::too_large;
      out.error = "the response header is larger than " + std::to_string(max_header) + " bytes";
    } else if (ec == http::error::body_limit) {
      out.failure = Response::Failure::too_large;
      out.error = "the response body is larger than " + std::to_string(max_body.value_or(0)) + " bytes";
    } else {
      out.failure = Response::Failure::protocol;
      out.error = "malformed HTTP response (" + ec.message() + ")";
    }
    return out;
  }
};

ResponseReader::ResponseReader(std::size_t max_header, std::optional<std::uint64_t> max_body, bool head_request)
    : impl_(std::make_unique<Impl>(max_header, max_body, head_request)) {
  impl_->fresh();
}

ResponseReader::~ResponseReader() = default;

ResponseReader::Fed ResponseReader::feed(std::string_view bytes) {
  Fed out;
  for (;;) {
    auto& parser = *impl_->parser;
    if (parser.is_done()) {
      const unsigned status = parser.get().result_int();
      if (status >= 100 && status < 200 && status != 101) {
        impl_->fresh();  // an interim response (100 Continue, 103 Early Hints): the real one follows
        continue;
      }
      out.state = State::done;
      return out;
    }
    const std::string_view rest = bytes.substr(out.consumed);
    if (rest.empty()) {
      out.state = State::more;
      return out;
    }
    error_code ec;
    const std::size_t n = parser.put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
    out.consumed += n;
    if (ec && ec != http::error::need_more) {
      Fed failure = impl_->failed(ec);
      failure.consumed = out.consumed;
      return failure;
    }
    // Beast 1.74 does not apply body_limit to a Content-Length body (its check compares with an
    // optional), so the limit is ours: the announced length first, then the bytes that arrived.
    if (impl_->max_body && parser.is_header_done() &&
        ((impl_->announces_body() && parser.content_length().value_or(0) > *impl_->max_body) ||
         parser.get().body().total > *impl_->max_body)) {
      Fed failure = impl_->failed(http::error::body_limit);
      failure.consumed = out.consumed;
      return failure;
    }
    if (ec == http::error::need_more || (n == 0 && !parser.is_done())) {
      out.state = State::more;
      return out;
    }
  }
}

ResponseReader::Fed ResponseReader::feed_eof() {
  Fed out;
  auto& parser = *impl_->parser;
  if (parser.is_done()) {
    out.state = State::done;
    return out;
  }
  if (!parser.is_header_done()) {
    out.state = State::error;
    out.failure = Response::Failure::protocol;
    out.error = "the connection closed before a complete response header";
    return out;
  }
  error_code ec;
  parser.put_eof(ec);
  if (ec) {
    out.state = State::error;
    out.failure = Response::Failure::protocol;
    out.error = "the connection closed in the middle of the response body (" + ec.message() + ")";
    return out;
  }
  out.state = State::done;
  return out;
}

bool ResponseReader::header_done() const {
  return impl_->parser->is_header_done();
}

int ResponseReader::status() const {
  return impl_->parser->is_header_done() ? static_cast<int>(impl_->parser->get().result_int()) : 0;
}

std::vector<Header> ResponseReader::headers() const {
  std::vector<Header> out;
  if (!impl_->parser->is_header_done()) {
    return out;
  }
  for (const auto& field : impl_->parser->get().base()) {
    out.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  return out;
}

std::optional<std::uint64_t> ResponseReader::content_length() const {
  const auto length = impl_->parser->content_length();
  if (!length) {
    return std::nullopt;
  }
  return *length;
}

std::string ResponseReader::take_body() {
  std::string out;
  out.swap(impl_->parser->get().body().pending);
  return out;
}

ParsedResponse parse_response(std::string_view bytes, std::size_t max_header, std::size_t max_body, bool head_request,
                              bool eof_after) {
  ParsedResponse out;
  ResponseReader reader(max_header, max_body, head_request);
  ResponseReader::Fed fed = reader.feed(bytes);
  if (fed.state == ResponseReader::State::more && eof_after) {
    fed = reader.feed_eof();
  }
  out.body = reader.take_body();
  out.status = reader.status();
  out.headers = reader.headers();
  out.complete = fed.state == ResponseReader::State::done;
  out.failure = fed.failure;
  out.error = fed.error;
  return out;
}

}  // namespace kimgate::rest

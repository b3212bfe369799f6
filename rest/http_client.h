#pragma once
// One HTTP/1.1 request on a fresh mutual-TLS connection towards a KIM provider's REST service
// (KAS, Account Manager, AccountLimit, ServiceInformation). Request and response bodies may be
// streamed; the response may be framed by Content-Length, chunked or the connection's end.
// Every step is bounded: connect_timeout for TCP connect, `inactivity` (CM_KAS_TIMEOUT) for each
// handshake, read and write. Errors are values: exchange() never throws on peer behaviour.
// Response::error names host:port and the cause and never contains a credential.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/asio.h"
#include "net/connection.h"
#include "rest/body.h"

namespace kimgate::rest {

struct Header {
  std::string name;
  std::string value;
};

struct Endpoint {
  std::string host;     // SNI and the certificate name check
  std::string address;  // IP to connect to; empty: resolve host with getaddrinfo
  std::uint16_t port = 443;
};

struct Request {
  std::string method;
  std::string target;
  std::vector<Header> headers;   // Host, Content-Length/Transfer-Encoding, Connection: close are set by exchange()
  std::string body;              // used when stream == nullptr
  BodySource* stream = nullptr;  // streamed body
  std::optional<std::uint64_t> stream_length;  // Content-Length of the stream; nullopt: chunked
};

struct Response {
  enum class Failure { none, resolve, connect, tls, peer_check, timeout, protocol, too_large, source, sink };
  Failure failure = Failure::none;
  std::string error;  // a sentence naming host:port and the cause; never contains credentials
  int status = 0;
  std::vector<Header> headers;
  std::string body;  // when no sink was given (at most ClientSettings::max_body, else too_large)
  std::optional<std::uint64_t> content_length;
  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
  bool ok() const { return failure == Failure::none; }
};

std::string_view to_string(Response::Failure f);

struct ClientSettings {
  std::shared_ptr<asio::ssl::context> tls;  // made by the caller: mutual TLS with C.CM.TLS-CS, verifying peers
  net::PeerCheck check;                     // further server-certificate check (VerifyCertificate), may be empty
  net::Duration connect_timeout = std::chrono::seconds(30);
  net::Duration inactivity = std::chrono::seconds(30);  // CM_KAS_TIMEOUT: no byte moved for this long = timeout
  std::size_t max_body = 1 << 20;
  std::size_t max_header = 64 << 10;
};

// One request on a fresh connection (Connection: close). Streams the request body from
// `request.stream` and the response body into `sink` when given (Content-Length and chunked
// responses; HEAD and 204/304 have none). Interim 1xx responses are skipped.
net::awaitable<Response> exchange(asio::any_io_executor ex, const Endpoint& at, const ClientSettings& settings,
                                  Request request, BodySink* sink = nullptr);

// The serialised request head (request line and header fields, ending with the empty line) that
// exchange() sends; nullopt with `error` when a method, target or header holds bytes that would
// break the framing (CR, LF, NUL, ...).
std::optional<std::string> format_request_head(const Endpoint& at, const Request& request, std::string& error);

// The response parser exchange() uses (Beast's, with our limits), over bytes: pure, for tests and
// fuzzing. Feed bytes as they arrive; body bytes are handed out by take_body().
class ResponseReader {
 public:
  // head_request: the response has no body whatever its headers say. max_body: nullopt = no limit.
  ResponseReader(std::size_t max_header, std::optional<std::uint64_t> max_body, bool head_request);
  ~ResponseReader();
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  enum class State { more, done, error };
  struct Fed {
    State state = State::more;
    std::size_t consumed = 0;                             // bytes of the input used; the rest belongs to the next call
    Response::Failure failure = Response::Failure::none;  // protocol or too_large when state == error
    std::string error;
  };
  // Parses as much of `bytes` as possible. Interim 1xx responses are consumed and skipped.
  Fed feed(std::string_view bytes);
  // The peer closed the connection: ends a body delimited by the connection's end.
  Fed feed_eof();

  bool header_done() const;
  int status() const;
  std::vector<Header> headers() const;
  std::optional<std::uint64_t> content_length() const;
  // Body bytes parsed since the last call (the caller empties it by taking it).
  std::string take_body();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Pure helper over ResponseReader for tests and the fuzzer: a whole response in one buffer.
struct ParsedResponse {
  bool complete = false;
  Response::Failure failure = Response::Failure::none;
  std::string error;
  int status = 0;
  std::vector<Header> headers;
  std::string body;
};
ParsedResponse parse_response(std::string_view bytes, std::size_t max_header, std::size_t max_body,
                              bool head_request = false, bool eof_after = true);

// "Basic base64(user:password)" for an Authorization header.
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace kimgate::rest

// exchange() against an in-process TLS server on 127.0.0.1 (Beast reads the request, the test
// writes the raw response bytes): framing both ways, streaming, limits, timeouts, peer checks.
#include "rest/http_client.h"

#include <gtest/gtest.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <functional>

#include "net/tls.h"

namespace kimgate::rest {
namespace {

namespace http = boost::beast::http;
using net::tcp;
using ServerStream = asio::ssl::stream<tcp::socket>;

struct Tls {
  std::shared_ptr<asio::ssl::context> server;
  std::shared_ptr<asio::ssl::context> client;
};

const Tls& tls() {
  static const Tls t = [] {
    Tls out;
    const auto dir = std::filesystem::path(::testing::TempDir()) / "kimgate-rest-tls";
    const net::SelfSigned self = net::ensure_self_signed(dir, "kimgate.test");
    EXPECT_TRUE(self.error.empty()) << self.error;
    net::ServerTlsOptions o;
    o.certificate = self.certificate;
    o.key = self.key;
    out.server = net::make_server_tls(o).context;
    out.client = net::make_client_tls(net::ClientTlsOptions{{}, self.certificate}).context;
    EXPECT_TRUE(out.server && out.client);
    return out;
  }();
  return t;
}

// What the server saw.
struct Served {
  bool got_request = false;
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Writes the response; may wait first.
using Reply = std::function<net::awaitable<void>(ServerStream&)>;

Reply raw(std::string bytes) {
  return [bytes](ServerStream& s) -> net::awaitable<void> {
    boost::system::error_code ec;
    co_await asio::async_write(s, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
  };
}

Reply silent_for(std::chrono::milliseconds d) {
  return [d](ServerStream& s) -> net::awaitable<void> {
    asio::steady_timer t(s.get_executor());
    t.expires_after(d);
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  };
}

ClientSettings settings() {
  ClientSettings s;
  s.tls = tls().client;
  s.connect_timeout = std::chrono::seconds(5);
  s.inactivity = std::chrono::seconds(5);
  return s;
}

struct Trip {
  Response response;
  Served served;
  std::chrono::steady_clock::duration elapsed{};  // of the client's exchange()
};

Trip run(Request request, const Reply& reply, ClientSettings cs = settings(), BodySink* sink = nullptr) {
  Trip out;
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  auto server = [&]() -> net::awaitable<void> {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    ServerStream stream(std::move(socket), *tls().server);
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      out.served.got_request = true;
      const auto& req = parser.get();
      out.served.method = std::string(req.method_string());
      out.served.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        out.served.headers[name] = std::string(f.value());
      }
      out.served.body = req.body();
    }
    co_await reply(stream);
    stream.next_layer().close(ec);
  };
  auto client = [&]() -> net::awaitable<void> {
    const Endpoint at{"127.0.0.1", "127.0.0.1", port};
    const auto start = std::chrono::steady_clock::now();
    out.response = co_await exchange(io.get_executor(), at, cs, std::move(request), sink);
    out.elapsed = std::chrono::steady_clock::now() - start;
  };
  asio::co_spawn(io, server(), asio::detached);
  asio::co_spawn(io, client(), asio::detached);
  io.run();
  return out;
}

Request get(std::string target = "/a") {
  Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

class ChunkSource final : public BodySource {
 public:
  ChunkSource(std::string data, std::size_t step) : data_(std::move(data)), step_(step) {}
  net::awaitable<Piece> next() override {
    Piece p;
    if (at_ >= data_.size()) {
      p.end = true;
      co_return p;
    }
    p.data = std::string_view(data_).substr(at_, step_);
    at_ += p.data.size();
    co_return p;
  }

 private:
  std::string data_;
  std::size_t step_;
  std::size_t at_ = 0;
};

class RecordingSink final : public BodySink {
 public:
  explicit RecordingSink(std::size_t fail_after = SIZE_MAX) : fail_after_(fail_after) {}
  void on_status(int status) override { status_ = status; }
  net::awaitable<std::string> write(std::string_view data) override {
    if (data_.size() + data.size() > fail_after_) {
      co_return "disk full";
    }
    data_.append(data);
    co_return std::string{};
  }
  int status_ = 0;
  std::string data_;

 private:
  std::size_t fail_after_;
};

TEST(Exchange, ContentLengthResponse) {
  const Trip r = run(get("/limit?x=1"), raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                            "Content-Length: 13\r\n\r\n{\"quota\": -1}"));
  ASSERT_TRUE(r.response.ok()) << r.response.error;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "{\"quota\": -1}");
  EXPECT_EQ(r.response.content_length, 13u);
  EXPECT_EQ(r.response.header("content-type"), "application/json");
  EXPECT_EQ(r.served.method, "GET");
  EXPECT_EQ(r.served.target, "/limit?x=1");
  EXPECT_EQ(r.served.headers.at("connection"), "close");
  EXPECT_EQ(r.served.headers.at("host").rfind("127.0.0.1:", 0), 0u);
}

TEST(Exchange, ChunkedResponseIntoASink) {
  RecordingSink sink;
  const std::string big(100000, 'z');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", big.size());
  const Trip r = run(get(),
                     raw(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n") + size +
                         "\r\n" + big + "\r\n0\r\n\r\n"),
                     settings(), &sink);
  ASSERT_TRUE(r.response.ok()) << r.response.error;
  EXPECT_EQ(sink.status_, 200);
  EXPECT_EQ(sink.data_, "hello" + big);
  EXPECT_TRUE(r.response.body.empty());
}

TEST(Exchange, StreamedRequestWithKnownLength) {
  std::string data;
  for (int i = 0; i < 300000; ++i) {
    data.push_back(static_cast<char>('a' + i % 26));
  }
  ChunkSource source(data, 7000);
  Request req;
  req.method = "POST";
  req.target = "/attachments/v2.4/attachment/";
  req.headers.push_back({"Content-Type", "application/octet-stream"});
  req.stream = &source;
  req.stream_length = data.size();
  const Trip r = run(std::move(req), raw("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"));
  ASSERT_TRUE(r.response.ok()) << r.response.error;
  EXPECT_EQ(r.response.status, 201);
  EXPECT_EQ(r.served.headers.at("content-length"), std::to_string(data.size()));
  EXPECT_EQ(r.served.headers.count("transfer-encoding"), 0u);
  EXPECT_EQ(r.served.body, data);
}

TEST(Exchange, StreamedRequestChunked) {
  ChunkSource source(std::string(50000, 'q') + "end", 4096);
  Request req;
  req.method = "PUT";
  req.target = "/x";
  req.stream = &source;
  const Trip r = run(std::move(req), raw("HTTP/1.1 204 No Content\r\n\r\n"));
  ASSERT_TRUE(r.response.ok()) << r.response.error;
  EXPECT_EQ(r.response.status, 204);
  EXPECT_EQ(r.served.headers.at("transfer-encoding"), "chunked");
  EXPECT_EQ(r.served.body, std::string(50000, 'q') + "end");
}

TEST(Exchange, SourceShorterThanAnnounced) {
  ChunkSource source("12345", 2);
  Request req;
  req.method = "POST";
  req.target = "/x";
  req.stream = &source;
  req.stream_length = 10;
  const Trip r = run(std::move(req), raw(""));
  EXPECT_EQ(r.response.failure, Response::Failure::source);
  EXPECT_NE(r.response.error.find("ended after 5"), std::string::npos) << r.response.error;
}

TEST(Exchange, SinkThatFailsAbortsTheTransfer) {
  RecordingSink sink(10);
  const Trip r =
      run(get(), raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x')), settings(), &sink);
  EXPECT_EQ(r.response.failure, Response::Failure::sink);
  EXPECT_NE(r.response.error.find("disk full"), std::string::npos) << r.response.error;
  EXPECT_NE(r.response.error.find("127.0.0.1:"), std::string::npos) << r.response.error;
}

TEST(Exchange, InactivityTimeout) {
  ClientSettings cs = settings();
  cs.inactivity = std::chrono::milliseconds(300);
  const Trip r = run(get(), silent_for(std::chrono::seconds(2)), cs);
  EXPECT_EQ(r.response.failure, Response::Failure::timeout) << r.response.error;
  EXPECT_GE(r.elapsed, std::chrono::milliseconds(300));
  EXPECT_LT(r.elapsed, std::chrono::milliseconds(1500));
}

TEST(Exchange, TooLongHeader) {
  ClientSettings cs = settings();
  cs.max_header = 4096;
  const Trip r = run(get(), raw("HTTP/1.1 200 OK\r\nX-Pad: " + std::string(8000, 'p') + "\r\n\r\n"), cs);
  EXPECT_EQ(r.response.failure, Response::Failure::too_large) << r.response.error;
}

TEST(Exchange, BodyOverMaxBodyWithoutSink) {
  ClientSettings cs = settings();
  cs.max_body = 1000;
  const Trip r = run(get(), raw("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b')), cs);
  EXPECT_EQ(r.response.failure, Response::Failure::too_large) << r.response.error;
}

TEST(Exchange, HeadHasNoBodyAndInterimResponsesAreSkipped) {
  Request req = get();
  req.method = "HEAD";
  Trip r = run(std::move(req), raw("HTTP/1.1 200 OK\r\nContent-Length: 734003200\r\n\r\n"));
  ASSERT_TRUE(r.response.ok()) << r.response.error;
  EXPECT_EQ(r.response.content_length, 734003200u);
  r = run(get(), raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}"));
  ASSERT_TRUE(r.response.ok()) << r.response.error;
  EXPECT_EQ(r.response.status, 404);
}

TEST(Exchange, PeerCheckRefusesBeforeAnyRequestByte) {
  ClientSettings cs = settings();
  std::size_t seen = 0;
  cs.check = [&seen](std::vector<std::uint8_t> der) -> net::awaitable<std::optional<std::string>> {
    seen = der.size();
    co_return std::optional<std::string>("VerifyCertificate says INVALID");
  };
  Request req = get();
  req.headers.push_back({"Authorization", basic_authorization("user", "secret")});
  const Trip r = run(std::move(req), raw(""), cs);
  EXPECT_EQ(r.response.failure, Response::Failure::peer_check);
  EXPECT_NE(r.response.error.find("INVALID"), std::string::npos);
  EXPECT_GT(seen, 100u);
  EXPECT_FALSE(r.served.got_request);
  EXPECT_EQ(r.response.error.find("secret"), std::string::npos);
}

TEST(Exchange, UntrustedServerAndNoListener) {
  ClientSettings cs = settings();
  cs.tls = net::make_client_tls_base({}).context;
  cs.tls->set_verify_mode(asio::ssl::verify_peer);  // no trust anchors: the self-signed server fails
  Trip r = run(get(), raw(""), cs);
  EXPECT_EQ(r.response.failure, Response::Failure::tls) << r.response.error;

  asio::io_context io;
  Response refused;
  auto client = [&]() -> net::awaitable<void> {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = a.local_endpoint().port();
    a.close();
    const Endpoint at{"127.0.0.1", "", port};  // a named local: g++ 12 mishandles temporaries in co_await
    const ClientSettings cs2 = settings();
    refused = co_await exchange(io.get_executor(), at, cs2, get());
  };
  asio::co_spawn(io, client(), asio::detached);
  io.run();
  EXPECT_EQ(refused.failure, Response::Failure::connect) << refused.error;
}

}  // namespace
}  // namespace kimgate::rest

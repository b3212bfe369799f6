// The multipart/form-data writer: exact bytes, content_length equal to what the source yields,
// and the structure as Python's email parser (the one cgi and many servers build on) reads it.
#include "rest/multipart.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace kimgate::rest {
namespace {

// Yields `data` in pieces of `step` bytes.
class PieceSource final : public BodySource {
 public:
  PieceSource(std::string data, std::size_t step) : data_(std::move(data)), step_(step) {}
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

struct Drained {
  std::string bytes;
  std::string error;
};

Drained drain(BodySource& source) {
  Drained out;
  net::asio::io_context io;
  auto run = [&]() -> net::awaitable<void> {
    for (;;) {
      const Piece p = co_await source.next();
      if (!p.error.empty()) {
        out.error = p.error;
        co_return;
      }
      if (p.end) {
        co_return;
      }
      out.bytes.append(p.data);
    }
  };
  net::asio::co_spawn(io, run(), net::asio::detached);
  io.run();
  return out;
}

MultipartForm kas_form(std::uint64_t size, std::string boundary = "XyZ-boundary") {
  return MultipartForm({{"messageID", "bde36ec8@example"},
                        {"recipients", "a@fd-b.kim.telematik-test"},
                        {"recipients", "b@fd-b.kim.telematik-test"},
                        {"expires", "Tue, 01 Apr 2026 12:00:00 +0000"}},
                       "attachment", "attachment.enc", "application/octet-stream", size, std::move(boundary));
}

TEST(Multipart, ExactBytes) {
  const MultipartForm form = kas_form(5);
  ASSERT_TRUE(form.ok()) << form.error();
  EXPECT_EQ(form.content_type(), "multipart/form-data; boundary=XyZ-boundary");
  EXPECT_EQ(form.head(),
            "--XyZ-boundary\r\nContent-Disposition: form-data; name=\"messageID\"\r\n\r\nbde36ec8@example\r\n"
            "--XyZ-boundary\r\nContent-Disposition: form-data; name=\"recipients\"\r\n\r\na@fd-b.kim.telematik-test\r\n"
            "--XyZ-boundary\r\nContent-Disposition: form-data; name=\"recipients\"\r\n\r\nb@fd-b.kim.telematik-test\r\n"
            "--XyZ-boundary\r\nContent-Disposition: form-data; name=\"expires\"\r\n\r\n"
            "Tue, 01 Apr 2026 12:00:00 +0000\r\n"
            "--XyZ-boundary\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"attachment.enc\"\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(form.tail(), "\r\n--XyZ-boundary--\r\n");
  PieceSource file(std::string("\x00\r\n--\xff", 5), 2);
  const auto source = form.source(file);
  const Drained d = drain(*source);
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.bytes, form.head() + std::string("\x00\r\n--\xff", 5) + form.tail());
  EXPECT_EQ(d.bytes.size(), form.content_length());
}

TEST(Multipart, FileShorterOrLongerThanAnnouncedIsAnError) {
  const MultipartForm form = kas_form(10);
  PieceSource shorter("12345", 3);
  auto source = form.source(shorter);
  EXPECT_NE(drain(*source).error.find("ended after 5 of 10"), std::string::npos);
  PieceSource longer("123456789012", 5);
  source = form.source(longer);
  EXPECT_NE(drain(*source).error.find("longer"), std::string::npos);
}

TEST(Multipart, RefusesInjectionAndTheBoundaryInValues) {
  EXPECT_FALSE(MultipartForm({{"na\"me", "v"}}, "f", "n", "t", 1, "B").ok());
  EXPECT_FALSE(MultipartForm({{"name", "v\r\nX: y"}}, "f", "n", "t", 1, "B").ok());
  EXPECT_FALSE(MultipartForm({{"name", std::string("a\0b", 3)}}, "f", "n", "t", 1, "B").ok());
  EXPECT_FALSE(MultipartForm({{"name", "has --BND inside"}}, "f", "n", "t", 1, "BND").ok());
  EXPECT_FALSE(MultipartForm({}, "f", "a\"b", "t", 1, "B").ok());
  EXPECT_FALSE(MultipartForm({}, "f", "n", "t", 1, "bad boundary with spaces").ok());
  EXPECT_FALSE(MultipartForm({{"", "v"}}, "f", "n", "t", 1, "B").ok());
  const MultipartForm random({{"a", "b"}}, "f", "n", "t", 0);
  ASSERT_TRUE(random.ok()) << random.error();
  EXPECT_GE(random.boundary().size(), 40u);
  EXPECT_NE(random.boundary(), MultipartForm({{"a", "b"}}, "f", "n", "t", 0).boundary());
}

// Python's email package parses the body as a MIME multipart (as cgi.FieldStorage does).
TEST(Multipart, PythonReadsTheFieldsAndTheFile) {
  if (std::system("python3 -c 'import email' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 not available";
  }
  std::string file;
  for (int i = 0; i < 3000; ++i) {
    file.push_back(static_cast<char>(i * 7));
  }
  const MultipartForm form = kas_form(file.size(), {});
  ASSERT_TRUE(form.ok());
  PieceSource data(file, 1000);
  const auto source = form.source(data);
  const Drained d = drain(*source);
  ASSERT_EQ(d.bytes.size(), form.content_length());
  const auto dir = std::filesystem::path(::testing::TempDir());
  const auto body_path = dir / "kimgate-multipart-body";
  std::ofstream(body_path, std::ios::binary) << "Content-Type: " << form.content_type() << "\r\n\r\n" << d.bytes;
  const auto script = dir / "kimgate-multipart.py";
  std::ofstream(script) << R"(import email, email.policy, hashlib, sys
msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.HTTP)
assert msg.is_multipart() and not msg.defects, msg.defects
for p in msg.iter_parts():
    payload = p.get_payload(decode=True)
    name = p.get_param('name', header='content-disposition')
    print(name, p.get_filename(), p.get_content_type() if p.get_filename() else '-', p.get('Content-Length', '-'),
          payload.decode() if p.get_filename() is None else hashlib.sha256(payload).hexdigest(), sep='|')
)";
  const std::string command = "python3 " + script.string() + " " + body_path.string();
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) {
    output += buffer;
  }
  EXPECT_EQ(pclose(pipe), 0) << output;
  unsigned char digest[32];
  unsigned int digest_length = 0;
  EVP_Digest(file.data(), file.size(), digest, &digest_length, EVP_sha256(), nullptr);
  std::string sha;
  for (unsigned i = 0; i < digest_length; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    sha += hex;
  }
  EXPECT_NE(output.find("messageID|None|-|-|bde36ec8@example\n"), std::string::npos) << output;
  EXPECT_NE(output.find("recipients|None|-|-|a@fd-b.kim.telematik-test\n"), std::string::npos) << output;
  EXPECT_NE(output.find("recipients|None|-|-|b@fd-b.kim.telematik-test\n"), std::string::npos) << output;
  EXPECT_NE(output.find("expires|None|-|-|Tue, 01 Apr 2026 12:00:00 +0000\n"), std::string::npos) << output;
  EXPECT_NE(output.find("attachment|attachment.enc|application/octet-stream|3000|" + sha + "\n"), std::string::npos)
      << output;
}

}  // namespace
}  // namespace kimgate::rest

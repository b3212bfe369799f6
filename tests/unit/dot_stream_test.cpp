#include "net/dot_stream.h"

#include <gtest/gtest.h>

namespace kimgate::net {
namespace {

struct Decoded {
  std::string body;
  bool done = false;
  std::size_t consumed = 0;
  std::uint64_t bare_lf = 0;
  std::uint64_t bare_cr = 0;
};

Decoded decode(std::string_view wire, std::size_t step = 0) {
  Decoded d;
  DotDecoder dec([&](std::string_view s) { d.body.append(s); });
  if (step == 0) {
    step = wire.size() + 1;
  }
  for (std::size_t i = 0; i < wire.size() && !dec.done(); i += step) {
    d.consumed += dec.feed(wire.substr(i, step));
  }
  d.done = dec.done();
  d.bare_lf = dec.bare_lf();
  d.bare_cr = dec.bare_cr();
  return d;
}

std::string encode(std::string_view body, bool fix = true) {
  std::string wire;
  DotEncoder enc([&](std::string_view s) { wire.append(s); }, fix);
  enc.feed(body);
  enc.finish();
  return wire;
}

TEST(DotDecoder, UnstuffsAndStopsAtTheTerminator) {
  const std::string wire = "Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";
  for (std::size_t step : {0, 1, 2, 3, 7}) {
    const Decoded d = decode(wire, step);
    EXPECT_TRUE(d.done) << step;
    EXPECT_EQ(d.body, "Subject: x\r\n\r\n.leading dot\r\n") << step;
    EXPECT_EQ(d.consumed, wire.size() - std::string("QUIT\r\n").size()) << "bytes after the terminator stay";
  }
}

TEST(DotDecoder, BareLfNeverTerminates) {
  const Decoded d = decode("a\n.\nb\r\n.\r\n");
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.body, "a\n.\nb\r\n") << "SMTP smuggling: only CRLF.CRLF ends the data";
  EXPECT_EQ(d.bare_lf, 2u);
  const Decoded cr = decode("a\r.\rb\r\n.\r\n");
  EXPECT_EQ(cr.body, "a\r.\rb\r\n");
  EXPECT_EQ(cr.bare_cr, 2u);
}

TEST(DotDecoder, EmptyBodyAndOddDots) {
  EXPECT_EQ(decode(".\r\n").body, "");
  EXPECT_TRUE(decode(".\r\n").done);
  EXPECT_EQ(decode(".x\r\n.\r\n").body, ".x\r\n");
  EXPECT_EQ(decode("...\r\n.\r\n").body, "..\r\n");
  EXPECT_EQ(decode(".\rx\r\n.\r\n").body, ".\rx\r\n");
  EXPECT_FALSE(decode("no terminator\r\n").done);
}

TEST(DotEncoder, StuffsAndTerminates) {
  EXPECT_EQ(encode(".a\r\nb\r\n.\r\n"), "..a\r\nb\r\n..\r\n.\r\n");
  EXPECT_EQ(encode("no final newline"), "no final newline\r\n.\r\n");
  EXPECT_EQ(encode(""), ".\r\n");
  EXPECT_EQ(encode("bare\nlf\n.x"), "bare\r\nlf\r\n..x\r\n.\r\n");
}

TEST(DotEncoder, AnySplitGivesTheSameWire) {
  // The SMTP client stuffs a message in slices; where a slice ends must not matter.
  const std::string body = ".a\r\nb\n.c\r.d\r\n\r\n..e\nf\r\n.";
  for (const bool fix : {true, false}) {
    std::string whole;
    DotEncoder one([&whole](std::string_view s) { whole.append(s); }, fix);
    one.feed(body);
    one.finish();
    for (std::size_t step = 1; step <= body.size(); ++step) {
      std::string split;
      DotEncoder e([&split](std::string_view s) { split.append(s); }, fix);
      for (std::size_t at = 0; at < body.size(); at += step) {
        e.feed(std::string_view(body).substr(at, step));
      }
      e.finish();
      EXPECT_EQ(split, whole) << "step " << step << " fix " << fix;
    }
  }
}

TEST(DotStream, RoundTrip) {
  for (const std::string body : {"", "a\r\n", ".\r\n", "..\r\n..\r\n", "x\r\n.\r\n.\r\n", "line\r\n.last\r\n"}) {
    const std::string wire = encode(body);
    for (std::size_t step : {0, 1, 2, 5}) {
      const Decoded d = decode(wire, step);
      EXPECT_TRUE(d.done);
      EXPECT_EQ(d.body, body) << step;
    }
  }
}

}  // namespace
}  // namespace kimgate::net

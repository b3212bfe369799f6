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

// The rules of RFC 5321 §4.5.2 one byte at a time, as plainly as they can be written: the decoder
// must agree with it on every input and every split.
Decoded reference(std::string_view wire) {
  Decoded d;
  bool line_start = true;
  std::size_t i = 0;
  for (; i < wire.size(); ++i) {
    const char c = wire[i];
    if (line_start && c == '.') {
      if (wire.substr(i, 3) == ".\r\n") {
        d.done = true;
        i += 3;
        break;
      }
      if (i + 2 >= wire.size() && wire.substr(i) == std::string_view(".\r\n").substr(0, wire.size() - i)) {
        break;  // an unfinished terminator: nothing more is body yet
      }
      if (i + 1 < wire.size() && wire[i + 1] == '.') {
        ++i;  // ".." -> "."
      }
      d.body += wire[i];
      line_start = false;
      continue;
    }
    if (c == '\r') {
      if (i + 1 == wire.size()) {
        break;  // held until the next byte is known
      }
      d.bare_cr += wire[i + 1] != '\n' ? 1 : 0;
      d.body += c;
      line_start = false;
      continue;
    }
    if (c == '\n') {
      const bool crlf = i > 0 && wire[i - 1] == '\r' && !d.body.empty() && d.body.back() == '\r';
      d.bare_lf += crlf ? 0 : 1;
      line_start = crlf;
      d.body += c;
      continue;
    }
    d.body += c;
    line_start = false;
  }
  d.consumed = d.done ? i : wire.size();
  return d;
}

TEST(DotDecoder, AgreesWithTheBytewiseRulesOnAnySplit) {
  // Short random wires over the bytes that matter, each fed whole and in pieces of 1..7.
  std::uint32_t seed = 12345;
  const auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 16;
  };
  constexpr std::string_view kAlphabet = "\r\n.ab";
  for (int round = 0; round < 20000; ++round) {
    std::string wire;
    const std::size_t n = next() % 24;
    for (std::size_t k = 0; k < n; ++k) {
      wire += kAlphabet[next() % kAlphabet.size()];
    }
    const Decoded want = reference(wire);
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
      const Decoded got = decode(wire, step);
      ASSERT_EQ(got.done, want.done) << testing::PrintToString(wire) << " step " << step;
      if (!want.done) {
        // An unfinished body: what is held back (a CR, a line-start dot) may differ by where
        // the feed ended, so compare the prefix both agree is body.
        ASSERT_TRUE(want.body.starts_with(got.body) || got.body.starts_with(want.body))
            << testing::PrintToString(wire) << " step " << step;
        continue;
      }
      ASSERT_EQ(got.body, want.body) << testing::PrintToString(wire) << " step " << step;
      ASSERT_EQ(got.consumed, want.consumed) << testing::PrintToString(wire) << " step " << step;
      ASSERT_EQ(got.bare_lf, want.bare_lf) << testing::PrintToString(wire) << " step " << step;
      ASSERT_EQ(got.bare_cr, want.bare_cr) << testing::PrintToString(wire) << " step " << step;
    }
  }
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

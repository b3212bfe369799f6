// The MIME walker kim::find_parts on literal messages: document order and depths, parts without
// header fields, message/rfc822 below the top, and each bound of PartScan (depth, count, not
// opening a quoted message, the last part of a body without its close delimiter).
#include "kim/mime_parts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kimgate::kim {
namespace {

const char* kNested =
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "plain\r\n"
    "--inner\r\n"
    "\r\n"
    "no header fields\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: quoted\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>quoted</p>\r\n"
    "--outer--\r\n";

struct Seen {
  std::string type;
  int depth;
  std::string body;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> walk(const std::string& mail, const PartScan& scan = {}) {
  const std::optional<RawMessage> m = parse_raw_message(mail);
  EXPECT_TRUE(m.has_value());
  std::vector<Seen> out;
  for (const MimePart& p : find_parts(*m, scan)) {
    out.push_back(Seen{p.type, p.depth, p.depth == 0 ? std::string() : std::string(p.entity.body)});
  }
  return out;
}

TEST(MimeParts, EveryEntityInDocumentOrderWithItsDepth) {
  const std::vector<Seen> expected{
      {"multipart/mixed", 0, ""},
      {"multipart/alternative", 1,
       "--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n--inner\r\n\r\nno header "
       "fields\r\n--inner--"},
      {"text/plain", 2, "plain"},
      {"text/plain", 2, "no header fields"},  // no Content-Type: text/plain (RFC 2045 §5.2)
      {"message/rfc822", 1, "Subject: quoted\r\nContent-Type: text/html\r\n\r\n<p>quoted</p>"},
      {"text/html", 2, "<p>quoted</p>"},
  };
  EXPECT_EQ(walk(kNested), expected);
}

TEST(MimeParts, DepthAndCountBoundTheWalk) {
  const std::vector<Seen> shallow = walk(kNested, PartScan{.max_depth = 1});
  ASSERT_EQ(shallow.size(), 3U);  // the message and its two parts, neither split nor opened
  EXPECT_EQ(shallow[1].type, "multipart/alternative");
  EXPECT_EQ(shallow[2].type, "message/rfc822");

  const std::vector<Seen> few = walk(kNested, PartScan{.max_parts = 3});
  ASSERT_EQ(few.size(), 3U);
  EXPECT_EQ(few[2].body, "plain");
}

TEST(MimeParts, AQuotedMessageStaysClosedWhenAsked) {
  const std::vector<Seen> parts = walk(kNested, PartScan{.into_messages = false});
  ASSERT_EQ(parts.size(), 5U);
  EXPECT_EQ(parts.back().type, "message/rfc822");
}

TEST(MimeParts, TheLastPartWithoutCloseDelimiterIsKeptOnlyWhenAsked) {
  const std::string cut =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nsecond, cut off her";
  const std::vector<Seen> strict = walk(cut);
  ASSERT_EQ(strict.size(), 2U);
  EXPECT_EQ(strict[1].body, "first");
  const std::vector<Seen> kept = walk(cut, PartScan{.keep_unclosed = true});
  ASSERT_EQ(kept.size(), 3U);
  EXPECT_EQ(kept[2].body, "second, cut off her");
}

TEST(MimeParts, ADelimiterMustStartALineAndMatchTheWholeBoundary) {
  const std::string mail =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\ntext with --b inside and\r\n--bb not a delimiter\r\n--b--\r\n";
  const std::vector<Seen> parts = walk(mail);
  ASSERT_EQ(parts.size(), 2U);
  EXPECT_EQ(parts[1].body, "text with --b inside and\r\n--bb not a delimiter");
}

TEST(MimeParts, AMultipartWithoutBoundaryIsALeaf) {
  const std::vector<Seen> parts = walk("Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nbody\r\n--x--\r\n");
  ASSERT_EQ(parts.size(), 1U);
}

}  // namespace
}  // namespace kimgate::kim

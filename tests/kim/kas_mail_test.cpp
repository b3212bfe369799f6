// The large-mail client mail (kim/kas_mail.h): A_22341, A_19359-07, A_23467.
#include "kim/kas_mail.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

TEST(XkasScanner, FindsADispositionLineHoweverTheBytesArrive) {
  const std::string body =
      "--b\r\nContent-Type: text/plain; charset=utf-8\r\ncontent-disposition:  X-KAS\r\n\r\n{}\r\n--b--\r\n";
  for (std::size_t piece : {1u, 3u, 7u, 1000u}) {
    XkasScanner s;
    for (std::size_t at = 0; at < body.size(); at += piece) {
      s.feed(std::string_view(body).substr(at, piece));
    }
    EXPECT_TRUE(s.found()) << piece;
  }
}

TEST(XkasScanner, IgnoresOtherDispositionsAndTheWordInText) {
  XkasScanner s;
  s.feed("Content-Disposition: attachment; filename=x-kas.txt\r\n");
  s.feed("A line that mentions Content-Disposition: x-kas in the middle\r\n");
  s.feed(std::string(100000, 'a') + "Content-Disposition: x-kas\r\n");
  EXPECT_FALSE(s.found());
}

TEST(BodyOffset, CrlfLfAndMissing) {
  EXPECT_EQ(body_offset("A: b\r\nC: d\r\n\r\nbody"), 14u);
  EXPECT_EQ(body_offset("A: b\n\nbody"), 6u);
  EXPECT_EQ(body_offset("\r\nbody"), 2u);
  EXPECT_FALSE(body_offset("A: b\r\nC: d\r\n").has_value());
}

TEST(KasInnerMail, ReplacesTheBodyAndKeepsEveryOtherField) {
  const std::string headers =
      "From: a@x.kim.telematik\r\nTo: b@y.kim.telematik\r\nSubject: Befund\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed;\r\n boundary=\"abc\"\r\nContent-Transfer-Encoding: 7bit\r\n"
      "X-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n";
  const std::string json = R"({"link":"https://kas/x","k":"K","hash":"H","size":42})";
  const std::string inner = kas_inner_mail(headers, json, 42);
  EXPECT_EQ(inner,
            "From: a@x.kim.telematik\r\nTo: b@y.kim.telematik\r\nSubject: Befund\r\nMIME-Version: 1.0\r\n"
            "X-KIM-Dienstkennung: KIM-Mail;Default;V1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: x-kas\r\nX-KIM-KAS-Size: 42\r\n\r\n" +
                json + "\r\n");
  const auto parsed = parse_raw_message(inner);
  ASSERT_TRUE(parsed);
  const auto parts = xkas_parts(*parsed);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts.front(), json);
}

TEST(XkasParts, CountsEveryStructure) {
  const std::string mail =
      "From: a@x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n"
      "Content-Disposition: x-kas\r\n\r\n{\"a\":1}\r\n--b\r\nContent-Disposition: x-kas\r\n\r\n{}\r\n--b--\r\n";
  const auto parsed = parse_raw_message(mail);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(xkas_parts(*parsed).size(), 2u);
}

}  // namespace
}  // namespace kimgate::kim

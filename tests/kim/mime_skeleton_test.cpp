// MimeSkeleton: a mail fed in pieces keeps its header sections, boundaries and small leaf bodies;
// a large body is left out whole (counted), so kim::attachments() on the skeleton names every file
// and holds the small ones; nested multiparts, LF line ends, one byte at a time, long lines and
// the total limit.
#include "kim/mime_skeleton.h"

#include <gtest/gtest.h>

#include "kim/raw_message.h"
#include "kim/route_rules.h"

namespace kimgate::kim {
namespace {

std::string mail(const std::string& big) {
  return "From: a@x.test\r\nTo: b@x.test\r\nSubject: QS\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
         "preamble\r\n"
         "--outer\r\nContent-Type: text/plain\r\n\r\nHallo\r\n"
         "--outer\r\nContent-Type: multipart/mixed;\r\n boundary=inner\r\n\r\n"
         "--inner\r\nContent-Type: application/xml\r\nContent-Disposition: attachment; "
         "filename=\"begleitdatei.xml\"\r\n\r\n"
         "<einlieferung/>\r\n"
         "--inner--\r\n"
         "--outer\r\nContent-Type: application/dicom\r\nContent-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"bild.dcm\"\r\n\r\n" +
         big +
         "--outer  \r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
         "filename=\"x.exe\"\r\n\r\n"
         "TVqQ\r\n"
         "--outer--\r\nepilogue\r\n";
}

std::string big_body(std::size_t lines) {
  std::string b;
  for (std::size_t i = 0; i < lines; ++i) {
    b += std::string(76, 'A') + "\r\n";
  }
  return b;
}

std::vector<Attachment> files_of(const std::string& skeleton) {
  static std::optional<RawMessage> m;
  m = parse_raw_message(skeleton);
  return m ? attachments(*m) : std::vector<Attachment>{};
}

TEST(MimeSkeleton, KeepsEveryFileNameAndTheSmallBodies) {
  const std::string m = mail(big_body(2000));  // ~150 KiB
  MimeSkeleton s(4096, 1 << 20);
  s.feed(m);
  s.finish();
  EXPECT_FALSE(s.overflow());
  EXPECT_EQ(s.cut(), 1U);
  EXPECT_LT(s.text().size(), 2000U);
  EXPECT_EQ(s.text().find("preamble"), std::string::npos);
  EXPECT_EQ(s.text().find("epilogue"), std::string::npos);
  const std::string skeleton = s.text();
  const std::vector<Attachment> files = files_of(skeleton);
  ASSERT_EQ(files.size(), 3U);
  EXPECT_EQ(files[0].name, "begleitdatei.xml");
  EXPECT_EQ(std::string(files[0].body), "<einlieferung/>");
  EXPECT_EQ(files[1].name, "bild.dcm");
  EXPECT_TRUE(files[1].body.empty());
  EXPECT_EQ(files[2].name, "x.exe");
  EXPECT_EQ(std::string(files[2].body).substr(0, 4), "TVqQ");
}

TEST(MimeSkeleton, PiecesOfAnySizeGiveTheSameSkeleton) {
  const std::string m = mail(big_body(300));
  MimeSkeleton whole(4096, 1 << 20);
  whole.feed(m);
  whole.finish();
  for (const std::size_t step : {1U, 7U, 1000U}) {
    MimeSkeleton s(4096, 1 << 20);
    for (std::size_t at = 0; at < m.size(); at += step) {
      s.feed(std::string_view(m).substr(at, step));
    }
    s.finish();
    EXPECT_EQ(s.text(), whole.text()) << step;
  }
}

TEST(MimeSkeleton, BareLineFeedsAndALongLine) {
  std::string m = mail(std::string(100000, 'B') + "\r\n");
  std::string lf;
  for (const char c : m) {
    if (c != '\r') {
      lf += c;
    }
  }
  MimeSkeleton s(4096, 1 << 20);
  s.feed(lf);
  s.finish();
  const std::string skeleton = s.text();
  const std::vector<Attachment> files = files_of(skeleton);
  ASSERT_EQ(files.size(), 3U);
  EXPECT_EQ(files[1].name, "bild.dcm");
  EXPECT_TRUE(files[1].body.empty());
  EXPECT_EQ(files[2].name, "x.exe");
}

TEST(MimeSkeleton, StopsGrowingAtTheTotalLimit) {
  MimeSkeleton s(1 << 20, 1000);
  s.feed(mail(big_body(100)));
  s.finish();
  EXPECT_TRUE(s.overflow());
  EXPECT_LE(s.text().size(), 1000U);
}

TEST(MimeSkeleton, ASinglePartMailKeepsItsHeaderSection) {
  MimeSkeleton s(10, 1 << 20);
  s.feed("From: a@x.test\r\nSubject: x\r\n\r\n" + big_body(3));
  s.finish();
  EXPECT_EQ(s.text(), "From: a@x.test\r\nSubject: x\r\n\r\n");
  EXPECT_EQ(s.cut(), 1U);
}

}  // namespace
}  // namespace kimgate::kim

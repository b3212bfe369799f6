// No personal data in the logs (net/log_privacy.h) and log files with a retention time
// (daemon/log_files.h).
#include "net/log_privacy.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "daemon/log_files.h"

namespace kimgate {
namespace {

using namespace std::chrono;

net::PseudonymKey key_of(unsigned char fill) {
  net::PseudonymKey key;
  key.fill(fill);
  return key;
}

TEST(LogPrivacy, AddressesKeepTheirDomain) {
  const auto key = key_of(1);
  const std::string p = net::pseudonym("praxis.a@fd-a.kim.telematik-test", key);
  ASSERT_EQ(p.size(), 12u);
  EXPECT_EQ(p.substr(0, 2), "p-");
  EXPECT_EQ(net::pseudonymise_line("event=auth result=ok mailbox=praxis.a@fd-a.kim.telematik-test proto=smtp", key),
            "event=auth result=ok mailbox=" + p + "@fd-a.kim.telematik-test proto=smtp");
  // Case does not change the pseudonym; another key does.
  EXPECT_EQ(net::pseudonym("Praxis.A@FD-A.kim.telematik-test", key), p);
  EXPECT_NE(net::pseudonym("praxis.a@fd-a.kim.telematik-test", key_of(2)), p);
}

TEST(LogPrivacy, EveryAddressInALineIncludingFreeText) {
  const auto key = key_of(3);
  const std::string line =
      "event=dsn rcpt=a@x.test reason=\"550 5.1.1 <dr.b@y.test>: Recipient address rejected.\" "
      "user=c@z.test#127.0.0.1:465#m1#cs1#wp1 text=Mail to d@w.test.";
  const std::string out = net::pseudonymise_line(line, key);
  for (const char* address : {"a@x.test", "dr.b@y.test", "c@z.test", "d@w.test"}) {
    EXPECT_EQ(out.find(address), std::string::npos) << address << " in " << out;
    EXPECT_NE(out.find(net::pseudonym(address, key) + "@"), std::string::npos) << address;
  }
  EXPECT_NE(out.find("#127.0.0.1:465#m1#cs1#wp1"), std::string::npos) << out;  // the call context stays
  EXPECT_TRUE(out.ends_with("@w.test.")) << out;                               // a full stop is no domain
}

TEST(LogPrivacy, MessageIdsStayTelematikIdsGo) {
  const auto key = key_of(4);
  const std::string line =
      "event=track_answer message_id=<4711@pvs.praxis.test> in_reply_to=\"<1@a.test>\" telematik_id=1-2-ARZT-01 "
      "card=80276001";
  const std::string out = net::pseudonymise_line(line, key);
  EXPECT_NE(out.find("message_id=<4711@pvs.praxis.test> "), std::string::npos) << out;
  EXPECT_NE(out.find("in_reply_to=\"<1@a.test>\" "), std::string::npos) << out;
  EXPECT_NE(out.find("telematik_id=" + net::pseudonym("1-2-ARZT-01", key) + " card=80276001"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("ARZT"), std::string::npos) << out;
}

TEST(LogPrivacy, LinesWithoutPersonalDataAreUnchanged) {
  const auto key = key_of(5);
  for (const char* line : {"", "event=ready", "a=b c=\"d e\" f=", "@", "x@ @y", "=telematik_id", "mail=@x.test"}) {
    EXPECT_EQ(net::pseudonymise_line(line, key), line);
  }
}

TEST(LogPrivacy, TheKeyIsMadeOnceWithMode0600) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("log-key-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string warning;
  const auto first = net::log_pseudonym_key(dir / "state", warning);
  EXPECT_EQ(warning, "");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "state" / "log-pseudonym.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(net::log_pseudonym_key(dir / "state", warning), first);
  net::PseudonymKey read{};
  std::string error;
  EXPECT_TRUE(net::read_log_pseudonym_key(dir / "state", read, error)) << error;
  EXPECT_EQ(read, first);
  EXPECT_FALSE(net::read_log_pseudonym_key(dir / "nowhere", read, error));
  std::filesystem::remove_all(dir);
}

TEST(LogFiles, NamesAndDays) {
  EXPECT_EQ(daemon::log_file_day("kimgated-2026-12-05.log"), sys_days(2026y / December / 5));
  for (const char* name : {"kimgated-2026-13-05.log", "kimgated-2026-02-30.log", "kimgated-2026-12-5.log",
                           "other-2026-12-05.log", "kimgated-2026-12-05.log.gz", "kimgated-20a6-12-05.log"}) {
    EXPECT_FALSE(daemon::log_file_day(name)) << name;
  }
}

TEST(LogFiles, OnlyKimgatedFilesPastTheRetentionExpire) {
  const sys_days today = 2026y / December / 5;
  const std::vector<std::string> names{"kimgated-2026-11-04.log", "kimgated-2026-11-05.log",
                                       "kimgated-2026-11-06.log", "kimgated-2026-12-05.log",
                                       "notes-2020-01-01.log",    "kimgated-2020-01-01.log.1"};
  // 30 days: 2026-11-04 ended exactly 30 days before today began, 2026-11-05 29 days before.
  EXPECT_EQ(daemon::expired_log_files(names, today, hours(24 * 30)),
            (std::vector<std::string>{"kimgated-2026-11-04.log"}));
  EXPECT_EQ(daemon::expired_log_files(names, today, hours(24)).size(), 3u);
}

TEST(LogFiles, TheSinkWritesTodaysFileAndSweepsOldOnes) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("log-files-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "kimgated-2000-01-01.log") << "old\n";
  std::ofstream(dir / "keep.txt") << "not ours\n";
  {
    daemon::DailyLogFileSink sink(dir, hours(24 * 30));
    EXPECT_EQ(sink.open_today(), "");
    sink.set_pattern("%v");
    sink.log(spdlog::details::log_msg("kimgate", spdlog::level::info, "event=ready"));
    sink.flush();
  }
  const auto today = floor<days>(system_clock::now());
  const std::chrono::year_month_day ymd(today);
  char name[32];
  std::snprintf(name, sizeof name, "kimgated-%04d-%02u-%02u.log", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  std::ifstream in(dir / name);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "event=ready");
  struct stat st {};
  ASSERT_EQ(::stat((dir / name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_FALSE(std::filesystem::exists(dir / "kimgated-2000-01-01.log"));
  EXPECT_TRUE(std::filesystem::exists(dir / "keep.txt"));
  daemon::DailyLogFileSink unwritable(dir / "keep.txt" / "sub", hours(24));
  EXPECT_NE(unwritable.open_today(), "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kimgate

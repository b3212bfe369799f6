#include "daemon/doctor_verdicts.h"

#include <gtest/gtest.h>

#include "daemon/doctor.h"

namespace kimgate::daemon {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(DoctorVerdicts, EveryFindingHasSentencesInBothLanguagesAndAdviceUnlessOk) {
  for (int f = 0; f <= static_cast<int>(Finding::hop_timeout); ++f) {
    const DoctorLine l = doctor_line("hop", "SUBJ", static_cast<Finding>(f), "DET");
    EXPECT_EQ(l.finding, static_cast<Finding>(f)) << f;
    EXPECT_EQ(l.sentence.find("internal error"), std::string::npos) << f;
    EXPECT_FALSE(l.sentence.empty()) << f;
    EXPECT_FALSE(l.sentence_de.empty()) << f;
    EXPECT_EQ(l.sentence.find('{'), std::string::npos) << l.sentence;
    EXPECT_EQ(l.sentence_de.find('{'), std::string::npos) << l.sentence_de;
    if (l.verdict == Verdict::ok) {
      EXPECT_TRUE(l.advice.empty()) << f;
    } else {
      EXPECT_FALSE(l.advice.empty()) << f;
      EXPECT_FALSE(l.advice_de.empty()) << f;
    }
  }
}

TEST(DoctorVerdicts, SentencesNameSubjectAndDetail) {
  const DoctorLine l = doctor_line("card", "80276883110000000001", Finding::card_missing, "soap");
  EXPECT_EQ(l.verdict, Verdict::fail);
  EXPECT_EQ(l.sentence, "Card 80276883110000000001 is not inserted in Konnektor soap.");
  EXPECT_EQ(l.sentence_de, "Karte 80276883110000000001 steckt nicht im Konnektor soap.");
  const nlohmann::json j = to_json(l);
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["hop"], "card");
  EXPECT_EQ(j["subject"], "80276883110000000001");
}

TEST(DoctorVerdicts, TheVerdictsOfTheBrief) {
  EXPECT_EQ(doctor_line("card", "x", Finding::card_verified).verdict, Verdict::ok);
  EXPECT_EQ(doctor_line("card", "x", Finding::card_pin_not_entered).verdict, Verdict::warn);
  EXPECT_EQ(doctor_line("card", "x", Finding::card_pin_blocked).verdict, Verdict::fail);
  EXPECT_EQ(doctor_line("card", "x", Finding::card_transport_pin).verdict, Verdict::fail);
  EXPECT_EQ(doctor_line("smtp", "x", Finding::login_not_checked).verdict, Verdict::skip);
  EXPECT_NE(doctor_line("smtp", "a@b", Finding::login_not_checked).sentence.find("not checked: no password given"),
            std::string::npos);
  EXPECT_EQ(doctor_line("certificate", "x", Finding::certificate_expiring).verdict, Verdict::warn);
  EXPECT_EQ(doctor_line("certificate", "x", Finding::certificate_expired).verdict, Verdict::fail);
  EXPECT_EQ(doctor_line("clock", "x", Finding::clock_off).verdict, Verdict::warn);
  EXPECT_EQ(doctor_line("clock", "x", Finding::clock_far_off).verdict, Verdict::fail);
}

TEST(DoctorVerdicts, PinStatusMapping) {
  using konnektor::PinStatus;
  EXPECT_EQ(pin_finding(PinStatus::verified), Finding::card_verified);
  EXPECT_EQ(pin_finding(PinStatus::verifiable), Finding::card_pin_not_entered);
  EXPECT_EQ(pin_finding(PinStatus::blocked), Finding::card_pin_blocked);
  EXPECT_EQ(pin_finding(PinStatus::transport_pin), Finding::card_transport_pin);
  EXPECT_EQ(pin_finding(PinStatus::empty_pin), Finding::card_empty_pin);
}

TEST(DoctorVerdicts, ClockThresholds) {
  EXPECT_EQ(clock_finding(milliseconds(0)), Finding::clock_ok);
  EXPECT_EQ(clock_finding(seconds(60)), Finding::clock_ok);
  EXPECT_EQ(clock_finding(seconds(61)), Finding::clock_off);
  EXPECT_EQ(clock_finding(-seconds(61)), Finding::clock_off);
  EXPECT_EQ(clock_finding(seconds(300)), Finding::clock_off);
  EXPECT_EQ(clock_finding(seconds(301)), Finding::clock_far_off);
  EXPECT_EQ(clock_finding(-seconds(3600)), Finding::clock_far_off);
}

TEST(DoctorVerdicts, CertificateExpiry) {
  const auto now = *parse_iso_utc("2026-12-04T22:00:00Z");
  EXPECT_EQ(certificate_finding(now + hours(24 * 365), now), Finding::certificate_ok);
  EXPECT_EQ(certificate_finding(now + hours(24 * 31), now), Finding::certificate_ok);
  EXPECT_EQ(certificate_finding(now + hours(24 * 29), now), Finding::certificate_expiring);
  EXPECT_EQ(certificate_finding(now + seconds(1), now), Finding::certificate_expiring);
  EXPECT_EQ(certificate_finding(now, now), Finding::certificate_expired);
  EXPECT_EQ(certificate_finding(now - hours(1), now), Finding::certificate_expired);
}

TEST(DoctorVerdicts, IsoTimesAndSpans) {
  const auto t = parse_iso_utc("1970-01-02T00:00:01Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), 86401);
  EXPECT_FALSE(parse_iso_utc("2026-12-04 22:00:00"));
  EXPECT_FALSE(parse_iso_utc("2026-12-04T22:00:00Zjunk"));
  EXPECT_FALSE(parse_iso_utc(""));
  EXPECT_EQ(describe_span(milliseconds(1500)), "1.5 s");
  EXPECT_EQ(describe_span(-milliseconds(1500)), "-1.5 s");
  EXPECT_EQ(describe_span(seconds(42)), "42 s");
  EXPECT_EQ(describe_span(seconds(125)), "2 min 5 s");
  EXPECT_EQ(describe_span(seconds(7500)), "2 h 5 min");
  EXPECT_EQ(describe_span(hours(24 * 20 + 3)), "20 d 3 h");
}

TEST(DoctorVerdicts, WorstVerdictSkipIsNoFault) {
  std::vector<DoctorLine> lines{doctor_line("clock", "k", Finding::clock_ok),
                                doctor_line("smtp", "a", Finding::login_not_checked)};
  EXPECT_EQ(worst_verdict(lines), Verdict::ok);
  lines.push_back(doctor_line("card", "c", Finding::card_pin_not_entered));
  EXPECT_EQ(worst_verdict(lines), Verdict::warn);
  lines.push_back(doctor_line("vzd", "a", Finding::vzd_unreachable, "timeout"));
  EXPECT_EQ(worst_verdict(lines), Verdict::fail);
  EXPECT_EQ(worst_verdict({}), Verdict::ok);
}

}  // namespace
}  // namespace kimgate::daemon

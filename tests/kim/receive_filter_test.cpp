#include "kim/receive_filter.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

TEST(ReceiveFilter, PatternsMatchPartByPartIgnoringCase) {
  EXPECT_TRUE(pattern_matches("eAU", "eAU;Lieferung;V1.0"));
  EXPECT_TRUE(pattern_matches("eau", "eAU;Fehler-Kasse;V1.0"));
  EXPECT_TRUE(pattern_matches("eAU;Fehler-Kasse", "eAU;Fehler-Kasse;V1.0"));
  EXPECT_FALSE(pattern_matches("eAU;Fehler-Kasse", "eAU;Lieferung;V1.0"));
  EXPECT_FALSE(pattern_matches("eAU", "eAUX;Lieferung;V1.0")) << "a part matches whole, not as a prefix";
  EXPECT_TRUE(pattern_matches("eDokumentation-*", "eDokumentation-QSHLT;Status;V2.0"));
  EXPECT_FALSE(pattern_matches("eDokumentation-*", "eDMP;Quittung;V1.0"));
  EXPECT_TRUE(pattern_matches("1ClickAbrechnung;Rueckmeldung;V2.0", "1ClickAbrechnung;Rueckmeldung;V2.0"));
  EXPECT_FALSE(pattern_matches("1ClickAbrechnung;Rueckmeldung;V2.0", "1ClickAbrechnung;Rueckmeldung"));
  EXPECT_TRUE(pattern_matches("*", "KIM-Mail;Default;V1.0"));
  EXPECT_TRUE(pattern_matches("EBZ;*", "EBZ;ANW;2.0.0"));
}

TEST(ReceiveFilter, ALoginSeesItsApplicationsAndTheUnclaimedLoginTheRest) {
  const std::vector<std::string> claimed = {"eAU", "1ClickAbrechnung", "eDokumentation-*"};
  const ApplicationFilter eau{{"eAU"}, false, claimed};
  const ApplicationFilter inbox{{}, true, claimed};
  const std::optional<std::string> fehler = "eAU;Fehler-Kasse;V1.0";
  const std::optional<std::string> status = "eDokumentation-QSKE;Status;V2.0";
  const std::optional<std::string> letter = "Arztbrief;VHitG-Versand;V1.2";
  const std::optional<std::string> none;
  EXPECT_TRUE(shows(eau, fehler));
  EXPECT_FALSE(shows(eau, status));
  EXPECT_FALSE(shows(eau, letter));
  EXPECT_FALSE(shows(eau, none)) << "a DSN without Dienstkennung is not the eAU module's";
  EXPECT_FALSE(shows(inbox, fehler)) << "claimed by the eAU filter";
  EXPECT_FALSE(shows(inbox, status));
  EXPECT_TRUE(shows(inbox, letter));
  EXPECT_TRUE(shows(inbox, none)) << "the default inbox takes mails without Dienstkennung";
}

TEST(ReceiveFilter, OuterDienstkennungFromTheTopHeaders) {
  EXPECT_EQ(outer_dienstkennung("Subject: KOM-LE-Nachricht\r\nx-kim-dienstkennung:  eAU;Fehler-Kasse;V1.0\r\n"
                                "X-KOM-LE-Version: 1.5\r\n\r\n"),
            std::optional<std::string>("eAU;Fehler-Kasse;V1.0"));
  EXPECT_EQ(outer_dienstkennung("X-KIM-Dienstkennung: 1ClickAbrechnung;\r\n Rueckmeldung;V2.0\r\n\r\n"),
            std::optional<std::string>("1ClickAbrechnung; Rueckmeldung;V2.0"))
      << "folded: unfolded as RFC 5322 says";
  EXPECT_TRUE(pattern_matches("1ClickAbrechnung;Rueckmeldung", "1ClickAbrechnung; Rueckmeldung;V2.0"));
  EXPECT_EQ(outer_dienstkennung("Subject: Undelivered Mail Returned to Sender\r\n\r\n"), std::nullopt);
  EXPECT_EQ(outer_dienstkennung("X-KIM-Dienstkennung:\r\n\r\n"), std::nullopt);
  EXPECT_EQ(outer_dienstkennung(""), std::nullopt);
}

}  // namespace
}  // namespace kimgate::kim

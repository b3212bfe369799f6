#include "daemon/pop3_filter.h"

#include <gtest/gtest.h>

namespace kimgate::daemon {
namespace {

kim::UserName login(std::string address, std::string client_system, std::string workplace) {
  kim::UserName n;
  n.address = std::move(address);
  n.client_system_id = std::move(client_system);
  n.workplace_id = std::move(workplace);
  return n;
}

TEST(Pop3Filter, TheFirstEntryForMailboxWorkplaceAndClientSystemApplies) {
  const std::vector<conf::ReceiveFilter> filters = {
      {"praxis@kim.example", "AP-Empfang", "", {"eAU"}, false},
      {"praxis@kim.example", "", "PVS-QS", {"eDokumentation-*", "1ClickAbrechnung"}, false},
      {"praxis@kim.example", "", "", {}, true},
      {"other@kim.example", "", "", {"eDMP"}, false},
  };
  const auto eau = select_filter(filters, login("Praxis@KIM.example", "PVS", "AP-Empfang"));
  ASSERT_TRUE(eau);
  EXPECT_EQ(eau->applications, std::vector<std::string>{"eAU"});
  EXPECT_EQ(eau->claimed, (std::vector<std::string>{"eAU", "eDokumentation-*", "1ClickAbrechnung"}))
      << "the claims of every entry of this mailbox, not of other mailboxes";
  const auto qs = select_filter(filters, login("praxis@kim.example", "PVS-QS", "AP-2"));
  ASSERT_TRUE(qs);
  EXPECT_EQ(qs->applications.size(), 2u);
  const auto inbox = select_filter(filters, login("praxis@kim.example", "PVS", "AP-2"));
  ASSERT_TRUE(inbox);
  EXPECT_TRUE(inbox->unclaimed);
  EXPECT_TRUE(inbox->applications.empty());
  EXPECT_FALSE(select_filter(filters, login("third@kim.example", "PVS", "AP-2"))) << "no entry: the whole mailbox";
}

TEST(Pop3Filter, TheCacheRemembersEachMessagesDienstkennungPerMailboxAndUidl) {
  DienstkennungCache cache(3);
  EXPECT_FALSE(cache.find("a@kim.example", "u1"));
  cache.put("A@kim.example", "u1", std::string("eAU;Lieferung;V1.0"));
  cache.put("a@kim.example", "u2", std::nullopt);
  ASSERT_TRUE(cache.find("a@kim.example", "u1"));
  EXPECT_EQ(*cache.find("a@kim.example", "u1"), std::optional<std::string>("eAU;Lieferung;V1.0"));
  ASSERT_TRUE(cache.find("a@kim.example", "u2"));
  EXPECT_FALSE(cache.find("a@kim.example", "u2")->has_value()) << "seen without a Dienstkennung";
  EXPECT_FALSE(cache.find("b@kim.example", "u1")) << "per mailbox";
  cache.put("a@kim.example", "u3", std::string("eAU;Lieferung;V1.0"));
  EXPECT_EQ(cache.size(), 3u);
  cache.put("a@kim.example", "u4", std::nullopt);
  EXPECT_EQ(cache.size(), 1u) << "full: starts afresh";

  LoginFilter eau(kim::ApplicationFilter{{"eAU"}, false, {"eAU"}}, "a@kim.example", cache);
  EXPECT_FALSE(eau.known("u9"));
  EXPECT_TRUE(eau.judge("u9", "X-KIM-Dienstkennung: eAU;Fehler-Kasse;V1.0\r\n\r\n"));
  EXPECT_EQ(eau.known("u9"), std::optional<bool>(true));
  EXPECT_FALSE(eau.judge("u10", "Subject: DSN\r\n\r\n"));
  EXPECT_EQ(eau.known("u10"), std::optional<bool>(false));
}

}  // namespace
}  // namespace kimgate::daemon

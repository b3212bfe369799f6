// The composite KIM user name: the SMTP and POP3 layouts of spec digest §3 and trap 1 of §12.
#include "kim/user_name.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

constexpr auto smtp = UserNameProtocol::smtp;
constexpr auto pop3 = UserNameProtocol::pop3;

TEST(UserName, SpecExampleSmtp) {
  const auto r = parse_user_name(
      "erik.mustermann@hrst_domain.kim.telematik#hrst_domain.kim.telematik:465#1#KOM_LE#7#Konn_1", smtp);
  // '_' is not allowed in a KIM domain (A_21455-01), so the spec's example address is rejected ...
  EXPECT_FALSE(r.value.has_value());
  // ... while the same layout with a conforming address parses.
  const auto ok = parse_user_name(
      "erik.mustermann@hrst-domain.kim.telematik#hrst_domain.kim.telematik:465#1#KOM_LE#7#Konn_1", smtp);
  ASSERT_TRUE(ok.value) << ok.error;
  EXPECT_EQ(ok.value->address, "erik.mustermann@hrst-domain.kim.telematik");
  ASSERT_TRUE(ok.value->server);
  EXPECT_EQ(ok.value->server->host, "hrst_domain.kim.telematik");
  EXPECT_EQ(ok.value->server->port, 465);
  EXPECT_EQ(ok.value->mandant_id, "1");
  EXPECT_EQ(ok.value->client_system_id, "KOM_LE");
  EXPECT_EQ(ok.value->workplace_id, "7");
  EXPECT_EQ(ok.value->konnektor_id, "Konn_1");
  EXPECT_TRUE(ok.value->user_id.empty());
}

TEST(UserName, PositionFiveDiffersBetweenProtocols) {
  const std::string name = "Praxis.A@fd-a.kim.telematik-test#127.0.0.1:10465#M1#CS1#WP1#X5";
  const auto s = parse_user_name(name, smtp);
  const auto p = parse_user_name(name, pop3);
  ASSERT_TRUE(s.value && p.value);
  EXPECT_EQ(s.value->konnektor_id, "X5");
  EXPECT_TRUE(s.value->user_id.empty());
  EXPECT_EQ(p.value->user_id, "X5");
  EXPECT_TRUE(p.value->konnektor_id.empty());
  EXPECT_EQ(s.value->address, "Praxis.A@fd-a.kim.telematik-test") << "addresses are never re-cased";
}

TEST(UserName, PlaceholdersAndExtras) {
  const auto p = parse_user_name("a@b.kim.telematik#h:995#1#KOM_LE#7#*#Konn_1", pop3);
  ASSERT_TRUE(p.value) << p.error;
  EXPECT_TRUE(p.value->user_id.empty());
  EXPECT_EQ(p.value->konnektor_id, "Konn_1");
  const auto x = parse_user_name("a@b.kim.telematik#h:465#1#KOM_LE#7#*#future#more", smtp);
  ASSERT_TRUE(x.value) << x.error;
  EXPECT_TRUE(x.value->konnektor_id.empty());
  EXPECT_EQ(x.value->extra, (std::vector<std::string>{"future", "more"}));
}

TEST(UserName, ServerMayBeLeftToDiscovery) {
  for (const char* name : {"a@b.kim.telematik#*#1#C#7", "a@b.kim.telematik##1#C#7"}) {
    const auto r = parse_user_name(name, smtp);
    ASSERT_TRUE(r.value) << name << ": " << r.error;
    EXPECT_FALSE(r.value->server.has_value());
  }
  const auto v6 = parse_user_name("a@b.kim.telematik#[::1]:10465#1#C#7", smtp);
  ASSERT_TRUE(v6.value && v6.value->server);
  EXPECT_EQ(v6.value->server->host, "::1");
}

TEST(UserName, IncompleteOrMalformedNamesGetSentences) {
  struct Case {
    const char* name;
    const char* sentence;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"a@b.kim.telematik", "must contain address and port of the SMTP server"},
           {"a@b.kim.telematik#h:465#1#C", "address#host:port#MandantId#ClientSystemId#WorkplaceId"},
           {"a@b.kim.telematik#h:465#*#C#7", "lacks the MandantId"},
           {"a@b.kim.telematik#h:465#1##7", "lacks the ClientSystemId"},
           {"a@b.kim.telematik#h:465#1#C#*", "lacks the WorkplaceId"},
           {"a@b.kim.telematik#h#1#C#7", "as host:port"},
           {"a@b.kim.telematik#h:0#1#C#7", "as host:port"},
           {"a@b.kim.telematik#h:99999#1#C#7", "as host:port"},
           {"a@b.kim.telematik#h/x:25#1#C#7", "as host:port"},
           {"not-an-address#h:465#1#C#7", "is not a KIM address"},
           {"a b@c.kim.telematik#h:465#1#C#7", "control characters or spaces"},
       }) {
    const auto r = parse_user_name(c.name, smtp);
    EXPECT_FALSE(r.value.has_value()) << c.name;
    EXPECT_NE(r.error.find(c.sentence), std::string::npos) << c.name << " -> " << r.error;
  }
  const auto r = parse_user_name("a@b.kim.telematik#h:465#1#C#" + std::string(65, 'w'), smtp);
  EXPECT_NE(r.error.find("longer than 64"), std::string::npos);
  const auto q = parse_user_name("a@b.kim.telematik", pop3);
  EXPECT_NE(q.error.find("POP3 server"), std::string::npos);
}

TEST(KimAddress, Rules) {
  EXPECT_TRUE(is_kim_address("B-0165432.KVSH@kv.dox.kim.telematik"));
  EXPECT_TRUE(is_kim_address("praxis_a@fd-a.kim.telematik-test"));
  EXPECT_FALSE(is_kim_address("müller@x.kim.telematik"));
  EXPECT_FALSE(is_kim_address("a@@b"));
  EXPECT_FALSE(is_kim_address("@b.kim.telematik"));
  EXPECT_FALSE(is_kim_address("a@b..kim.telematik"));
  EXPECT_FALSE(is_kim_address(std::string(65, 'a') + "@b.kim.telematik"));
}

}  // namespace
}  // namespace kimgate::kim

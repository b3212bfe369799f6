#include <gtest/gtest.h>

#include "pop3/command.h"

namespace kimgate::pop3 {
namespace {

TEST(Pop3Command, ParsesVerbsAndArguments) {
  const Command top = parse_command("top 3 10");
  EXPECT_EQ(top.verb, Verb::top);
  ASSERT_EQ(top.args.size(), 2u);
  EXPECT_EQ(top.args[0], "3");
  EXPECT_EQ(top.args[1], "10");
  EXPECT_EQ(parse_command("CAPA").verb, Verb::capa);
  EXPECT_EQ(parse_command("stls").verb, Verb::stls);
  EXPECT_EQ(parse_command("UIDL").args.size(), 0u);
}

TEST(Pop3Command, PassKeepsSpaces) {
  const Command c = parse_command("PASS secret with spaces ");
  EXPECT_EQ(c.verb, Verb::pass);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0], "secret with spaces ");
}

TEST(Pop3Command, UserNameWithHashes) {
  const Command c = parse_command("USER praxis@fd-a.kim.telematik-test#127.0.0.1:10995#M1#CS1#WP1");
  EXPECT_EQ(c.verb, Verb::user);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0], "praxis@fd-a.kim.telematik-test#127.0.0.1:10995#M1#CS1#WP1");
}

TEST(Pop3Command, Unknown) {
  EXPECT_EQ(parse_command("XTND XMIT").verb, Verb::unknown);
  EXPECT_EQ(parse_command("").verb, Verb::unknown);
  EXPECT_EQ(parse_command("RETRX 1").verb, Verb::unknown);
}

}  // namespace
}  // namespace kimgate::pop3

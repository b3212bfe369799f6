#include <gtest/gtest.h>

#include "smtp/command.h"
#include "smtp/replies.h"

namespace kimgate::smtp {
namespace {

TEST(SmtpCommand, VerbsAreCaseInsensitive) {
  EXPECT_EQ(parse_command("ehlo pvs.local").verb, Verb::ehlo);
  EXPECT_EQ(parse_command("EhLo pvs.local").args, "pvs.local");
  EXPECT_EQ(parse_command("QUIT").verb, Verb::quit);
  EXPECT_EQ(parse_command("starttls").verb, Verb::starttls);
}

TEST(SmtpCommand, ArgumentsKeepInnerSpacesAndDropTrailing) {
  const Command c = parse_command("MAIL FROM:<a@b.kim.telematik-test> SIZE=123   ");
  EXPECT_EQ(c.verb, Verb::mail);
  EXPECT_EQ(c.args, "FROM:<a@b.kim.telematik-test> SIZE=123");
}

TEST(SmtpCommand, UnknownAndPrefixes) {
  EXPECT_EQ(parse_command("QUITX").verb, Verb::unknown);
  EXPECT_EQ(parse_command("QUI").verb, Verb::unknown);
  EXPECT_EQ(parse_command("").verb, Verb::unknown);
  EXPECT_EQ(parse_command(" QUIT").verb, Verb::unknown);
  const Command c =
      parse_command(std::string("\x01\xff"
                                "ABC",
                                5));
  EXPECT_EQ(c.verb, Verb::unknown);
  EXPECT_EQ(c.verb_text, "??ABC");
}

TEST(SmtpCommand, VerbTextIsBounded) {
  const Command c = parse_command(std::string(400, 'A'));
  EXPECT_EQ(c.verb, Verb::unknown);
  EXPECT_EQ(c.verb_text.size(), 16u);
}

TEST(SmtpReply, Formats) {
  EXPECT_EQ(format_reply(replies::auth_required),
            "530 5.7.0 Authentication required: AUTH PLAIN or LOGIN with the KIM user name\r\n");
  EXPECT_EQ(format_reply(250, "", "kimgate"), "250 kimgate\r\n");
  EXPECT_EQ(format_reply(replies::unknown_command), "502 5.5.1 Invalid command\r\n");
  EXPECT_EQ(format_reply(replies::mechanism_unsupported).substr(0, 10), "504 5.7.4 ");
}

}  // namespace
}  // namespace kimgate::smtp

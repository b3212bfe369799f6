// Address proposals for SMC-B and eHBA and the form check of KIM addresses (FAQ A_21455-01).
#include "kim/address_proposal.h"

#include <gtest/gtest.h>

namespace kimgate::kim {
namespace {

ProposalInput smcb(std::string bsnr) {
  ProposalInput in;
  in.card = ProposalInput::Card::smcb;
  in.domain = "kv.dox.kim.telematik";
  in.bsnr = std::move(bsnr);
  return in;
}

ProposalInput hba(std::string given, std::string surname) {
  ProposalInput in;
  in.card = ProposalInput::Card::hba;
  in.domain = "fd-a.kim.telematik-test";
  in.given_name = std::move(given);
  in.surname = std::move(surname);
  return in;
}

TEST(AddressProposal, PracticeCardGetsBsnrAndKv) {
  const Proposals p = propose_addresses(smcb("016543200"));
  ASSERT_FALSE(p.error) << p.error->sentence_en;
  ASSERT_EQ(p.proposals.size(), 1u);
  EXPECT_EQ(p.proposals[0].address, "B-016543200.KVSH@kv.dox.kim.telematik");
  EXPECT_EQ(p.proposals[0].editable_part, "B-016543200");
  EXPECT_EQ(p.proposals[0].fixed_suffix, ".KVSH@kv.dox.kim.telematik");
  // Bezirksstellen map to their Landes-KV; the 35kk form carries the KV in digits 3-4.
  EXPECT_EQ(propose_addresses(smcb("411234500")).proposals.at(0).fixed_suffix, ".KVH@kv.dox.kim.telematik");
  EXPECT_EQ(propose_addresses(smcb("020000100")).proposals.at(0).fixed_suffix, ".KVHH@kv.dox.kim.telematik");
  EXPECT_EQ(propose_addresses(smcb("357112300")).proposals.at(0).fixed_suffix, ".KVB@kv.dox.kim.telematik");
  EXPECT_EQ(propose_addresses(smcb("951234500")).proposals.at(0).fixed_suffix, ".KVS@kv.dox.kim.telematik");
  EXPECT_EQ(propose_addresses(smcb("731234500")).proposals.at(0).fixed_suffix, ".KVSAAR@kv.dox.kim.telematik");
}

TEST(AddressProposal, KvShortNamesForEveryLandesKv) {
  const std::vector<std::pair<std::string, std::string>> expected{
      {"01", "KVSH"}, {"02", "KVHH"},  {"03", "KVHB"}, {"17", "KVN"},  {"20", "KVWL"}, {"38", "KVNO"},
      {"46", "KVH"},  {"51", "KVRLP"}, {"52", "KVBW"}, {"71", "KVB"},  {"72", "KVBE"}, {"73", "KVSAAR"},
      {"78", "KVMV"}, {"83", "KVBB"},  {"88", "KVSA"}, {"93", "KVT"},  {"98", "KVS"},  {"06", "KVN"},
      {"19", "KVWL"}, {"27", "KVNO"},  {"63", "KVB"},  {"81", "KVBB"}, {"94", "KVS"}};
  for (const auto& [code, name] : expected) {
    EXPECT_EQ(kv_short_name(code), name) << code;
  }
  EXPECT_FALSE(kv_short_name("00"));
  EXPECT_FALSE(kv_short_name("4"));
  EXPECT_FALSE(kv_short_name("x1"));
}

TEST(AddressProposal, UsedAddressesAreNeverProposedAgain) {
  ProposalInput in = smcb("461234500");
  in.used = {"b-461234500.kvh@KV.DOX.kim.telematik", "B-461234500-2.KVH@kv.dox.kim.telematik"};
  const Proposals p = propose_addresses(in);
  ASSERT_EQ(p.proposals.size(), 1u);
  EXPECT_EQ(p.proposals[0].address, "B-461234500-3.KVH@kv.dox.kim.telematik");
  EXPECT_EQ(p.proposals[0].editable_part, "B-461234500-3");
}

TEST(AddressProposal, AtMostOneHundredAddressesPerCard) {
  ProposalInput in = smcb("461234500");
  in.addresses_on_card = 99;
  EXPECT_FALSE(propose_addresses(in).error);
  in.addresses_on_card = 100;
  const Proposals p = propose_addresses(in);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->kind, ProposalError::Kind::limit_reached);
  EXPECT_TRUE(p.proposals.empty());
  EXPECT_NE(p.error->sentence_de.find("100 KIM-Adressen"), std::string::npos);
}

TEST(AddressProposal, PracticeCardWithoutUsableBsnr) {
  ProposalInput in = smcb("461234500");
  in.bsnr.reset();
  EXPECT_EQ(propose_addresses(in).error->kind, ProposalError::Kind::no_bsnr);
  EXPECT_EQ(propose_addresses(smcb("46123450")).error->kind, ProposalError::Kind::bad_bsnr);
  EXPECT_EQ(propose_addresses(smcb("001234500")).error->kind, ProposalError::Kind::bad_bsnr);
  in = smcb("461234500");
  in.domain = "example.org";
  EXPECT_EQ(propose_addresses(in).error->kind, ProposalError::Kind::bad_domain);
}

TEST(AddressProposal, DoctorCardGetsTransliteratedNames) {
  ProposalInput in = hba("Jürgen", "Müller-Lüdenscheidt");
  in.bsnr = "461234500";
  Proposals p = propose_addresses(in);
  ASSERT_FALSE(p.error);
  ASSERT_EQ(p.proposals.size(), 1u);
  EXPECT_EQ(p.proposals[0].address, "Juergen.Mueller-Luedenscheidt.KVH@fd-a.kim.telematik-test");
  EXPECT_EQ(p.proposals[0].editable_part, "Juergen.Mueller-Luedenscheidt");
  // Two given names: both joined, and the first alone; no BSNR: no KV part.
  p = propose_addresses(hba("Anna Maria", "Weiß"));
  ASSERT_EQ(p.proposals.size(), 2u);
  EXPECT_EQ(p.proposals[0].address, "Anna-Maria.Weiss@fd-a.kim.telematik-test");
  EXPECT_EQ(p.proposals[1].address, "Anna.Weiss@fd-a.kim.telematik-test");
  EXPECT_EQ(p.proposals[1].fixed_suffix, "@fd-a.kim.telematik-test");
  EXPECT_EQ(propose_addresses(hba("李", "王")).error->kind, ProposalError::Kind::no_name);
}

TEST(AddressProposal, LongNamesAreCutToSixtyFourCharacters) {
  ProposalInput in = hba(std::string(40, 'a'), std::string(40, 'b'));
  in.bsnr = "461234500";
  in.used = {std::string(40, 'a') + "." + std::string(19, 'b') + ".KVH@fd-a.kim.telematik-test"};
  const Proposals p = propose_addresses(in);
  ASSERT_EQ(p.proposals.size(), 1u);
  const std::string& a = p.proposals[0].address;
  EXPECT_EQ(a.substr(0, a.find('@')).size(), 64u) << a;
  EXPECT_EQ(p.proposals[0].editable_part, std::string(40, 'a') + "." + std::string(17, 'b') + "-2");
  EXPECT_TRUE(validate_kim_address(a).ok());
}

TEST(AddressProposal, Transliteration) {
  EXPECT_EQ(transliterate_name("Ärztin Öztürk"), "Aerztin-Oeztuerk");
  EXPECT_EQ(transliterate_name("Strauß"), "Strauss");
  EXPECT_EQ(transliterate_name("José"), "Jose");
  EXPECT_EQ(transliterate_name("Łukasz Wałęsa"), "Lukasz-Walesa");
  EXPECT_EQ(transliterate_name("François Œuvray"), "Francois-Oeuvray");
  EXPECT_EQ(transliterate_name("Dvořák"), "Dvorak");
  EXPECT_EQ(transliterate_name("O'Brien"), "OBrien");
  EXPECT_EQ(transliterate_name("  von  der Heide "), "von-der-Heide");
  EXPECT_EQ(transliterate_name("Mu\xCC\x88ller"), "Mueller") << "a decomposed ü";
  EXPECT_EQ(transliterate_name("Ma\xffier\xC3"), "Maier") << "malformed UTF-8 is dropped";
  EXPECT_EQ(transliterate_name("Anne–Marie"), "Anne-Marie") << "an en dash";
}

TEST(AddressProposal, BsnrFromTelematikId) {
  EXPECT_EQ(bsnr_from_telematik_id("1-2381234500"), "381234500");
  EXPECT_EQ(bsnr_from_telematik_id("1-2461234500-01"), "461234500");
  EXPECT_FALSE(bsnr_from_telematik_id("1-1234567890"));
  EXPECT_FALSE(bsnr_from_telematik_id("1-2001234500"));
  EXPECT_FALSE(bsnr_from_telematik_id("9-2.210.4600001"));
}

TEST(AddressValidation, TheFaqRules) {
  for (const char* good :
       {"praxis.a@fd-a.kim.telematik-test", "B-461234500.KVH@kv.dox.kim.telematik", "a_b-c.D9@x.kim.telematik"}) {
    EXPECT_TRUE(validate_kim_address(good).ok()) << good << ": " << validate_kim_address(good).sentence_en;
  }
  const std::vector<std::pair<std::string, AddressProblem>> bad{
      {"praxis.kim.telematik", AddressProblem::no_at},
      {"a@b@c.kim.telematik", AddressProblem::no_at},
      {"@fd.kim.telematik", AddressProblem::local_empty},
      {std::string(65, 'a') + "@fd.kim.telematik", AddressProblem::local_too_long},
      {"müller@fd.kim.telematik", AddressProblem::local_bad_character},
      {"a+b@fd.kim.telematik", AddressProblem::local_bad_character},
      {"a..b@fd.kim.telematik", AddressProblem::local_dots},
      {".a@fd.kim.telematik", AddressProblem::local_dots},
      {"a.@fd.kim.telematik", AddressProblem::local_dots},
      {"a@" + std::string(180, 'f') + ".kim.telematik", AddressProblem::domain_too_long},
      {"a@FD.kim.telematik", AddressProblem::domain_bad_character},
      {"a@fd_a.kim.telematik", AddressProblem::domain_bad_character},
      {"a@fd..kim.telematik", AddressProblem::domain_labels},
      {"a@-fd.kim.telematik", AddressProblem::domain_labels},
      {"a@fd.kim.telematik.", AddressProblem::domain_labels},
      {"a@example.org", AddressProblem::domain_not_kim},
      {"a@kim.telematik", AddressProblem::domain_not_kim},
  };
  for (const auto& [address, problem] : bad) {
    const AddressCheck c = validate_kim_address(address);
    EXPECT_EQ(c.problem, problem) << address;
    EXPECT_FALSE(c.sentence_en.empty());
    EXPECT_FALSE(c.sentence_de.empty());
  }
  EXPECT_EQ(validate_kim_address("a..b@fd.kim.telematik").sentence_en,
            "The address \"a..b@fd.kim.telematik\" must not begin or end with a dot or have two dots in a row.");
  EXPECT_EQ(validate_kim_address("a\nb@fd.kim.telematik").sentence_en.find('\n'), std::string::npos);
}

TEST(AddressValidation, EditedAddress) {
  const std::set<std::string> used{"B-461234500.KVH@kv.dox.kim.telematik"};
  EXPECT_TRUE(check_edited_address("Praxis-Mueller", ".KVH@kv.dox.kim.telematik", used).ok());
  EXPECT_EQ(check_edited_address("b-461234500", ".KVH@kv.dox.kim.telematik", used).problem,
            AddressProblem::already_used);
  EXPECT_EQ(check_edited_address("Praxis Müller", ".KVH@kv.dox.kim.telematik", used).problem,
            AddressProblem::local_bad_character);
  EXPECT_EQ(check_edited_address("Praxis.", ".KVH@kv.dox.kim.telematik", used).problem, AddressProblem::local_dots);
}

}  // namespace
}  // namespace kimgate::kim

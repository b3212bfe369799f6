// Routing address parser, service table, Kostenträger file and SDKVCA reader.
#include "kim/route_address.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "kim/route_services.h"
#include "kim/route_sources.h"

namespace kimgate::kim {
namespace {

constexpr std::string_view kDomain = "route.kimgate.invalid";

TEST(RoutingAddress, OrdinaryAddressIsNotRouted) {
  EXPECT_EQ(parse_routing_address("praxis.a@fd-a.kim.telematik-test", kDomain).kind, RouteKind::none);
  EXPECT_EQ(parse_routing_address("eau@route.kimgate.invalid.evil", kDomain).kind, RouteKind::none);
  EXPECT_EQ(parse_routing_address("no-at-sign", kDomain).kind, RouteKind::none);
}

TEST(RoutingAddress, EauWithIk) {
  const auto r = parse_routing_address("eau-104612348@Route.KimGate.Invalid", kDomain);
  EXPECT_EQ(r.kind, RouteKind::eau_by_ik);
  EXPECT_EQ(r.ik, "104612348");
  EXPECT_EQ(parse_routing_address("EAU-101575519@route.kimgate.invalid", kDomain).ik, "101575519");
}

TEST(RoutingAddress, EauWithBadIkNamesTheCheckDigit) {
  const auto r = parse_routing_address("eau-104612340@route.kimgate.invalid", kDomain);
  EXPECT_EQ(r.kind, RouteKind::invalid);
  EXPECT_NE(r.error.find("expected 8"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("<eau-104612340@route.kimgate.invalid>"), std::string::npos);
  EXPECT_EQ(parse_routing_address("eau-10461234@route.kimgate.invalid", kDomain).kind, RouteKind::invalid);
  EXPECT_EQ(parse_routing_address("eau-10461234x@route.kimgate.invalid", kDomain).kind, RouteKind::invalid);
}

TEST(RoutingAddress, EauFromBundle) {
  EXPECT_EQ(parse_routing_address("eau@route.kimgate.invalid", kDomain).kind, RouteKind::eau_from_bundle);
}

TEST(RoutingAddress, KvServiceAndTestFlag) {
  auto r = parse_routing_address("kv-1Click@route.kimgate.invalid", kDomain);
  EXPECT_EQ(r.kind, RouteKind::kv_service);
  EXPECT_EQ(r.service, "1click");
  EXPECT_FALSE(r.test);
  r = parse_routing_address("kv-qs-sono+test@route.kimgate.invalid", kDomain);
  EXPECT_EQ(r.service, "qs-sono");
  EXPECT_TRUE(r.test);
  EXPECT_EQ(parse_routing_address("kv-@route.kimgate.invalid", kDomain).kind, RouteKind::invalid);
  EXPECT_EQ(parse_routing_address("kv-+test@route.kimgate.invalid", kDomain).kind, RouteKind::invalid);
  EXPECT_EQ(parse_routing_address("kv-a_b@route.kimgate.invalid", kDomain).kind, RouteKind::invalid);
  EXPECT_EQ(parse_routing_address("kv-" + std::string(41, 'a') + "@route.kimgate.invalid", kDomain).kind,
            RouteKind::invalid);
  EXPECT_EQ(parse_routing_address("other@route.kimgate.invalid", kDomain).kind, RouteKind::invalid);
}

TEST(RoutingAddress, OtherDomain) {
  EXPECT_EQ(parse_routing_address("eau@route.example.org", "route.example.org").kind, RouteKind::eau_from_bundle);
  EXPECT_EQ(parse_routing_address("eau@route.kimgate.invalid", "route.example.org").kind, RouteKind::none);
  EXPECT_TRUE(valid_route_domain("route.kimgate.invalid"));
  EXPECT_FALSE(valid_route_domain("route..invalid"));
  EXPECT_FALSE(valid_route_domain(""));
  EXPECT_FALSE(valid_route_domain("a b"));
}

std::string shipped_table() {
  std::ifstream in(std::string(KIMGATE_SOURCE_DIR) + "/conf/route-services.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ServiceTable, ShippedDefaultLoads) {
  const auto r = parse_service_table(shipped_table(), "route-services.txt");
  ASSERT_TRUE(r.table) << (r.errors.empty() ? "" : r.errors.front());
  const RouteService* eau = r.table->find("eau");
  ASSERT_NE(eau, nullptr);
  EXPECT_EQ(eau->recipient, RouteRecipient::insurer);
  EXPECT_EQ(eau->dienstkennungen.front(), "eAU;Lieferung;V1.0");
  EXPECT_EQ(r.table->by_dienstkennung("eAU;Storno-Arzt;V1.0"), eau);
  const RouteService* sono = r.table->find("qs-sono");
  ASSERT_NE(sono, nullptr);
  EXPECT_EQ(sono->rule, RouteRule::extensions);
  EXPECT_EQ(sono->extensions.size(), 13u);
  EXPECT_TRUE(sono->dienstkennungen.empty());
  const RouteService* click = r.table->find("1CLICK");
  ASSERT_NE(click, nullptr);
  EXPECT_EQ(click->sdkvca_id, "1CLICK");
  EXPECT_EQ(click->rule, RouteRule::begleitdatei);
  EXPECT_EQ(r.table->find("sqs")->rule, RouteRule::billing_bsnr);
  EXPECT_EQ(r.table->find("ehks")->dienstkennungen.front(), "abD-eHKS;Einsendung;V1.0");
}

TEST(ServiceTable, ErrorsNameFileAndLine) {
  const auto r = parse_service_table(
      "eau insurer eAU - - eAU;Lieferung;V1.0\n"
      "# comment\n"
      "x kv T - - not-a-dienstkennung\n"
      "y kv T - frobnicate A;B;C\n"
      "z hospital T - - A;B;D\n"
      "eau insurer eAU - - A;B;E\n"
      "w kv T - - eAU;Lieferung;V1.0\n"
      "v kv T - extensions=pdf A;B;F\n"
      "short line\n",
      "t.txt");
  EXPECT_FALSE(r.table);
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0].rfind("t.txt:3: ", 0), 0u) << r.errors[0];
  EXPECT_NE(r.errors[1].find("unknown rule 'frobnicate'"), std::string::npos);
  EXPECT_NE(r.errors[2].find("'insurer' or 'kv'"), std::string::npos);
  EXPECT_NE(r.errors[3].find("listed twice"), std::string::npos);
  EXPECT_NE(r.errors[4].find("already belongs to 'eau'"), std::string::npos);
  EXPECT_NE(r.errors[5].find("must start with '.'"), std::string::npos);
  EXPECT_NE(r.errors[6].find("expected 6 fields"), std::string::npos);
}

TEST(ServiceTable, NeedsEau) {
  const auto r = parse_service_table("1click kv 1ClickAbrechnung 1CLICK begleitdatei A;B;C\n", "t.txt");
  EXPECT_FALSE(r.table);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("needs a service 'eau'"), std::string::npos);
}

TEST(Kostentraeger, MapsIkToHauptIk) {
  const auto r = parse_kostentraeger("# IK Haupt-IK\n104690009 104612348\r\n\n  101575519\t101575519 # TK\n", "kt.txt");
  ASSERT_TRUE(r.table);
  EXPECT_EQ(r.table->haupt_ik_of("104690009"), "104612348");
  EXPECT_EQ(r.table->haupt_ik_of("109999990"), "109999990");
  const auto bad = parse_kostentraeger("104690009\n12345 104612348\n104690009 1\n", "kt.txt");
  EXPECT_FALSE(bad.table);
  ASSERT_EQ(bad.errors.size(), 3u);
  EXPECT_EQ(bad.errors[1].rfind("kt.txt:2: ", 0), 0u);
}

constexpr std::string_view kSdkvca = R"(<?xml version="1.0" encoding="UTF-8"?>
<ehd:ehd xmlns:ehd="urn:ehd/001" xmlns="urn:ehd/kvca/001">
  <ehd:header><ehd:document_type_cd V="KVCA"/></ehd:header>
  <ehd:body>
    <kvca_liste>
      <institution_liste>
        <kv>
          <id EX="46" RT="S_KBV_KV"/>
          <anwendungsliste>
            <anwendung gueltig_ab="2023-01-01" gueltig_bis="2024-12-31">
              <id EX="1CLICK"/><version V="1"/>
              <email V="abrechnung.46@kv-safenet.de"/>
              <kim_email V="alt.kvh@fd-a.kim.telematik-test"/>
            </anwendung>
            <anwendung gueltig_ab="2025-01-01">
              <id EX="1CLICK"/><version V="2"/>
              <email V="abrechnung.46@kv-safenet.de"/>
              <test_email V="abrechnung.test@kv-safenet.de"/>
              <kim_email V="abrechnung.kvh@fd-a.kim.telematik-test"/>
              <kim_test_email V="test.kvh@fd-a.kim.telematik-test"/>
              <anwendungsspezifika><anwendungsfunktion V="Fkt 2"/></anwendungsspezifika>
            </anwendung>
            <anwendung>
              <id EX="eHKS"/><version V="1"/>
              <gueltig_ab V="2020-01-01T00:00:00"/>
              <kim_email>ehks.kvh@fd-a.kim.telematik-test</kim_email>
            </anwendung>
            <anwendung gueltig_ab="01.01.2020"><id EX="eDMP"/></anwendung>
          </anwendungsliste>
        </kv>
        <kv><anwendungsliste/></kv>
      </institution_liste>
    </kvca_liste>
  </ehd:body>
</ehd:ehd>)";

TEST(Sdkvca, ReadsServicesPerKv) {
  const auto r = parse_sdkvca(kSdkvca, "kvca.xml");
  ASSERT_TRUE(r.file) << r.error;
  EXPECT_EQ(r.file->services.size(), 3u);
  EXPECT_EQ(r.warnings.size(), 2u);  // the eDMP entry with a German date, the kv without id
  const SdkvcaService* now = r.file->find("46", "1click", "2026-12-04");
  ASSERT_NE(now, nullptr);
  EXPECT_EQ(now->version, "2");
  EXPECT_EQ(sdkvca_kim_address(*now, false), "abrechnung.kvh@fd-a.kim.telematik-test");
  EXPECT_EQ(sdkvca_kim_address(*now, true), "test.kvh@fd-a.kim.telematik-test");
  const SdkvcaService* then = r.file->find("46", "1CLICK", "2024-06-30");
  ASSERT_NE(then, nullptr);
  EXPECT_EQ(then->kim_email, "alt.kvh@fd-a.kim.telematik-test");
  EXPECT_EQ(sdkvca_kim_address(*then, true), "alt.kvh@fd-a.kim.telematik-test");  // no test address
  EXPECT_EQ(r.file->find("46", "eHKS", "2019-12-31"), nullptr);
  EXPECT_EQ(r.file->find("46", "eHKS", "2020-01-01")->kim_email, "ehks.kvh@fd-a.kim.telematik-test");
  EXPECT_EQ(r.file->find("38", "1CLICK", "2026-12-04"), nullptr);
  bool test = true;
  const SdkvcaService* kvc = r.file->by_kv_connect_address("Abrechnung.46@KV-SafeNet.de", &test);
  ASSERT_NE(kvc, nullptr);
  EXPECT_FALSE(test);
  EXPECT_EQ(r.file->by_kv_connect_address("abrechnung.test@kv-safenet.de", &test)->version, "2");
  EXPECT_TRUE(test);
}

TEST(Sdkvca, RefusesWhatIsNoSdkvca) {
  EXPECT_FALSE(parse_sdkvca("<a><b/></a>", "x.xml").file);
  const auto broken = parse_sdkvca("<a><b></a>", "x.xml");
  EXPECT_FALSE(broken.file);
  EXPECT_NE(broken.error.find("x.xml: not well-formed XML"), std::string::npos) << broken.error;
}

TEST(Sdkvca, IsoDate) {
  EXPECT_EQ(iso_date(0), "1970-01-01");
  EXPECT_EQ(iso_date(1733270400), "2024-12-04");
}

}  // namespace
}  // namespace kimgate::kim

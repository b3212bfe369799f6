#include "daemon/route_resolve.h"

#include "kim/eau_bundle.h"
#include "kim/identifiers.h"
#include "kim/route_address.h"
#include "kim/route_rules.h"
#include "kim/send_mail.h"
#include "kim/track_match.h"
#include "ldap/directory.h"

namespace kimgate::daemon {

namespace {

constexpr std::string_view kKvConnectDomain = "kv-safenet.de";

struct Resolution {
  std::optional<RouteRefusal> refusal;
  RouteStep step;
  const kim::RouteService* service = nullptr;
  std::string guid;
};

Resolution refused(int code, std::string enhanced, std::string sentence) {
  Resolution r;
  r.refusal = RouteRefusal{code, std::move(enhanced), std::move(sentence)};
  return r;
}

// Everything one mail's routing needs, looked up at most once.
struct Context {
  const RouteData& data;
  ldap::Directory& directory;
  const kim::RawMessage& mail;
  std::string mail_from;
  std::string today;
  std::vector<kim::Attachment> files;
  bool sender_known = false;
  std::vector<std::string> sender_bsnrs;
  std::string sender_error;
  bool headers_only = false;
};

// The sentence for a mail routed by its header section alone whose routing needs `what`.
std::string too_large_for(const kim::RoutingAddress& addr, const std::string& what, const std::string& instead) {
  return "The mail to <" + addr.address +
         "> goes through the KIM Attachment Service and its MIME structure is too large for kimgate to read "
         "(part headers and small files above 4 MiB), so kimgate cannot check " +
         what + " and did not send it; " + instead;
}

std::vector<kim::AddressCandidate> candidates_of(const std::vector<ldap::VzdEntry>& entries) {
  std::vector<kim::AddressCandidate> out;
  auto known = [&out](const std::string& m) {
    for (const auto& c : out) {
      if (kim::iequals(c.mail, m)) {
        return true;
      }
    }
    return false;
  };
  for (const auto& e : entries) {
    for (const auto& k : e.kim_data) {
      if (!known(k.mail)) {
        out.push_back(kim::AddressCandidate{k.mail, k.app_tags});
      }
    }
    for (const auto& m : e.mails) {
      if (!known(m)) {
        out.push_back(kim::AddressCandidate{m, {}});
      }
    }
  }
  return out;
}

std::string names_of(const std::vector<ldap::VzdEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    out += (out.empty() ? "'" : ", '") + e.display_name + "'";
  }
  return out;
}

net::awaitable<void> load_sender(Context& ctx) {
  if (ctx.sender_known) {
    co_return;
  }
  ctx.sender_known = true;
  net::awaitable<ldap::AddressLookup> op = ctx.directory.lookup_address(ctx.mail_from, false);
  ldap::AddressLookup r = co_await std::move(op);
  if (!r.ok()) {
    ctx.sender_error = "the directory could not be asked for the sender <" + ctx.mail_from + ">: " + r.detail;
    co_return;
  }
  for (const auto& e : r.entries) {
    for (const auto& d : e.domain_ids) {
      if (kim::check_bsnr(d).ok()) {
        ctx.sender_bsnrs.push_back(d);
      }
    }
  }
}

// The IK of an eau@ address: read from the first attachment that is an eAU bundle.
std::string ik_from_bundle(const Context& ctx, std::string& why, std::string& problem) {
  for (const auto& f : ctx.files) {
    const std::optional<std::string> content = kim::decoded_content(f);
    if (!content) {
      continue;
    }
    const kim::EauBundle b = kim::read_eau_bundle(*content);
    if (b.ik) {
      why = "IK " + *b.ik + " read from the Coverage payor of the eAU bundle '" + f.name + "'" +
            (b.was_signed ? " (inside the PVS's signed container; the signature is the insurer's to check)" : "");
      return *b.ik;
    }
    problem = "'" + f.name + "': " + b.error;
  }
  return {};
}

net::awaitable<Resolution> resolve_eau(Context& ctx, const kim::RoutingAddress& addr) {
  const kim::RouteService* service = ctx.data.services.find("eau");
  std::string ik = addr.ik;
  std::string why = "IK " + ik + " from the routing address";
  if (addr.kind == kim::RouteKind::eau_from_bundle && ctx.headers_only) {
    co_return refused(554, "5.6.0",
                      too_large_for(addr, "the insurer's IK in its eAU bundle",
                                    "send it to eau-<IK>@" + ctx.data.domain + " with the insurer's IK"));
  }
  if (addr.kind == kim::RouteKind::eau_from_bundle) {
    std::string problem = "the mail has no attachment";
    ik = ik_from_bundle(ctx, why, problem);
    if (ik.empty()) {
      co_return refused(554, "5.6.0",
                        "The routing address <" + addr.address +
                            "> takes the insurer's IK from the eAU bundle, and none was found (" + problem +
                            "); attach the eAU or send to eau-<IK>@" + ctx.data.domain);
    }
    // Only the shape is enforced: the IK comes from the card data, and test IKs may fail the check
    // digit (routing-and-identifiers.md §7.4).
    const kim::IkCheck check = kim::check_ik(ik);
    if (check.problem == kim::IdentifierProblem::wrong_length || check.problem == kim::IdentifierProblem::not_digits) {
      co_return refused(554, "5.6.0",
                        "The eAU bundle names the payor IK '" + ik +
                            "', which is not valid: " + std::string(kim::to_string(check.problem)));
    }
    if (!check.ok()) {
      why += " (its check digit does not match; searched anyway)";
    }
  }
  std::string haupt = ik;
  if (ctx.data.kostentraeger) {
    haupt = ctx.data.kostentraeger->haupt_ik_of(ik);
    if (haupt != ik) {
      why += "; Haupt-IK " + haupt + " from the Kostenträger file " + ctx.data.kostentraeger->source;
    }
  }
  net::awaitable<ldap::EntriesLookup> op = ctx.directory.insurer_by_ik(haupt);
  ldap::EntriesLookup r = co_await std::move(op);
  if (!r.ok()) {
    co_return refused(451, "4.4.3",
                      "The directory could not be asked for the insurer with IK " + haupt + ": " + r.detail);
  }
  if (r.entries.empty()) {
    co_return refused(
        550, "5.1.1",
        "No insurer with IK " + haupt + " (entryType 5) is in the VZD, so <" + addr.address + "> cannot be delivered");
  }
  const kim::AddressChoice choice = kim::choose_address(candidates_of(r.entries), service->app_tag);
  if (choice.mail.empty()) {
    co_return refused(550, "5.1.1", "The insurer with IK " + haupt + " (" + names_of(r.entries) + "): " + choice.error);
  }
  Resolution out;
  out.service = service;
  out.step = RouteStep{addr.address, choice.mail, service->name,
                       why + "; VZD insurer " + names_of(r.entries) + ": " + choice.reason};
  co_return out;
}

// The KV of the delivery: the billing BSNR if the PVS named one, else the sender's.
struct KvRegion {
  std::string bsnr;
  std::string how;
  std::optional<kim::KvRegion> region;
  std::string error;
};
KvRegion kv_region_of(const Context& ctx, const std::string& billing) {
  KvRegion out;
  if (!billing.empty()) {
    out.bsnr = billing;
    out.how = "billing BSNR " + billing + " (" + std::string(kim::kBillingBsnrHeader) + ")";
  } else if (!ctx.sender_bsnrs.empty()) {
    out.bsnr = ctx.sender_bsnrs.front();
    out.how = "the sender's BSNR " + out.bsnr + " (VZD domainID)";
  } else {
    out.error = ctx.sender_error.empty() ? "the sender's VZD entry has no BSNR (domainID) and the mail names none in " +
                                               std::string(kim::kBillingBsnrHeader)
                                         : ctx.sender_error;
    return out;
  }
  const kim::BsnrCheck check = kim::check_bsnr(out.bsnr);
  if (check.ok() && !check.landes_kv.empty()) {
    out.region = kim::kv_region(check.landes_kv);
  }
  if (!out.region) {
    out.error =
        "the BSNR " + out.bsnr + " belongs to no known KV region (" + std::string(kim::to_string(check.problem)) + ")";
  }
  return out;
}

net::awaitable<Resolution> resolve_kv(Context& ctx, const kim::RoutingAddress& addr) {
  const kim::RouteService* service = ctx.data.services.find(addr.service);
  if (service == nullptr || service->recipient != kim::RouteRecipient::kv) {
    co_return refused(550, "5.1.1",
                      "The routing address <" + addr.address + "> names the KV service '" + addr.service +
                          "', which the routing service table " + ctx.data.services_source + " does not list");
  }
  if (ctx.headers_only && kim::reads_attachments(service->rule)) {
    co_return refused(554, "5.6.0",
                      too_large_for(addr,
                                    "the " + service->name + " rule on its attachments (" +
                                        std::string(kim::to_string(service->rule)) + ")",
                                    "send the " + service->name + " delivery in fewer or smaller parts"));
  }
  net::awaitable<void> sender = load_sender(ctx);
  co_await std::move(sender);
  const std::string billing = kim::header_value(ctx.mail, kim::kBillingBsnrHeader).value_or("");
  const kim::RuleOutcome rule =
      kim::check_rule(*service, kim::RuleInput{&ctx.mail, &ctx.files, ctx.sender_bsnrs, billing});
  if (!rule.ok()) {
    co_return refused(554, "5.6.0", rule.sentence);
  }
  const KvRegion kv = kv_region_of(ctx, billing);
  if (!kv.region) {
    co_return refused(554, "5.6.0", "kimgate cannot tell which KV <" + addr.address + "> means: " + kv.error);
  }
  const bool test = addr.test || rule.test;
  std::string why = "KV " + kv.region->code + " " + kv.region->name + " from " + kv.how +
                    (test ? (addr.test ? "; test delivery (+test)" : "; test delivery (begleitdatei testdaten)") : "");
  Resolution out;
  out.service = service;
  out.guid = rule.guid;
  if (ctx.data.sdkvca && !service->sdkvca_id.empty()) {
    const kim::SdkvcaService* e = ctx.data.sdkvca->find(kv.region->code, service->sdkvca_id, ctx.today);
    const std::string to = e != nullptr ? kim::sdkvca_kim_address(*e, test) : std::string();
    if (!to.empty()) {
      const bool used_test = test && !e->kim_test_email.empty();
      out.step = RouteStep{
          addr.address, to, service->name,
          why + "; SDKVCA " + ctx.data.sdkvca->source + ": anwendung " + e->service + " version " +
              (e->version.empty() ? "-" : e->version) + " valid " + (e->valid_from.empty() ? "-" : e->valid_from) +
              ".." + (e->valid_to.empty() ? "-" : e->valid_to) + ", " + (used_test ? "kim_test_email" : "kim_email")};
      co_return out;
    }
    why += "; SDKVCA has no KIM address of anwendung " + service->sdkvca_id + " for KV " + kv.region->code + " on " +
           ctx.today;
  }
  net::awaitable<ldap::EntriesLookup> op = ctx.directory.kv_by_region(kv.region->code, kv.region->state_name);
  ldap::EntriesLookup r = co_await std::move(op);
  if (!r.ok()) {
    co_return refused(451, "4.4.3", "The directory could not be asked for KV " + kv.region->code + ": " + r.detail);
  }
  const kim::AddressChoice choice = kim::choose_address(candidates_of(r.entries), service->app_tag);
  if (choice.mail.empty()) {
    co_return refused(550, "5.1.1",
                      "KV " + kv.region->code + " " + kv.region->name + " has no KIM address for " + service->name +
                          " in the VZD (" + (r.entries.empty() ? std::string("no KV entry") : names_of(r.entries)) +
                          ": " + choice.error + ")");
  }
  out.step = RouteStep{addr.address, choice.mail, service->name,
                       why + "; VZD KV entry " + names_of(r.entries) + ": " + choice.reason +
                           (test ? " (the VZD has no test addresses)" : "")};
  co_return out;
}

std::optional<Resolution> kv_connect_address(const Context& ctx, const std::string& address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string::npos || !kim::iequals(std::string_view(address).substr(at + 1), kKvConnectDomain)) {
    return std::nullopt;
  }
  if (!ctx.data.sdkvca) {
    return refused(550, "5.1.1",
                   "<" + address +
                       "> is a KV-Connect address; without an SDKVCA file (routing.sdkvca_file) kimgate "
                       "cannot find the KV's KIM address for it");
  }
  bool test = false;
  const kim::SdkvcaService* old = ctx.data.sdkvca->by_kv_connect_address(address, &test);
  const kim::SdkvcaService* now = old != nullptr ? ctx.data.sdkvca->find(old->kv, old->service, ctx.today) : nullptr;
  const std::string to = now != nullptr ? kim::sdkvca_kim_address(*now, test) : std::string();
  if (to.empty()) {
    return refused(550, "5.1.1",
                   "<" + address + "> is a KV-Connect address that the SDKVCA file " + ctx.data.sdkvca->source +
                       " does not map to a KIM address valid on " + ctx.today);
  }
  Resolution out;
  out.step = RouteStep{address, to, "kv-connect",
                       "KV-Connect " + std::string(test ? "test_email" : "email") + " of KV " + now->kv +
                           " anwendung " + now->service + " in SDKVCA " + ctx.data.sdkvca->source + "; its " +
                           (test && !now->kim_test_email.empty() ? "kim_test_email" : "kim_email")};
  return out;
}

void add_unique(std::vector<std::string>& list, const std::string& a) {
  for (const auto& x : list) {
    if (kim::iequals(x, a)) {
      return;
    }
  }
  list.push_back(a);
}

}  // namespace

net::awaitable<RouteOutcome> resolve_routes(RouteRequest request) {
  RouteOutcome out;
  out.envelope = request.envelope;
  Context ctx{*request.data,
              *request.directory,
              *request.mail,
              request.envelope.mail_from,
              request.today,
              {},
              false,
              {},
              {},
              request.headers_only};
  std::vector<std::string> addresses;
  for (const auto& r : request.envelope.recipients) {
    add_unique(addresses, r.address);
  }
  for (const char* field : {"To", "Cc"}) {
    for (const kim::HeaderField* f : kim::header_fields(*request.mail, field)) {
      for (const auto& a : kim::addr_specs(f->value())) {
        add_unique(addresses, a);
      }
    }
  }
  kim::Rewrite rewrite;
  bool files_read = false;
  for (const auto& address : addresses) {
    const kim::RoutingAddress addr = kim::parse_routing_address(address, ctx.data.domain);
    std::optional<Resolution> resolved;
    if (addr.kind == kim::RouteKind::invalid) {
      resolved = refused(553, "5.1.3", addr.error);
    } else if (addr.kind == kim::RouteKind::none) {
      resolved = kv_connect_address(ctx, address);
      if (!resolved) {
        continue;
      }
    } else {
      if (!files_read) {
        ctx.files = kim::attachments(*request.mail);
        files_read = true;
      }
      if (addr.kind == kim::RouteKind::kv_service) {
        net::awaitable<Resolution> op = resolve_kv(ctx, addr);
        Resolution r = co_await std::move(op);
        resolved = std::move(r);
      } else {
        net::awaitable<Resolution> op = resolve_eau(ctx, addr);
        Resolution r = co_await std::move(op);
        resolved = std::move(r);
      }
    }
    if (resolved->refusal) {
      out.refusal = std::move(resolved->refusal);
      co_return out;
    }
    if (resolved->service != nullptr && rewrite.dienstkennung.empty() && !resolved->service->dienstkennungen.empty()) {
      rewrite.dienstkennung = resolved->service->dienstkennungen.front();
    }
    if (!resolved->guid.empty()) {
      out.guid = resolved->guid;
    }
    rewrite.addresses.emplace_back(resolved->step.from, resolved->step.to);
    out.targets.push_back(RoutedTarget{resolved->step.to, resolved->step.service});
    out.steps.push_back(std::move(resolved->step));
  }
  for (auto& h : kim::kv_connect_headers(*request.mail)) {
    out.steps.push_back(RouteStep{"X-KVC-" + h.name.substr(6), h.name, "kv-connect", h.reason});
    rewrite.add_headers.push_back(std::move(h));
  }
  if (out.steps.empty()) {
    co_return out;
  }
  if (!files_read) {
    ctx.files = kim::attachments(*request.mail);
  }
  out.archive = kim::archive_name(ctx.files);
  std::vector<smtp::Recipient> recipients;
  for (auto r : request.envelope.recipients) {
    for (const auto& [from, to] : rewrite.addresses) {
      if (kim::iequals(r.address, from)) {
        r.address = to;
      }
    }
    bool seen = false;
    for (const auto& x : recipients) {
      seen = seen || kim::iequals(x.address, r.address);
    }
    if (!seen) {
      recipients.push_back(std::move(r));
    }
  }
  out.envelope.recipients = std::move(recipients);
  out.message = kim::rewrite_message(*request.mail, rewrite);
  co_return out;
}

}  // namespace kimgate::daemon

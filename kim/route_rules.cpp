#include "kim/route_rules.h"

#include <pugixml.hpp>

#include "crypto/base64.h"
#include "kim/identifiers.h"
#include "kim/route_text.h"
#include "kim/send_mail.h"

namespace kimgate::kim {

namespace {

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// RFC 2231 `charset'lang'percent-encoded` to its bytes (charset not converted).
std::string rfc2231_value(std::string_view v) {
  const std::size_t q1 = v.find('\'');
  const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 != std::string_view::npos) {
    v = v.substr(q2 + 1);
  }
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && route_text::hex_digit(v[i + 1]) >= 0 &&
        route_text::hex_digit(v[i + 2]) >= 0) {
      out.push_back(static_cast<char>(route_text::hex_digit(v[i + 1]) * 16 + route_text::hex_digit(v[i + 2])));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

std::string file_name_of(const RawMessage& entity) {
  const std::string disposition = header_value(entity, "Content-Disposition").value_or("");
  if (auto n = mime_parameter(disposition, "filename")) {
    return *n;
  }
  if (auto n = mime_parameter(disposition, "filename*")) {
    return rfc2231_value(*n);
  }
  const std::string type = header_value(entity, "Content-Type").value_or("");
  if (auto n = mime_parameter(type, "name")) {
    return *n;
  }
  return {};
}

bool guid_ok(std::string_view g) {
  if (g.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < g.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? g[i] != '-' : route_text::hex_digit(g[i]) < 0) {
      return false;
    }
  }
  return true;
}

// The V attribute (else the text) of every element named `name` below `n`.
void values_named(const pugi::xml_node& n, std::string_view name, std::vector<std::string>& out, int depth) {
  if (depth > 12 || out.size() > 1000) {
    return;
  }
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) {
      continue;
    }
    if (route_text::local_name(c) == name) {
      const pugi::xml_attribute v = c.attribute("V");
      out.emplace_back(v ? v.value() : c.text().get());
    }
    values_named(c, name, out, depth + 1);
  }
}

std::string first_value(const pugi::xml_node& root, std::string_view name) {
  std::vector<std::string> v;
  values_named(root, name, v, 0);
  return v.empty() ? std::string() : v.front();
}

RuleOutcome violation(RuleViolation v, std::string sentence) {
  RuleOutcome r;
  r.violation = v;
  r.sentence = std::move(sentence);
  return r;
}

bool contains(const std::vector<std::string>& list, std::string_view s) {
  for (const auto& x : list) {
    if (x == s) {
      return true;
    }
  }
  return false;
}

RuleOutcome check_extensions(const RouteService& service, const std::vector<Attachment>& files) {
  std::string allowed;
  for (const auto& e : service.extensions) {
    allowed += (allowed.empty() ? "" : " ") + e;
  }
  for (const auto& f : files) {
    bool ok = false;
    for (const auto& e : service.extensions) {
      ok = ok || iends_with(f.name, e);
    }
    if (!ok) {
      return violation(RuleViolation::file_type,
                       "The file '" + f.name + "' may not be sent to " + service.name + ": the KV accepts only " +
                           allowed + " (rule " + std::string(to_string(service.rule)) + ", " + service.source + ")");
    }
  }
  return {};
}

RuleOutcome check_billing_bsnr(const RouteService& service, const RuleInput& in) {
  if (in.billing_bsnr.empty()) {
    return violation(RuleViolation::billing_bsnr,
                     "A " + service.name + " delivery must name the BSNR that bills the services in the " +
                         std::string(kBillingBsnrHeader) + " header (rule billing BSNR, " + service.source + ")");
  }
  if (!contains(in.sender_bsnrs, in.billing_bsnr)) {
    std::string registered;
    for (const auto& b : in.sender_bsnrs) {
      registered += (registered.empty() ? "" : ", ") + b;
    }
    return violation(RuleViolation::billing_bsnr,
                     "A " + service.name + " delivery for BSNR " + in.billing_bsnr +
                         " must be sent from an account registered under that BSNR; this account is registered under " +
                         (registered.empty() ? std::string("no BSNR") : registered) + " (rule billing BSNR, " +
                         service.source + ")");
  }
  return {};
}

RuleOutcome check_begleitdatei(const RouteService& service, const RuleInput& in) {
  const std::string rule = " (rule begleitdatei.xml, kv.digital 1-Click V2.1, " + service.source + ")";
  const Attachment* file = nullptr;
  for (const auto& f : *in.files) {
    if (iequals(f.name, kBegleitdatei)) {
      file = &f;
      break;
    }
  }
  if (file == nullptr) {
    return violation(RuleViolation::begleitdatei_missing,
                     "A " + service.name + " delivery needs the attachment begleitdatei.xml" + rule);
  }
  const std::optional<std::string> xml = decoded_content(*file);
  pugi::xml_document doc;
  const bool parsed = xml && xml->size() <= 1024 * 1024 &&
                      doc.load_buffer(xml->data(), xml->size(), pugi::parse_default, pugi::encoding_utf8);
  const pugi::xml_node root = doc.document_element();
  if (!parsed || !root || route_text::local_name(root) != "einlieferung") {
    return violation(RuleViolation::begleitdatei_invalid,
                     "The file begleitdatei.xml is not an <einlieferung> XML document" + rule);
  }
  RuleOutcome out;
  out.guid = first_value(root, "guid");
  if (!guid_ok(out.guid)) {
    return violation(RuleViolation::begleitdatei_guid,
                     "The file begleitdatei.xml has no GUID of the form 8-4-4-4-12 hex digits" + rule);
  }
  const std::string bsnr = first_value(root, "bsnr");
  if (!check_bsnr(bsnr).ok()) {
    return violation(RuleViolation::begleitdatei_bsnr,
                     "The file begleitdatei.xml names the BSNR '" + bsnr + "', which is not a valid BSNR" + rule);
  }
  if (!contains(in.sender_bsnrs, bsnr)) {
    return violation(RuleViolation::begleitdatei_bsnr, "The file begleitdatei.xml names the BSNR " + bsnr +
                                                           ", but the sending account is not registered under it" +
                                                           rule);
  }
  std::vector<std::string> listed;
  values_named(root, "anhang", listed, 0);
  for (const auto& name : listed) {
    bool found = false;
    for (const auto& f : *in.files) {
      found = found || iequals(f.name, name);
    }
    if (!found) {
      return violation(RuleViolation::begleitdatei_anhang, "The file begleitdatei.xml lists the attachment '" + name +
                                                               "', which the mail does not carry" + rule);
    }
  }
  const std::string test = route_text::ascii_lower(first_value(root, "testdaten"));
  out.test = test == "true" || test == "1";
  return out;
}

std::string tag_name(std::string_view tag) {
  return std::string(tag.substr(0, tag.find(';')));
}

// `mailbox` (as written) with `from` replaced by `to` where it occurs as the addr-spec.
std::string replace_in_mailbox(const std::string& mailbox, const std::string& from, const std::string& to) {
  const std::string low = route_text::ascii_lower(mailbox);
  const std::size_t p = low.find(route_text::ascii_lower(from));
  if (p == std::string::npos) {
    return mailbox;
  }
  return mailbox.substr(0, p) + to + mailbox.substr(p + from.size());
}

}  // namespace

std::vector<Attachment> attachments(const RawMessage& mail) {
  std::vector<Attachment> out;
  for (const MimePart& part : find_parts(mail)) {
    if (part.type.substr(0, 10) == "multipart/" || part.depth == 0) {
      continue;
    }
    std::string name = file_name_of(part.entity);
    if (name.empty()) {
      continue;
    }
    Attachment a;
    a.name = std::move(name);
    a.content_type = part.type;
    a.transfer_encoding =
        route_text::ascii_lower(header_value(part.entity, "Content-Transfer-Encoding").value_or("7bit"));
    a.body = part.entity.body;
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<std::string> decoded_content(const Attachment& a) {
  if (a.transfer_encoding == "base64") {
    return crypto::base64::decode(a.body, crypto::base64::Whitespace::skip);
  }
  if (a.transfer_encoding == "quoted-printable") {
    return std::nullopt;
  }
  return std::string(a.body);
}

std::string_view to_string(RuleViolation v) {
  switch (v) {
    case RuleViolation::none:
      return "none";
    case RuleViolation::file_type:
      return "file_type";
    case RuleViolation::billing_bsnr:
      return "billing_bsnr";
    case RuleViolation::begleitdatei_missing:
      return "begleitdatei_missing";
    case RuleViolation::begleitdatei_invalid:
      return "begleitdatei_invalid";
    case RuleViolation::begleitdatei_guid:
      return "begleitdatei_guid";
    case RuleViolation::begleitdatei_bsnr:
      return "begleitdatei_bsnr";
    case RuleViolation::begleitdatei_anhang:
      return "begleitdatei_anhang";
  }
  return "?";
}

RuleOutcome check_rule(const RouteService& service, const RuleInput& input) {
  static const std::vector<Attachment> none;
  const std::vector<Attachment>& files = input.files != nullptr ? *input.files : none;
  switch (service.rule) {
    case RouteRule::none:
      return {};
    case RouteRule::extensions:
      return check_extensions(service, files);
    case RouteRule::billing_bsnr:
      return check_billing_bsnr(service, input);
    case RouteRule::begleitdatei: {
      RuleInput in = input;
      in.files = &files;
      return check_begleitdatei(service, in);
    }
  }
  return {};
}

AddressChoice choose_address(const std::vector<AddressCandidate>& candidates, std::string_view app_tag) {
  AddressChoice c;
  std::vector<const AddressCandidate*> tagged;
  std::vector<const AddressCandidate*> untagged;
  for (const auto& a : candidates) {
    bool has = false;
    for (const auto& t : a.app_tags) {
      has = has || iequals(tag_name(t), app_tag);
    }
    if (has) {
      tagged.push_back(&a);
    } else if (a.app_tags.empty()) {
      untagged.push_back(&a);
    }
  }
  if (!tagged.empty()) {
    c.mail = tagged.front()->mail;
    c.reason = tagged.size() == 1 ? "the only one of " + std::to_string(candidates.size()) +
                                        " address(es) whose kimData names the application " + std::string(app_tag)
                                  : "the first of " + std::to_string(tagged.size()) +
                                        " addresses whose kimData names the application " + std::string(app_tag);
    return c;
  }
  if (untagged.size() == 1) {
    c.mail = untagged.front()->mail;
    c.reason =
        "no address names the application " + std::string(app_tag) + "; the only address without application tags";
    return c;
  }
  if (candidates.empty()) {
    c.error = "the directory entry has no KIM address";
  } else {
    c.error = "none of its " + std::to_string(candidates.size()) + " addresses names the application " +
              std::string(app_tag) + " in kimData, and no single address is untagged";
  }
  return c;
}

std::vector<HeaderChange> kv_connect_headers(const RawMessage& mail) {
  std::vector<HeaderChange> out;
  constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"X-KVC-Dienstkennung", "X-KIM-Dienstkennung"},
      {"X-KVC-Sendersystem", "X-KIM-Sendersystem"},
  };
  for (const auto& [kvc, kim] : kMap) {
    const auto value = header_value(mail, kvc);
    if (value && !header_value(mail, kim)) {
      out.push_back(HeaderChange{std::string(kim), *value,
                                 "KV-Connect " + std::string(kvc) + " taken over as " + std::string(kim)});
    }
  }
  return out;
}

std::string rewrite_message(const RawMessage& mail, const Rewrite& rewrite) {
  const std::string eol(mail.eol.empty() ? std::string_view("\r\n") : mail.eol);
  std::string out;
  out.reserve(mail.header_section.size() + mail.body.size() + 256);
  bool dk_written = false;
  for (const HeaderField& f : mail.fields) {
    if (!rewrite.dienstkennung.empty() && iequals(f.name, "X-KIM-Dienstkennung")) {
      const std::string v = f.value();
      if (v.empty() || iequals(v, kDefaultDienstkennung)) {
        out += "X-KIM-Dienstkennung: " + rewrite.dienstkennung + eol;
        dk_written = true;
        continue;
      }
      dk_written = true;
    }
    const bool address_field = iequals(f.name, "To") || iequals(f.name, "Cc");
    bool touched = false;
    if (address_field && !rewrite.addresses.empty()) {
      std::vector<std::string> boxes = split_address_list(f.value());
      for (auto& box : boxes) {
        for (const auto& spec : addr_specs(box)) {
          for (const auto& [from, to] : rewrite.addresses) {
            if (iequals(spec, from)) {
              box = replace_in_mailbox(box, from, to);
              touched = true;
            }
          }
        }
      }
      if (touched) {
        std::string line = std::string(f.name) + ": ";
        for (std::size_t i = 0; i < boxes.size(); ++i) {
          line += (i == 0 ? "" : "," + eol + " ") + boxes[i];
        }
        out += line + eol;
      }
    }
    if (!touched) {
      out += f.raw;
    }
  }
  for (const auto& h : rewrite.add_headers) {
    if (iequals(h.name, "X-KIM-Dienstkennung")) {
      if (dk_written) {
        continue;
      }
      dk_written = true;
    }
    out += h.name + ": " + h.value + eol;
  }
  if (!rewrite.dienstkennung.empty() && !dk_written) {
    out += "X-KIM-Dienstkennung: " + rewrite.dienstkennung + eol;
  }
  out += eol;
  out += mail.body;
  return out;
}

}  // namespace kimgate::kim

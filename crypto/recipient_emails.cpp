#include "crypto/recipient_emails.h"

#include <algorithm>
#include <tuple>

#include "crypto/oids.h"

namespace kimgate::crypto {
namespace {

bool iequal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// One RecipientEmail SEQUENCE { IA5String, IssuerAndSerialNumber }.
std::optional<RecipientEmail> parse_entry(const der::Tlv& t) {
  if (t.tag != der::kSequence) {
    return std::nullopt;
  }
  der::Reader r(t.contents);
  auto mail = r.next_if(der::kIa5String);
  auto rid = r.next_if(der::kSequence);
  if (!mail || !rid || !r.done()) {
    return std::nullopt;
  }
  // issuerAndSerialNumber: SEQUENCE { Name SEQUENCE, INTEGER }
  der::Reader ir(rid->contents);
  auto name = ir.next_if(der::kSequence);
  auto serial = ir.next_if(der::kInteger);
  if (!name || !serial || !ir.done()) {
    return std::nullopt;
  }
  for (auto c : mail->contents) {
    if (c >= 0x80) {
      return std::nullopt;
    }
  }
  return RecipientEmail{std::string(mail->contents.begin(), mail->contents.end()), der::copy(rid->raw)};
}

}  // namespace

Bytes encode_recipient_emails(const std::vector<RecipientEmail>& entries) {
  std::vector<Bytes> values;
  values.reserve(entries.size());
  for (const auto& e : entries) {
    values.push_back(der::seq({der::ia5(e.address), e.rid}));
  }
  return der::seq({der::oid(oids::recipient_emails), der::set_of(std::move(values))});
}

Result<std::vector<RecipientEmail>> parse_recipient_emails_values(const der::Tlv& attr_values) {
  using R = Result<std::vector<RecipientEmail>>;
  if (attr_values.tag != der::kSet) {
    return R::failure("recipient-emails: attrValues is not a SET");
  }
  auto values = der::children(attr_values);
  if (!values || values->empty()) {
    return R::failure("recipient-emails: empty or malformed attrValues");
  }
  std::vector<RecipientEmail> out;
  for (const auto& v : *values) {
    if (v.tag == der::kSet) {  // the wrapped shape: one value, an inner SET OF RecipientEmail
      auto inner = der::children(v);
      if (!inner || inner->empty()) {
        return R::failure("recipient-emails: malformed inner SET");
      }
      for (const auto& e : *inner) {
        auto entry = parse_entry(e);
        if (!entry) {
          return R::failure("recipient-emails: malformed RecipientEmail");
        }
        out.push_back(std::move(*entry));
      }
      continue;
    }
    auto entry = parse_entry(v);
    if (!entry) {
      return R::failure("recipient-emails: malformed RecipientEmail");
    }
    out.push_back(std::move(*entry));
  }
  return R::success(std::move(out));
}

Result<std::vector<RecipientEmail>> parse_recipient_emails(der::View attribute_der) {
  using R = Result<std::vector<RecipientEmail>>;
  auto attr = der::read(attribute_der);
  if (!attr || attr->tag != der::kSequence || attr->raw.size() != attribute_der.size()) {
    return R::failure("recipient-emails: not one Attribute SEQUENCE");
  }
  der::Reader r(attr->contents);
  auto type = r.next_if(der::kOid);
  auto values = r.next_if(der::kSet);
  if (!type || !values || !r.done() || der::oid_text(type->contents) != oids::recipient_emails) {
    return R::failure("recipient-emails: wrong attribute type or shape");
  }
  return parse_recipient_emails_values(*values);
}

bool same_recipient_emails(std::vector<RecipientEmail> a, std::vector<RecipientEmail> b) {
  auto key = [](const RecipientEmail& x, const RecipientEmail& y) {
    return std::tie(x.address, x.rid) < std::tie(y.address, y.rid);
  };
  std::sort(a.begin(), a.end(), key);
  std::sort(b.begin(), b.end(), key);
  return a == b;
}

std::vector<Bytes> rids_for_address(const std::vector<RecipientEmail>& entries, const std::string& address) {
  std::vector<Bytes> out;
  for (const auto& e : entries) {
    if (iequal(e.address, address)) {
      out.push_back(e.rid);
    }
  }
  return out;
}

}  // namespace kimgate::crypto

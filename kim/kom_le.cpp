#include "kim/kom_le.h"

#include <array>

namespace kimgate::kim {
namespace {

constexpr std::string_view kSignedDataHeaders =
    "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "Content-Disposition: attachment; filename=smime.p7m\r\n"
    "\r\n";

constexpr std::array<std::string_view, 8> kMirrored = {"From", "Sender", "Reply-To", "To",
                                                       "Cc",   "Bcc",    "Date",     "Message-ID"};

// The field's raw bytes with a CRLF line end (a mail read from a file may use LF).

}  // namespace

std::string signed_content(std::string_view inner_mail) {
  std::string out(kSignedContentHeader);
  out.append(inner_mail);
  return out;
}

std::optional<std::string_view> inner_mail_of(std::string_view econtent) {
  auto m = parse_raw_message(econtent);
  if (!m) {
    return std::nullopt;
  }
  auto ct = header_value(*m, "Content-Type");
  if (!ct || mime_type(*ct) != "message/rfc822") {
    return std::nullopt;
  }
  return m->body;
}

std::string signed_data_entity(std::string_view der) {
  std::string out(kSignedDataHeaders);
  out.append(der);
  return out;
}

std::optional<std::string_view> signed_data_of(std::string_view entity) {
  // Only the header section is parsed; the binary DER after it is never touched.
  const std::size_t crlf = entity.find("\r\n\r\n");
  const std::size_t lf = entity.find("\n\n");
  std::size_t end = std::string_view::npos;
  std::size_t skip = 0;
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) {
    end = crlf;
    skip = 4;
  } else if (lf != std::string_view::npos) {
    end = lf;
    skip = 2;
  }
  if (end == std::string_view::npos || end > kMaxHeaderBytes) {
    return std::nullopt;
  }
  auto m = parse_raw_message(entity.substr(0, end + skip));
  if (!m) {
    return std::nullopt;
  }
  auto ct = header_value(*m, "Content-Type");
  if (!ct || mime_type(*ct) != "application/pkcs7-mime") {
    return std::nullopt;
  }
  return entity.substr(end + skip);
}

std::optional<std::string> build_outer_message(std::string_view inner_mail, std::string_view base64_lines,
                                               const OuterOptions& o) {
  std::optional<std::string> out = outer_message_head(inner_mail, o, base64_lines.size());
  if (out) {
    out->append(base64_lines);
  }
  return out;
}

std::optional<std::string> outer_message_head(std::string_view inner_mail, const OuterOptions& o,
                                              std::size_t body_size) {
  auto m = parse_raw_message(inner_mail);
  if (!m) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(body_size + 4096);
  for (const auto& f : m->fields) {
    bool copy = istarts_with(f.name, "X-KIM-");
    for (auto name : kMirrored) {
      copy = copy || iequals(f.name, name);
    }
    if (copy) {
      out += with_crlf(f.raw);
    }
  }
  out += "Subject: KOM-LE-Nachricht\r\n";
  out += "X-KOM-LE-Version: " + o.kom_le_version + "\r\n";
  if (!o.cm_version.empty()) {
    out += "X-KIM-CMVersion: " + o.cm_version + "\r\n";
  }
  if (!o.pt_version.empty()) {
    out += "X-KIM-PTVersion: " + o.pt_version + "\r\n";
  }
  if (!o.kon_version.empty()) {
    out += "X-KIM-KONVersion: " + o.kon_version + "\r\n";
  }
  if (!o.expires.empty()) {
    out += "Expires: " + o.expires + "\r\n";
  }
  out +=
      "MIME-Version: 1.0\r\n"
      "Content-Type: application/pkcs7-mime; smime-type=authenticated-enveloped-data; name=smime.p7m\r\n"
      "Content-Disposition: attachment; filename=smime.p7m\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n";
  return out;
}

std::optional<OuterParts> parse_outer_message(std::string_view bytes) {
  auto m = parse_raw_message(bytes);
  if (!m) {
    return std::nullopt;
  }
  auto version = header_value(*m, "X-KOM-LE-Version");
  auto ct = header_value(*m, "Content-Type");
  if (!version || !ct || mime_type(*ct) != "application/pkcs7-mime") {
    return std::nullopt;
  }
  OuterParts p{*m, *version, m->body};
  return p;
}

}  // namespace kimgate::kim

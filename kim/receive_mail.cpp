#include "kim/receive_mail.h"

#include <algorithm>
#include <array>

#include "kim/raw_message.h"
#include "kim/send_mail.h"

namespace kimgate::kim {
namespace {

// RFC 2047 Q-encoded UTF-8 word (only when needed).
std::string encoded_word(std::string_view text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return c >= ' ' && c <= '~'; });
  if (ascii) {
    return std::string(text);
  }
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "=?UTF-8?Q?";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ') {
      out += '_';
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '=';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out + "?=";
}

// The notes as HTML, before </body> of the HTML text in body[begin, end) (or at its end).
void insert_html_notes(std::string& body, std::size_t begin, std::size_t end, const std::string& eol) {
  const std::string html = "<hr>" + eol + "<p>" + std::string(texts::decrypted_note) + "<br>" + eol +
                           std::string(texts::signature_ok_note) + "</p>" + eol;
  std::size_t at = end;
  const std::string_view part(body.data() + begin, end - begin);
  for (std::string_view tag : {"</body>", "</BODY>"}) {
    const std::size_t found = part.rfind(tag);
    if (found != std::string_view::npos) {
      at = begin + found;
      break;
    }
  }
  body.insert(at, at == end ? eol + html : html);
}

std::string copy_fields(const RawMessage& m, std::initializer_list<std::string_view> names) {
  std::string out;
  for (const auto& f : m.fields) {
    for (auto n : names) {
      if (iequals(f.name, n)) {
        out += with_crlf(f.raw);
      }
    }
  }
  return out;
}

std::string boundary_for(std::string_view a, std::string_view b, std::string_view seed) {
  std::string boundary = "kimgate-";
  for (char c : seed) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      boundary.push_back(c);
    }
  }
  while (a.find(boundary) != std::string_view::npos || b.find(boundary) != std::string_view::npos) {
    boundary += "x";
  }
  return boundary;
}

std::string multipart_error_mail(const std::string& headers, std::string_view text, std::string_view embedded,
                                 bool embedded_8bit, const Generated& g) {
  const std::string b = boundary_for(embedded, text, g.message_id);
  std::string out = headers;
  out += "Message-ID: " + g.message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n";
  out += "--" + b + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  out.append(text);
  out += "\r\n--" + b + "\r\n";
  out += "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n";
  if (embedded_8bit) {
    out += "Content-Transfer-Encoding: 8bit\r\n";
  }
  out += "\r\n";
  out.append(embedded);
  if (embedded.empty() || embedded.back() != '\n') {
    out += "\r\n";
  }
  out += "--" + b + "--\r\n";
  return out;
}

std::string common_headers(const RawMessage& received, const Generated& g) {
  std::string out = copy_fields(received, {"Return-Path", "Received"});
  if (header_fields(received, "Date").empty()) {
    out += "Date: " + g.date + "\r\n";
  }
  out += copy_fields(received, {"Date", "From", "Sender", "Reply-To", "To", "Cc"});
  return out;
}

std::vector<std::string> lowered_addrs(const RawMessage& m, std::string_view name) {
  std::vector<std::string> out;
  for (const auto* f : header_fields(m, name)) {
    for (auto a : addr_specs(f->value())) {
      std::transform(a.begin(), a.end(), a.begin(),
                     [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
      out.push_back(a);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string decryption_error_text(std::string_view id, std::string_view address) {
  std::string out = "[ID " + std::string(id) + "] ";
  if (id == "01") {
    out.append(texts::decryption_01_a).append(address).append(texts::decryption_01_b);
  } else if (id == "03") {
    out.append(texts::decryption_03_a).append(address).append(texts::decryption_03_b);
  } else {
    out.append(texts::decryption_02);
  }
  return out;
}

std::string_view decryption_error_code(std::string_view id) {
  if (id == "01") {
    return "4009";
  }
  if (id == "03") {
    return "4011";
  }
  return "4010";
}

std::string_view integrity_error_code(std::string_view id) {
  if (id == "08") {
    return "4014";
  }
  if (id == "09") {
    return "4015";
  }
  return "";
}

std::string_view integrity_description(std::string_view id) {
  if (id == "02") {
    return "Die Integrität der Nachricht ist verletzt.";
  }
  if (id == "03") {
    return "Die Nachricht trägt keine Signatur.";
  }
  if (id == "04") {
    return "Das Format der Signatur ist fehlerhaft.";
  }
  if (id == "05") {
    return "Der Zertifikatspfad der Signatur konnte nicht geprüft werden.";
  }
  if (id == "08") {
    return "Die Absender- oder Empfängerangaben der Nachricht wurden verändert.";
  }
  if (id == "09") {
    return "Die signierten und unsignierten Empfängerangaben (recipient-emails) unterscheiden sich.";
  }
  return "Die Signaturprüfung ist fehlgeschlagen.";
}

std::string delivered_mail(std::string_view outer, std::string_view inner, std::string_view integrity_id) {
  auto o = parse_raw_message(outer);
  auto m = parse_raw_message(inner);
  std::string out;
  if (o) {
    out += copy_fields(*o, {"Return-Path", "Received"});
  }
  out += "X-KIM-DecryptionResult: 00\r\n";
  out += "X-KIM-IntegrityCheckResult: " + std::string(integrity_id) + "\r\n";
  if (!m) {
    out += "\r\n";
    out.append(inner);
    return out;
  }
  for (const auto& f : m->fields) {
    if (iequals(f.name, "X-KIM-DecryptionResult") || iequals(f.name, "X-KIM-IntegrityCheckResult") ||
        iequals(f.name, "Return-Path")) {
      continue;  // never trust result headers the sender wrote
    }
    out += with_crlf(f.raw);
  }
  out += "\r\n";
  const std::string eol(m->eol);
  const std::string notes = std::string(kNoteDashes) + eol + std::string(texts::decrypted_note) + eol +
                            std::string(texts::signature_ok_note) + eol;
  const std::string ct = header_value(*m, "Content-Type").value_or("text/plain");
  const std::string cte = header_value(*m, "Content-Transfer-Encoding").value_or("7bit");
  const std::string charset = mime_parameter(ct, "charset").value_or("us-ascii");
  const bool plain_text =
      mime_type(ct) == "text/plain" && iequals(charset, "utf-8") && (iequals(cte, "7bit") || iequals(cte, "8bit"));
  std::string body(m->body);
  if (plain_text) {
    if (!body.empty() && body.back() != '\n') {
      body += eol;
    }
    body += eol + notes;
  } else if (mime_type(ct) == "text/html" && iequals(charset, "utf-8") &&
             (iequals(cte, "7bit") || iequals(cte, "8bit"))) {
    insert_html_notes(body, 0, body.size(), eol);
  } else if (mime_type(ct).rfind("multipart/", 0) == 0) {
    // KOM-LE-A_2050-05: the notes go into the text part itself (plain, and HTML formatted for an
    // HTML alternative). Only parts we can extend without re-encoding (UTF-8, 7bit/8bit) qualify;
    // otherwise a text/plain note part is added before the closing delimiter.
    std::size_t plain_end = std::string::npos;
    std::size_t html_begin = std::string::npos;
    std::size_t html_end = std::string::npos;
    for (const MimePart& part : find_parts(*m)) {
      if (part.depth == 0 || (part.type != "text/plain" && part.type != "text/html")) {
        continue;
      }
      const std::string pct = header_value(part.entity, "Content-Type").value_or("");
      const std::string pcte = header_value(part.entity, "Content-Transfer-Encoding").value_or("7bit");
      const bool extendable = iequals(mime_parameter(pct, "charset").value_or(""), "utf-8") &&
                              (iequals(pcte, "7bit") || iequals(pcte, "8bit"));
      const std::size_t begin = static_cast<std::size_t>(part.entity.body.data() - m->body.data());
      if (!extendable || begin > body.size()) {
        continue;
      }
      if (part.type == "text/plain" && plain_end == std::string::npos) {
        plain_end = begin + part.entity.body.size();
      } else if (part.type == "text/html" && html_end == std::string::npos) {
        html_begin = begin;
        html_end = begin + part.entity.body.size();
      }
    }
    const std::string plain_notes = eol + eol + notes.substr(0, notes.size() - eol.size());
    const bool placed = plain_end != std::string::npos || html_end != std::string::npos;
    // Insert at the later offset first so that the earlier one stays valid.
    if (plain_end != std::string::npos && (html_end == std::string::npos || plain_end > html_end)) {
      body.insert(plain_end, plain_notes);
      plain_end = std::string::npos;
    }
    if (html_end != std::string::npos) {
      insert_html_notes(body, html_begin, html_end, eol);
    }
    if (plain_end != std::string::npos) {
      body.insert(plain_end, plain_notes);
    }
    if (!placed) {
      if (auto b = mime_parameter(ct, "boundary")) {
        const std::string close = "--" + *b + "--";
        const std::size_t at = body.rfind(close);
        if (at != std::string::npos) {
          body.insert(at, "--" + *b + eol + "Content-Type: text/plain; charset=utf-8" + eol +
                              "Content-Transfer-Encoding: 8bit" + eol + eol + notes + eol);
        }
      }
    }
  }
  out += body;
  return out;
}

std::string decryption_error_mail(std::string_view outer, std::string_view id, std::string_view address,
                                  const Generated& g) {
  auto o = parse_raw_message(outer);
  const RawMessage empty{};
  const RawMessage& received = o ? *o : empty;
  std::string headers = common_headers(received, g);
  headers += "Subject: " + encoded_word(texts::subject_decryption_failed) + "\r\n";
  headers += "X-KIM-Fehlermeldung: " + std::string(decryption_error_code(id)) + "\r\n";
  headers += "X-KIM-DecryptionResult: " + std::string(id) + "\r\n";
  return multipart_error_mail(headers, decryption_error_text(id, address), outer, false, g);
}

std::string received_error_mail(std::string_view outer, std::string_view subject, std::string_view code,
                                std::string_view text, const Generated& g) {
  auto o = parse_raw_message(outer);
  const RawMessage empty{};
  std::string headers = common_headers(o ? *o : empty, g);
  headers += "Subject: " + encoded_word(subject) + "\r\n";
  headers += "X-KIM-Fehlermeldung: " + std::string(code) + "\r\n";
  return multipart_error_mail(headers, text, outer, false, g);
}

std::string version_error_mail(std::string_view outer, std::string_view version, const Generated& g) {
  auto o = parse_raw_message(outer);
  const RawMessage empty{};
  std::string headers = common_headers(o ? *o : empty, g);
  headers += "Subject: " + encoded_word(texts::subject_version_unsupported) + "\r\n";
  headers += "X-KIM-Fehlermeldung: 4008\r\n";
  std::string text(texts::version_unsupported_a);
  text.append(version).append(texts::version_unsupported_b);
  return multipart_error_mail(headers, text, outer, false, g);
}

std::string integrity_error_mail(std::string_view outer, std::string_view inner, std::string_view id,
                                 const Generated& g) {
  auto o = parse_raw_message(outer);
  auto m = parse_raw_message(inner);
  const RawMessage empty{};
  std::string headers = common_headers(o ? *o : empty, g);
  const auto subject = m ? header_value(*m, "Subject") : std::nullopt;
  if (m && subject) {
    headers += copy_fields(*m, {"Subject"});
  }
  const auto code = integrity_error_code(id);
  if (!code.empty()) {
    headers += "X-KIM-Fehlermeldung: " + std::string(code) + "\r\n";
  }
  headers += "X-KIM-DecryptionResult: 00\r\n";
  headers += "X-KIM-IntegrityCheckResult: " + std::string(id) + "\r\n";
  std::string text(texts::security_warning);
  text += "\r\n\r\nErgänzende Informationen:\r\n";
  text.append(texts::decrypted_note);
  text += "\r\n[Integritätsprüfung] [ID " + std::string(id) + "] " + std::string(integrity_description(id)) + "\r\n";
  return multipart_error_mail(headers, text, inner, true, g);
}

bool outer_inner_headers_match(std::string_view outer, std::string_view inner) {
  auto o = parse_raw_message(outer);
  auto m = parse_raw_message(inner);
  if (!o || !m) {
    return false;
  }
  for (std::string_view name : {"From", "Sender", "Reply-To", "To", "Cc"}) {
    if (lowered_addrs(*o, name) != lowered_addrs(*m, name)) {
      return false;
    }
  }
  return true;
}

}  // namespace kimgate::kim

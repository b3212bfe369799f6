#include "kim/send_mail.h"

#include <algorithm>
#include <ctime>
#include <random>

namespace kimgate::kim {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains_address(const std::vector<std::string>& list, std::string_view address) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& a) { return iequals(a, address); });
}

}  // namespace

bool has_xkas_part(const RawMessage& message) {
  for (const MimePart& p : find_parts(message)) {
    const auto disposition = header_value(p.entity, "Content-Disposition");
    if (!disposition) {
      continue;
    }
    const std::string d = lower(disposition->substr(0, disposition->find(';')));
    if (d.find_first_not_of(" \t") != std::string::npos && d.substr(d.find_first_not_of(" \t"), 5) == "x-kas") {
      return true;
    }
  }
  return false;
}

std::optional<std::string> forwarded_kim_message(const RawMessage& wrapper) {
  for (const MimePart& p : find_parts(wrapper)) {
    if (p.type != "message/rfc822") {
      continue;
    }
    const auto inner = parse_raw_message(p.entity.body);
    if (!inner || !header_value(*inner, "X-KOM-LE-Version")) {
      continue;
    }
    // Unchanged: its outer From must still match the signed inner From when it is fetched again
    // (§5.6); the provider exempts a mail whose only RCPT TO is MAIL FROM from the sender checks
    // (A_23422), and the envelope already names the forwarding mailbox.
    std::string out;
    for (const HeaderField& f : inner->fields) {
      out += with_crlf(f.raw);
    }
    out += "\r\n";
    append_with_crlf(out, inner->body);
    return out;
  }
  return std::nullopt;
}

std::vector<std::string> split_address_list(std::string_view value) {
  std::vector<std::string> out;
  std::string current;
  int comment = 0;
  bool quoted = false;
  bool angle = false;
  auto flush = [&] {
    const auto first = current.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) {
      const auto last = current.find_last_not_of(" \t\r\n");
      out.push_back(current.substr(first, last - first + 1));
    }
    current.clear();
  };
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      current += c;
      if (c == '\\' && i + 1 < value.size()) {
        current += value[++i];
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (comment > 0) {
      current += c;
      if (c == '\\' && i + 1 < value.size()) {
        current += value[++i];
      } else if (c == '(') {
        ++comment;
      } else if (c == ')') {
        --comment;
      }
      continue;
    }
    switch (c) {
      case '"':
        quoted = true;
        current += c;
        break;
      case '(':
        comment = 1;
        current += c;
        break;
      case '<':
        angle = true;
        current += c;
        break;
      case '>':
        angle = false;
        current += c;
        break;
      case ':':
        if (!angle) {
          current.clear();  // a group's display name: its members are listed on their own
        } else {
          current += c;
        }
        break;
      case ';':
        if (!angle) {
          flush();
        } else {
          current += c;
        }
        break;
      case ',':
        if (!angle) {
          flush();
        } else {
          current += c;
        }
        break;
      default:
        current += c;
    }
  }
  flush();
  return out;
}

Prepared prepare_inner(const RawMessage& mail, const PrepareOptions& options) {
  Prepared result;
  std::string headers(options.prefix);
  for (const HeaderField& f : mail.fields) {
    const bool address_field = iequals(f.name, "To") || iequals(f.name, "Cc") || iequals(f.name, "Bcc");
    if (!address_field) {
      headers += with_crlf(f.raw);
      continue;
    }
    std::vector<std::string> kept;
    bool changed = false;
    for (const std::string& mailbox : split_address_list(f.value())) {
      const auto specs = addr_specs(mailbox);
      if (specs.empty() || contains_address(options.keep_recipients, specs.front())) {
        kept.push_back(mailbox);
      } else {
        result.removed.push_back(specs.front());
        changed = true;
      }
    }
    if (!changed) {
      headers += with_crlf(f.raw);
    } else if (!kept.empty()) {
      std::string field = std::string(f.name) + ": ";
      for (std::size_t i = 0; i < kept.size(); ++i) {
        field += kept[i];
        field += i + 1 < kept.size() ? ",\r\n " : "\r\n";
      }
      headers += field;
    }
  }
  if (!header_value(mail, "X-KIM-Dienstkennung")) {
    headers += "X-KIM-Dienstkennung: " + std::string(kDefaultDienstkennung) + "\r\n";
    result.dienstkennung_added = true;
  }
  if (!header_value(mail, "Message-ID")) {
    headers += "Message-ID: " + options.message_id + "\r\n";
    result.message_id_added = true;
  }
  headers += "\r\n";
  result.mail = std::move(headers);
  append_with_crlf(result.mail, mail.body);
  return result;
}

namespace {

// What the text part says once for each kind of failure (German first: the PVS shows it to the
// practice). The certificate sentence is the one §4.11 gives the PVS for partial delivery.
struct DsnExplanation {
  std::string_view codes;  // the X-KIM-Fehlermeldung codes it explains, space-separated
  std::string_view german;
  std::string_view english;
};
constexpr DsnExplanation kDsnExplanations[] = {
    {"4001 4003 4004 4005",
     "Die Nachricht wurde nur an einen Teil der gewünschten Adressaten versendet, denn es konnten nicht für alle "
     "Empfänger gültige Verschlüsselungszertifikate ermittelt werden.",
     "No valid encryption certificate (or no KIM version that allows this message) was found for these "
     "recipients; the message was not sent to them."},
    {"X10", "Der KIM-Fachdienst hat die Nachricht für diese Empfänger abgelehnt; sie wurde ihnen nicht zugestellt.",
     "The KIM provider refused these recipients permanently; the message was not delivered to them."},
    {"X11",
     "Der KIM-Fachdienst hat die Nachricht für diese Empfänger vorübergehend abgelehnt; sie wurde ihnen nicht "
     "zugestellt. Bitte senden Sie die Nachricht später erneut an diese Empfänger.",
     "The KIM provider refused these recipients temporarily; the message was not delivered to them. Send it to "
     "them again later."},
};

bool explains(const DsnExplanation& e, std::string_view code) {
  std::size_t pos = 0;
  while (pos < e.codes.size()) {
    std::size_t end = e.codes.find(' ', pos);
    if (end == std::string_view::npos) {
      end = e.codes.size();
    }
    if (e.codes.substr(pos, end - pos) == code) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

}  // namespace

std::string delivery_status_notification(const DsnRequest& r) {
  const std::string boundary = "kimgate-dsn-" + r.generated.message_id.substr(1, 16);
  std::vector<std::string> codes;
  for (const DsnRecipient& d : r.recipients) {
    add_unique(codes, d.code);
  }
  for (const std::string& c : r.extra_codes) {
    add_unique(codes, c);
  }
  std::string out;
  out += "From: " + r.sender + "\r\n";
  out += "To: " + r.sender + "\r\n";
  out += "Subject: Unzustellbar / Undelivered KIM message: not all recipients were reached\r\n";
  out += "Date: " + r.generated.date + "\r\n";
  out += "Message-ID: " + r.generated.message_id + "\r\n";
  if (!r.original_message_id.empty()) {
    out += "In-Reply-To: " + r.original_message_id + "\r\n";
    out += "References: " + r.original_message_id + "\r\n";
  }
  out += "Auto-Submitted: auto-replied\r\n";
  for (const std::string& c : codes) {
    out += "X-KIM-Fehlermeldung: " + c + "\r\n";
  }
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  out +=
      "The KIM message " + (r.original_message_id.empty() ? std::string("without Message-ID") : r.original_message_id);
  if (!r.original_date.empty()) {
    out += " of " + r.original_date;
  }
  out += " was not delivered to every recipient.\r\n";
  for (const DsnExplanation& e : kDsnExplanations) {
    std::string listed;
    for (const DsnRecipient& d : r.recipients) {
      if (explains(e, d.code)) {
        listed += "  " + d.address + " (X-KIM-Fehlermeldung " + d.code + "): " + d.sentence + "\r\n";
      }
    }
    if (!listed.empty()) {
      out += "\r\n" + std::string(e.german) + "\r\n" + std::string(e.english) + "\r\n\r\n" + listed;
    }
  }
  std::string other;
  for (const DsnRecipient& d : r.recipients) {
    const bool known = std::any_of(std::begin(kDsnExplanations), std::end(kDsnExplanations),
                                   [&](const DsnExplanation& e) { return explains(e, d.code); });
    if (!known) {
      other += "  " + d.address + " (X-KIM-Fehlermeldung " + d.code + "): " + d.sentence + "\r\n";
    }
  }
  if (!other.empty()) {
    out +=
        "\r\nDie Nachricht wurde diesen Empfängern nicht zugestellt.\r\n"
        "The message was not delivered to these recipients.\r\n\r\n" +
        other;
  }
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: message/delivery-status\r\n\r\n";
  out += "Reporting-MTA: dns; " + r.reporting_host + "\r\n";
  out += "Arrival-Date: " + r.generated.date + "\r\n";
  for (const DsnRecipient& d : r.recipients) {
    out += "\r\nFinal-Recipient: rfc822; " + d.address + "\r\n";
    out += "Action: failed\r\n";
    out += "Status: " + d.status + "\r\n";
    out += "Diagnostic-Code: " + (d.diagnostic.empty() ? "x-kim; " + d.code + " " + d.sentence : d.diagnostic) + "\r\n";
  }
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: text/rfc822-headers\r\n\r\n";
  if (!r.original_message_id.empty()) {
    out += "Message-ID: " + r.original_message_id + "\r\n";
  }
  if (!r.original_date.empty()) {
    out += "Date: " + r.original_date + "\r\n";
  }
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

std::string mail_domain(std::string_view address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at + 1 >= address.size()) {
    return "kim.invalid";
  }
  return std::string(address.substr(at + 1));
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

Generated generate_identity(std::string_view domain) {
  static thread_local std::random_device device;
  std::uniform_int_distribution<unsigned> nibble(0, 15);
  static constexpr char hex[] = "0123456789abcdef";
  std::string uuid;
  for (int i = 0; i < 32; ++i) {
    unsigned v = nibble(device);
    if (i == 12) {
      v = 4;  // RFC 4122 version 4
    } else if (i == 16) {
      v = 8 | (v & 3);  // variant 10xx
    }
    uuid += hex[v];
    if (i == 7 || i == 11 || i == 15 || i == 19) {
      uuid += '-';
    }
  }
  return Generated{"<" + uuid + "@" + std::string(domain) + ">", rfc5322_date(std::chrono::system_clock::now())};
}

std::string with_size_parameter(std::string_view params, std::uint64_t size) {
  std::string out;
  std::size_t pos = 0;
  bool replaced = false;
  while (pos < params.size()) {
    const std::size_t start = params.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) {
      break;
    }
    std::size_t end = params.find(' ', start);
    if (end == std::string_view::npos) {
      end = params.size();
    }
    std::string_view token = params.substr(start, end - start);
    if (!out.empty()) {
      out += ' ';
    }
    if (istarts_with(token, "SIZE=")) {
      out += "SIZE=" + std::to_string(size);
      replaced = true;
    } else {
      out += token;
    }
    pos = end;
  }
  if (!replaced) {
    if (!out.empty()) {
      out += ' ';
    }
    out += "SIZE=" + std::to_string(size);
  }
  return out;
}

}  // namespace kimgate::kim

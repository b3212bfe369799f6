#include "kim/track_match.h"

#include <algorithm>
#include <cctype>

#include "crypto/base64.h"
#include "kim/mime_parts.h"
#include "kim/raw_message.h"
#include "kim/route_text.h"

namespace kimgate::kim {

namespace {

// The answer is walked within tighter bounds than a mail being sent: three levels, the answer and
// 64 parts, and a quoted original (message/rfc822) is not opened: its Dienstkennung and status are
// not the answer's. The body is cut at kMaxAnswerScan, so the part the cut runs through is kept as
// far as it goes (and so is the last part of an answer that lacks its close delimiter).
constexpr PartScan kAnswerScan{.max_depth = 3, .max_parts = 1 + 64, .into_messages = false, .keep_unclosed = true};

using route_text::ascii_lower;
using route_text::hex_digit;

std::string bounded(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  std::string out(s.substr(0, kMaxField));
  // No control characters: the values end up in logs, the database and a notice mail.
  std::replace_if(
      out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
  return out;
}

void add_key(std::vector<std::string>& keys, std::string key) {
  if (key.empty() || keys.size() >= kMaxKeys || std::find(keys.begin(), keys.end(), key) != keys.end()) {
    return;
  }
  keys.push_back(std::move(key));
}

// Every "<...>" of a msg-id list (In-Reply-To, References, Original-Message-ID).
void add_message_ids(std::vector<std::string>& keys, std::string_view value) {
  std::size_t pos = 0;
  while (pos < value.size()) {
    const std::size_t open = value.find('<', pos);
    if (open == std::string_view::npos) {
      break;
    }
    const std::size_t close = value.find('>', open + 1);
    if (close == std::string_view::npos) {
      break;
    }
    const std::string_view id = value.substr(open, close - open + 1);
    if (id.size() > 2 && id.size() <= kMaxField && id.find_first_of(" \t\r\n") == std::string_view::npos) {
      add_key(keys, std::string(id));
    }
    pos = close + 1;
  }
}

std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 < in.size() && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2])));
      i += 2;
    } else if (i + 1 < in.size() && (in[i + 1] == '\r' || in[i + 1] == '\n')) {
      i += (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') ? 2 : 1;  // soft line break
    } else {
      out.push_back('=');
    }
  }
  return out;
}

std::string decoded_body(const RawMessage& m, std::string_view body) {
  const std::string cte = ascii_lower(header_value(m, "Content-Transfer-Encoding").value_or(""));
  if (cte == "base64") {
    std::optional<std::string> d = crypto::base64::decode(body, crypto::base64::Whitespace::skip);
    return d ? std::move(*d) : std::string();
  }
  if (cte == "quoted-printable") {
    return decode_quoted_printable(body);
  }
  return std::string(body);
}

struct Collected {
  bool report = false;                // a message/disposition-notification part or multipart/report
  std::vector<std::string> original;  // Original-Message-ID of the report part
  std::string text;                   // decoded text of the readable parts, joined by newlines
  std::vector<std::string> names;     // attachment file names
};

bool readable(std::string_view type) {
  return type.empty() || istarts_with(type, "text/") || istarts_with(type, "message/") || type == "application/xml" ||
         type == "application/json" || type.find("+xml") != std::string_view::npos;
}

// What one entity of the answer (from kim::find_parts) adds: its file name, the report flag and
// Original-Message-ID of an MDN, the decoded text of a readable leaf.
void read_part(const MimePart& part, Collected& out) {
  const RawMessage& m = part.entity;
  const std::string& type = part.type;
  const std::string content_type = header_value(m, "Content-Type").value_or("");
  std::optional<std::string> name = mime_parameter(content_type, "name");
  if (!name) {
    name = mime_parameter(header_value(m, "Content-Disposition").value_or(""), "filename");
  }
  if (name && out.names.size() < kMaxKeys) {
    out.names.push_back(*name);
  }
  if (istarts_with(type, "multipart/")) {
    if (type == "multipart/report" &&
        ascii_lower(mime_parameter(content_type, "report-type").value_or("")) == "disposition-notification") {
      out.report = true;
    }
    return;  // its parts follow in the walk
  }
  if (type == "message/disposition-notification") {
    out.report = true;
    // The part's body is a field block (RFC 8098 §3.1).
    const std::string fields = decoded_body(m, m.body);
    // `report` views into `block`, which must outlive it (ASan: a temporary here was freed).
    const std::string block = fields + "\r\n\r\n";
    const std::optional<RawMessage> report = parse_raw_message(block);
    if (report) {
      for (const HeaderField* f : header_fields(*report, "Original-Message-ID")) {
        add_message_ids(out.original, f->value());
      }
    }
    out.text += fields;
    out.text += '\n';
    return;
  }
  if (type == "message/rfc822" || type == "text/rfc822-headers") {
    return;  // the original (or its headers): its Dienstkennung and status are not the answer's
  }
  if (!readable(type)) {
    return;
  }
  const std::string text = decoded_body(m, m.body);
  const std::size_t room = kMaxAnswerScan > out.text.size() ? kMaxAnswerScan - out.text.size() : 0;
  out.text.append(text, 0, std::min(room, text.size()));
  out.text += '\n';
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Whole-word, case-sensitive search (status words are written in capitals).
bool has_word(std::string_view line, std::string_view word) {
  std::size_t pos = line.find(word);
  while (pos != std::string_view::npos) {
    const bool left = pos == 0 || !word_char(line[pos - 1]);
    const bool right = pos + word.size() >= line.size() || !word_char(line[pos + word.size()]);
    if (left && right) {
      return true;
    }
    pos = line.find(word, pos + 1);
  }
  return false;
}

TrackResult result_in(std::string_view line) {
  const std::string l = ascii_lower(line);
  if (l.find("status") == std::string::npos && l.find("ergebnis") == std::string::npos &&
      l.find("result") == std::string::npos) {
    return TrackResult::none;
  }
  if (has_word(line, "ERROR")) {
    return TrackResult::error;
  }
  if (has_word(line, "WARNING")) {
    return TrackResult::warning;
  }
  if (has_word(line, "OK")) {
    return TrackResult::ok;
  }
  return TrackResult::none;
}

// "Vorgang 2024-000123", "Vorgangsnummer: X-1", "<vorgangsnummer V="..."/>".
std::string vorgangsnummer_in(std::string_view line) {
  const std::string l = ascii_lower(line);
  std::size_t pos = l.find("vorgang");
  while (pos != std::string::npos) {
    std::size_t i = pos + 7;
    if (l.compare(i, 7, "snummer") == 0) {
      i += 7;
    } else if (l.compare(i, 2, "nr") == 0) {
      i += 2;
    }
    while (i < line.size() && (line[i] == ' ' || line[i] == ':' || line[i] == '=' || line[i] == '"' || line[i] == '.' ||
                               line[i] == '\t' || (line[i] == 'V' && i + 1 < line.size() && line[i + 1] == '='))) {
      ++i;
    }
    std::size_t end = i;
    while (end < line.size() && end - i < kMaxField &&
           (std::isalnum(static_cast<unsigned char>(line[end])) != 0 || line[end] == '-' || line[end] == '/' ||
            line[end] == '_')) {
      ++end;
    }
    const std::string_view token = line.substr(i, end - i);
    if (std::any_of(token.begin(), token.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return std::string(token);
    }
    pos = l.find("vorgang", pos + 1);
  }
  return {};
}

std::optional<std::string> summary_in(std::string_view line) {
  const std::string l = ascii_lower(line);
  for (std::string_view key : {"zusammenfassung:", "summary:"}) {
    const std::size_t pos = l.find(key);
    if (pos != std::string::npos) {
      return bounded(line.substr(pos + key.size()));
    }
  }
  return std::nullopt;
}

bool is_uuid_at(std::string_view s, std::size_t i) {
  static constexpr std::size_t kLen = 36;
  if (i + kLen > s.size() || (i > 0 && std::isxdigit(static_cast<unsigned char>(s[i - 1])) != 0) ||
      (i + kLen < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + kLen])) != 0)) {
    return false;
  }
  for (std::size_t k = 0; k < kLen; ++k) {
    const bool dash = k == 8 || k == 13 || k == 18 || k == 23;
    if (dash ? s[i + k] != '-' : hex_digit(s[i + k]) < 0) {
      return false;
    }
  }
  return true;
}

void find_guids(std::string_view text, std::vector<std::string>& guids) {
  for (std::size_t i = 8; i + 28 <= text.size() && guids.size() < kMaxKeys; ++i) {
    if (text[i] == '-' && is_uuid_at(text, i - 8)) {
      add_key(guids, ascii_lower(text.substr(i - 8, 36)));
      i += 27;
    }
  }
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}

void find_archives(std::string_view text, std::vector<std::string>& archives) {
  const std::string l = ascii_lower(text);
  std::size_t pos = l.find(".zip.xkm");
  while (pos != std::string::npos && archives.size() < kMaxKeys) {
    std::size_t start = pos;
    while (start > 0 && pos - start < kMaxField && name_char(text[start - 1])) {
      --start;
    }
    if (start < pos) {
      add_key(archives, std::string(text.substr(start, pos + 8 - start)));
    }
    pos = l.find(".zip.xkm", pos + 8);
  }
}

}  // namespace

std::string_view to_string(AnswerKind k) {
  switch (k) {
    case AnswerKind::none:
      return "none";
    case AnswerKind::mdn:
      return "mdn";
    case AnswerKind::protocol:
      return "protocol";
    case AnswerKind::eau_error:
      return "eau-error";
  }
  return "none";
}

std::string_view to_string(TrackResult r) {
  switch (r) {
    case TrackResult::none:
      return "";
    case TrackResult::ok:
      return "OK";
    case TrackResult::warning:
      return "WARNING";
    case TrackResult::error:
      return "ERROR";
  }
  return "";
}

AnswerKind answer_kind_of(std::string_view dienstkennung) {
  const std::size_t first = dienstkennung.find(';');
  if (first == std::string_view::npos) {
    return AnswerKind::none;
  }
  const std::string app = ascii_lower(dienstkennung.substr(0, first));
  std::string_view rest = dienstkennung.substr(first + 1);
  const std::string type = ascii_lower(rest.substr(0, rest.find(';')));
  if (app == "eau" && type == "fehler-kasse") {
    return AnswerKind::eau_error;
  }
  if (type == "eingangsbestaetigung" || type == "empfangsbestaetigung" || type == "empfangsbestaetigung_rm") {
    return AnswerKind::mdn;
  }
  if (type == "rueckmeldung" || type == "status" || type == "quittung" || type == "rueckmeldebericht" ||
      type == "miniprotokoll" || type == "datenflussprotokoll") {
    return AnswerKind::protocol;
  }
  return AnswerKind::none;
}

AnswerFacts classify_answer(std::string_view mail) {
  AnswerFacts facts;
  const std::optional<RawMessage> m = parse_raw_message(mail);
  if (!m) {
    return facts;
  }
  facts.dienstkennung = bounded(header_value(*m, "X-KIM-Dienstkennung").value_or(""));
  if (facts.dienstkennung.empty()) {
    facts.dienstkennung = bounded(header_value(*m, "X-KVC-Dienstkennung").value_or(""));
  }
  RawMessage scanned = *m;
  scanned.body = m->body.substr(0, std::min(m->body.size(), kMaxAnswerScan));
  Collected c;
  for (const MimePart& part : find_parts(scanned, kAnswerScan)) {
    read_part(part, c);
  }
  for (const std::string& id : c.original) {
    add_key(facts.message_ids, id);
  }
  add_message_ids(facts.message_ids, header_value(*m, "In-Reply-To").value_or(""));
  add_message_ids(facts.message_ids, header_value(*m, "References").value_or(""));

  std::size_t pos = 0;
  while (pos < c.text.size()) {
    std::size_t end = c.text.find('\n', pos);
    if (end == std::string::npos) {
      end = c.text.size();
    }
    const std::string_view line = std::string_view(c.text).substr(pos, end - pos);
    if (facts.result == TrackResult::none) {
      facts.result = result_in(line);
      if (facts.result != TrackResult::none && facts.summary.empty()) {
        facts.summary = bounded(line);
      }
    }
    if (facts.vorgangsnummer.empty()) {
      facts.vorgangsnummer = vorgangsnummer_in(line);
    }
    std::optional<std::string> summary = summary_in(line);
    if (summary && !summary->empty()) {
      facts.summary = std::move(*summary);
    }
    pos = end + 1;
  }
  find_guids(c.text, facts.guids);
  find_archives(c.text, facts.archives);
  for (const std::string& n : c.names) {
    find_archives(n, facts.archives);
  }

  const AnswerKind by_dk = answer_kind_of(facts.dienstkennung);
  if (by_dk == AnswerKind::eau_error) {
    facts.kind = AnswerKind::eau_error;
    facts.result = TrackResult::error;
    if (facts.summary.empty()) {
      facts.summary = bounded(header_value(*m, "Subject").value_or("eAU;Fehler-Kasse"));
    }
  } else if (c.report) {
    facts.kind = AnswerKind::mdn;
  } else if (by_dk == AnswerKind::protocol) {
    facts.kind = AnswerKind::protocol;
  } else if (by_dk == AnswerKind::mdn) {
    facts.kind = AnswerKind::mdn;
  } else if (facts.result != TrackResult::none && !facts.message_ids.empty()) {
    facts.kind = AnswerKind::protocol;  // a Rückprotokoll without a Dienstkennung (sQS, QS sonography)
  }
  if (facts.kind == AnswerKind::mdn) {
    facts.result = TrackResult::none;  // an Eingangsbestätigung says received, nothing more
    facts.summary.clear();
    facts.vorgangsnummer.clear();
  }
  if (facts.kind == AnswerKind::none) {
    facts = AnswerFacts{};
    facts.dienstkennung = bounded(header_value(*m, "X-KIM-Dienstkennung").value_or(""));
  }
  return facts;
}

std::string archive_name(const std::vector<Attachment>& files) {
  constexpr std::string_view kSuffix = ".zip.xkm";
  for (const Attachment& f : files) {
    if (f.name.size() > kSuffix.size() &&
        iequals(std::string_view(f.name).substr(f.name.size() - kSuffix.size()), kSuffix)) {
      return bounded(f.name);
    }
  }
  return {};
}

DeadlineRule deadline_rule(std::string_view service) {
  const std::string s = ascii_lower(service);
  if (s == "eau") {
    return DeadlineRule{DeadlineKind::none, 0};
  }
  if (istarts_with(s, "edoku-")) {
    return DeadlineRule{DeadlineKind::working_hours, 72};
  }
  return DeadlineRule{DeadlineKind::hours, 24};
}

std::optional<std::int64_t> deadline_of(std::string_view service, std::int64_t sent, double scale) {
  const DeadlineRule rule = deadline_rule(service);
  constexpr std::int64_t kDay = 86400;
  std::int64_t span = 0;
  switch (rule.kind) {
    case DeadlineKind::none:
      return std::nullopt;
    case DeadlineKind::hours:
      span = static_cast<std::int64_t>(rule.hours) * 3600;
      break;
    case DeadlineKind::working_hours: {
      std::int64_t remaining = static_cast<std::int64_t>(rule.hours) * 3600;
      std::int64_t cursor = sent;
      while (remaining > 0) {
        const std::int64_t day = cursor >= 0 ? cursor / kDay : (cursor - kDay + 1) / kDay;
        const std::int64_t day_end = (day + 1) * kDay;
        const std::int64_t weekday = ((day % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
        if (weekday >= 1 && weekday <= 5) {
          const std::int64_t chunk = std::min(day_end - cursor, remaining);
          remaining -= chunk;
          cursor += chunk;
        } else {
          cursor = day_end;
        }
      }
      span = cursor - sent;
      break;
    }
  }
  return sent + static_cast<std::int64_t>(static_cast<double>(span) * scale);
}

}  // namespace kimgate::kim

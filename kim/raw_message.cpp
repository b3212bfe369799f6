#include "kim/raw_message.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace kimgate::kim {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string HeaderField::value() const {
  std::string_view rest = raw.substr(name.size() + 1);  // after "name:"
  std::string out;
  out.reserve(rest.size());
  for (char c : rest) {
    if (c != '\r' && c != '\n') {
      out.push_back(c);
    }
  }
  return std::string(trim(out));
}

std::optional<RawMessage> parse_raw_message(std::string_view bytes) {
  RawMessage m;
  m.eol = "\r\n";
  std::size_t pos = 0;
  bool eol_known = false;
  while (true) {
    if (pos >= bytes.size()) {
      m.header_section = bytes.substr(0, pos);
      m.body = {};
      return m;
    }
    if (pos > kMaxHeaderBytes || m.fields.size() > kMaxFields) {
      return std::nullopt;
    }
    // An empty line ends the header section.
    if (bytes.compare(pos, 2, "\r\n") == 0 || bytes[pos] == '\n') {
      const std::size_t len = bytes[pos] == '\n' ? 1 : 2;
      if (!eol_known) {
        m.eol = bytes.substr(pos, len);
      }
      m.header_section = bytes.substr(0, pos);
      m.body = bytes.substr(pos + len);
      return m;
    }
    // A field: name ":" then lines until one that does not start with WSP.
    const std::size_t colon = bytes.find(':', pos);
    const std::size_t nl0 = bytes.find('\n', pos);
    if (colon == std::string_view::npos || (nl0 != std::string_view::npos && colon > nl0) || colon == pos) {
      return std::nullopt;
    }
    const std::string_view name = bytes.substr(pos, colon - pos);
    if (std::any_of(name.begin(), name.end(), [](char c) { return c <= ' ' || c > '~'; })) {
      return std::nullopt;
    }
    std::size_t end = pos;
    while (true) {
      const std::size_t nl = bytes.find('\n', end);
      if (nl == std::string_view::npos) {
        end = bytes.size();
        break;
      }
      if (!eol_known) {
        m.eol = (nl > 0 && bytes[nl - 1] == '\r') ? "\r\n" : "\n";
        eol_known = true;
      }
      end = nl + 1;
      if (end >= bytes.size() || (bytes[end] != ' ' && bytes[end] != '\t')) {
        break;
      }
    }
    m.fields.push_back(HeaderField{name, bytes.substr(pos, end - pos)});
    pos = end;
  }
}

std::optional<std::string> header_value(const RawMessage& m, std::string_view name) {
  for (const auto& f : m.fields) {
    if (iequals(f.name, name)) {
      return f.value();
    }
  }
  return std::nullopt;
}

std::vector<const HeaderField*> header_fields(const RawMessage& m, std::string_view name) {
  std::vector<const HeaderField*> out;
  for (const auto& f : m.fields) {
    if (iequals(f.name, name)) {
      out.push_back(&f);
    }
  }
  return out;
}

std::vector<std::string> addr_specs(std::string_view v) {
  std::vector<std::string> out;
  std::string token;
  bool in_angle = false;
  bool had_angle = false;
  int comment = 0;
  auto flush = [&] {
    const std::string t(trim(token));
    if (!t.empty() && t.find('@') != std::string::npos) {
      out.push_back(t);
    }
    token.clear();
  };
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (comment > 0) {
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        ++comment;
      } else if (c == ')') {
        --comment;
      }
      continue;
    }
    if (c == '"') {  // quoted string: skipped unless inside <> (quoted local part)
      std::string quoted(1, c);
      for (++i; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) {
          quoted.push_back(v[i]);
          ++i;
        }
        quoted.push_back(v[i]);
      }
      quoted.push_back('"');
      if (in_angle || !had_angle) {
        token += quoted;
      }
      continue;
    }
    if (c == '(') {
      ++comment;
      continue;
    }
    if (c == '<') {
      in_angle = true;
      had_angle = true;
      token.clear();
      continue;
    }
    if (c == '>') {
      in_angle = false;
      flush();
      continue;
    }
    if (!in_angle && (c == ',' || c == ';' || c == ':')) {
      if (c == ':') {  // group name
        token.clear();
      } else if (!had_angle) {
        flush();
      }
      token.clear();
      had_angle = false;
      continue;
    }
    if (!in_angle && (c == ' ' || c == '\t') && !had_angle) {
      // display-name words before an angle-addr: keep collecting; resolved at ',' or '<'
      token.push_back(c);
      continue;
    }
    if (!had_angle || in_angle) {
      token.push_back(c);
    }
  }
  if (!had_angle) {
    flush();
  }
  return out;
}

std::string mime_type(std::string_view ct) {
  const std::size_t semi = ct.find(';');
  std::string t(trim(ct.substr(0, semi)));
  std::transform(t.begin(), t.end(), t.begin(), lower);
  return t;
}

std::optional<std::string> mime_parameter(std::string_view ct, std::string_view name) {
  std::size_t pos = ct.find(';');
  while (pos != std::string_view::npos) {
    const std::size_t next = ct.find(';', pos + 1);
    std::string_view part = trim(ct.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1));
    const std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && iequals(trim(part.substr(0, eq)), name)) {
      std::string_view val = trim(part.substr(eq + 1));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
        val = val.substr(1, val.size() - 2);
      }
      return std::string(val);
    }
    pos = next;
  }
  return std::nullopt;
}

void append_with_crlf(std::string& out, std::string_view raw) {
  out.reserve(out.size() + raw.size() + 2);
  const std::size_t from = out.size();
  std::size_t start = 0;
  while (start < raw.size()) {
    const void* lf = std::memchr(raw.data() + start, '\n', raw.size() - start);
    if (lf == nullptr) {
      out.append(raw.substr(start));
      break;
    }
    const auto at = static_cast<std::size_t>(static_cast<const char*>(lf) - raw.data());
    if (at > 0 && raw[at - 1] == '\r') {
      out.append(raw.substr(start, at + 1 - start));
    } else {
      out.append(raw.substr(start, at - start));
      out.append("\r\n");
    }
    start = at + 1;
  }
  if (out.size() - from < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
    out.append("\r\n");
  }
}

std::string with_crlf(std::string_view raw) {
  std::string out;
  append_with_crlf(out, raw);
  return out;
}

}  // namespace kimgate::kim

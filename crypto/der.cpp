#include "crypto/der.h"

#include <algorithm>
#include <ctime>

namespace kimgate::crypto::der {
namespace {

constexpr int kMaxDepth = 48;

std::optional<Tlv> read_at(View in, int depth) {
  if (depth > kMaxDepth || in.size() < 2) {
    return std::nullopt;
  }
  Tlv t;
  t.tag = in[0];
  if ((t.tag & 0x1f) == 0x1f) {
    return std::nullopt;  // high tag numbers do not occur in CMS
  }
  std::size_t pos = 1;
  const std::uint8_t first = in[pos++];
  if (first == 0x80) {
    if ((t.tag & 0x20) == 0) {
      return std::nullopt;  // indefinite length needs a constructed element
    }
    View rest = in.subspan(pos);
    std::size_t used = 0;
    while (true) {
      if (rest.size() - used < 2) {
        return std::nullopt;
      }
      if (rest[used] == 0 && rest[used + 1] == 0) {
        break;
      }
      auto child = read_at(rest.subspan(used), depth + 1);
      if (!child) {
        return std::nullopt;
      }
      used += child->raw.size();
    }
    t.contents = rest.subspan(0, used);
    t.raw = in.subspan(0, pos + used + 2);
    t.indefinite = true;
    return t;
  }
  std::size_t len = 0;
  if (first < 0x80) {
    len = first;
  } else {
    const std::size_t n = first & 0x7f;
    if (n > 4 || in.size() < pos + n) {
      return std::nullopt;
    }
    for (std::size_t i = 0; i < n; ++i) {
      len = (len << 8) | in[pos++];
    }
  }
  if (in.size() - pos < len) {
    return std::nullopt;
  }
  t.contents = in.subspan(pos, len);
  t.raw = in.subspan(0, pos + len);
  return t;
}

Bytes length_octets(std::size_t n) {
  if (n < 0x80) {
    return Bytes{static_cast<std::uint8_t>(n)};
  }
  Bytes out;
  while (n > 0) {
    out.insert(out.begin(), static_cast<std::uint8_t>(n & 0xff));
    n >>= 8;
  }
  out.insert(out.begin(), static_cast<std::uint8_t>(0x80 | out.size()));
  return out;
}

bool octets_into(const Tlv& t, Bytes& out, int depth) {
  if (depth > kMaxDepth) {
    return false;
  }
  if (t.tag == kOctetString) {
    out.insert(out.end(), t.contents.begin(), t.contents.end());
    return true;
  }
  if ((t.tag & 0x20) == 0) {
    // IMPLICIT-tagged primitive octets ([0] encryptedContent)
    out.insert(out.end(), t.contents.begin(), t.contents.end());
    return true;
  }
  Reader r(t.contents);
  while (auto c = r.next()) {
    if (!octets_into(*c, out, depth + 1)) {
      return false;
    }
  }
  return !r.failed();
}

}  // namespace

std::optional<Tlv> read(View in) {
  return read_at(in, 0);
}

std::optional<Tlv> Reader::next() {
  if (rest_.empty() || failed_) {
    return std::nullopt;
  }
  auto t = read(rest_);
  if (!t) {
    failed_ = true;
    return std::nullopt;
  }
  rest_ = rest_.subspan(t->raw.size());
  return t;
}

std::optional<Tlv> Reader::next_if(std::uint8_t tag) {
  if (rest_.empty() || failed_ || rest_[0] != tag) {
    return std::nullopt;
  }
  return next();
}

std::optional<std::vector<Tlv>> children(const Tlv& t) {
  std::vector<Tlv> out;
  Reader r(t.contents);
  while (auto c = r.next()) {
    out.push_back(*c);
  }
  if (r.failed()) {
    return std::nullopt;
  }
  return out;
}

std::optional<Bytes> octets(const Tlv& t) {
  Bytes out;
  if (!octets_into(t, out, 0)) {
    return std::nullopt;
  }
  return out;
}

std::string oid_text(View c) {
  std::string out;
  std::uint64_t v = 0;
  bool first = true;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (v > (std::uint64_t{1} << 56)) {
      return "";
    }
    v = (v << 7) | (c[i] & 0x7f);
    if ((c[i] & 0x80) != 0) {
      continue;
    }
    if (first) {
      const std::uint64_t a = v < 40 ? 0 : (v < 80 ? 1 : 2);
      out += std::to_string(a) + "." + std::to_string(v - 40 * a);
      first = false;
    } else {
      out += "." + std::to_string(v);
    }
    v = 0;
  }
  return out;
}

Bytes header(std::uint8_t tag, std::size_t length) {
  Bytes out{tag};
  const Bytes len = length_octets(length);
  out.insert(out.end(), len.begin(), len.end());
  return out;
}

Bytes tlv(std::uint8_t tag, View contents) {
  Bytes out{tag};
  const Bytes len = length_octets(contents.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

Bytes seq(const std::vector<Bytes>& parts) {
  return tlv(kSequence, concat(parts));
}

Bytes set_of(std::vector<Bytes> parts) {
  std::sort(parts.begin(), parts.end());
  return tlv(kSet, concat(parts));
}

Bytes oid(std::string_view dotted) {
  std::vector<std::uint64_t> arcs;
  std::uint64_t cur = 0;
  for (char ch : dotted) {
    if (ch == '.') {
      arcs.push_back(cur);
      cur = 0;
    } else {
      cur = cur * 10 + static_cast<std::uint64_t>(ch - '0');
    }
  }
  arcs.push_back(cur);
  Bytes body;
  auto put = [&body](std::uint64_t v) {
    Bytes tmp{static_cast<std::uint8_t>(v & 0x7f)};
    v >>= 7;
    while (v > 0) {
      tmp.insert(tmp.begin(), static_cast<std::uint8_t>(0x80 | (v & 0x7f)));
      v >>= 7;
    }
    body.insert(body.end(), tmp.begin(), tmp.end());
  };
  put(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < arcs.size(); ++i) {
    put(arcs[i]);
  }
  return tlv(kOid, body);
}

Bytes integer(std::uint64_t v) {
  Bytes body;
  do {
    body.insert(body.begin(), static_cast<std::uint8_t>(v & 0xff));
    v >>= 8;
  } while (v > 0);
  if ((body[0] & 0x80) != 0) {
    body.insert(body.begin(), 0);
  }
  return tlv(kInteger, body);
}

Bytes octet_string(View v) {
  return tlv(kOctetString, v);
}
Bytes null() {
  return Bytes{kNull, 0};
}
Bytes ia5(std::string_view s) {
  return tlv(kIa5String, View(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

Bytes time(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const int year = tm.tm_year + 1900;
  char buf[32];
  if (year >= 1950 && year < 2050) {
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
    return tlv(kUtcTime, View(reinterpret_cast<const std::uint8_t*>(buf + 2), std::string_view(buf + 2).size()));
  }
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
  return tlv(kGeneralizedTime, View(reinterpret_cast<const std::uint8_t*>(buf), std::string_view(buf).size()));
}

}  // namespace kimgate::crypto::der

#include "kim/kas_mail.h"

#include "kim/send_mail.h"

namespace kimgate::kim {
namespace {

constexpr std::string_view kDisposition = "content-disposition:";

bool is_xkas_value(std::string_view v) {
  const std::size_t start = v.find_first_not_of(" \t");
  return start != std::string_view::npos && istarts_with(v.substr(start), "x-kas");
}

std::string_view trim(std::string_view s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) {
    return {};
  }
  const std::size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

}  // namespace

void XkasScanner::line(std::string_view l) {
  if (istarts_with(l, kDisposition) && is_xkas_value(l.substr(kDisposition.size()))) {
    found_ = true;
  }
}

void XkasScanner::feed(std::string_view data) {
  // Only the first bytes of a line matter: "Content-Disposition:" plus white space and "x-kas".
  constexpr std::size_t kKeep = 64;
  while (!data.empty() && !found_) {
    const std::size_t nl = data.find('\n');
    const std::string_view piece = data.substr(0, nl);
    if (partial_.size() < kKeep) {
      partial_.append(piece.substr(0, kKeep - partial_.size()));
    }
    if (nl == std::string_view::npos) {
      return;
    }
    line(partial_);
    partial_.clear();
    data.remove_prefix(nl + 1);
  }
}

std::optional<std::size_t> body_offset(std::string_view head) {
  if (head.starts_with("\r\n")) {
    return 2;
  }
  if (head.starts_with("\n")) {
    return 1;
  }
  const std::size_t crlf = head.find("\r\n\r\n");
  const std::size_t lf = head.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) {
    return std::nullopt;
  }
  if (lf == std::string_view::npos || (crlf != std::string_view::npos && crlf < lf)) {
    return crlf + 4;
  }
  return lf + 2;
}

std::string kas_inner_mail(std::string_view header_section, std::string_view x_kas_json, std::uint64_t size) {
  std::string out;
  const std::string head = std::string(header_section) + "\r\n";
  const auto parsed = parse_raw_message(head);
  if (parsed) {
    for (const HeaderField& f : parsed->fields) {
      if (iequals(f.name, "Content-Type") || iequals(f.name, "Content-Transfer-Encoding") ||
          iequals(f.name, "Content-Disposition") || iequals(f.name, "X-KIM-KAS-Size")) {
        continue;
      }
      out += with_crlf(f.raw);
    }
  }
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Disposition: x-kas\r\n";
  out += "X-KIM-KAS-Size: " + std::to_string(size) + "\r\n";
  out += "\r\n";
  out += x_kas_json;
  out += "\r\n";
  return out;
}

std::vector<std::string> xkas_parts(const RawMessage& mail) {
  std::vector<std::string> out;
  for (const MimePart& part : find_parts(mail)) {
    const auto disposition = header_value(part.entity, "Content-Disposition");
    if (disposition && is_xkas_value(*disposition)) {
      out.emplace_back(trim(part.entity.body));
    }
  }
  return out;
}

}  // namespace kimgate::kim

#include "kim/mime_parts.h"

#include <optional>
#include <string_view>

namespace kimgate::kim {
namespace {

std::string content_type_of(const RawMessage& m) {
  const auto ct = header_value(m, "Content-Type");
  return ct ? mime_type(*ct) : std::string("text/plain");
}

// The body parts of a multipart body between "--boundary" delimiter lines.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary, const PartScan& scan) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t pos = 0;
  std::size_t part_start = std::string_view::npos;
  while (pos <= body.size()) {
    std::size_t eol = body.find('\n', pos);
    const std::size_t line_end = eol == std::string_view::npos ? body.size() : eol;
    std::string_view line = body.substr(pos, line_end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.size() >= delimiter.size() && line.substr(0, delimiter.size()) == delimiter) {
      const std::string_view rest = line.substr(delimiter.size());
      const bool closing = rest.size() >= 2 && rest.substr(0, 2) == "--";
      const bool plain = rest.find_first_not_of(" \t") == std::string_view::npos;
      if (closing || plain) {
        if (part_start != std::string_view::npos) {
          // The line end before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
          std::size_t end = pos;
          if (end > part_start && body[end - 1] == '\n') {
            --end;
            if (end > part_start && body[end - 1] == '\r') {
              --end;
            }
          }
          parts.push_back(body.substr(part_start, end - part_start));
          if (parts.size() >= scan.max_parts) {
            return parts;
          }
        }
        if (closing) {
          return parts;
        }
        part_start = eol == std::string_view::npos ? body.size() : eol + 1;
      }
    }
    if (eol == std::string_view::npos) {
      break;
    }
    pos = eol + 1;
  }
  if (scan.keep_unclosed && part_start < body.size()) {
    parts.push_back(body.substr(part_start));
  }
  return parts;
}

void collect(const RawMessage& m, int depth, const PartScan& scan, std::vector<MimePart>& out) {
  if (out.size() >= scan.max_parts) {
    return;
  }
  MimePart part{m, content_type_of(m), depth};
  out.push_back(part);
  if (depth >= scan.max_depth) {
    return;
  }
  if (part.type.rfind("multipart/", 0) == 0) {
    const auto ct = header_value(m, "Content-Type");
    const auto boundary = ct ? mime_parameter(*ct, "boundary") : std::nullopt;
    if (!boundary || boundary->empty()) {
      return;
    }
    for (std::string_view body : split_multipart(m.body, *boundary, scan)) {
      // A part may start with the empty line directly (no header fields).
      if (body.rfind("\r\n", 0) == 0 || body.rfind("\n", 0) == 0) {
        const std::size_t skip = body[0] == '\r' ? 2 : 1;
        RawMessage bare;
        bare.body = body.substr(skip);
        bare.eol = m.eol;
        collect(bare, depth + 1, scan, out);
        continue;
      }
      const auto child = parse_raw_message(body);
      if (child) {
        collect(*child, depth + 1, scan, out);
      }
    }
  } else if (part.type == "message/rfc822" && depth > 0 && scan.into_messages) {
    const auto child = parse_raw_message(m.body);
    if (child) {
      collect(*child, depth + 1, scan, out);
    }
  }
}

}  // namespace

std::vector<MimePart> find_parts(const RawMessage& message, const PartScan& scan) {
  std::vector<MimePart> out;
  collect(message, 0, scan, out);
  return out;
}

}  // namespace kimgate::kim

#pragma once
// The client mail of a large KIM message (KIM 1.5, spec digest §4.10, §5.7): pure functions
// on bytes, no I/O.
//
// - XkasScanner: A_22341 over a body that streams by (a 700 MiB mail is never in memory):
//   does any line say "Content-Disposition: x-kas"?
// - body_offset(): where the header section of a message ends.
// - kas_inner_mail(): A_19359-07 and A_23467 — the prepared client mail's header fields
//   without the old Content-Type/-Transfer-Encoding/-Disposition, then the x-kas part's
//   Content-Type and Content-Disposition, X-KIM-KAS-Size, and the JSON as the only body.
// - xkas_parts(): the receive side's view of a decrypted client mail — every x-kas body.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kim/raw_message.h"

namespace kimgate::kim {

class XkasScanner {
 public:
  void feed(std::string_view data);
  bool found() const { return found_; }

 private:
  void line(std::string_view l);
  std::string partial_;  // the start of a line not yet ended (at most a few dozen bytes kept)
  bool found_ = false;
};

// The offset of the body in `head` (after the empty line), nullopt when `head` holds no
// complete header section. CRLF and bare LF line ends.
std::optional<std::size_t> body_offset(std::string_view head);

// `header_section`: the prepared client mail's fields, each with its line end, no empty line.
std::string kas_inner_mail(std::string_view header_section, std::string_view x_kas_json, std::uint64_t size);

// The bodies of the parts of `mail` (or of `mail` itself) whose Content-Disposition is x-kas,
// trimmed of surrounding white space.
std::vector<std::string> xkas_parts(const RawMessage& mail);

}  // namespace kimgate::kim

#pragma once
// find_parts(): the one MIME walker over a message in memory. It lists the entities of a
// message — the message itself, every part of a multipart body (split on its boundary, RFC 2046
// §5.1.1) and, below the top, the message inside a message/rfc822 part — as views into the
// message's bytes, in document order (a part's descendants follow it directly). Pure, no I/O;
// nothing is decoded or re-serialised, so signed content keeps its exact bytes.
//
// Callers: the send side's x-kas and forward-to-self checks (kim/send_mail.h), routing's
// attachments (kim/route_rules.h), the receive side's notes and x-kas parts, the answer matcher
// of tracking (kim/track_match.h, with its own tighter PartScan). A mail too large to hold is
// first reduced by kim::MimeSkeleton (a streaming scanner, kim/mime_skeleton.h), then walked here.
#include <cstddef>
#include <string>
#include <vector>

#include "kim/raw_message.h"

namespace kimgate::kim {

struct MimePart {
  RawMessage entity;  // header fields and body of the part (views into the message)
  std::string type;   // lower-cased type/subtype ("text/plain" when absent)
  int depth = 0;      // 0: the message itself
};

// How far the walk goes. The defaults are the send and receive paths' bounds.
struct PartScan {
  int max_depth = 8;             // entities deeper than this are not listed; those at it are not split
  std::size_t max_parts = 1000;  // entries in the result, the message included; the rest is not inspected
  bool into_messages = true;     // list the entities of a message/rfc822 part below the top
  bool keep_unclosed = false;    // a multipart body without its close delimiter keeps its last part
                                 // (to the end of the body); otherwise that part is left out
};

// Every entity of `message`, the message itself first. A part that starts with the empty line
// (no header fields) is listed with an empty header section and type text/plain; a part whose
// header section does not parse is left out with its descendants.
std::vector<MimePart> find_parts(const RawMessage& message, const PartScan& scan = {});

}  // namespace kimgate::kim

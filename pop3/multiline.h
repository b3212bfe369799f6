#pragma once
// MultilineReader: one multi-line reply body from the upstream POP3 server (RFC 1939 §3:
// the lines after "+OK", dot-stuffed, ended by CRLF "." CRLF), fed in whatever pieces the
// socket delivers. Pure: no I/O. Keeps the bytes as on the wire (for relaying LIST/UIDL
// unchanged) and the unstuffed body (for RETR/TOP processing); stops with too_large as soon
// as the unstuffed body passes `limit`, so memory stays bounded by the caller's limit.
#include <cstdint>
#include <string>
#include <string_view>

#include "net/dot_stream.h"

namespace kimgate::pop3 {

class MultilineReader {
 public:
  enum class Status { more, done, too_large };

  explicit MultilineReader(std::uint64_t limit);

  // Consumes bytes up to and including the terminator; returns how many it took (bytes after
  // the terminator belong to whatever follows). Nothing is taken once the status is not `more`.
  std::size_t feed(std::string_view bytes);
  Status status() const { return status_; }

  const std::string& raw() const { return raw_; }  // as received, terminator included
  std::string& body() { return body_; }            // unstuffed, CRLF kept, without the terminator

 private:
  std::uint64_t limit_;
  Status status_ = Status::more;
  std::string raw_;
  std::string body_;
  net::DotDecoder decoder_;
};

}  // namespace kimgate::pop3

#pragma once
// The dot-stuffed message body shared by SMTP DATA (RFC 5321 §4.5.2) and POP3
// multi-line responses (RFC 1939 §3), as streaming state machines that keep no more
// than one byte of look-ahead, so a 700 MiB body passes in constant memory.
//
// DotDecoder: fed raw bytes in any split, writes the unstuffed body (CRLF kept) to its
// sink, as views of the fed bytes wherever nothing changes, and stops at CRLF "." CRLF. Only that exact terminator ends
// the body: bare LF
// "\n.\n" does not (SMTP smuggling), and the counts of bare LF and bare CR bytes are
// kept for the caller's policy. Bytes after the terminator are left to the caller.
//
// DotEncoder: the reverse, for sending: doubles a leading dot on every line, turns bare
// LF into CRLF when asked, and finish() closes the body with CRLF "." CRLF.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace kimgate::net {

class DotDecoder {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit DotDecoder(Sink sink) : sink_(std::move(sink)) {}

  // Consumes bytes up to and including the terminator; returns how many were consumed.
  std::size_t feed(std::string_view bytes);
  bool done() const { return state_ == State::done; }
  std::uint64_t body_size() const { return body_size_; }
  std::uint64_t bare_lf() const { return bare_lf_; }
  std::uint64_t bare_cr() const { return bare_cr_; }

 private:
  enum class State { line_start, in_line, cr, dot, dot_cr, done };
  void emit(std::string_view s);
  Sink sink_;
  State state_ = State::line_start;
  std::uint64_t body_size_ = 0;
  std::uint64_t bare_lf_ = 0;
  std::uint64_t bare_cr_ = 0;
};

class DotEncoder {
 public:
  using Sink = std::function<void(std::string_view)>;
  explicit DotEncoder(Sink sink, bool fix_bare_lf = true) : sink_(std::move(sink)), fix_bare_lf_(fix_bare_lf) {}
  void feed(std::string_view body);
  // Ends the last line if needed and writes the terminator.
  void finish();

 private:
  Sink sink_;
  bool fix_bare_lf_;
  bool line_start_ = true;
  bool last_cr_ = false;
};

}  // namespace kimgate::net

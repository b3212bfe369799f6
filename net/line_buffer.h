#pragma once
// LineBuffer: splits a byte stream into protocol lines, pure and I/O-free.
//
// Lines end in LF; one CR before the LF is removed. A line longer than `max`
// octets (terminator not counted) is reported once as too_long as soon as the
// limit is passed (not when its LF arrives), and its rest is discarded up to the
// next LF, so a peer cannot make us buffer unbounded data or wait for an answer.
// Bytes fed after a complete line stay buffered for the next call; take_rest()
// hands them out (STARTTLS must drop them: CVE-2011-0411 style injection).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kimgate::net {

struct Line {
  enum class Kind { complete, too_long };
  Kind kind = Kind::complete;
  std::string text;      // without CRLF; empty for too_long
  bool bare_lf = false;  // ended in LF without CR
};

class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max) : max_(max) {}

  void feed(std::string_view bytes);
  // The next line, or nullopt when more input is needed.
  std::optional<Line> next();
  std::string take_rest();
  std::size_t buffered() const { return buf_.size() - start_; }
  void set_max(std::size_t max) { max_ = max; }

 private:
  std::size_t max_;
  std::string buf_;
  std::size_t start_ = 0;
  bool discarding_ = false;
};

}  // namespace kimgate::net

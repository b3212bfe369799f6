#include "net/line_buffer.h"

namespace kimgate::net {

void LineBuffer::feed(std::string_view bytes) {
  if (start_ > 0 && start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  buf_.append(bytes);
}

std::optional<Line> LineBuffer::next() {
  for (;;) {
    const std::size_t lf = buf_.find('\n', start_);
    if (discarding_) {
      // The rest of a line already reported as too long.
      if (lf == std::string::npos) {
        buf_.clear();
        start_ = 0;
        return std::nullopt;
      }
      start_ = lf + 1;
      discarding_ = false;
      continue;
    }
    if (lf == std::string::npos) {
      // Allow max + 1 so that a line of exactly max octets whose CR arrived without its LF still fits.
      // Past that the line is reported now, not when (if ever) its LF arrives: the peer gets its
      // answer at the limit, and we hold no more of it.
      if (buf_.size() - start_ > max_ + 1) {
        discarding_ = true;
        buf_.clear();
        start_ = 0;
        return Line{Line::Kind::too_long, {}, false};
      }
      if (start_ > 0 && start_ * 2 > buf_.size()) {
        buf_.erase(0, start_);
        start_ = 0;
      }
      return std::nullopt;
    }
    std::size_t end = lf;
    const bool has_cr = end > start_ && buf_[end - 1] == '\r';
    if (has_cr) {
      --end;
    }
    const std::size_t len = end - start_;
    const std::size_t begin = start_;
    start_ = lf + 1;
    if (len > max_) {
      return Line{Line::Kind::too_long, {}, !has_cr};
    }
    return Line{Line::Kind::complete, buf_.substr(begin, len), !has_cr};
  }
}

std::string LineBuffer::take_rest() {
  std::string rest = buf_.substr(start_);
  buf_.clear();
  start_ = 0;
  discarding_ = false;
  return rest;
}

}  // namespace kimgate::net

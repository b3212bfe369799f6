#include "net/dot_stream.h"

#include <algorithm>
#include <cstring>

namespace kimgate::net {

void DotDecoder::emit(std::string_view s) {
  out_.append(s);
  body_size_ += s.size();
}

std::size_t DotDecoder::feed(std::string_view bytes) {
  std::size_t i = 0;
  for (; i < bytes.size() && state_ != State::done; ++i) {
    const char c = bytes[i];
    switch (state_) {
      case State::line_start:
        if (c == '.') {
          state_ = State::dot;
          break;
        }
        [[fallthrough]];
      case State::in_line:
        if (c == '\r') {
          state_ = State::cr;
        } else {
          // The run up to the next CR goes out at once. A bare LF in it is counted and does not
          // start a line: "\n.\n" never terminates.
          const void* cr = std::memchr(bytes.data() + i, '\r', bytes.size() - i);
          const std::size_t end =
              cr != nullptr ? static_cast<std::size_t>(static_cast<const char*>(cr) - bytes.data()) : bytes.size();
          const std::string_view run = bytes.substr(i, end - i);
          bare_lf_ += static_cast<std::size_t>(std::count(run.begin(), run.end(), '\n'));
          emit(run);
          state_ = State::in_line;
          i = end - 1;  // the loop steps to the CR (or the end)
        }
        break;
      case State::cr:
        if (c == '\n') {
          emit("\r\n");
          state_ = State::line_start;
        } else {
          ++bare_cr_;
          emit("\r");
          state_ = State::in_line;
          --i;  // reconsider c inside the line
        }
        break;
      case State::dot:
        if (c == '\r') {
          state_ = State::dot_cr;
        } else {
          // ".." becomes "."; ".x" (not allowed, but seen) stays ".x".
          emit(".");
          state_ = State::in_line;
          if (c != '.') {
            --i;  // reconsider c inside the line
          }
        }
        break;
      case State::dot_cr:
        if (c == '\n') {
          state_ = State::done;  // CRLF "." CRLF
        } else {
          ++bare_cr_;
          emit(".\r");
          state_ = State::in_line;
          --i;
        }
        break;
      case State::done:
        break;
    }
  }
  if (!out_.empty()) {
    sink_(out_);
    out_.clear();
  }
  return i;
}

void DotEncoder::feed(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 64 + 2);
  // Line by line: a dot at a line start is doubled, the rest of the line up to its LF is copied
  // at once, and a bare LF becomes CRLF when asked to.
  std::size_t i = 0;
  while (i < body.size()) {
    if (line_start_ && body[i] == '.') {
      out += '.';
    }
    const std::size_t lf = body.find('\n', i);
    const std::size_t end = lf == std::string_view::npos ? body.size() : lf;
    if (end > i) {
      out.append(body.substr(i, end - i));
      line_start_ = false;
      last_cr_ = body[end - 1] == '\r';
    }
    if (lf == std::string_view::npos) {
      break;
    }
    if (!last_cr_ && fix_bare_lf_) {
      out += '\r';
    }
    out += '\n';
    line_start_ = last_cr_ || fix_bare_lf_;
    last_cr_ = false;
    i = lf + 1;
  }
  sink_(out);
}

void DotEncoder::finish() {
  sink_(line_start_ ? ".\r\n" : (last_cr_ ? "\n.\r\n" : "\r\n.\r\n"));
  line_start_ = true;
  last_cr_ = false;
}

}  // namespace kimgate::net

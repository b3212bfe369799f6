#include "net/dot_stream.h"

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
          if (c == '\n') {
            ++bare_lf_;
          }
          emit(std::string_view(&c, 1));
          state_ = State::in_line;  // a bare LF does not start a line: "\n.\n" never terminates
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
  for (char c : body) {
    if (c == '\n' && !last_cr_ && fix_bare_lf_) {
      out += '\r';
    }
    if (line_start_ && c == '.') {
      out += '.';
    }
    out += c;
    line_start_ = c == '\n' && (last_cr_ || fix_bare_lf_);
    last_cr_ = c == '\r';
  }
  sink_(out);
}

void DotEncoder::finish() {
  sink_(line_start_ ? ".\r\n" : (last_cr_ ? "\n.\r\n" : "\r\n.\r\n"));
  line_start_ = true;
  last_cr_ = false;
}

}  // namespace kimgate::net

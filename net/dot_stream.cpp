#include "net/dot_stream.h"

#include <algorithm>
#include <cstring>

namespace kimgate::net {

void DotDecoder::emit(std::string_view s) {
  if (!s.empty()) {
    sink_(s);
    body_size_ += s.size();
  }
}

namespace {

const char* find(const char* from, const char* to, char c) {
  return static_cast<const char*>(std::memchr(from, c, static_cast<std::size_t>(to - from)));
}

}  // namespace

std::size_t DotDecoder::feed(std::string_view bytes) {
  // Unchanged runs go to the sink as views of `bytes`, one run per dot taken out (usually one
  // per feed); only a state left at a feed's end (a CR, a line-start dot) is resolved byte by
  // byte. A line costs one memchr for its LF and one for a CR inside it.
  const char* const begin = bytes.data();
  const char* const stop = begin + bytes.size();
  const char* p = begin;
  const char* run = begin;  // start of the bytes not yet given to the sink
  while (p < stop && state_ != State::done) {
    switch (state_) {
      case State::line_start:
        if (*p == '.') {
          emit(std::string_view(run, static_cast<std::size_t>(p - run)));
          state_ = State::dot;
          ++p;
          run = p;
        } else {
          state_ = State::in_line;
        }
        break;
      case State::in_line: {
        const char* lf = find(p, stop, '\n');
        const char* end = lf != nullptr ? lf : stop;
        // Every CR before the line's last byte is bare; a CR as the feed's last byte waits.
        for (const char* cr = find(p, end, '\r'); cr != nullptr; cr = find(cr + 1, end, '\r')) {
          if (cr + 1 < end) {
            ++bare_cr_;
          } else if (lf == nullptr) {
            emit(std::string_view(run, static_cast<std::size_t>(cr - run)));
            run = stop;
            state_ = State::cr;
          }
        }
        if (lf == nullptr) {
          p = stop;
          break;
        }
        if (lf > p && lf[-1] == '\r') {
          state_ = State::line_start;
        } else {
          ++bare_lf_;  // a bare LF does not start a line: "\n.\n" never terminates
        }
        p = lf + 1;
        break;
      }
      case State::cr:  // the feed before ended with this line's CR, not yet given to the sink
        emit("\r");
        if (*p == '\n') {
          state_ = State::line_start;
          run = p;
          ++p;
        } else {
          ++bare_cr_;
          state_ = State::in_line;
          run = p;
        }
        break;
      case State::dot:  // a line-start dot, taken out
        if (*p == '\r') {
          state_ = State::dot_cr;
          ++p;
          run = p;
        } else {
          // ".." becomes "."; ".x" (not allowed, but seen) stays ".x".
          if (*p != '.') {
            emit(".");
          }
          state_ = State::in_line;
          run = p;
        }
        break;
      case State::dot_cr:
        if (*p == '\n') {
          state_ = State::done;  // CRLF "." CRLF
          ++p;
          run = p;
        } else {
          ++bare_cr_;
          emit(".\r");
          state_ = State::in_line;
          run = p;
        }
        break;
      case State::done:
        break;
    }
  }
  if (state_ == State::in_line || state_ == State::line_start) {
    emit(std::string_view(run, static_cast<std::size_t>(p - run)));
  }
  return static_cast<std::size_t>(p - begin);
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

#include "kim/mime_skeleton.h"

#include <openssl/crypto.h>

#include "kim/raw_message.h"

namespace kimgate::kim {

namespace {

constexpr std::size_t kMaxLine = 8192;  // a boundary line is at most 70 + 6 octets
constexpr std::size_t kMaxDepth = 16;   // nested multiparts; deeper ones count as leaves

std::string_view without_eol(std::string_view l) {
  while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) {
    l.remove_suffix(1);
  }
  return l;
}

// RFC 2046 §5.1.1: trailing white space after a boundary is allowed.
std::string_view trimmed(std::string_view l) {
  l = without_eol(l);
  while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) {
    l.remove_suffix(1);
  }
  return l;
}

}  // namespace

MimeSkeleton::~MimeSkeleton() {
  for (std::string* s : {&out_, &pending_, &headers_}) {
    OPENSSL_cleanse(s->data(), s->size());
  }
}

void MimeSkeleton::append(std::string_view s) {
  if (overflow_) {
    return;
  }
  if (out_.size() + s.size() > total_limit_) {
    overflow_ = true;
    return;
  }
  out_.append(s);
}

void MimeSkeleton::feed(std::string_view data) {
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    const bool ended = nl != std::string_view::npos;
    const std::string_view piece = data.substr(0, ended ? nl + 1 : data.size());
    data.remove_prefix(piece.size());
    if (long_line_) {
      fragment(piece);
      long_line_ = !ended;
      continue;
    }
    pending_.append(piece);
    if (pending_.size() > kMaxLine) {
      fragment(pending_);
      OPENSSL_cleanse(pending_.data(), pending_.size());
      pending_.clear();
      long_line_ = !ended;
    } else if (ended) {
      line(pending_);
      OPENSSL_cleanse(pending_.data(), pending_.size());
      pending_.clear();
    }
  }
}

void MimeSkeleton::fragment(std::string_view f) {
  switch (state_) {
    case State::headers:
      header_bytes(f);
      return;
    case State::leaf:
      body_bytes(f);
      return;
    case State::other:
      return;
  }
}

void MimeSkeleton::header_bytes(std::string_view l) {
  headers_.append(l);
  if (headers_.size() > kMaxHeaderBytes) {
    overflow_ = true;
    OPENSSL_cleanse(headers_.data(), headers_.size());
    headers_.clear();
  }
}

void MimeSkeleton::body_bytes(std::string_view l) {
  if (body_cut_) {
    return;
  }
  if (out_.size() - body_start_ + l.size() > part_limit_) {
    OPENSSL_cleanse(out_.data() + body_start_, out_.size() - body_start_);
    out_.resize(body_start_);  // left out whole: half a file would mislead a rule
    body_cut_ = true;
    ++cut_;
    return;
  }
  append(l);
}

void MimeSkeleton::finish() {
  if (!pending_.empty()) {
    line(pending_);
    pending_.clear();
  }
  if (state_ == State::headers && !headers_.empty()) {
    append(headers_);
    headers_.clear();
  }
}

bool MimeSkeleton::boundary(std::string_view l) {
  const std::string_view t = trimmed(l);
  if (t.size() < 3 || t[0] != '-' || t[1] != '-') {
    return false;
  }
  for (std::size_t i = boundaries_.size(); i-- > 0;) {
    const std::string& b = boundaries_[i];
    const std::string_view rest = t.substr(2);
    if (rest == b) {
      boundaries_.resize(i + 1);
      append(l);
      state_ = State::headers;
      return true;
    }
    if (rest.size() == b.size() + 2 && rest.substr(0, b.size()) == b && rest.substr(b.size()) == "--") {
      boundaries_.resize(i);
      append(l);
      state_ = State::other;  // the epilogue
      return true;
    }
  }
  return false;
}

void MimeSkeleton::line(std::string_view l) {
  if (state_ != State::headers && boundary(l)) {
    return;
  }
  switch (state_) {
    case State::headers:
      header_bytes(l);
      if (without_eol(l).empty()) {
        end_of_headers();
      }
      return;
    case State::leaf:
      body_bytes(l);
      return;
    case State::other:
      return;
  }
}

void MimeSkeleton::end_of_headers() {
  append(headers_);
  const std::optional<RawMessage> m = parse_raw_message(headers_);
  const std::string type = m ? header_value(*m, "Content-Type").value_or("") : std::string();
  OPENSSL_cleanse(headers_.data(), headers_.size());
  headers_.clear();
  if (mime_type(type).rfind("multipart/", 0) == 0) {
    const std::optional<std::string> b = mime_parameter(type, "boundary");
    if (b && !b->empty() && boundaries_.size() < kMaxDepth) {
      boundaries_.push_back(*b);
      state_ = State::other;  // the preamble
      return;
    }
  }
  state_ = State::leaf;
  body_start_ = out_.size();
  body_cut_ = false;
}

}  // namespace kimgate::kim

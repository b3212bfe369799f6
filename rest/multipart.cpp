#include "rest/multipart.h"

#include <openssl/rand.h>

#include <array>

namespace kimgate::rest {

namespace {

constexpr std::string_view kCrlf = "\r\n";

bool has_forbidden(std::string_view s, bool quote_too) {
  for (const char c : s) {
    if (c == '\r' || c == '\n' || c == '\0' || (quote_too && c == '"')) {
      return true;
    }
  }
  return false;
}

// RFC 2046 §5.1.1 bchars, without the space (which may not end a boundary and gains nothing).
bool valid_boundary(std::string_view b) {
  constexpr std::string_view extra = "'()+_,-./:=?";
  if (b.empty() || b.size() > 70) {
    return false;
  }
  for (const char c : b) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Yields head, the file's bytes (exactly file_size of them), tail.
class FormSource final : public BodySource {
 public:
  FormSource(const std::string& head, const std::string& tail, std::uint64_t size, BodySource& file)
      : head_(head), tail_(tail), size_(size), file_(file) {}

  net::awaitable<Piece> next() override {
    Piece piece;
    switch (phase_) {
      case Phase::head:
        phase_ = Phase::file;
        piece.data = head_;
        co_return piece;
      case Phase::file:
        break;
      case Phase::tail:
        phase_ = Phase::end;
        piece.data = tail_;
        co_return piece;
      case Phase::end:
        piece.end = true;
        co_return piece;
    }
    Piece got = co_await file_.next();
    while (!got.end && got.error.empty() && got.data.empty()) {
      got = co_await file_.next();
    }
    if (!got.error.empty()) {
      phase_ = Phase::end;
      co_return got;
    }
    if (got.end) {
      if (sent_ != size_) {
        phase_ = Phase::end;
        piece.error =
            "the attachment data ended after " + std::to_string(sent_) + " of " + std::to_string(size_) + " bytes";
        co_return piece;
      }
      phase_ = Phase::end;
      piece.data = tail_;
      co_return piece;
    }
    if (got.data.size() > size_ - sent_) {
      phase_ = Phase::end;
      piece.error = "the attachment data is longer than the announced " + std::to_string(size_) + " bytes";
      co_return piece;
    }
    sent_ += got.data.size();
    co_return got;
  }

 private:
  enum class Phase { head, file, tail, end };
  const std::string& head_;
  const std::string& tail_;
  std::uint64_t size_;
  BodySource& file_;
  Phase phase_ = Phase::head;
  std::uint64_t sent_ = 0;
};

}  // namespace

std::string random_boundary() {
  constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::array<unsigned char, 48> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return {};
  }
  // 48 random alphanumerics (285 bits): no field value or file byte sequence contains them by chance.
  std::string out = "kimgate-";
  for (const unsigned char r : random) {
    out.push_back(alphabet[r % alphabet.size()]);
  }
  return out;
}

MultipartForm::MultipartForm(std::vector<FormField> fields, std::string file_field, std::string file_name,
                             std::string file_type, std::uint64_t file_size, std::string boundary)
    : boundary_(std::move(boundary)), file_size_(file_size) {
  if (boundary_.empty()) {
    boundary_ = random_boundary();
    if (boundary_.empty()) {
      error_ = "no random boundary (the random generator failed)";
      return;
    }
  }
  if (!valid_boundary(boundary_)) {
    error_ = "the multipart boundary is not 1 to 70 characters of RFC 2046";
    return;
  }
  const auto bad = [this](std::string_view what, std::string_view text, bool name) {
    if (has_forbidden(text, name)) {
      error_ = std::string(what) + (name ? " holds CR, LF, NUL or a quote" : " holds CR, LF or NUL");
      return true;
    }
    if (text.find(boundary_) != std::string_view::npos) {
      error_ = std::string(what) + " contains the multipart boundary";
      return true;
    }
    return false;
  };
  for (const FormField& f : fields) {
    if (f.name.empty()) {
      error_ = "a form field has no name";
      return;
    }
    if (bad("the form field name \"" + f.name + "\"", f.name, true) ||
        bad("the form field " + f.name, f.value, false)) {
      return;
    }
  }
  if (file_field.empty()) {
    error_ = "the file part has no field name";
    return;
  }
  if (bad("the file field name", file_field, true) || bad("the file name", file_name, true) ||
      bad("the file type", file_type, true)) {
    return;
  }
  const std::string delimiter = "--" + boundary_;
  for (const FormField& f : fields) {
    head_.append(delimiter).append(kCrlf);
    head_.append("Content-Disposition: form-data; name=\"").append(f.name).append("\"").append(kCrlf);
    head_.append(kCrlf);
    head_.append(f.value).append(kCrlf);
  }
  head_.append(delimiter).append(kCrlf);
  head_.append("Content-Disposition: form-data; name=\"").append(file_field).append("\"");
  if (!file_name.empty()) {
    head_.append("; filename=\"").append(file_name).append("\"");
  }
  head_.append(kCrlf);
  if (!file_type.empty()) {
    head_.append("Content-Type: ").append(file_type).append(kCrlf);
  }
  head_.append("Content-Length: ").append(std::to_string(file_size)).append(kCrlf);
  head_.append(kCrlf);
  tail_.append(kCrlf).append(delimiter).append("--").append(kCrlf);
}

std::string MultipartForm::content_type() const {
  // RFC 2045 tspecials in the boundary need a quoted-string parameter value.
  const bool token = boundary_.find_first_of("'()+,/:=?") == std::string::npos;
  return "multipart/form-data; boundary=" + (token ? boundary_ : "\"" + boundary_ + "\"");
}

std::uint64_t MultipartForm::content_length() const {
  return head_.size() + file_size_ + tail_.size();
}

std::unique_ptr<BodySource> MultipartForm::source(BodySource& file) const {
  return std::make_unique<FormSource>(head_, tail_, file_size_, file);
}

}  // namespace kimgate::rest

#include "rest/body.h"

namespace kimgate::rest {

net::awaitable<Piece> StringSource::next() {
  Piece piece;
  if (given_) {
    piece.end = true;
    co_return piece;
  }
  given_ = true;
  if (s_.empty()) {
    piece.end = true;
    co_return piece;
  }
  piece.data = s_;
  co_return piece;
}

net::awaitable<std::string> StringSink::write(std::string_view data) {
  if (data.size() > limit_ - data_.size()) {
    co_return "the body is larger than " + std::to_string(limit_) + " bytes";
  }
  data_.append(data);
  co_return std::string{};
}

}  // namespace kimgate::rest

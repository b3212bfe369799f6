#include "pop3/multiline.h"

namespace kimgate::pop3 {

MultilineReader::MultilineReader(std::uint64_t limit)
    : limit_(limit), decoder_([this](std::string_view s) { body_.append(s); }) {}

std::size_t MultilineReader::feed(std::string_view bytes) {
  if (status_ != Status::more) {
    return 0;
  }
  const std::size_t used = decoder_.feed(bytes);
  raw_.append(bytes.substr(0, used));
  if (body_.size() > limit_) {
    status_ = Status::too_large;
  } else if (decoder_.done()) {
    status_ = Status::done;
  }
  return used;
}

}  // namespace kimgate::pop3

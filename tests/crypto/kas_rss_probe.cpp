// kas_rss_probe MIB [LIMIT_MIB] — seals MIB mebibytes of generated mail text through
// crypto::kas_seal into a discarding stream and prints the process's max resident set
// (getrusage ru_maxrss). With LIMIT_MIB, exits 1 when the maximum RSS exceeds it.
// Not a timing test: only memory is judged.
#include <sys/resource.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <streambuf>

#include "crypto/kas.h"

namespace {

// An endless-looking mail: a header, then base64-like lines, `total` bytes in all.
class GeneratedMail : public std::streambuf {
 public:
  explicit GeneratedMail(std::uint64_t total) : left_(total) {
    for (std::size_t i = 0; i < buf_.size(); ++i) {
      buf_[i] = (i % 78 == 76) ? '\r' : (i % 78 == 77) ? '\n' : static_cast<char>('A' + (i * 7) % 26);
    }
  }

 protected:
  int_type underflow() override {
    if (left_ == 0) {
      return traits_type::eof();
    }
    const std::size_t n = left_ < buf_.size() ? static_cast<std::size_t>(left_) : buf_.size();
    left_ -= n;
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  std::array<char, 78 * 840> buf_{};
  std::uint64_t left_;
};

class Discard : public std::streambuf {
 public:
  std::uint64_t bytes = 0;

 protected:
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += static_cast<std::uint64_t>(n);
    return n;
  }
  int_type overflow(int_type c) override {
    ++bytes;
    return c;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: kas_rss_probe MIB [LIMIT_MIB]\n";
    return 2;
  }
  const std::uint64_t mib = std::strtoull(argv[1], nullptr, 10);
  GeneratedMail source(mib * 1024 * 1024);
  Discard sink;
  std::istream in(&source);
  std::ostream out(&sink);
  auto sealed = kimgate::crypto::kas_seal(in, out);
  if (!sealed.ok()) {
    std::cerr << "seal failed: " << sealed.error << "\n";
    return 1;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double max_rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  std::cout << "sealed " << sealed.value->plaintext_size << " bytes -> " << sink.bytes << " bytes; max RSS "
            << max_rss_mib << " MiB\n";
  if (argc >= 3 && max_rss_mib > std::strtod(argv[2], nullptr)) {
    std::cout << "max RSS above the limit of " << argv[2] << " MiB\n";
    return 1;
  }
  return 0;
}

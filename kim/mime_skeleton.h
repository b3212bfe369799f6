#pragma once
// MimeSkeleton: a mail fed in pieces (from a spool) and kept as its skeleton — the header section
// of the mail and of every MIME part, the boundary lines, and each leaf part's body only while it
// is at most `part_limit` octets (a longer body is left out whole, the part counted in cut()).
// Preambles and epilogues are left out. Boundaries are those of the multipart Content-Type
// fields met so far. kim::attachments() over the skeleton names every attached file and holds
// the small ones (begleitdatei.xml, an eAU bundle): routing of a mail above the Konnektor's limit
// checks its application rules on it without holding the mail (daemon/send_large.cpp).
// Pure, no I/O. A skeleton that would exceed `total_limit`, or a header section above
// kMaxHeaderBytes, sets overflow() and stops growing.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim {

class MimeSkeleton {
 public:
  MimeSkeleton(std::size_t part_limit, std::size_t total_limit) : part_limit_(part_limit), total_limit_(total_limit) {}
  ~MimeSkeleton();  // wipes what it held (mail content)
  MimeSkeleton(const MimeSkeleton&) = delete;
  MimeSkeleton& operator=(const MimeSkeleton&) = delete;

  void feed(std::string_view data);
  // The end of the mail (a last line without line end is taken as it is).
  void finish();

  const std::string& text() const { return out_; }
  bool overflow() const { return overflow_; }
  std::size_t cut() const { return cut_; }

 private:
  enum class State { headers, leaf, other };
  void line(std::string_view l);
  void fragment(std::string_view f);  // a piece of a line too long to be a boundary
  void header_bytes(std::string_view l);
  void body_bytes(std::string_view l);
  void end_of_headers();
  bool boundary(std::string_view l);
  void append(std::string_view s);

  std::size_t part_limit_;
  std::size_t total_limit_;
  std::string out_;
  std::string pending_;  // a line not yet ended (bounded)
  bool long_line_ = false;
  State state_ = State::headers;
  std::string headers_;                  // the header section being read
  std::vector<std::string> boundaries_;  // outermost first
  std::size_t body_start_ = 0;           // in out_, of the current leaf body
  bool body_cut_ = false;
  bool overflow_ = false;
  std::size_t cut_ = 0;
};

}  // namespace kimgate::kim

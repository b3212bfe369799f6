// kimgated's use of glibc's allocator (issue 19, S6): large mails reuse the heap instead of
// fresh mappings, and free pages go back to the system on a timer.
#pragma once

#include <chrono>
#include <cstddef>

#include "net/asio.h"

namespace kimgate::daemon {

// Mails up to the KAS threshold (15 MiB, ~21 MiB as a KIM message) pass through a few
// whole-message buffers. With glibc's default, each buffer above its adaptive threshold is a fresh
// mmap, and every page of it faults on first touch: a `perf record` of S6 put half of kimgated's
// CPU per MB into those faults. Fixed thresholds keep such buffers in the arenas, where the next
// mail reuses the pages. Called once at start, before any thread exists.
inline constexpr std::size_t kHeapMmapThreshold = 32u << 20;  // larger allocations are mappings
inline constexpr std::size_t kHeapTrimThreshold = 32u << 20;  // free top of an arena kept by free()
void tune_heap();

// Returns the arenas' free pages to the system every `interval` (malloc_trim on the worker pool,
// never on the I/O thread), so that RSS falls back after a burst of large mails instead of
// staying at its peak (the issue measured 150-190 MB kept).
class HeapTrimmer {
 public:
  HeapTrimmer(net::asio::io_context& io, net::asio::thread_pool& pool, std::chrono::seconds interval);
  void start();
  void stop();

 private:
  void arm();
  net::asio::steady_timer timer_;
  net::asio::thread_pool& pool_;
  std::chrono::seconds interval_;
  bool stopped_ = false;
};

}  // namespace kimgate::daemon

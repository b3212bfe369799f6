#include "daemon/heap.h"

#include <malloc.h>

namespace kimgate::daemon {

void tune_heap() {
  ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHeapMmapThreshold));
  ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(kHeapTrimThreshold));
}

HeapTrimmer::HeapTrimmer(net::asio::io_context& io, net::asio::thread_pool& pool, std::chrono::seconds interval)
    : timer_(io), pool_(pool), interval_(interval) {}

void HeapTrimmer::start() {
  stopped_ = false;
  arm();
}

void HeapTrimmer::stop() {
  stopped_ = true;
  timer_.cancel();
}

void HeapTrimmer::arm() {
  if (stopped_) {
    return;
  }
  timer_.expires_after(interval_);
  const auto on_tick = [this](const boost::system::error_code& ec) {
    if (ec || stopped_) {
      return;
    }
    net::asio::post(pool_, [] { ::malloc_trim(0); });
    arm();
  };
  timer_.async_wait(on_tick);
}

}  // namespace kimgate::daemon

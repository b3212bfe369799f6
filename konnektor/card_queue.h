#pragma once
// CardQueue: a card does one operation at a time, and callers get it first come,
// first served (like a Konnektor's card channel). acquire() suspends the calling
// coroutine until its turn or its deadline; the returned Turn (empty on timeout)
// hands the card to the next waiter when it goes out of scope. All on the
// io_context's one protocol thread, so no locking; waiting never blocks the loop.
#include <chrono>
#include <deque>
#include <memory>

#include "net/asio.h"
#include "net/metrics.h"

namespace kimgate::konnektor {

class CardQueue {
 public:
  class Turn {
   public:
    Turn() = default;
    explicit Turn(CardQueue* q) : q_(q) {}
    Turn(Turn&& o) noexcept : q_(o.q_) { o.q_ = nullptr; }
    Turn& operator=(Turn&& o) noexcept {
      release();
      q_ = o.q_;
      o.q_ = nullptr;
      return *this;
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    ~Turn() { release(); }
    bool held() const { return q_ != nullptr; }
    void release() {
      if (q_ != nullptr) {
        q_->hand_over();
        q_ = nullptr;
      }
    }

   private:
    CardQueue* q_ = nullptr;
  };

  explicit CardQueue(net::asio::any_io_executor ex) : ex_(std::move(ex)) {}

  // An empty Turn (held() == false) means the deadline passed first.
  net::awaitable<Turn> acquire(std::chrono::steady_clock::duration deadline) {
    if (!busy_) {
      busy_ = true;
      net::metrics().histogram("kimgate_card_queue_wait_seconds").observe(0);
      co_return Turn(this);
    }
    const auto start = std::chrono::steady_clock::now();
    const net::GaugeHold queued(net::metrics().gauge("kimgate_card_queue_waiting"));
    auto waiter = std::make_shared<Waiter>(ex_);
    waiter->timer.expires_after(deadline);
    waiting_.push_back(waiter);
    boost::system::error_code ec;
    co_await waiter->timer.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ec));
    net::metrics().histogram("kimgate_card_queue_wait_seconds").observe(net::seconds_since(start));
    if (waiter->granted) {
      co_return Turn(this);  // handed over: busy_ stayed true for us
    }
    std::erase(waiting_, waiter);
    co_return Turn();
  }

  std::size_t waiting() const { return waiting_.size(); }
  bool busy() const { return busy_; }

 private:
  void hand_over() {
    if (waiting_.empty()) {
      busy_ = false;
      return;
    }
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    next->granted = true;  // decides, even if its deadline already fired and is queued
    next->timer.cancel();
  }

  struct Waiter {
    explicit Waiter(const net::asio::any_io_executor& ex) : timer(ex) {}
    net::asio::steady_timer timer;
    bool granted = false;
  };

  net::asio::any_io_executor ex_;
  bool busy_ = false;
  std::deque<std::shared_ptr<Waiter>> waiting_;
};

}  // namespace kimgate::konnektor

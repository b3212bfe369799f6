// CardQueue: one operation at a time, first come first served, deadlines, and the event
// loop keeps running meanwhile. Assertions on order and progress, never on time.
#include "konnektor/card_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace kimgate::konnektor {
namespace {

namespace asio = net::asio;
using net::awaitable;

TEST(CardQueue, ServesInArrivalOrderWhileOtherWorkProgresses) {
  asio::io_context io;
  CardQueue queue(io.get_executor());
  std::vector<int> order;
  std::vector<int> ticks_at_completion;
  int ticks = 0;
  int inside = 0;
  int max_inside = 0;
  bool done = false;
  const auto job = [&](int i) -> awaitable<void> {
    CardQueue::Turn turn = co_await queue.acquire(std::chrono::hours(1));
    EXPECT_TRUE(turn.held());
    ++inside;
    max_inside = std::max(max_inside, inside);
    // The "card operation": yield to the loop a few times while holding the card.
    for (int k = 0; k < 3; ++k) {
      co_await asio::post(io, asio::use_awaitable);
    }
    --inside;
    order.push_back(i);
    ticks_at_completion.push_back(ticks);
  };
  const auto ticker = [&]() -> awaitable<void> {
    while (!done) {
      ++ticks;
      co_await asio::post(io, asio::use_awaitable);
    }
  };
  for (int i = 0; i < 20; ++i) {
    asio::co_spawn(io, job(i), asio::detached);
  }
  asio::co_spawn(io, ticker(), asio::detached);
  const auto stop = [&]() -> awaitable<void> {
    while (order.size() < 20) {
      co_await asio::post(io, asio::use_awaitable);
    }
    done = true;
  };
  asio::co_spawn(io, stop(), asio::detached);
  io.run();
  ASSERT_EQ(order.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(order[static_cast<std::size_t>(i)], i) << "first come, first served";
  }
  EXPECT_EQ(max_inside, 1) << "one operation at a time";
  EXPECT_GT(ticks_at_completion.back(), ticks_at_completion.front()) << "the unrelated coroutine kept running";
  EXPECT_FALSE(queue.busy());
}

TEST(CardQueue, DeadlineLeavesTheQueueAndTheCardToOthers) {
  asio::io_context io;
  CardQueue queue(io.get_executor());
  bool timed_out = false;
  bool third_got_it = false;
  const auto holder = [&]() -> awaitable<void> {
    CardQueue::Turn turn = co_await queue.acquire(std::chrono::hours(1));
    asio::steady_timer t(io, std::chrono::milliseconds(30));  // holds the card past the impatient one's deadline
    co_await t.async_wait(asio::use_awaitable);
  };
  const auto impatient = [&]() -> awaitable<void> {
    CardQueue::Turn turn = co_await queue.acquire(std::chrono::milliseconds(1));
    timed_out = !turn.held();
  };
  const auto patient = [&]() -> awaitable<void> {
    CardQueue::Turn turn = co_await queue.acquire(std::chrono::hours(1));
    third_got_it = turn.held();
  };
  asio::co_spawn(io, holder(), asio::detached);
  asio::co_spawn(io, impatient(), asio::detached);
  asio::co_spawn(io, patient(), asio::detached);
  io.run();
  EXPECT_TRUE(timed_out);
  EXPECT_TRUE(third_got_it);
  EXPECT_EQ(queue.waiting(), 0u);
  EXPECT_FALSE(queue.busy());
}

}  // namespace
}  // namespace kimgate::konnektor

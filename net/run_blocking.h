#pragma once
// run_blocking(pool, fn): the one bridge from a coroutine on the io_context to a bounded
// asio::thread_pool for work that may block (libldap's TLS handshake and bind, large CMS
// operations, disk). fn runs on a pool thread; its result comes back to the calling
// coroutine's executor with post, so the coroutine resumes on its own thread.
//
// fn must be callable without arguments and return a non-void, default-constructible,
// movable value; an exception thrown by fn is rethrown in the coroutine. The caller's
// executor counts as busy while fn runs (the io_context does not run out of work).
// There is no cancellation: fn must bound its own blocking (timeouts).
#include <exception>
#include <type_traits>
#include <utility>

#include "net/asio.h"

namespace kimgate::net {

template <typename Fn, typename R = std::invoke_result_t<Fn&>>
awaitable<R> run_blocking(asio::thread_pool& pool, Fn fn) {
  static_assert(!std::is_void_v<R>, "run_blocking: fn must return a value");
  static_assert(std::is_default_constructible_v<R>, "run_blocking: result must be default-constructible");
  auto initiate = [&pool, fn = std::move(fn)](auto handler) mutable {
    auto home = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
    auto task = [fn = std::move(fn), handler = std::move(handler), home]() mutable {
      std::exception_ptr error;
      R result{};
      try {
        result = fn();
      } catch (...) {
        error = std::current_exception();
      }
      auto deliver = [handler = std::move(handler), error, result = std::move(result)]() mutable {
        std::move(handler)(error, std::move(result));
      };
      asio::post(home, std::move(deliver));
    };
    asio::post(pool, std::move(task));
  };
  R value = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
      std::move(initiate), asio::use_awaitable);
  co_return value;
}

// run_blocking on `pool` when there is one, else fn() right here (tests and tools that run
// without a worker pool).
template <typename Fn, typename R = std::invoke_result_t<Fn&>>
awaitable<R> run_blocking_or_here(asio::thread_pool* pool, Fn fn) {
  if (pool == nullptr) {
    co_return fn();
  }
  R value = co_await run_blocking(*pool, std::move(fn));
  co_return value;
}

}  // namespace kimgate::net

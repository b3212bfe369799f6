// SpooledBody (daemon/smtp_session_state.h): DATA in memory up to a limit, then batches that
// are encrypted and written to the spool file on the worker pool.
#include <openssl/crypto.h>

#include "daemon/smtp_session_state.h"
#include "net/run_blocking.h"

namespace kimgate::daemon {

bool SpooledBody::append(std::string_view data) {
  if (pool_ == nullptr || (pending_.empty() && spool.stays_in_memory(data.size()))) {
    return spool.append(data);  // memory only: a copy, no disk
  }
  pending_.append(data);
  return true;
}

net::awaitable<bool> SpooledBody::settle(bool final) {
  if (pending_.empty() || (!final && pending_.size() < kBatch)) {
    co_return true;
  }
  std::string batch = std::move(pending_);
  pending_.clear();
  // The session's coroutine waits for the pool, so the batch and the spool outlive the work.
  const auto write = [this, &batch] { return spool.append(batch); };
  const bool kept = co_await net::run_blocking(*pool_, write);
  OPENSSL_cleanse(batch.data(), batch.size());
  co_return kept;
}

}  // namespace kimgate::daemon

#pragma once
// The daemon's side of tracking (issue 18), kept apart from the send and receive paths so that
// each needs one call:
// - TrackRecorder::record(): after the provider accepted a routed mail and before the PVS hears
//   250, one Vorgang per routed recipient that was sent to (committed on the worker pool);
// - TrackRecorder::answer(): for a message that passed the POP3 receive path decrypted and
//   verified, the matcher (kim/track_match.h) and the store update;
// - TrackNotices::logged_in(): at a PVS login (the only moment kimgated holds the password), the
//   account's overdue and ERROR Vorgänge not yet announced become one notice to its own address
//   (kim/track_notice.h), sealed as a KIM message with the login's Konnektor call context like a
//   PVS's mail (KimSmtpHooks::seal: signed with the practice's SMC-B, encrypted for the address's
//   certificates) and sent through its provider; each Vorgang once. A notice that cannot be sealed
//   or sent stays due for the next login.
// A null store disables everything; failures are logged, never shown to the PVS.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "daemon/login_observer.h"
#include "daemon/route_send.h"
#include "daemon/seal_mail.h"
#include "daemon/track_store.h"
#include "net/asio.h"

namespace kimgate::daemon {

// Now, in Unix seconds (the stores' time unit).
std::int64_t unix_now();

struct ReceiveOutcome;

class TrackRecorder {
 public:
  TrackRecorder() = default;
  TrackRecorder(TrackStore* store, net::asio::thread_pool* pool, double deadline_scale)
      : store_(store), pool_(pool), scale_(deadline_scale) {}
  bool enabled() const { return store_ != nullptr; }

  // `delivered`: the KIM message's envelope recipients; only routed targets among them count.
  net::awaitable<void> record(std::string account, std::string message_id, RouteTrack track,
                              std::vector<std::string> delivered) const;
  // `account`: the POP3-authenticated address; `mail`: what the PVS gets.
  net::awaitable<void> answer(std::string account, const ReceiveOutcome& outcome) const;

 private:
  TrackStore* store_ = nullptr;
  net::asio::thread_pool* pool_ = nullptr;
  double scale_ = 1.0;
};

struct TrackNoticeDeps {
  TrackStore* store = nullptr;
  net::asio::thread_pool* pool = nullptr;
  // The KIM message for a client mail, sealed with a login's KonnektorId and call context.
  std::function<net::awaitable<SealedMail>(std::string konnektor_id, konnektor::CallContext context,
                                           smtp::Envelope envelope, std::string mail)>
      seal;
  std::function<net::awaitable<std::string>(OwnMail mail)> send;  // "" on success
  SmtpServerOf smtp_server_of;                                    // after a POP3 login
  std::function<std::int64_t()> now;                              // Unix seconds
};

class TrackNotices {
 public:
  TrackNotices(net::asio::any_io_executor ex, TrackNoticeDeps deps);
  TrackNotices(const TrackNotices&) = delete;  // the observer's functions hold `this`
  TrackNotices& operator=(const TrackNotices&) = delete;

  // From the I/O thread after a successful upstream login (daemon/login_observer.h).
  void logged_in(LoginSeen seen) { observer_.logged_in(std::move(seen)); }
  net::awaitable<void> run(const LoginSeen& seen) { return observer_.run(seen); }

 private:
  net::awaitable<void> announce_due(const LoginSeen& seen);
  // Seals `notice` and sends it to the login's own mailbox: "" when the provider took it, else why not.
  net::awaitable<std::string> announce(const LoginSeen& seen, std::string notice);
  TrackNoticeDeps deps_;
  LoginObserver observer_;
};

}  // namespace kimgate::daemon

#include "ldap/client.h"

#include <ldap.h>
#include <unistd.h>

#include "ldap/connect.h"
#include "ldap/tls.h"
#include "net/run_blocking.h"

namespace kimgate::ldap {

namespace asio = net::asio;
using net::awaitable;

std::string_view to_string(DirectoryErrc e) {
  switch (e) {
    case DirectoryErrc::ok:
      return "ok";
    case DirectoryErrc::unavailable:
      return "directory unavailable";
    case DirectoryErrc::timeout:
      return "directory timeout";
    case DirectoryErrc::server_not_trusted:
      return "directory server not trusted";
    case DirectoryErrc::configuration:
      return "directory configuration error";
    case DirectoryErrc::search_failed:
      return "directory search failed";
  }
  return "?";
}

struct Client::Pending {
  explicit Pending(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool done = false;
  SearchResult result;
};

namespace {

LDAP* handle(void* p) {
  return static_cast<LDAP*>(p);
}

RawEntry read_entry(LDAP* ld, LDAPMessage* msg) {
  RawEntry e;
  char* dn = ldap_get_dn(ld, msg);
  if (dn != nullptr) {
    e.dn = dn;
    ldap_memfree(dn);
  }
  BerElement* ber = nullptr;
  for (char* a = ldap_first_attribute(ld, msg, &ber); a != nullptr; a = ldap_next_attribute(ld, msg, ber)) {
    berval** vals = ldap_get_values_len(ld, msg, a);
    for (int i = 0; vals != nullptr && vals[i] != nullptr; ++i) {
      e.add(a, std::string(vals[i]->bv_val, vals[i]->bv_len));
    }
    ldap_value_free_len(vals);
    ldap_memfree(a);
  }
  if (ber != nullptr) {
    ber_free(ber, 0);
  }
  return e;
}

}  // namespace

std::shared_ptr<Client> Client::create(asio::any_io_executor ex, asio::thread_pool& pool, ClientOptions options) {
  return std::shared_ptr<Client>(new Client(std::move(ex), pool, std::move(options)));
}

Client::Client(asio::any_io_executor ex, asio::thread_pool& pool, ClientOptions options)
    : ex_(std::move(ex)), pool_(pool), options_(std::move(options)), tls_(std::make_shared<TlsContext>()) {
  if (!options_.client_cert_pem.empty()) {
    cert_fd_ = detail::memory_file("kimgate-ldap-cert", options_.client_cert_pem);
    key_fd_ = detail::memory_file("kimgate-ldap-key", options_.client_key_pem);
  }
  options_.client_key_pem.assign(options_.client_key_pem.size(), '\0');
  options_.client_key_pem.clear();
}

Client::~Client() {
  if (desc_) {
    desc_->release();
  }
  if (ld_ != nullptr) {
    ldap_destroy(handle(ld_));
  }
  if (cert_fd_ >= 0) {
    ::close(cert_fd_);
  }
  if (key_fd_ >= 0) {
    ::close(key_fd_);
  }
}

void Client::close() {
  drop(DirectoryErrc::unavailable, "the directory client was closed");
}

void Client::drop(DirectoryErrc error, const std::string& detail) {
  ++generation_;
  if (desc_) {
    boost::system::error_code ec;
    desc_->cancel(ec);
    desc_->release();  // libldap owns the descriptor and closes it
    desc_.reset();
  }
  if (ld_ != nullptr) {
    ldap_destroy(handle(ld_));  // no Unbind: the peer may be gone
    ld_ = nullptr;
  }
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, op] : pending) {
    op->done = true;
    op->result.error = error;
    op->result.detail = detail;
    op->result.entries.clear();
    op->timer.cancel();
  }
  auto waiters = std::move(slot_waiters_);
  slot_waiters_.clear();
  for (auto& w : waiters) {
    w->cancel();  // they try again: connect anew or fail
  }
}

void Client::wake_slot_waiter() {
  if (!slot_waiters_.empty()) {
    slot_waiters_.front()->cancel();
    slot_waiters_.pop_front();
  }
}

awaitable<bool> Client::wait_for_slot(std::chrono::steady_clock::time_point deadline) {
  while (ld_ != nullptr && pending_.size() >= options_.max_in_flight) {
    auto waiter = std::make_shared<asio::steady_timer>(ex_, deadline);
    slot_waiters_.push_back(waiter);
    boost::system::error_code ec;
    co_await waiter->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {  // the deadline passed before a slot came free
      std::erase(slot_waiters_, waiter);
      co_return false;
    }
  }
  co_return true;
}

awaitable<SearchResult> Client::ensure_connected() {
  SearchResult r;
  while (ld_ == nullptr && connecting_) {
    // Another search is connecting: wait for it and share its outcome.
    auto signal = connected_signal_;
    const std::uint64_t attempt = attempt_;
    boost::system::error_code ec;
    co_await signal->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ld_ == nullptr && !connecting_ && attempt_ != attempt) {
      r.error = last_connect_.error;
      r.detail = last_connect_.detail;
      co_return r;
    }
  }
  if (ld_ != nullptr) {
    co_return r;
  }
  connecting_ = true;
  auto signal = std::make_shared<asio::steady_timer>(ex_, asio::steady_timer::time_point::max());
  connected_signal_ = signal;
  auto self = shared_from_this();
  const ClientOptions options = options_;
  const std::string cert_path = cert_fd_ >= 0 ? detail::fd_path(cert_fd_) : std::string();
  const std::string key_path = key_fd_ >= 0 ? detail::fd_path(key_fd_) : std::string();
  auto tls = tls_;
  auto job = [options, cert_path, key_path, tls]() {
    return detail::connect_blocking(options, cert_path, key_path, *tls);
  };
  auto op = net::run_blocking(pool_, std::move(job));
  detail::ConnectOutcome out = co_await std::move(op);
  connecting_ = false;
  ++attempt_;
  if (out.ld != nullptr) {
    ld_ = out.ld;
    desc_ = std::make_shared<asio::posix::stream_descriptor>(ex_, out.fd);
    ++generation_;
    ++connects_;
    asio::co_spawn(ex_, read_loop(self, desc_, generation_), asio::detached);
  }
  last_connect_.error = out.error;
  last_connect_.detail = out.detail;
  signal->cancel();
  r.error = out.error;
  r.detail = out.detail;
  co_return r;
}

awaitable<void> Client::read_loop(std::shared_ptr<Client> self, std::shared_ptr<asio::posix::stream_descriptor> desc,
                                  std::uint64_t generation) {
  for (;;) {
    boost::system::error_code ec;
    co_await desc->async_wait(asio::posix::descriptor_base::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (generation != self->generation_) {
      co_return;  // this connection was dropped meanwhile
    }
    if (ec) {
      self->drop(DirectoryErrc::unavailable, "connection to the directory failed: " + ec.message());
      co_return;
    }
    const bool alive = self->drain();
    if (!alive) {
      co_return;
    }
  }
}

bool Client::drain() {
  for (;;) {
    LDAPMessage* msg = nullptr;
    timeval zero{};
    const int rc = ldap_result(handle(ld_), LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &msg);
    if (rc == 0) {
      return true;
    }
    if (rc == -1 || msg == nullptr) {
      int code = LDAP_SERVER_DOWN;
      ldap_get_option(handle(ld_), LDAP_OPT_RESULT_CODE, &code);
      drop(DirectoryErrc::unavailable,
           "connection to the directory at " + options_.url + " lost: " + ldap_err2string(code));
      return false;
    }
    complete(ldap_msgid(msg), msg);
  }
}

void Client::complete(int msgid, void* message) {
  auto* msg = static_cast<LDAPMessage*>(message);
  const auto it = pending_.find(msgid);
  if (it == pending_.end()) {
    ldap_msgfree(msg);  // answer to a search that timed out
    return;
  }
  Pending& op = *it->second;
  switch (ldap_msgtype(msg)) {
    case LDAP_RES_SEARCH_ENTRY:
      if (op.result.entries.size() < static_cast<std::size_t>(options_.size_limit)) {
        op.result.entries.push_back(read_entry(handle(ld_), msg));
      } else {
        op.result.truncated = true;
      }
      break;
    case LDAP_RES_SEARCH_RESULT: {
      int code = LDAP_SUCCESS;
      char* text = nullptr;
      ldap_parse_result(handle(ld_), msg, &code, nullptr, &text, nullptr, nullptr, 0);
      if (code == LDAP_SIZELIMIT_EXCEEDED) {
        op.result.truncated = true;
      } else if (code != LDAP_SUCCESS) {
        op.result.error = DirectoryErrc::search_failed;
        op.result.detail = std::string("the directory refused the search: ") + ldap_err2string(code);
        if (text != nullptr && *text != '\0') {
          op.result.detail += std::string(" (") + text + ")";
        }
        op.result.entries.clear();
      }
      ldap_memfree(text);
      op.done = true;
      op.timer.cancel();
      pending_.erase(it);
      wake_slot_waiter();
      break;
    }
    default:
      break;  // references and intermediate responses are not used by the VZD
  }
  ldap_msgfree(msg);
}

awaitable<SearchResult> Client::search(std::string filter, std::vector<std::string> attributes) {
  auto self = shared_from_this();
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (int attempt = 0;; ++attempt) {
    SearchResult connected = co_await ensure_connected();
    if (!connected.ok()) {
      co_return connected;
    }
    // Flow control: a bounded number of searches in flight, and answers read before the next
    // request goes out, so neither side's buffers fill up and a write never has to wait.
    const bool slot = co_await wait_for_slot(deadline);
    if (!slot) {
      SearchResult r;
      r.error = DirectoryErrc::timeout;
      r.detail = "the directory did not answer within " + std::to_string(options_.timeout.count()) + " ms";
      co_return r;
    }
    if (ld_ != nullptr) {
      drain();
    }
    if (ld_ == nullptr) {
      if (attempt < 3) {
        continue;  // dropped while waiting: connect again (or report why not)
      }
      SearchResult r;
      r.error = DirectoryErrc::unavailable;
      r.detail = "the connection to the directory was lost";
      co_return r;
    }
    std::vector<char*> attrs;
    for (auto& a : attributes) {
      attrs.push_back(a.data());
    }
    attrs.push_back(nullptr);
    timeval limit = detail::to_timeval(options_.timeout);
    if (limit.tv_sec == 0) {
      limit.tv_sec = 1;  // server-side time limit in whole seconds
    }
    int msgid = -1;
    const int rc = ldap_search_ext(handle(ld_), options_.base_dn.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                                   attrs.data(), 0, nullptr, nullptr, &limit, options_.size_limit, &msgid);
    if (rc != LDAP_SUCCESS) {
      SearchResult r;
      // LDAP_BUSY: libldap parked a half-written request it cannot finish for us; the connection is unusable.
      const bool down = rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_BUSY;
      r.error = down ? DirectoryErrc::unavailable : DirectoryErrc::search_failed;
      r.detail = std::string("cannot send the search to the directory: ") + ldap_err2string(rc);
      if (down) {
        drop(r.error, r.detail);
        if (attempt == 0) {
          continue;  // the connection died while idle: one fresh connection
        }
      }
      co_return r;
    }
    auto op = std::make_shared<Pending>(ex_);
    op->timer.expires_at(deadline);
    pending_[msgid] = op;
    const std::uint64_t generation = generation_;
    boost::system::error_code ec;
    co_await op->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!op->done) {
      pending_.erase(msgid);
      wake_slot_waiter();
      if (ld_ != nullptr && generation == generation_) {
        ldap_abandon_ext(handle(ld_), msgid, nullptr, nullptr);
      }
      SearchResult r;
      r.error = DirectoryErrc::timeout;
      r.detail = "the directory did not answer within " + std::to_string(options_.timeout.count()) + " ms";
      co_return r;
    }
    SearchResult r = std::move(op->result);
    co_return r;
  }
}

}  // namespace kimgate::ldap

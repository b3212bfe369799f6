#include "daemon/receive_kas.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "crypto/kas_stream.h"
#include "crypto/sealed_spool.h"
#include "daemon/receive_pipeline.h"
#include "kim/kas_mail.h"
#include "kim/kas_receive.h"
#include "kim/raw_message.h"
#include "kim/x_kas.h"
#include "ldap/directory.h"
#include "net/metrics.h"
#include "net/run_blocking.h"
#include "rest/dnssd.h"
#include "rest/kas_client.h"
#include "rest/multipart.h"

namespace kimgate::daemon {

using net::awaitable;

namespace {

constexpr std::size_t kChunk = 1 << 20;

// GET's body: decrypted and hashed on the pool into a sealed spool. The HTTP client hands over
// one TLS record (at most 16 KiB) at a time; they are gathered to kChunk before a trip to the
// pool, which would otherwise cost more than the AES-GCM work itself (issue 16, S7).
class DecryptingSink final : public rest::BodySink {
 public:
  DecryptingSink(net::asio::thread_pool& pool, const kim::KasReference& ref, const KasAccess& kas)
      : pool_(pool),
        opener_(ref.k, ref.hash),
        spool_(std::make_unique<crypto::SealedSpool>(kas.spool_dir, kas.spool_memory)) {}
  ~DecryptingSink() override { OPENSSL_cleanse(pending_.data(), pending_.size()); }

  awaitable<std::string> write(std::string_view data) override {
    pending_.append(data);
    if (pending_.size() < kChunk) {
      co_return std::string();
    }
    std::string error = co_await drain();
    co_return error;
  }

  // What is still gathered, then the tag and the hash, after the body ended.
  awaitable<bool> finish() {
    const std::string error = co_await drain();
    if (!error.empty()) {
      co_return false;
    }
    const auto work = [this] {
      std::string plain;
      const bool ok = opener_.finish(plain) && spool_->append(plain);
      OPENSSL_cleanse(plain.data(), plain.size());
      return ok;
    };
    const bool ok = co_await net::run_blocking(pool_, work);
    co_return ok;
  }

  crypto::KasOpener& opener() { return opener_; }
  std::unique_ptr<crypto::SealedSpool> take_spool() { return std::move(spool_); }

 private:
  // Decrypts what is gathered into the spool, on the pool; the error, or empty.
  awaitable<std::string> drain() {
    if (pending_.empty()) {
      co_return std::string();
    }
    const auto work = [this] {
      std::string plain;
      std::string error;
      if (!opener_.update(pending_, plain)) {
        error = "decryption: " + opener_.detail();
      } else if (!spool_->append(plain)) {
        error = "spool: " + spool_->error();
      }
      OPENSSL_cleanse(plain.data(), plain.size());
      OPENSSL_cleanse(pending_.data(), pending_.size());
      pending_.clear();
      return error;
    };
    std::string error = co_await net::run_blocking(pool_, work);
    co_return error;
  }

  net::asio::thread_pool& pool_;
  crypto::KasOpener opener_;
  std::unique_ptr<crypto::SealedSpool> spool_;
  std::string pending_;
};

// The downloaded client mail in its frame, from the spool, a chunk at a time.
class KasDeliveryStream final : public pop3::MessageStream {
 public:
  KasDeliveryStream(net::asio::thread_pool& pool, std::unique_ptr<crypto::SealedSpool> spool, kim::KasFrame frame,
                    std::uint64_t body_from)
      : pool_(pool), spool_(std::move(spool)), frame_(std::move(frame)), at_(body_from) {}
  ~KasDeliveryStream() override { OPENSSL_cleanse(frame_.head.data(), frame_.head.size()); }

  std::uint64_t size() const override {
    return frame_.head.size() + (spool_->size() - std::min(at_, spool_->size())) + frame_.tail.size();
  }

  awaitable<bool> next(std::string& piece) override {
    if (!head_sent_) {
      head_sent_ = true;
      piece = frame_.head;
      co_return true;
    }
    if (at_ < spool_->size()) {
      const auto work = [this] {
        std::string out;
        const bool ok = spool_->read(at_, kChunk, out);
        return ok ? out : std::string();
      };
      piece = co_await net::run_blocking(pool_, work);
      if (piece.empty()) {
        spdlog::warn("event=kas_deliver_failed reason=\"the spool could not be read\"");
        co_return false;
      }
      at_ += piece.size();
      co_return true;
    }
    if (!tail_sent_) {
      tail_sent_ = true;
      piece = frame_.tail;
    }
    co_return true;
  }

 private:
  net::asio::thread_pool& pool_;
  std::unique_ptr<crypto::SealedSpool> spool_;
  kim::KasFrame frame_;
  std::uint64_t at_;
  bool head_sent_ = false;
  bool tail_sent_ = false;
};

ReceiveOutcome failure(kim::KasFailure f, const std::string& outer, const std::string& inner, const Recipient& who,
                       const std::string& integrity_id, std::string detail) {
  net::metrics().counter("kimgate_kas_failures_total", {"download"}).inc();
  ReceiveOutcome o;
  o.mail = kim::kas_failure_mail(f, outer, inner, who.address, integrity_id, generated_now());
  o.decryption_result = "00";
  o.integrity_result = integrity_id;
  o.detail =
      "kas " + std::string(kim::kas_failure_code(f).empty() ? "ambiguous" : kim::kas_failure_code(f)) + ": " + detail;
  return o;
}

kim::KasFailure download_failure(const rest::KasResult& r) {
  return r.outcome == rest::KasResult::Outcome::too_many ? kim::KasFailure::too_many : kim::KasFailure::download_failed;
}

std::string describe(const rest::KasResult& r) {
  return std::string(rest::to_string(r.outcome)) + (r.status != 0 ? " HTTP " + std::to_string(r.status) : "") +
         (r.detail.empty() ? "" : " " + r.detail);
}

}  // namespace

awaitable<bool> large_mail_enabled(const KasAccess& kas, const std::string& address) {
  if (kas.directory == nullptr) {
    co_return true;
  }
  const ldap::VersionLookup v = co_await kas.directory->kim_version(address);
  if (!v.ok()) {
    spdlog::warn("event=kas_optin_unknown rcpt={} detail=\"{}\"", address, v.detail);
    co_return true;
  }
  if (v.version.version.large_mail) {
    co_return true;
  }
  // A cached "no" is asked again: the account may have opted in since.
  const ldap::AddressLookup fresh = co_await kas.directory->refresh_address(address, false);
  co_return fresh.ok() && fresh.version.version.large_mail;
}

awaitable<ReceiveOutcome> receive_kas(const KasAccess& kas, net::asio::thread_pool& pool, const net::PeerCheck& check,
                                      const Recipient& who, const std::string& outer, const std::string& inner,
                                      const std::string& integrity_id) {
  const auto raw = kim::parse_raw_message(inner);
  const std::vector<std::string> parts = raw ? kim::xkas_parts(*raw) : std::vector<std::string>{};
  if (parts.size() != 1) {
    co_return failure(kim::KasFailure::ambiguous, outer, inner, who, integrity_id,
                      std::to_string(parts.size()) + " x-kas structures");
  }
  kim::XKasParsed parsed = kim::parse_x_kas(parts.front());
  if (!parsed.ok()) {
    co_return failure(kim::KasFailure::ambiguous, outer, inner, who, integrity_id, parsed.error);
  }
  const kim::KasReference ref = std::move(*parsed.value);
  const std::shared_ptr<net::asio::ssl::context> tls = kas.tls ? kas.tls(who.address) : nullptr;
  if (kas.locator == nullptr || !tls) {
    co_return failure(kim::KasFailure::download_failed, outer, inner, who, integrity_id,
                      "no TLS client certificate for the KAS ([fachdienst])");
  }
  rest::ClientSettings http;
  http.tls = tls;
  http.check = check;
  http.inactivity = kas.timeout;
  const net::asio::any_io_executor ex = co_await net::asio::this_coro::executor;
  rest::KasClient client(ex, *kas.locator, http);
  // A_24002: HEAD first — is it there, and how large.
  const rest::KasResult head = co_await client.head(ref.link, who.address);
  if (head.outcome != rest::KasResult::Outcome::ok) {
    spdlog::warn("event=kas_download_failed step=head rcpt={} {}", who.address, describe(head));
    co_return failure(download_failure(head), outer, inner, who, integrity_id, "HEAD " + describe(head));
  }
  if (head.size && *head.size != ref.size + crypto::kKasOverhead) {
    spdlog::warn("event=kas_size_differs rcpt={} x_kas_size={} content_length={}", who.address, ref.size, *head.size);
  }
  DecryptingSink sink(pool, ref, kas);
  const rest::KasResult got = co_await client.read_mail_data(ref.link, who.address, sink);
  if (sink.opener().failure() != crypto::KasOpener::Failure::none) {
    co_return failure(kim::KasFailure::decrypt, outer, inner, who, integrity_id, sink.opener().detail());
  }
  if (got.outcome != rest::KasResult::Outcome::ok) {
    spdlog::warn("event=kas_download_failed step=get rcpt={} {}", who.address, describe(got));
    co_return failure(download_failure(got), outer, inner, who, integrity_id, "GET " + describe(got));
  }
  const bool opened = co_await sink.finish();
  if (!opened) {
    const kim::KasFailure f = sink.opener().failure() == crypto::KasOpener::Failure::hash_mismatch
                                  ? kim::KasFailure::hash_mismatch
                                  : kim::KasFailure::decrypt;
    co_return failure(f, outer, inner, who, integrity_id, sink.opener().detail());
  }
  std::unique_ptr<crypto::SealedSpool> spool = sink.take_spool();
  std::string head_bytes;
  spool->read(0, kim::kMaxHeaderBytes + 4, head_bytes);
  const std::optional<std::size_t> body_from = kim::body_offset(head_bytes);
  const std::size_t from = body_from.value_or(0);
  head_bytes.resize(from);
  const std::string boundary = "kimgate-kas-" + rest::random_boundary();
  kim::KasFrame frame = kim::kas_delivery_frame(outer, head_bytes, integrity_id, boundary);
  OPENSSL_cleanse(head_bytes.data(), head_bytes.size());
  ReceiveOutcome o;
  o.decryption_result = "00";
  o.integrity_result = integrity_id;
  o.detail = "kas " + std::to_string(spool->size()) + " octets";
  spdlog::info("event=kas_downloaded rcpt={} size={}", who.address, spool->size());
  net::metrics().counter("kimgate_kas_bytes_total", {"download"}).inc(spool->size());
  o.stream = std::make_unique<KasDeliveryStream>(pool, std::move(spool), std::move(frame), from);
  co_return o;
}

}  // namespace kimgate::daemon

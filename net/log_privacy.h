#pragma once
// No personal data in the logs (KOM-LE-A_2079 ff.): every log line passes pseudonymise_line()
// before any sink sees it (PrivacySink wraps the journal, stderr, syslog and file sinks), so
// the rule lives in this one place and no log call has to remember it.
// - A mail address anywhere in a line keeps its domain; its local part becomes p-<10 hex>, the
//   start of HMAC-SHA256(key, the address in lower case). The same address gives the same
//   pseudonym in every line of an installation (a mail's path can be followed), a different one
//   on another installation, and none can be reversed by trying the VZD's public addresses
//   without the key. `kimctl log-pseudonym ADDRESS` tells the admin which pseudonym to look for.
// - Values of telematik_id= (an HBA's identifies its doctor) become p-<10 hex> as a whole.
// - Values of message-id keys (message_id=, in_reply_to=, original_message_id=) are kept: a
//   Message-ID names a mail, not a person, and it is what `kimctl track show` and the
//   correlation id use.
// The key (32 random bytes) is <state_dir>/log-pseudonym.key, mode 0600, made at first start.
#include <spdlog/sinks/base_sink.h>

#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::net {

using PseudonymKey = std::array<unsigned char, 32>;

// A character of a log line's key (key=value): [a-z0-9_]. Pure.
bool log_key_char(char c);

// p-<10 lower-case hex digits> for `value` (compared in ASCII lower case). Pure.
std::string pseudonym(std::string_view value, const PseudonymKey& key);

// `line` with addresses and telematik_id values replaced as above. Pure.
std::string pseudonymise_line(std::string_view line, const PseudonymKey& key);

// Reads <state_dir>/log-pseudonym.key, or creates it (and state_dir, mode 0700) when absent.
// On failure: a random key for this process only, and `warning` says why.
PseudonymKey log_pseudonym_key(const std::filesystem::path& state_dir, std::string& warning);

// Reads the key without creating it (kimctl); false with `error` set when it cannot.
bool read_log_pseudonym_key(const std::filesystem::path& state_dir, PseudonymKey& key, std::string& error);

// Passes every line, pseudonymised, to its targets (each with its own level and pattern).
class PrivacySink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  PrivacySink(std::vector<spdlog::sink_ptr> targets, const PseudonymKey& key)
      : targets_(std::move(targets)), key_(key) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  std::vector<spdlog::sink_ptr> targets_;
  PseudonymKey key_;
};

}  // namespace kimgate::net

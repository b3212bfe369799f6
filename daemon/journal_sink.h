#pragma once
// Logging to the systemd journal with structured fields. kimgated's log lines are key=value
// (net/session_log.h); JournalSink sends each line as MESSAGE and every key as a journal field
// of its own, KIMGATE_<KEY> (event=connect -> KIMGATE_EVENT=connect), so that
//   journalctl -u kimgate KIMGATE_EVENT=dsn   or   journalctl KIMGATE_CORRELATION_ID=4f2a91c0
// select lines without parsing text. KIMGATE_CORRELATION_ID is the operation's id
// (correlation_id(): the spec's correlation id per operation, KOM-LE-A_2079 ff.). Through libsystemd's sd_journal_sendv
// (docs/decisions.md, "Metrics and PROXY protocol"): the library is linked already for sd_notify and handles large
// entries.
#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kimgate::daemon {

// The key=value pairs of a log line, in order: keys of [a-z0-9_] (at most 48 characters),
// values up to the next space or in double quotes (\" and \\ unescaped). Other words are not
// fields and are skipped. Pure.
std::vector<std::pair<std::string, std::string>> log_fields(std::string_view line);

// The operation's correlation id among `fields`: the PVS session's `session`, else an explicit
// `correlation`, else the mail's `message_id` (the send pipeline's lines); "" when none.
std::string correlation_id(const std::vector<std::pair<std::string, std::string>>& fields);

// The journal field name of a key: KIMGATE_ and the key in upper case.
std::string journal_field(std::string_view key);

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit JournalSink(std::string identifier) : identifier_(std::move(identifier)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string identifier_;
};

}  // namespace kimgate::daemon

#include "daemon/journal_sink.h"

#include <sys/uio.h>
#include <syslog.h>

#include "net/log_privacy.h"
// Without CODE_FILE/CODE_LINE/CODE_FUNC: they would name this sink, not the line's origin.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

namespace kimgate::daemon {
namespace {

int priority_of(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return LOG_DEBUG;
    case spdlog::level::info:
      return LOG_INFO;
    case spdlog::level::warn:
      return LOG_WARNING;
    case spdlog::level::err:
      return LOG_ERR;
    case spdlog::level::critical:
      return LOG_CRIT;
    default:
      return LOG_INFO;
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> log_fields(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') {
      ++i;
    }
    const std::size_t key_start = i;
    while (i < line.size() && net::log_key_char(line[i])) {
      ++i;
    }
    const std::size_t key_length = i - key_start;
    if (key_length == 0 || key_length > 48 || i >= line.size() || line[i] != '=' || line[key_start] == '_') {
      while (i < line.size() && line[i] != ' ') {  // not a field: skip the word
        if (line[i] == '"') {                      // ... or the quoted text it starts
          ++i;
          while (i < line.size() && line[i] != '"') {
            i += line[i] == '\\' ? 2 : 1;
          }
        }
        ++i;
      }
      continue;
    }
    std::string key(line.substr(key_start, key_length));
    ++i;  // '='
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
        }
        value += line[i++];
      }
      ++i;  // closing quote (or past the end)
    } else {
      while (i < line.size() && line[i] != ' ') {
        value += line[i++];
      }
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string correlation_id(const std::vector<std::pair<std::string, std::string>>& fields) {
  for (const std::string_view key : {"session", "correlation", "message_id"}) {
    for (const auto& [k, v] : fields) {
      if (k == key && !v.empty()) {
        return v;
      }
    }
  }
  return {};
}

std::string journal_field(std::string_view key) {
  std::string out = "KIMGATE_";
  for (const char c : key) {
    out += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  std::vector<std::string> entries;
  entries.reserve(8);
  entries.push_back("MESSAGE=" + std::string(text));
  entries.push_back("PRIORITY=" + std::to_string(priority_of(msg.level)));
  entries.push_back("SYSLOG_IDENTIFIER=" + identifier_);
  const auto fields = log_fields(text);
  for (const auto& [key, value] : fields) {
    entries.push_back(journal_field(key) + "=" + value);
  }
  const std::string correlation = correlation_id(fields);
  if (!correlation.empty()) {
    entries.push_back("KIMGATE_CORRELATION_ID=" + correlation);
  }
  std::vector<iovec> iov(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    iov[i].iov_base = entries[i].data();
    iov[i].iov_len = entries[i].size();
  }
  ::sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace kimgate::daemon

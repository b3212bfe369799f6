#pragma once
// Locating header fields and the body of an RFC 5322 message in its raw bytes,
// without re-serialising anything: every HeaderField keeps its exact bytes
// (folded lines and line ends included), so signed content stays byte-identical.
// Accepts CRLF and bare LF line ends. Limits: the header section is at most
// kMaxHeaderBytes and kMaxFields fields; beyond that parse fails.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim {

inline constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;
inline constexpr std::size_t kMaxFields = 2000;

struct HeaderField {
  std::string_view name;      // as written
  std::string_view raw;       // the whole field incl. continuation lines and the final line end
  std::string value() const;  // unfolded, leading and trailing white space removed
};

struct RawMessage {
  std::vector<HeaderField> fields;
  std::string_view header_section;  // all fields, without the empty line
  std::string_view body;            // after the empty line
  std::string_view eol;             // "\r\n" or "\n", as the message uses
};

// nullopt when there is no header section or a limit is exceeded. A message
// without an empty line has an empty body.
std::optional<RawMessage> parse_raw_message(std::string_view bytes);

// Value of the first field of that name (ASCII case-insensitive), unfolded.
std::optional<std::string> header_value(const RawMessage& m, std::string_view name);
// All fields of that name.
std::vector<const HeaderField*> header_fields(const RawMessage& m, std::string_view name);

bool iequals(std::string_view a, std::string_view b);
// `raw` with every bare LF turned into CRLF and a final CRLF ensured.
std::string with_crlf(std::string_view raw);
// with_crlf(raw) appended to out, without a temporary (for mail bodies).
void append_with_crlf(std::string& out, std::string_view raw);
bool istarts_with(std::string_view s, std::string_view prefix);

// The addr-specs of an address-list header value (RFC 5322 §3.4), in order:
// angle-addr contents, or bare addr-specs; display names, quoted strings, comments
// and group syntax are skipped. Not validated beyond containing '@'.
std::vector<std::string> addr_specs(std::string_view value);

// Lower-cased MIME type/subtype of a Content-Type value ("text/plain"), and a parameter.
std::string mime_type(std::string_view content_type);
std::optional<std::string> mime_parameter(std::string_view content_type, std::string_view name);

}  // namespace kimgate::kim

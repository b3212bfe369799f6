#pragma once
// The provider's error body (CommonSchemas.yaml `Error`: {message, traceId}) read tolerantly:
// missing members, other members or a body that is not JSON at all still give a sentence.
// Never throws.
#include <string>
#include <string_view>

namespace kimgate::rest {

struct ProviderError {
  std::string message;
  std::string trace_id;
};
// nullopt-free: a body that is not an Error object gives empty members.
ProviderError parse_provider_error(std::string_view body);
// "HTTP <status>: <message> (traceId <id>)", with what is there; control characters replaced and
// the message cut at 300 bytes so that a hostile body cannot flood a log line.
std::string describe_status(int status, std::string_view body);

}  // namespace kimgate::rest

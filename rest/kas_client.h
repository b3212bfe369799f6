#pragma once
// I_Attachment_Service 2.4 (AttachmentService.yaml): addMailData, HEAD, readMailData,
// deleteMailData, one typed call each, over exchange() (one connection per request).
// Results are typed outcomes (the yaml's status codes); `detail` carries the provider's
// Error.message and traceId or the transport sentence, never a credential.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rest/body.h"
#include "rest/dnssd.h"
#include "rest/http_client.h"

namespace kimgate::rest {

struct Credentials {  // HTTP Basic; never logged
  std::string user;
  std::string password;
};

struct KasUpload {
  std::string message_id;               // without angle brackets
  std::vector<std::string> recipients;  // one `recipients` form part each
  std::string expires;                  // RFC 5322 date, 4-digit year
  std::uint64_t size = 0;               // bytes of the encrypted data (IV || ciphertext || tag)
  BodySource* data = nullptr;           // exactly `size` bytes
};

struct KasResult {
  enum class Outcome {
    ok,
    unauthorized /*401*/,
    forbidden /*403*/,
    not_found /*404*/,
    too_large /*413*/,
    too_many /*429*/,
    quota_exceeded /*507*/,
    refused /*any other status*/,
    failed /*transport*/
  };
  Outcome outcome = Outcome::failed;
  int status = 0;
  std::string detail;                 // the provider's Error.message and traceId, or the transport sentence
  std::string shared_link;            // addMailData 201
  std::optional<std::uint64_t> size;  // HEAD Content-Length
};
std::string_view to_string(KasResult::Outcome o);
// The one table from HTTP status to outcome; `success` is the operation's documented success code.
KasResult::Outcome kas_outcome(int status, int success);

inline constexpr std::string_view kDefaultKasPath = "/attachments/v2.4";

class KasClient {
 public:
  KasClient(asio::any_io_executor ex, ServiceLocator& locator, ClientSettings settings);

  // POST <base>/attachment/ (base from TXT key "path", default "/attachments/v2.4"),
  // multipart/form-data with messageID, recipients (repeated), expires, attachment
  // (application/octet-stream, filename attachment.enc), request Content-Length = total.
  // 201 + {"sharedLink": ...} -> ok.
  net::awaitable<KasResult> add_mail_data(const ServiceEndpoint& kas, const Credentials& who, KasUpload upload);
  // The link is the absolute sharedLink (https); its host resolved with locator.resolve_host().
  net::awaitable<KasResult> head(std::string link, std::string recipient);
  net::awaitable<KasResult> read_mail_data(std::string link, std::string recipient, BodySink& sink);
  net::awaitable<KasResult> delete_mail_data(std::string link, const Credentials& who);

 private:
  struct Target {
    Endpoint endpoint;
    std::string target;
    std::string error;
  };
  net::awaitable<Target> target_of(std::string link);

  asio::any_io_executor ex_;
  ServiceLocator& locator_;
  ClientSettings settings_;
};

}  // namespace kimgate::rest

#include "rest/kas_client.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "rest/multipart.h"
#include "rest/provider_error.h"
#include "rest/url.h"

namespace kimgate::rest {

namespace {

using Outcome = KasResult::Outcome;

KasResult transport_failure(const Response& response) {
  KasResult out;
  out.outcome = Outcome::failed;
  out.detail = response.error;
  return out;
}

KasResult from_status(const Response& response, int success, std::string_view operation, const std::string& where) {
  KasResult out;
  out.status = response.status;
  out.outcome = kas_outcome(response.status, success);
  if (out.outcome != Outcome::ok) {
    out.detail =
        std::string(operation) + " at " + where + " answered " + describe_status(response.status, response.body);
  }
  return out;
}

}  // namespace

std::string_view to_string(KasResult::Outcome o) {
  switch (o) {
    case Outcome::ok:
      return "ok";
    case Outcome::unauthorized:
      return "unauthorized";
    case Outcome::forbidden:
      return "forbidden";
    case Outcome::not_found:
      return "not_found";
    case Outcome::too_large:
      return "too_large";
    case Outcome::too_many:
      return "too_many";
    case Outcome::quota_exceeded:
      return "quota_exceeded";
    case Outcome::refused:
      return "refused";
    case Outcome::failed:
      return "failed";
  }
  return "unknown";
}

KasResult::Outcome kas_outcome(int status, int success) {
  if (status == success) {
    return Outcome::ok;
  }
  switch (status) {
    case 401:
      return Outcome::unauthorized;
    case 403:
      return Outcome::forbidden;
    case 404:
      return Outcome::not_found;
    case 413:
      return Outcome::too_large;
    case 429:
      return Outcome::too_many;
    case 507:
      return Outcome::quota_exceeded;
    default:
      return Outcome::refused;
  }
}

KasClient::KasClient(asio::any_io_executor ex, ServiceLocator& locator, ClientSettings settings)
    : ex_(std::move(ex)), locator_(locator), settings_(std::move(settings)) {}

net::awaitable<KasResult> KasClient::add_mail_data(const ServiceEndpoint& kas, const Credentials& who,
                                                   KasUpload upload) {
  KasResult out;
  const std::string where = host_port(kas.endpoint.host, kas.endpoint.port);
  if (upload.data == nullptr) {
    out.detail = "addMailData without data";
    co_return out;
  }
  std::vector<FormField> fields;
  fields.push_back({"messageID", upload.message_id});
  for (std::string& r : upload.recipients) {
    fields.push_back({"recipients", std::move(r)});
  }
  fields.push_back({"expires", upload.expires});
  const MultipartForm form(std::move(fields), "attachment", "attachment.enc", "application/octet-stream", upload.size);
  if (!form.ok()) {
    out.detail = "addMailData for " + where + " cannot be built: " + form.error();
    co_return out;
  }
  const std::unique_ptr<BodySource> body = form.source(*upload.data);
  Request request;
  request.method = "POST";
  request.target = join_path(base_path(kas, "path", kDefaultKasPath), "attachment/");
  request.headers.push_back({"Accept", "application/json"});
  request.headers.push_back({"Authorization", basic_authorization(who.user, who.password)});
  request.headers.push_back({"Content-Type", form.content_type()});
  request.stream = body.get();
  request.stream_length = form.content_length();
  const Response response = co_await exchange(ex_, kas.endpoint, settings_, std::move(request));
  if (!response.ok()) {
    co_return transport_failure(response);
  }
  out = from_status(response, 201, "addMailData", where);
  if (out.outcome != Outcome::ok) {
    co_return out;
  }
  const nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
  const auto link = j.is_object() ? j.find("sharedLink") : j.end();
  if (!j.is_object() || link == j.end() || !link->is_string() || !parse_https_url(link->get<std::string>())) {
    out.outcome = Outcome::refused;
    out.detail = "addMailData at " + where + " answered 201 without an https sharedLink";
    co_return out;
  }
  out.shared_link = link->get<std::string>();
  co_return out;
}

net::awaitable<KasClient::Target> KasClient::target_of(std::string link) {
  Target out;
  const std::optional<HttpsUrl> url = parse_https_url(link);
  if (!url) {
    out.error = "the KAS link is not an https URL";
    co_return out;
  }
  const ServiceLocator::Resolved resolved = co_await locator_.resolve_host(url->host);
  if (!resolved.error.empty()) {
    out.error = resolved.error;
    co_return out;
  }
  out.endpoint = Endpoint{url->host, resolved.address, url->port};
  out.target = url->target;
  co_return out;
}

net::awaitable<KasResult> KasClient::head(std::string link, std::string recipient) {
  KasResult out;
  const Target t = co_await target_of(std::move(link));
  if (!t.error.empty()) {
    out.detail = t.error;
    co_return out;
  }
  Request request;
  request.method = "HEAD";
  request.target = t.target;
  request.headers.push_back({"recipient", std::move(recipient)});
  const Response response = co_await exchange(ex_, t.endpoint, settings_, std::move(request));
  if (!response.ok()) {
    co_return transport_failure(response);
  }
  out = from_status(response, 200, "HEAD", host_port(t.endpoint.host, t.endpoint.port));
  out.size = response.content_length;
  co_return out;
}

net::awaitable<KasResult> KasClient::read_mail_data(std::string link, std::string recipient, BodySink& sink) {
  KasResult out;
  const Target t = co_await target_of(std::move(link));
  if (!t.error.empty()) {
    out.detail = t.error;
    co_return out;
  }
  // Only a 200's body is the mail data; an error body (Error JSON) is collected for the detail.
  class StatusGate final : public BodySink {
   public:
    explicit StatusGate(BodySink& data) : data_(data) {}
    void on_status(int status) override { status_ = status; }
    net::awaitable<std::string> write(std::string_view bytes) override {
      if (status_ == 200) {
        std::string refused = co_await data_.write(bytes);
        co_return refused;
      }
      if (error_body_.size() < 65536) {
        error_body_.append(bytes.substr(0, 65536 - error_body_.size()));
      }
      co_return std::string{};
    }
    int status_ = 0;
    std::string error_body_;

   private:
    BodySink& data_;
  };
  Request request;
  request.method = "GET";
  request.target = t.target;
  request.headers.push_back({"recipient", std::move(recipient)});
  request.headers.push_back({"Accept", "application/octet-stream"});
  StatusGate gate(sink);
  Response response = co_await exchange(ex_, t.endpoint, settings_, std::move(request), &gate);
  if (!response.ok()) {
    co_return transport_failure(response);
  }
  response.body = std::move(gate.error_body_);
  out = from_status(response, 200, "readMailData", host_port(t.endpoint.host, t.endpoint.port));
  out.size = response.content_length;
  co_return out;
}

net::awaitable<KasResult> KasClient::delete_mail_data(std::string link, const Credentials& who) {
  KasResult out;
  const Target t = co_await target_of(std::move(link));
  if (!t.error.empty()) {
    out.detail = t.error;
    co_return out;
  }
  Request request;
  request.method = "DELETE";
  request.target = t.target;
  request.headers.push_back({"Authorization", basic_authorization(who.user, who.password)});
  const Response response = co_await exchange(ex_, t.endpoint, settings_, std::move(request));
  if (!response.ok()) {
    co_return transport_failure(response);
  }
  out = from_status(response, 200, "deleteMailData", host_port(t.endpoint.host, t.endpoint.port));
  co_return out;
}

}  // namespace kimgate::rest

#include "konnektor/make_konnektor.h"

#include <spdlog/spdlog.h>

#include "konnektor/local_konnektor.h"
#include "konnektor/soap_konnektor.h"

namespace kimgate::konnektor {

namespace asio = net::asio;

MadeKonnektor make_konnektor(asio::any_io_executor ex, asio::thread_pool& pool, const conf::Konnektor& k,
                             const conf::TimeoutsSection& timeouts, const conf::LimitsSection& limits) {
  MadeKonnektor made;
  if (k.kind == conf::KonnektorKind::local) {
    auto local = std::make_unique<LocalKonnektor>(ex, pool, k, timeouts.konnektor, limits.konnektor_document);
    made.problems = local->problems();
    made.konnektor = std::move(local);
    return made;
  }
  std::unique_ptr<SoapTransport> transport = SoapTransport::create(ex, k, made.error);
  if (!transport) {
    return made;
  }
  auto soap = std::make_unique<SoapKonnektor>(ex, pool, k, timeouts.konnektor, std::move(transport));
  // Read connector.sds now so that the product information is known early; a failure is
  // logged by the Konnektor and the first call tries again.
  SoapKonnektor* self = soap.get();
  const auto discover = [self]() -> net::awaitable<void> {
    const std::optional<Error> e = co_await self->discover();
    (void)e;
  };
  asio::co_spawn(ex, discover, asio::detached);
  made.konnektor = std::move(soap);
  return made;
}

}  // namespace kimgate::konnektor

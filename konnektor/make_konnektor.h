#pragma once
// make_konnektor: the Konnektor implementation a [[konnektor]] section asks for — a
// LocalKonnektor for kind = "local", a SoapKonnektor for kind = "soap" (which starts reading
// connector.sds at once). The daemon and the tools open Konnektors only through this.
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "konnektor/konnektor.h"

namespace kimgate::konnektor {

struct MadeKonnektor {
  std::unique_ptr<Konnektor> konnektor;  // null when it cannot be used at all (error says why)
  std::string error;
  std::vector<std::string> problems;  // sentences worth a warning (local cards that are missing)
};

MadeKonnektor make_konnektor(net::asio::any_io_executor ex, net::asio::thread_pool& pool, const conf::Konnektor& k,
                             const conf::TimeoutsSection& timeouts, const conf::LimitsSection& limits);

}  // namespace kimgate::konnektor

#pragma once
// MeteredKonnektor: a Konnektor that forwards every operation to another and records it on
// /metrics: kimgate_konnektor_calls_total{operation,result="ok"|"fault"} and
// kimgate_konnektor_call_duration_seconds{operation} (the operation's gematik name, e.g.
// SignDocument). The Server wraps each Konnektor it opens, so neither implementation (SOAP,
// local) needs to know about metrics. Owns the wrapped Konnektor.
#include <memory>

#include "konnektor/konnektor.h"

namespace kimgate::daemon {

std::unique_ptr<konnektor::Konnektor> metered(std::unique_ptr<konnektor::Konnektor> inner);

}  // namespace kimgate::daemon

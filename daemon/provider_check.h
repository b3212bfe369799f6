#pragma once
// ProviderCertificates: the KIM provider's TLS server certificate checked with the Konnektor's
// VerifyCertificate before any credential goes to it (KOM-LE-A_2075-01), for the SMTP and the
// POP3 login alike; answers cached by fingerprint, never past notAfter (A_22348). INVALID
// refuses the login; INCONCLUSIVE (the Konnektor could not check) lets it go on, logged — the
// certificate was already checked against fachdienst.ca_file and the host name in the handshake.
// Off when fachdienst.verify_with_konnektor = false. Used from the I/O thread only.
#include <chrono>

#include "daemon/certificate_verdicts.h"
#include "konnektor/konnektor.h"
#include "net/connection.h"

namespace kimgate::daemon {

class ProviderCertificates {
 public:
  explicit ProviderCertificates(bool enabled) : enabled_(enabled), verdicts_(std::chrono::hours(24)) {}

  // The check for a login whose Konnektor calls go to `konnektor` with `context`; an empty
  // function when the check is off. `konnektor` outlives the login.
  net::PeerCheck check_for(konnektor::Konnektor* konnektor, konnektor::CallContext context);

 private:
  bool enabled_;
  CertificateVerdicts verdicts_;
};

}  // namespace kimgate::daemon

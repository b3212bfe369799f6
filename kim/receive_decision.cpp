#include "kim/receive_decision.h"

namespace kimgate::kim {

bool supported_kom_le_version(std::string_view version) {
  return version == "1.0" || version == "1.5";
}

std::string_view decryption_result(DecryptionFailure f) {
  switch (f) {
    case DecryptionFailure::format:
      return "02";
    case DecryptionFailure::not_addressed:
    case DecryptionFailure::key_unavailable:
      return "01";
    case DecryptionFailure::konnektor_unreachable:
      return "03";
  }
  return "02";
}

SignatureVerdict signature_verdict_of(int verify_code) {
  switch (verify_code) {
    case 0:
      return SignatureVerdict::valid;
    case 4264:
      return SignatureVerdict::valid_status_unchecked;
    case 4115:
      return SignatureVerdict::integrity_violated;
    case 4253:
      return SignatureVerdict::missing;
    case 4112:
      return SignatureVerdict::format;
    case 4206:
      return SignatureVerdict::certificate_invalid;
    default:
      return SignatureVerdict::unmappable;
  }
}

namespace {

std::string_view verdict_result(SignatureVerdict v) {
  switch (v) {
    case SignatureVerdict::valid:
      return "01";
    case SignatureVerdict::valid_status_unchecked:
      return "07";
    case SignatureVerdict::integrity_violated:
      return "02";
    case SignatureVerdict::missing:
      return "03";
    case SignatureVerdict::format:
      return "04";
    case SignatureVerdict::certificate_invalid:
      return "05";
    case SignatureVerdict::unmappable:
      return "06";
  }
  return "06";
}

}  // namespace

std::string_view integrity_result(const IntegrityFacts& f) {
  if (!f.signed_entity) {
    return "03";  // no signed-data entity: the signature is missing (4253)
  }
  if (!f.signed_data_readable) {
    return "04";  // the entity says signed-data, its DER is none (§12 item 20)
  }
  const std::string_view id = verdict_result(f.verdict);
  if (!integrity_delivers(id)) {
    return id;
  }
  if (!f.inner_is_mail) {
    return "04";  // the signed content is not a message/rfc822 entity
  }
  if (!f.headers_match) {
    return "08";
  }
  if (!f.recipient_emails_match) {
    return "09";
  }
  return id;
}

bool integrity_delivers(std::string_view integrity_id) {
  return integrity_id == "01" || integrity_id == "07";
}

ReceiveDecision decide_receive(const ReceiveFacts& facts) {
  ReceiveDecision d;
  if (!facts.kim) {
    return d;  // A_21390, KOM-LE-A_2042: untouched
  }
  if (!supported_kom_le_version(facts.version)) {
    d.mail = ReceivedMail::version_error;
    return d;
  }
  if (facts.decryption_failure) {
    d.mail = ReceivedMail::decryption_error;
    d.decryption_result = std::string(decryption_result(*facts.decryption_failure));
    return d;
  }
  d.decryption_result = "00";
  d.integrity_result = std::string(integrity_result(facts.integrity));
  d.mail = integrity_delivers(d.integrity_result) ? ReceivedMail::delivered : ReceivedMail::integrity_error;
  return d;
}

std::string received_mail(const ReceiveDecision& d, std::string_view outer, std::string_view inner,
                          std::string_view address, std::string_view version, const Generated& g) {
  switch (d.mail) {
    case ReceivedMail::unchanged:
      return std::string(outer);
    case ReceivedMail::version_error:
      return version_error_mail(outer, version, g);
    case ReceivedMail::decryption_error:
      return decryption_error_mail(outer, d.decryption_result, address, g);
    case ReceivedMail::delivered:
      return delivered_mail(outer, inner, d.integrity_result);
    case ReceivedMail::integrity_error:
      return integrity_error_mail(outer, inner, d.integrity_result, g);
  }
  return std::string(outer);
}

}  // namespace kimgate::kim

#include "kim/kas_receive.h"

#include "kim/raw_message.h"

namespace kimgate::kim {
namespace {

bool is_content_field(std::string_view name) {
  return istarts_with(name, "Content-") || iequals(name, "MIME-Version");
}

bool is_result_field(std::string_view name) {
  return iequals(name, "X-KIM-DecryptionResult") || iequals(name, "X-KIM-IntegrityCheckResult") ||
         iequals(name, "Return-Path") || iequals(name, "X-KIM-Fehlermeldung");
}

// The client mail with its body replaced by a UTF-8 text, delivered as decrypted and verified.
std::string replaced_body(std::string_view outer, std::string_view inner, std::string_view text, std::string_view code,
                          std::string_view integrity_id) {
  std::string mail;
  if (const auto m = parse_raw_message(inner)) {
    for (const HeaderField& f : m->fields) {
      if (!is_content_field(f.name) && !iequals(f.name, "X-KIM-KAS-Size") && !iequals(f.name, "X-KIM-Fehlermeldung")) {
        mail += with_crlf(f.raw);
      }
    }
  }
  if (!code.empty()) {
    mail += "X-KIM-Fehlermeldung: " + std::string(code) + "\r\n";
  }
  mail += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  mail.append(text);
  mail += "\r\n";
  return delivered_mail(outer, mail, integrity_id);
}

}  // namespace

std::string_view kas_failure_code(KasFailure f) {
  switch (f) {
    case KasFailure::not_enabled:
      return "4018";
    case KasFailure::download_failed:
      return "4006";
    case KasFailure::too_many:
      return "4013";
    case KasFailure::decrypt:
      return "4007";
    case KasFailure::hash_mismatch:
      return "4012";
    case KasFailure::ambiguous:
      break;
  }
  return "";
}

std::string kas_failure_mail(KasFailure f, std::string_view outer, std::string_view inner, std::string_view address,
                             std::string_view integrity_id, const Generated& g) {
  const std::string_view code = kas_failure_code(f);
  switch (f) {
    case KasFailure::not_enabled: {
      std::string text(texts::large_not_enabled_a);
      text.append(address).append(texts::large_not_enabled_b);
      return received_error_mail(outer, texts::subject_large_not_enabled, code, text, g);
    }
    case KasFailure::download_failed: {
      std::string text(texts::kas_download_failed_a);
      text.append(address).append(texts::kas_download_failed_b);
      return received_error_mail(outer, texts::subject_kas_download_failed, code, text, g);
    }
    case KasFailure::too_many: {
      std::string text(texts::kas_too_many);
      text.append(address).append(texts::kas_download_failed_b);
      return received_error_mail(outer, texts::subject_kas_download_failed, code, text, g);
    }
    case KasFailure::ambiguous:
      return replaced_body(outer, inner, texts::kas_ambiguous, code, integrity_id);
    case KasFailure::decrypt:
      return replaced_body(
          outer, inner,
          std::string(texts::kas_decrypt_failed) + "\r\n\r\n" + std::string(texts::kas_decrypt_failed_text), code,
          integrity_id);
    case KasFailure::hash_mismatch:
      return replaced_body(outer, inner, texts::kas_hash_warning, code, integrity_id);
  }
  return {};
}

KasFrame kas_delivery_frame(std::string_view outer, std::string_view client_head, std::string_view integrity_id,
                            std::string_view boundary) {
  KasFrame frame;
  std::string& h = frame.head;
  std::string content;  // the client mail's own Content-* fields, for its part
  if (const auto o = parse_raw_message(outer)) {
    for (const HeaderField& f : o->fields) {
      if (iequals(f.name, "Return-Path") || iequals(f.name, "Received")) {
        h += with_crlf(f.raw);
      }
    }
  }
  h += "X-KIM-DecryptionResult: 00\r\n";
  h += "X-KIM-IntegrityCheckResult: " + std::string(integrity_id) + "\r\n";
  const std::string head_copy(client_head);
  if (const auto m = parse_raw_message(head_copy)) {
    for (const HeaderField& f : m->fields) {
      if (is_result_field(f.name) || iequals(f.name, "MIME-Version")) {
        continue;
      }
      (istarts_with(f.name, "Content-") ? content : h) += with_crlf(f.raw);
    }
  }
  if (content.empty()) {
    content = "Content-Type: text/plain; charset=us-ascii\r\n";
  }
  const std::string b(boundary);
  h += "MIME-Version: 1.0\r\n";
  h += "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n";
  h += "--" + b + "\r\n";
  h += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  h += std::string(kNoteDashes) + "\r\n" + std::string(texts::decrypted_note) + "\r\n" +
       std::string(texts::signature_ok_note) + "\r\n";
  h += "--" + b + "\r\n";
  h += content;
  h += "\r\n";
  frame.tail = "\r\n--" + b + "--\r\n";
  return frame;
}

}  // namespace kimgate::kim

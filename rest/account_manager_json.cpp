// The JSON mapping of I_AccountManager_Service 2.4: Account, CertificateParameters, the createCert
// and getOTP answers, OutOfOfficeNotification. Pure; fuzzed (tests/rest/fuzz_account_manager.cpp).
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "crypto/base64.h"
#include "rest/account_manager.h"
#include "rest/json_fields.h"
#include "rest/url.h"

namespace kimgate::rest {

namespace {

using nlohmann::json;
using namespace json_fields;

std::optional<json> object_of(std::string_view text, std::string_view what, std::string& error) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "the " + std::string(what) + " answer is not a JSON object";
    return std::nullopt;
  }
  return j;
}

// Characters (code points) of UTF-8 text: the yaml's maxLength counts characters.
std::size_t characters(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

// Invalid UTF-8 in a caller's string becomes U+FFFD instead of an exception.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

AmBody refuse(AmOperation op, std::string_view en, std::string_view de) {
  AmBody out;
  out.error = am_invalid_request(op, en, de);
  return out;
}

// A base64 (`format: byte`) member decoded; MIME-style line breaks are tolerated.
bool read_base64(const json& j, const char* key, std::optional<std::string>& out, std::string& error) {
  std::optional<std::string> text;
  if (!read_string(j, key, text, error)) {
    return false;
  }
  if (!text) {
    return true;
  }
  std::string why;
  out = crypto::base64::decode(*text, crypto::base64::Whitespace::skip, &why);
  if (!out) {
    error = std::string("\"") + key + "\" is not base64: " + why;
    return false;
  }
  return true;
}

// The one member of a getOTP or createCert answer: present, base64, not empty.
std::optional<std::string> required_base64(std::string_view text, std::string_view what, const char* key,
                                           std::string& error) {
  const std::optional<json> j = object_of(text, what, error);
  if (!j) {
    return std::nullopt;
  }
  std::optional<std::string> value;
  std::string why;
  if (!read_base64(*j, key, value, why)) {
    error = "the " + std::string(what) + " answer is invalid: " + why;
    return std::nullopt;
  }
  if (!value || value->empty()) {
    error = "the " + std::string(what) + " answer carries no \"" + key + "\"";
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> encode_password(std::string_view plain) {
  std::string encoded = crypto::base64::encode(plain);
  if (encoded.empty() || encoded.size() > 256) {  // CommonSchemas Password: maxLength 256
    return std::nullopt;
  }
  return encoded;
}

std::string_view to_string(RegStat s) {
  return s == RegStat::registered ? "registered" : "deregistered";
}

std::optional<Account> parse_account(std::string_view text, std::string& error) {
  const std::optional<json> j = object_of(text, "getAccount", error);
  if (!j) {
    return std::nullopt;
  }
  Account out;
  std::optional<std::string> reg_stat;
  std::string why;
  const bool good =
      read_string(*j, "referenceID", out.reference_id, why) && read_string(*j, "username", out.username, why) &&
      read_string(*j, "kimVersion", out.kim_version, why) && read_string(*j, "regStat", reg_stat, why) &&
      read_integer<std::int64_t>(*j, "deregDate", std::numeric_limits<std::int64_t>::min(), out.dereg_date, why) &&
      read_integer<std::uint32_t>(*j, "dataTimeToLive", 0, out.data_time_to_live, why) &&
      read_integer<std::uint64_t>(*j, "maxMailSize", 0, out.max_mail_size, why) &&
      read_bool(*j, "noVzdMailEntry", out.no_vzd_mail_entry, why);
  if (!good) {
    error = "the getAccount answer is invalid: " + why;
    return std::nullopt;
  }
  if (reg_stat) {
    if (*reg_stat == "registered") {
      out.reg_stat = RegStat::registered;
    } else if (*reg_stat == "deregistered") {
      out.reg_stat = RegStat::deregistered;
    } else {
      error = "the getAccount answer is invalid: \"regStat\" is neither registered nor deregistered";
      return std::nullopt;
    }
  }
  return out;
}

std::optional<Otp> parse_otp(std::string_view text, std::string& error) {
  std::optional<std::string> otp = required_base64(text, "getOTP", "otp", error);
  return otp ? std::optional<Otp>(Otp{std::move(*otp)}) : std::nullopt;
}

std::optional<CertificateFile> parse_certificate_file(std::string_view text, std::string& error) {
  std::optional<std::string> file = required_base64(text, "createCert", "file", error);
  return file ? std::optional<CertificateFile>(CertificateFile{std::move(*file)}) : std::nullopt;
}

std::optional<OutOfOffice> parse_out_of_office(std::string_view text, std::string& error) {
  const std::optional<json> j = object_of(text, "getOutOfOffice", error);
  if (!j) {
    return std::nullopt;
  }
  OutOfOffice out;
  std::optional<bool> active;
  std::string why;
  const bool good = read_string(*j, "startDate", out.start_date, why) &&
                    read_string(*j, "endDate", out.end_date, why) && read_string(*j, "message", out.message, why) &&
                    read_bool(*j, "active", active, why);
  if (!good) {
    error = "the getOutOfOffice answer is invalid: " + why;
    return std::nullopt;
  }
  out.active = active.value_or(false);
  return out;
}

AmBody account_body(AmOperation op, const Account& a) {
  const bool registering = op == AmOperation::register_account;
  json j = json::object();
  if (registering) {
    if (!a.username || a.username->empty()) {
      return refuse(op, "the KIM address to register is missing", "die zu registrierende KIM-Adresse fehlt");
    }
    if (!a.password || a.password->empty()) {
      return refuse(op, "the new password is missing", "das neue Passwort fehlt");
    }
  } else if (a.reference_id || a.username) {
    return refuse(op, "the referenceID and the address cannot be changed",
                  "Referenz-ID und Adresse lassen sich nicht ändern");
  }
  if (a.reference_id) {
    if (characters(*a.reference_id) > 256) {
      return refuse(op, "the referenceID is longer than 256 characters", "die Referenz-ID ist länger als 256 Zeichen");
    }
    j["referenceID"] = *a.reference_id;
  }
  if (a.username) {
    if (a.username->size() > 256 || a.username->find('@') == std::string::npos) {
      return refuse(op, "the KIM address is not an e-mail address of at most 256 characters",
                    "die KIM-Adresse ist keine E-Mail-Adresse mit höchstens 256 Zeichen");
    }
    j["username"] = *a.username;
  }
  if (a.password) {
    std::optional<std::string> encoded = encode_password(*a.password);
    if (!encoded) {
      return refuse(op, "the new password is empty or longer than 256 characters once base64-encoded",
                    "das neue Passwort ist leer oder base64-kodiert länger als 256 Zeichen");
    }
    j["password"] = std::move(*encoded);
  }
  if (a.kim_version) {
    if (a.kim_version->empty() || a.kim_version->size() > 4) {
      return refuse(op, "the KIM version must have 1 to 4 characters (e.g. 1.5 or 1.5+)",
                    "die KIM-Version muss 1 bis 4 Zeichen haben (z. B. 1.5 oder 1.5+)");
    }
    j["kimVersion"] = *a.kim_version;
  }
  if (a.data_time_to_live) {
    if (*a.data_time_to_live < 10 || *a.data_time_to_live > 365) {
      return refuse(op, "the storage period must be 10 to 365 days", "die Speicherdauer muss 10 bis 365 Tage betragen");
    }
    j["dataTimeToLive"] = *a.data_time_to_live;
  }
  if (a.no_vzd_mail_entry) {
    j["noVzdMailEntry"] = *a.no_vzd_mail_entry;
  }
  if (j.empty()) {
    return refuse(op, "there is nothing to change", "es gibt nichts zu ändern");
  }
  AmBody out;
  out.json = dump(j);
  return out;
}

AmBody certificate_parameters_body(const CertificateParameters& p) {
  const AmOperation op = AmOperation::create_cert;
  if (p.common_name.empty()) {
    return refuse(op, "the certificate's common name is missing", "der Name (commonName) für das Zertifikat fehlt");
  }
  json j = json::object();
  j["commonName"] = p.common_name;
  if (p.cert_password) {
    std::optional<std::string> encoded = encode_password(*p.cert_password);
    if (!encoded) {
      return refuse(op, "the PKCS#12 password is empty or longer than 256 characters once base64-encoded",
                    "das PKCS#12-Passwort ist leer oder base64-kodiert länger als 256 Zeichen");
    }
    j["certPassword"] = std::move(*encoded);
  }
  AmBody out;
  out.json = dump(j);
  return out;
}

AmBody out_of_office_body(const OutOfOffice& n) {
  const AmOperation op = AmOperation::update_out_of_office;
  json j = json::object();
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> end;
  if (n.start_date) {
    start = parse_rfc3339(*n.start_date);
    if (!start) {
      return refuse(op, "the start is not an RFC 3339 date-time", "der Beginn ist kein Zeitpunkt nach RFC 3339");
    }
    j["startDate"] = *n.start_date;
  }
  if (n.end_date) {
    end = parse_rfc3339(*n.end_date);
    if (!end) {
      return refuse(op, "the end is not an RFC 3339 date-time", "das Ende ist kein Zeitpunkt nach RFC 3339");
    }
    j["endDate"] = *n.end_date;
  }
  if (n.message) {
    if (characters(*n.message) > 2048) {
      return refuse(op, "the absence message is longer than 2048 characters",
                    "der Abwesenheitstext ist länger als 2048 Zeichen");
    }
    j["message"] = *n.message;
  }
  if (n.active && (!start || !end || !n.message || n.message->empty())) {
    return refuse(op, "an active absence note needs a start, an end and a message",
                  "eine aktive Abwesenheitsnotiz braucht Beginn, Ende und Text");
  }
  if (start && end && *start > *end) {
    return refuse(op, "the absence ends before it starts", "die Abwesenheit endet vor ihrem Beginn");
  }
  j["active"] = n.active;
  AmBody out;
  out.json = dump(j);
  return out;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view t) {
  // full-date "T" partial-time time-offset: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  const auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > t.size()) {
      return std::nullopt;
    }
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (std::isdigit(static_cast<unsigned char>(t[i])) == 0) {
        return std::nullopt;
      }
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) {
    return std::nullopt;
  }
  const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*month < 1 || *month > 12 || *day < 1 || *day > kDays[*month - 1] + (*month == 2 && leap ? 1 : 0) || *hour > 23 ||
      *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (t[at] == '.') {
    ++at;
    const std::size_t first = at;
    while (at < t.size() && std::isdigit(static_cast<unsigned char>(t[at])) != 0) {
      ++at;
    }
    if (at == first) {
      return std::nullopt;
    }
  }
  std::int64_t offset = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    const auto oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (!oh || !om || at + 3 >= t.size() || t[at + 3] != ':' || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset = (t[at] == '+' ? 1 : -1) * (*oh * 3600 + *om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != t.size()) {
    return std::nullopt;
  }
  // Days from the civil date (Howard Hinnant's algorithm).
  const int y = *year - (*month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (*month + (*month > 2 ? -3 : 9)) + 2) / 5 + *day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
}

std::string account_target(const ServiceEndpoint& accmgr, std::string_view username, std::string_view tail) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string segment;
  for (const char c : username) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
      segment.push_back(c);
    } else {
      segment.push_back('%');
      segment.push_back(kHex[u >> 4]);
      segment.push_back(kHex[u & 0x0F]);
    }
  }
  std::string target = join_path(base_path(accmgr, "accountmanager", kDefaultAccountManagerPath), "account/" + segment);
  if (!tail.empty()) {
    target = join_path(target, tail);
  }
  return target;
}

}  // namespace kimgate::rest

#pragma once
// The routing service table (issue 18): which applications a routing address may name, which
// Dienstkennungen belong to each, which VZD `kimData` application tag and which SDKVCA
// `anwendung` id find its recipient, and which application rule applies. The table is
// configuration data (conf/route-services.txt ships the current gematik values); this code
// holds no list of services. Pure parser, no I/O: the caller reads the file.
//
// File format, one service a line, fields separated by white space, `#` starts a comment:
//   <service> <recipient> <app-tag> <sdkvca-id> <rule> <dienstkennung>[,<dienstkennung>...]
//   service      routing name: letters, digits, '-' (kv-<service>@, "eau" for the eAU)
//   recipient    insurer | kv
//   app-tag      the kimData application tag that marks the right address in the VZD
//   sdkvca-id    the SDKVCA anwendung id (`1CLICK`, `eHKS`, ...), `-` when there is none
//   rule         `-`, `extensions=.a,.b,...` (only attachments with these name endings),
//                `billing-bsnr` (sender registered under the billing BSNR),
//                `begleitdatei` (1-Click begleitdatei.xml with GUID and BSNR)
//   dienstkennungen  the X-KIM-Dienstkennung values of a delivery; the first is set when the
//                PVS sent none (or only the KIM default); `-`: none of its own
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim {

enum class RouteRecipient { insurer, kv };
enum class RouteRule { none, extensions, billing_bsnr, begleitdatei };

std::string_view to_string(RouteRule r);
// Whether checking the rule reads the mail's attachments (file names, begleitdatei.xml); the
// others need only the header section and the directory (a mail above the Konnektor's limit is
// routed by its header section alone, daemon/send_large.cpp).
bool reads_attachments(RouteRule r);

struct RouteService {
  std::string name;
  RouteRecipient recipient = RouteRecipient::kv;
  std::string app_tag;
  std::string sdkvca_id;  // empty: not in SDKVCA
  RouteRule rule = RouteRule::none;
  std::vector<std::string> extensions;  // RouteRule::extensions, lower case with the dot
  std::vector<std::string> dienstkennungen;
  std::string source;  // "<file>:<line>", for log lines and refusal sentences
};

struct ServiceTable {
  std::vector<RouteService> services;
  const RouteService* find(std::string_view name) const;  // case-insensitive
  // The service a Dienstkennung belongs to (exact match, case-insensitive), or null.
  const RouteService* by_dienstkennung(std::string_view dienstkennung) const;
};

struct ServiceTableResult {
  std::optional<ServiceTable> table;
  std::vector<std::string> errors;  // "<file>:<line>: sentence"
};

// Parses and validates the whole table: every line well-formed, names unique, a Dienstkennung
// of the form <application>;<type>;<version> and used by one service only, an `eau` service of
// recipient `insurer` present. Any error: no table.
ServiceTableResult parse_service_table(std::string_view text, std::string_view file_name);

// True when `dk` has the form <application>;<message type>;<version> with printable parts.
bool valid_dienstkennung(std::string_view dk);

}  // namespace kimgate::kim

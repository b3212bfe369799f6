#pragma once
// The composite KIM user name the PVS sends with AUTH (spec digest §3, A_21518-02 / A_21519-02):
//
//   SMTP: address#host:port#MandantId#ClientSystemId#WorkplaceId[#KonnektorId][#...]
//   POP3: address#host:port#MandantId#ClientSystemId#WorkplaceId[#UserId][#KonnektorId][#...]
//
// Position 5 differs between the protocols. `*` marks a skipped optional part. The
// host:port part may be `*` or empty (KIM 1.5.4: the client module locates the server
// itself). Further optional parts are kept in `extra` (KOM-LE-A_2010). Pure; no I/O.
// An invalid name yields a sentence for the `501 5.5.4` / `-ERR` reply naming what is wrong.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kimgate::kim {

enum class UserNameProtocol { smtp, pop3 };

struct ServerAddress {
  std::string host;  // FQDN, IPv4, or IPv6 without brackets
  std::uint16_t port = 0;
};

// "host:port" or "[IPv6]:port" as a user name's position 1 writes it; nullopt when malformed.
std::optional<ServerAddress> parse_server(std::string_view text);

struct UserName {
  std::string address;                  // the mailbox name, exactly as given (never re-cased)
  std::optional<ServerAddress> server;  // nullopt: "*" or empty, locate via DNS-SD
  std::string mandant_id;
  std::string client_system_id;
  std::string workplace_id;
  std::string user_id;       // POP3 only; empty when absent
  std::string konnektor_id;  // empty: the default Konnektor
  std::vector<std::string> extra;
};

struct UserNameResult {
  std::optional<UserName> value;
  std::string error;  // sentence, set when value is empty
};

UserNameResult parse_user_name(std::string_view text, UserNameProtocol protocol);

// A_21455-01: local part [A-Za-z0-9._-]{1,64}, domain [a-z0-9.-] (compared case-insensitively), at most 189.
bool is_kim_address(std::string_view address);

}  // namespace kimgate::kim

#pragma once
// ControlRequests: what the daemon answers on its control socket (ControlServer carries the
// bytes). One JSON request, one JSON answer:
//   {"op":"status"}                                -> version, sessions, listeners, Konnektors, counters
//   {"op":"cards"}                                 -> every card of the Konnektors that administer
//                                                     their cards here (Konnektor::card_status)
//   {"op":"card.unlock","iccsn":..,"konnektor":..} -> VerifyPin by ICCSN (Konnektor::unlock_card)
//   {"op":"doctor","passwords":{..}}              -> every hop checked (DoctorService, doctor.h);
//                                                     the passwords are used for the logins only
//   {"op":"track.*"}                              -> tracking of routed submissions (track_control.h)
//   {"op":"account.*"} / {"op":"pvs.settings"}     -> the administration module (AdminService,
//                                                     admin_ops.h); its requests may carry mailbox
//                                                     passwords, never echoed or logged
// The Konnektors are reached only through konnektor::Konnektor.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conf/config.h"
#include "daemon/admin_ops.h"
#include "daemon/doctor.h"
#include "konnektor/konnektor.h"
#include "net/asio.h"

namespace kimgate::daemon {

// The daemon's state that "status" reports, read at request time.
struct DaemonStatus {
  std::size_t sessions = 0;
  bool stopping = false;
  std::vector<std::string> listeners;
  std::map<std::string, std::uint64_t, std::less<>> counters;  // what became of the mails (Counters)
};

class ControlRequests {
 public:
  using KonnektorMap = std::map<std::string, std::unique_ptr<konnektor::Konnektor>>;
  using StatusFn = std::function<DaemonStatus()>;

  // `konnektors` and `config` are the daemon's and outlive this object.
  ControlRequests(const KonnektorMap& konnektors, const std::vector<conf::Konnektor>& config, StatusFn status)
      : konnektors_(konnektors), config_(config), status_(std::move(status)) {}

  // `progress` sends a progress line before the answer (administration ops only).
  net::awaitable<nlohmann::json> handle(const nlohmann::json& request, AdminProgress progress = {});
  // The administration module, once the daemon has wired it (null before: its ops are refused).
  void set_admin(AdminService* admin) { admin_ = admin; }
  // The track.* ops (daemon/track_control.h), once tracking is wired (unset: refused).
  void set_tracking(std::function<net::awaitable<nlohmann::json>(nlohmann::json request)> track) {
    track_ = std::move(track);
  }
  // The doctor, once the daemon has wired it (null before: "doctor" is refused).
  void set_doctor(DoctorService* doctor) { doctor_ = doctor; }

 private:
  nlohmann::json status() const;
  nlohmann::json cards() const;
  net::awaitable<nlohmann::json> unlock(const nlohmann::json& request);
  std::string_view kind_of(const std::string& id) const;

  const KonnektorMap& konnektors_;
  const std::vector<conf::Konnektor>& config_;
  StatusFn status_;
  AdminService* admin_ = nullptr;
  DoctorService* doctor_ = nullptr;
  std::function<net::awaitable<nlohmann::json>(nlohmann::json request)> track_;
};

}  // namespace kimgate::daemon

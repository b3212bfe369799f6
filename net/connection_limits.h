#pragma once
// ConnectionLimits: how many PVS connections kimgated holds at once, overall and per client
// address (cf. Postfix's anvil / smtpd_client_connection_count_limit). admit() hands out a Slot
// that frees its place when destroyed, or says which limit is reached. Used from the I/O thread
// only; limits can be changed on reload (existing connections keep their slots).
#include <cstddef>
#include <map>
#include <memory>
#include <string>

namespace kimgate::net {

class ConnectionLimits {
 public:
  ConnectionLimits(std::size_t total, std::size_t per_client);

  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class ConnectionLimits;
    struct State;
    Slot(std::shared_ptr<State> state, std::string client);
    std::shared_ptr<State> state_;
    std::string client_;
  };

  struct Admission {
    Slot slot;            // valid when `refused` is empty
    std::string refused;  // the sentence for the client when a limit is reached
  };
  Admission admit(const std::string& client);

  void set_limits(std::size_t total, std::size_t per_client);
  std::size_t open() const;
  std::size_t open_from(const std::string& client) const;

 private:
  std::shared_ptr<Slot::State> state_;
};

}  // namespace kimgate::net

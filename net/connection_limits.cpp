#include "net/connection_limits.h"

namespace kimgate::net {

struct ConnectionLimits::Slot::State {
  std::size_t total_limit = 0;
  std::size_t per_client_limit = 0;
  std::size_t open = 0;
  std::map<std::string, std::size_t, std::less<>> by_client;
};

ConnectionLimits::Slot::Slot(std::shared_ptr<State> state, std::string client)
    : state_(std::move(state)), client_(std::move(client)) {}

ConnectionLimits::Slot::Slot(Slot&& other) noexcept
    : state_(std::move(other.state_)), client_(std::move(other.client_)) {}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Slot released(std::move(*this));
    state_ = std::move(other.state_);
    client_ = std::move(other.client_);
  }
  return *this;
}

ConnectionLimits::Slot::~Slot() {
  if (!state_) {
    return;
  }
  --state_->open;
  const auto it = state_->by_client.find(client_);
  if (it != state_->by_client.end() && --it->second == 0) {
    state_->by_client.erase(it);
  }
}

ConnectionLimits::ConnectionLimits(std::size_t total, std::size_t per_client)
    : state_(std::make_shared<Slot::State>()) {
  set_limits(total, per_client);
}

void ConnectionLimits::set_limits(std::size_t total, std::size_t per_client) {
  state_->total_limit = total;
  state_->per_client_limit = per_client;
}

ConnectionLimits::Admission ConnectionLimits::admit(const std::string& client) {
  Admission a;
  if (state_->open >= state_->total_limit) {
    a.refused = "Too many connections to kimgate (" + std::to_string(state_->total_limit) + "); try again later";
    return a;
  }
  const auto it = state_->by_client.find(client);
  const std::size_t from_client = it == state_->by_client.end() ? 0 : it->second;
  if (from_client >= state_->per_client_limit) {
    a.refused = "Too many connections from " + client + " (" + std::to_string(state_->per_client_limit) +
                "); close some or try again later";
    return a;
  }
  ++state_->open;
  ++state_->by_client[client];
  a.slot = Slot(state_, client);
  return a;
}

std::size_t ConnectionLimits::open() const {
  return state_->open;
}

std::size_t ConnectionLimits::open_from(const std::string& client) const {
  const auto it = state_->by_client.find(client);
  return it == state_->by_client.end() ? 0 : it->second;
}

}  // namespace kimgate::net

#include "plan/placement.h"

#include <cstddef>
#include <limits>

#include "spec/units.h"

namespace hearth {
namespace {

struct Request {
  Millicpus cpus = 0;
  Bytes memory = 0;
};

Request request_of(const Service& service) {
  return {to_millicpus(service.resources.cpus), service.resources.memory};
}

// The bookkeeping of one live server while services are placed.
struct Server {
  const Node* node = nullptr;
  NodeLoad load;
  Millicpus cpus_weight = 0;  // the ranking counts (rule 5), with the defaults for no request
  Bytes memory_weight = 0;

  Millicpus cpus_free() const { return load.cpus_capacity - load.cpus_used; }
  Bytes memory_free() const {
    return load.memory_used >= load.memory_capacity ? 0 : load.memory_capacity - load.memory_used;
  }
  bool fits(const Request& request) const {
    return request.cpus <= cpus_free() && request.memory <= memory_free();
  }
  // The dominant share once `request` is added (rule 5). Divisions of the same integers give the
  // same double everywhere, so ties are exact and decided by name.
  double share_with(const Request& request) const {
    Millicpus cpus = cpus_weight + (request.cpus > 0 ? request.cpus : kUnrequestedCpuWeight);
    Bytes memory = memory_weight + (request.memory > 0 ? request.memory : kUnrequestedMemoryWeight);
    double cpu_share = ratio(static_cast<double>(cpus), static_cast<double>(load.cpus_capacity));
    double memory_share = ratio(static_cast<double>(memory), static_cast<double>(load.memory_capacity));
    return cpu_share > memory_share ? cpu_share : memory_share;
  }
  void add(const Request& request) {
    load.cpus_used += request.cpus;
    load.memory_used += request.memory;
    cpus_weight += request.cpus > 0 ? request.cpus : kUnrequestedCpuWeight;
    memory_weight += request.memory > 0 ? request.memory : kUnrequestedMemoryWeight;
    ++load.services;
  }
  // "r510 has 1.5 cpus, 3GiB free"
  std::string room() const {
    return node->name + " has " + format_cpus(cpus_free()) + ", " + format_size(memory_free()) + " free";
  }

 private:
  static double ratio(double used, double capacity) {
    if (capacity > 0) return used / capacity;
    return used > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
};

std::string needs(const Request& request) {
  return "needs " + format_cpus(request.cpus) + ", " + format_size(request.memory);
}

class Placer {
 public:
  Placer(const std::vector<const Service*>& services, const std::vector<const Node*>& live_servers,
         const std::map<std::string, std::string>& previous)
      : services_(services) {
    servers_.reserve(live_servers.size());
    for (const Node* node : live_servers) {
      Server server;
      server.node = node;
      server.load.node = node->name;
      server.load.cpus_capacity = to_millicpus(node->capacity.cpus);
      server.load.memory_capacity = node->capacity.memory;
      servers_.push_back(std::move(server));
    }
    result_.services.resize(services.size());
    requests_.reserve(services.size());
    previous_.reserve(services.size());
    preferred_.reserve(services.size());
    for (std::size_t i = 0; i < services.size(); ++i) {
      const Service& service = *services[i];
      result_.services[i].service = service.name;
      requests_.push_back(request_of(service));
      auto it = previous.find(service.name);
      previous_.push_back(it == previous.end() ? npos : find_server(it->second));
      preferred_.push_back(service.prefer ? find_server(*service.prefer) : npos);
    }
  }

  PlacementResult run() && {
    place_incumbents();
    place_returners();
    place_others();
    for (Server& server : servers_) result_.nodes.push_back(std::move(server.load));
    return std::move(result_);
  }

 private:
  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

  std::size_t find_server(const std::string& name) const {
    for (std::size_t s = 0; s < servers_.size(); ++s) {
      if (servers_[s].node->name == name) return s;
    }
    return npos;
  }

  bool placed(std::size_t i) const { return result_.services[i].node.has_value(); }

  // A service whose preferred server is live and is not where it runs now.
  bool wants_to_return(std::size_t i) const {
    return previous_[i] != npos && preferred_[i] != npos && preferred_[i] != previous_[i];
  }

  void assign(std::size_t i, std::size_t s, PlacementDecision decision, std::string reason) {
    servers_[s].add(requests_[i]);
    ServicePlacement& placement = result_.services[i];
    placement.node = servers_[s].node->name;
    placement.decision = decision;
    placement.reason = std::move(reason);
  }

  // Rule 3, first half: services that stay where they run (incumbents) claim their room first.
  void place_incumbents() {
    for (std::size_t i = 0; i < services_.size(); ++i) {
      std::size_t s = previous_[i];
      if (s == npos || wants_to_return(i) || !servers_[s].fits(requests_[i])) continue;
      assign(i, s, PlacementDecision::kept, "already runs on " + servers_[s].node->name);
    }
  }

  // Rule 3, second half: back to the preferred server when it fits there, else stay if it fits.
  void place_returners() {
    for (std::size_t i = 0; i < services_.size(); ++i) {
      if (placed(i) || !wants_to_return(i)) continue;
      std::size_t preferred = preferred_[i];
      std::size_t current = previous_[i];
      if (servers_[preferred].fits(requests_[i])) {
        assign(i, preferred, PlacementDecision::returned,
               "moves back from " + servers_[current].node->name + " to its preferred server " +
                   servers_[preferred].node->name);
      } else if (servers_[current].fits(requests_[i])) {
        std::string reason = "already runs on " + servers_[current].node->name + "; preferred " +
                             servers_[preferred].node->name + " has no room (" + needs(requests_[i]) +
                             "; " + servers_[preferred].room() + ")";
        assign(i, current, PlacementDecision::kept, std::move(reason));
      }
    }
  }

  // Rules 4 to 6 for everything not placed yet: new services, and those whose node is gone or full.
  void place_others() {
    for (std::size_t i = 0; i < services_.size(); ++i) {
      if (placed(i)) continue;
      const Request& request = requests_[i];
      std::size_t preferred = preferred_[i];
      if (preferred != npos && servers_[preferred].fits(request)) {
        assign(i, preferred, PlacementDecision::preferred, "its preferred server");
        continue;
      }
      std::size_t best = npos;
      double best_share = 0;
      for (std::size_t s = 0; s < servers_.size(); ++s) {
        if (!servers_[s].fits(request)) continue;
        double share = servers_[s].share_with(request);
        if (best == npos || share < best_share ||
            (share == best_share && servers_[s].node->name < servers_[best].node->name)) {
          best = s;
          best_share = share;
        }
      }
      if (best != npos) {
        std::string reason = "least loaded server where it fits";
        const std::optional<std::string>& prefer = services_[i]->prefer;
        if (preferred != npos) {
          reason += "; preferred " + *prefer + " has no room (" + needs(request) + "; " +
                    servers_[preferred].room() + ")";
        } else if (prefer) {
          reason += "; preferred " + *prefer + " is not available";
        }
        assign(i, best, PlacementDecision::least_loaded, std::move(reason));
        continue;
      }
      ServicePlacement& placement = result_.services[i];
      placement.decision = PlacementDecision::unplaced;
      if (servers_.empty()) {
        placement.reason = "no live server";
        continue;
      }
      placement.reason = needs(request);
      for (const Server& server : servers_) placement.reason += "; " + server.room();
    }
  }

  const std::vector<const Service*>& services_;
  std::vector<Server> servers_;
  std::vector<Request> requests_;
  std::vector<std::size_t> previous_;   // index of the live server it runs on now, or npos
  std::vector<std::size_t> preferred_;  // index of its live preferred server, or npos
  PlacementResult result_;
};

}  // namespace

PlacementResult place_services(const std::vector<const Service*>& services,
                               const std::vector<const Node*>& live_servers,
                               const std::map<std::string, std::string>& previous) {
  return Placer(services, live_servers, previous).run();
}

}  // namespace hearth

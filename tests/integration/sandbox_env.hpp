// Facts about the sandbox machines (tests/sandbox), read from `sandbox.sh info`.
#pragma once

#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

#include "ssh_connect.hpp"

struct SandboxEnv {
  std::map<std::string, std::string> values;

  static const SandboxEnv& get() {
    static const SandboxEnv env = [] {
      SandboxEnv e;
      FILE* p = ::popen(PCS_SANDBOX_SCRIPT " info", "r");
      if (!p) throw std::runtime_error("cannot run sandbox.sh info");
      char line[4096];
      while (std::fgets(line, sizeof line, p)) {
        std::string l(line);
        if (!l.empty() && l.back() == '\n') l.pop_back();
        auto eq = l.find('=');
        if (eq != std::string::npos) e.values[l.substr(0, eq)] = l.substr(eq + 1);
      }
      ::pclose(p);
      return e;
    }();
    return env;
  }
  std::string operator[](const std::string& key) const {
    auto it = values.find(key);
    if (it == values.end()) throw std::runtime_error("sandbox.sh info lacks " + key + ": is the sandbox up?");
    return it->second;
  }
  std::string address(const std::string& machine) const { return (*this)["PCS_SANDBOX_ADDR_" + machine]; }

  // Options that reach `machine` as the sandbox's test user.
  pcs::SshOptions ssh(const std::string& machine) const {
    pcs::SshOptions o;
    o.destination = (*this)["PCS_SANDBOX_USER"] + "@" + address(machine);
    o.config_file = "/dev/null";
    o.known_hosts_file = (*this)["PCS_SANDBOX_KNOWN_HOSTS"];
    o.identity_file = (*this)["PCS_SANDBOX_CLIENT_KEY"];
    o.connect_timeout = std::chrono::seconds(5);
    return o;
  }
};

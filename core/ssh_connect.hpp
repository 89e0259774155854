// Opening the one SSH session of a sync, the way OpenSSH would: ~/.ssh/config
// (HostName, User, Port, IdentityFile), ssh-agent and the default keys, and
// host keys checked against known_hosts.
#pragma once

#include <chrono>
#include <memory>
#include <string>

struct ssh_session_struct;

namespace pcs {

struct SshOptions {
  std::string destination;           // "host", "user@host" or an ~/.ssh/config alias
  std::string config_file;           // empty: ~/.ssh/config (if it exists)
  std::string known_hosts_file;      // empty: ~/.ssh/known_hosts
  std::string identity_file;         // added to the config's and the default keys
  int port = 0;                      // 0: from the config, else 22
  bool accept_new_host_key = false;  // like StrictHostKeyChecking=accept-new
  std::chrono::seconds connect_timeout{10};
};

struct SshSessionDeleter {
  void operator()(ssh_session_struct* s) const;
};
using SshSessionPtr = std::unique_ptr<ssh_session_struct, SshSessionDeleter>;

enum class SshFailure {
  None,
  NameNotResolved,
  ConnectionRefused,
  Timeout,
  UnknownHostKey,
  ChangedHostKey,
  AuthFailed,
  Other
};

struct SshConnectResult {
  SshSessionPtr session;  // connected, verified and authenticated; blocking mode
  SshFailure failure = SshFailure::None;
  std::string error;  // says what to check; names the host
  std::string host;   // the host name after ~/.ssh/config (HostName)
  std::string user;
};

SshConnectResult ssh_connect(const SshOptions& options);

}  // namespace pcs

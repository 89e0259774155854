#include "ssh_connect.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <filesystem>

#include <fmt/format.h>
#include <libssh/libssh.h>

namespace pcs {
namespace {

std::string option(ssh_session s, ssh_options_e which) {
  char* value = nullptr;
  if (ssh_options_get(s, which, &value) != SSH_OK || value == nullptr) return "";
  std::string out = value;
  ssh_string_free_char(value);
  return out;
}

std::string fingerprint(ssh_session s, std::string& key_type) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(s, &key) != SSH_OK) return "(no key)";
  key_type = ssh_key_type_to_char(ssh_key_type(key));
  unsigned char* hash = nullptr;
  size_t len = 0;
  std::string out = "(unknown)";
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) == 0) {
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    if (text) out = text;
    ssh_string_free_char(text);
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(key);
  return out;
}

SshConnectResult fail(SshConnectResult r, SshFailure why, std::string message) {
  r.session.reset();
  r.failure = why;
  r.error = std::move(message);
  return r;
}

}  // namespace

void SshSessionDeleter::operator()(ssh_session_struct* s) const {
  if (ssh_is_connected(s)) ssh_disconnect(s);
  ssh_free(s);
}

SshConnectResult ssh_connect(const SshOptions& o) {
  SshConnectResult r;
  r.session.reset(ssh_new());
  ssh_session s = r.session.get();
  int one = 1;
  long timeout = static_cast<long>(o.connect_timeout.count());
  ssh_options_set(s, SSH_OPTIONS_HOST, o.destination.c_str());
  // Our own settings first would be overridden by the config; the config is
  // parsed explicitly so that a missing file is not an error.
  std::string config = o.config_file;
  if (config.empty()) {
    const char* home = std::getenv("HOME");
    if (home) config = std::string(home) + "/.ssh/config";
  }
  std::error_code ec;
  if (!config.empty() && std::filesystem::exists(config, ec) && ssh_options_parse_config(s, config.c_str()) != SSH_OK)
    return fail(std::move(r), SshFailure::Other, fmt::format("cannot read ssh config {}", config));
  if (o.port > 0) ssh_options_set(s, SSH_OPTIONS_PORT, &o.port);
  if (!o.known_hosts_file.empty()) ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, o.known_hosts_file.c_str());
  if (!o.identity_file.empty()) ssh_options_set(s, SSH_OPTIONS_ADD_IDENTITY, o.identity_file.c_str());
  // libssh would print its warnings (e.g. about a known_hosts of /dev/null)
  // straight to stderr, through the terminal view; our errors say what matters.
  int quiet = SSH_LOG_NOLOG;
  ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &quiet);
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &one);  // without it every channel open waits ~40 ms
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
  r.host = option(s, SSH_OPTIONS_HOST);
  r.user = option(s, SSH_OPTIONS_USER);
  unsigned int port = 22;
  ssh_options_get_port(s, &port);
  const std::string where = fmt::format("{}@{} port {}", r.user, r.host, port);

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  if (int rc = ::getaddrinfo(r.host.c_str(), nullptr, &hints, &addrs); rc != 0)
    return fail(std::move(r), SshFailure::NameNotResolved,
                fmt::format("cannot resolve host name '{}' ({}): check the name, ~/.ssh/config (HostName) and DNS "
                            "or /etc/hosts",
                            r.host, ::gai_strerror(rc)));
  ::freeaddrinfo(addrs);

  if (ssh_connect(s) != SSH_OK) {
    std::string why = ssh_get_error(s);
    if (why.find("refused") != std::string::npos)
      return fail(std::move(r), SshFailure::ConnectionRefused,
                  fmt::format("connection to {} refused: is sshd running there and listening on port {}? ({})", where,
                              port, why));
    if (why.find("imeout") != std::string::npos || why.find("timed out") != std::string::npos)
      return fail(std::move(r), SshFailure::Timeout,
                  fmt::format("no answer from {} within {} s: is the machine on and reachable (network, firewall)? "
                              "({})",
                              where, timeout, why));
    return fail(std::move(r), SshFailure::Other, fmt::format("cannot connect to {}: {}", where, why));
  }

  std::string key_type;
  std::string fp = fingerprint(s, key_type);
  switch (ssh_session_is_known_server(s)) {
    case SSH_KNOWN_HOSTS_OK:
      break;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return fail(std::move(r), SshFailure::ChangedHostKey,
                  fmt::format("the host key of {} has CHANGED: it now presents {} key {}, which does not match "
                              "known_hosts. Someone may be intercepting the connection, or the machine was "
                              "reinstalled. Check the fingerprint on the machine itself "
                              "(ssh-keygen -lf /etc/ssh/ssh_host_{}_key.pub) and, if it is right, remove the old "
                              "line with `ssh-keygen -R {}`. pc-switcher never accepts a changed key.",
                              r.host, key_type, fp, key_type, r.host));
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (!o.accept_new_host_key)
        return fail(std::move(r), SshFailure::UnknownHostKey,
                    fmt::format("the host key of {} is not known: it presents {} key {}. Check that fingerprint on "
                                "the machine itself (ssh-keygen -lf /etc/ssh/ssh_host_{}_key.pub), then run again "
                                "with --accept-new-host-key to add it to known_hosts (or connect once with ssh).",
                                r.host, key_type, fp, key_type));
      if (ssh_session_update_known_hosts(s) != SSH_OK)
        return fail(std::move(r), SshFailure::Other,
                    fmt::format("cannot add the host key of {} to known_hosts: {}", r.host, ssh_get_error(s)));
      break;
    default:
      return fail(std::move(r), SshFailure::Other,
                  fmt::format("cannot check the host key of {} against known_hosts: {}", r.host, ssh_get_error(s)));
  }

  if (ssh_userauth_publickey_auto(s, nullptr, nullptr) != SSH_AUTH_SUCCESS)
    return fail(std::move(r), SshFailure::AuthFailed,
                fmt::format("authentication as {} failed: no key from ssh-agent or ~/.ssh (or IdentityFile) was "
                            "accepted. Check `ssh-add -l`, that your public key is in ~{}/.ssh/authorized_keys on {}, "
                            "and the User in ~/.ssh/config. Password login is not used.",
                            where, r.user, r.host));
  return r;
}

}  // namespace pcs

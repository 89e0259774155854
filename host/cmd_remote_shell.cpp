// `pc-switcher remote-shell SOCKET [-l USER] HOST COMMAND...`: the program a
// local tool (rsync -e) runs to reach the target; it hands COMMAND to the
// running session through SOCKET (core/remote_shell_server.hpp) and carries
// stdin, stdout, stderr and the exit status across. Not for people: the
// session puts it on the tool's command line. HOST and USER are ignored, the
// session's connection decides where COMMAND runs.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "remote_shell_protocol.hpp"

namespace pcs::cli {
namespace {

constexpr int kConnectionFailed = 255;  // what ssh exits with

// Writes everything, waiting for room when `fd` is non-blocking (a tool may
// have made the pipe so).
bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = fd == STDOUT_FILENO || fd == STDERR_FILENO ? ::write(fd, p, n) : ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd out{fd, POLLOUT, 0};
      ::poll(&out, 1, -1);
      continue;
    }
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

int fail(const std::string& why) {
  std::cerr << "pc-switcher remote-shell: " << why << "\n";
  return kConnectionFailed;
}

}  // namespace

int run_remote_shell(const std::vector<std::string>& args) {
  using namespace remote_shell;
  std::size_t i = 1;
  if (args.empty()) return fail("usage: pc-switcher remote-shell SOCKET [-l USER] HOST COMMAND...");
  if (i + 1 < args.size() && args[i] == "-l") i += 2;
  if (i >= args.size()) return fail("no HOST given");
  ++i;  // HOST
  std::string command;
  for (; i < args.size(); ++i) command += (command.empty() ? "" : " ") + args[i];
  if (command.empty()) return fail("no COMMAND given (an interactive shell is not offered)");

  int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, args[0].c_str(), sizeof addr.sun_path - 1);
  if (sock < 0 || ::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fail(fmt::format("cannot reach the session at {}: {} (it runs only while `pc-switcher sync` does)", args[0],
                            std::strerror(errno)));
  const std::string header = u32(static_cast<std::uint32_t>(command.size())) + command;
  if (!write_all(sock, header.data(), header.size())) return fail("the session closed the connection");

  // stdin → socket on a thread of its own: a blocked write to the session must
  // never stop the output coming back (that would deadlock both directions).
  std::thread forward([sock] {
    char in[64 * 1024];
    for (;;) {
      ssize_t r = ::read(STDIN_FILENO, in, sizeof in);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      if (r <= 0 || !write_all(sock, in, static_cast<std::size_t>(r))) break;
    }
    ::shutdown(sock, SHUT_WR);  // EOF for the command's stdin
  });
  forward.detach();  // it may sit in read(stdin) when the command ends; exit() ends it

  std::string frames;
  char buf[64 * 1024];
  for (;;) {
    ssize_t r = ::read(sock, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return fail("the session ended the command without an exit status");
    frames.append(buf, static_cast<std::size_t>(r));
    std::size_t at = 0;
    while (frames.size() - at >= 5) {
      const auto kind = static_cast<std::uint8_t>(frames[at]);
      const std::uint32_t len = read_u32(frames.data() + at + 1);
      if (frames.size() - at - 5 < len) break;
      const char* payload = frames.data() + at + 5;
      if (kind == kExit && len == 4) std::_Exit(static_cast<int>(read_u32(payload)));
      if (!write_all(kind == kStderr ? STDERR_FILENO : STDOUT_FILENO, payload, len))
        return fail(std::string("cannot pass the command's output on: ") + std::strerror(errno));
      at += 5 + len;
    }
    frames.erase(0, at);
  }
}

}  // namespace pcs::cli

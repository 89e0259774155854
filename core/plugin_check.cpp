#include "plugin_check.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pcswitcher/plugin.h>

#include "elf_symbols.hpp"
#include "plugin_check_child.hpp"
#include "process_group.hpp"

namespace pcs {
namespace {

using Clock = std::chrono::steady_clock;
using local::UniqueFd;
constexpr std::size_t kKeptOutput = 4096;

CheckPoint check_exports(const std::filesystem::path& file) {
  const ExportedSymbols found = exported_symbols(file);
  if (!found.error.empty()) return {"exports", false, found.error};
  std::vector<std::string> extra;
  bool entry = false;
  for (const auto& name : found.names) {
    if (name == PCS_PLUGIN_ENTRY_SYMBOL)
      entry = true;
    else
      extra.push_back(name);
  }
  if (extra.empty() && entry) return {"exports", true, "pcs_plugin_entry only"};
  std::string detail = entry ? "" : "pcs_plugin_entry is not exported; ";
  if (!extra.empty()) {
    std::string names;
    for (std::size_t i = 0; i < extra.size() && i < 5; ++i) names += (i ? ", " : "") + extra[i];
    detail += fmt::format(
        "{} symbols besides pcs_plugin_entry ({}{}): they can bind to another plugin's or the "
        "host's copy of the same name. Build with pcswitcher_add_plugin(), or with "
        "-fvisibility=hidden and -Wl,--version-script=pcswitcher-plugin.map",
        extra.size(), names, extra.size() > 5 ? ", ..." : "");
  }
  return {"exports", false, detail};
}

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Output the child wrote on one stream: the first bytes and the total.
struct Caught {
  std::string head;
  uint64_t total = 0;
  void add(const char* data, std::size_t n) {
    total += n;
    if (head.size() < kKeptOutput) head.append(data, std::min(n, kKeptOutput - head.size()));
  }
};

// Reads what is ready on `fd`; false at end of file.
bool drain(int fd, const std::function<void(const char*, std::size_t)>& sink) {
  char buf[65536];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) sink(buf, static_cast<std::size_t>(n));
  return n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN));
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() > 80 ? line.substr(0, 80) + "..." : line;
}

class ChildWatch {
 public:
  ChildWatch(const CheckSettings& s, PluginCheck& out) : settings_(s), out_(out), step_started_(Clock::now()) {}

  void on_report(const char* data, std::size_t n) {
    buffer_.append(data, n);
    for (std::size_t nl; (nl = buffer_.find('\n')) != std::string::npos; buffer_.erase(0, nl + 1)) {
      const auto line = nlohmann::json::parse(buffer_.substr(0, nl), nullptr, false);
      if (line.is_discarded()) continue;
      if (line.contains("begin")) {
        step_ = line["begin"].get<std::string>();
        step_started_ = Clock::now();
      } else if (line.contains("name")) {
        out_.points.push_back({line["name"].get<std::string>(), line.value("ok", false), line.value("detail", "")});
      } else if (line.contains("done")) {
        done_ = true;
      }
    }
  }
  Clock::time_point deadline() const {
    auto limit = settings_.step_limit;
    if (step_ == "cancel") limit += settings_.cancel_after + settings_.cancel_limit;
    return step_started_ + limit;
  }
  void timed_out() {
    out_.points.push_back({step_, false,
                           fmt::format("{} did not return within {} s (every command answered at once); the "
                                       "check stopped the plugin",
                                       step_, settings_.step_limit.count() / 1000)});
  }
  void ended(int status) {
    if (WIFSIGNALED(status))
      out_.points.push_back({step_, false,
                             fmt::format("the plugin crashed during {}: signal {} ({})", step_, WTERMSIG(status),
                                         strsignal(WTERMSIG(status)))});
    else if (!done_ || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != check_child::kExitCancelIgnored))
      out_.points.push_back({step_, false,
                             fmt::format("the process ended with exit status {} during {}: a plugin must never end "
                                         "the process (exit, abort, quick_exit)",
                                         WEXITSTATUS(status), step_)});
  }

 private:
  const CheckSettings& settings_;
  PluginCheck& out_;
  std::string buffer_;
  std::string step_ = "loads";
  Clock::time_point step_started_;
  bool done_ = false;
};

void run_child(const std::filesystem::path& file, const CheckSettings& settings, PluginCheck& out) {
  Pipe report = make_pipe(), child_out = make_pipe(), child_err = make_pipe();
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    // A crash must end the child as the signal it is, not in a handler the
    // parent installed (a test framework's, a sanitizer's) that writes to stdout.
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGSYS}) ::signal(sig, SIG_DFL);
    ::dup2(child_out.write.get(), STDOUT_FILENO);
    ::dup2(child_err.write.get(), STDERR_FILENO);
    check_child::run(file, settings, report.write.get());
  }
  report.write.reset(), child_out.write.reset(), child_err.write.reset();

  ChildWatch watch(settings, out);
  Caught caught_out, caught_err;
  struct pollfd fds[3] = {
      {report.read.get(), POLLIN, 0}, {child_out.read.get(), POLLIN, 0}, {child_err.read.get(), POLLIN, 0}};
  bool killed = false;
  // Until the report closes (the child ended), then what is left on stdout/stderr for up to 1 s.
  std::optional<Clock::time_point> drain_until;
  while (fds[0].fd >= 0 || ((fds[1].fd >= 0 || fds[2].fd >= 0) && Clock::now() < *drain_until)) {
    const auto until = drain_until ? *drain_until : watch.deadline();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (!drain_until && left <= 0) {
      watch.timed_out();
      ::kill(pid, SIGKILL);
      killed = true;
      fds[0].fd = -1;
      drain_until = Clock::now() + std::chrono::seconds(1);
      continue;
    }
    if (::poll(fds, 3, static_cast<int>(std::max<long long>(left, 0))) < 0 && errno != EINTR) break;
    const std::function<void(const char*, std::size_t)> sinks[3] = {
        [&](const char* d, std::size_t n) { watch.on_report(d, n); },
        [&](const char* d, std::size_t n) { caught_out.add(d, n); },
        [&](const char* d, std::size_t n) { caught_err.add(d, n); }};
    for (int i = 0; i < 3; ++i)
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && !drain(fds[i].fd, sinks[i])) {
        fds[i].fd = -1;
        if (i == 0) drain_until = Clock::now() + std::chrono::seconds(1);
      }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!killed) watch.ended(status);
  out.points.push_back(caught_out.total == 0
                           ? CheckPoint{"stdout", true, "nothing written to stdout"}
                           : CheckPoint{"stdout", false,
                                        fmt::format("wrote {} bytes to stdout, starting \"{}\": stdout belongs to "
                                                    "pc-switcher's own output; use host->log",
                                                    caught_out.total, first_line(caught_out.head))});
  out.stderr_text = caught_err.head;
}

}  // namespace

bool PluginCheck::conforms() const {
  if (points.empty()) return false;
  for (const auto& p : points)
    if (!p.ok) return false;
  return true;
}

std::string status_symbol(int status) {
  static const char* const names[] = {"PCS_OK",           "PCS_ERR_INVALID_CONFIG", "PCS_ERR_IO",
                                      "PCS_ERR_REMOTE",   "PCS_ERR_CANCELLED",      "PCS_ERR_UNSUPPORTED",
                                      "PCS_ERR_INTERNAL", "PCS_ERR_TIMEOUT",        "PCS_ERR_FAILED",
                                      "PCS_SKIPPED",      "PCS_END_OF_STREAM",      "PCS_ERR_INVALID_ARGUMENT"};
  if (status >= 0 && status < static_cast<int>(std::size(names))) return names[status];
  return fmt::format("unknown status {}", status);
}

PluginCheck check_plugin(const std::filesystem::path& file, const CheckSettings& settings) {
  PluginCheck out{file, {}, {}};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    out.points.push_back({"loads", false, fmt::format("{}: no such file", file.string())});
    return out;
  }
  out.points.push_back(check_exports(file));
  run_child(file, settings, out);
  return out;
}

}  // namespace pcs

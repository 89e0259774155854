#include "target_lock.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "shell_quote.hpp"
#include "sync_history.hpp"

namespace pcs {
namespace {

// Exit codes of the script (sysexits.h), so a failure says what went wrong.
constexpr int kNoFlock = 69;     // EX_UNAVAILABLE
constexpr int kCannotOpen = 73;  // EX_CANTCREAT
constexpr int kBusy = 75;        // EX_TEMPFAIL

// printf's format: every '%' doubled, then the pid placeholder put back.
std::string holder_format(const LockHolder& holder) {
  LockHolder h = holder;
  h.pid = 424242;  // a marker no real field can contain
  std::string json = lock_holder_to_json(h);
  std::string out;
  for (char c : json) out += c == '%' ? std::string("%%") : std::string(1, c);
  const auto at = out.find("424242");
  out.replace(at, 6, "%d");
  return out;
}

std::string first_lines(const std::string& text, std::size_t max) {
  return text.size() <= max ? text : text.substr(0, max) + "…";
}

}  // namespace

std::string target_lock_script(const std::string& fmt_text) {
  // $$ is this shell's pid: the process that holds the lock until it ends
  // (the `cat` it waits on inherits the descriptor and ends with it).
  return fmt::format(
      "command -v flock >/dev/null 2>&1 || {{ echo 'flock (util-linux) is not installed' >&2; exit {0}; }}\n"
      "d=\"${{XDG_DATA_HOME:-$HOME/.local/share}}/pc-switcher\"\n"
      "mkdir -p -m 700 \"$d\" || exit {1}\n"
      "f=\"$d/sync.lock\"\n"
      "exec 9<>\"$f\" || exit {1}\n"
      "if ! flock -n 9; then echo busy; cat \"$f\"; exit {2}; fi\n"
      "echo locked\n"
      "cat \"$f\"\n"
      "printf {3} $$ > \"$f\" || exit {1}\n"
      "printf '\\n' >> \"$f\"\n"
      "echo end-of-previous\n"
      "cat > /dev/null\n"
      ": > \"$f\"\n",
      kNoFlock, kCannotOpen, kBusy, shell_quote(fmt_text));
}

std::string TargetLockBusy::message() const {
  const std::string keep = "Do not delete the lock file: that does not release the lock.";
  if (!holder) {
    return fmt::format(
        "{} is already in a sync: its lock (~/.local/share/pc-switcher/sync.lock) is held by a process that has "
        "not recorded itself yet. Wait for it to finish and try again. {}",
        target, keep);
  }
  const LockHolder& h = *holder;
  return fmt::format(
      "{0} is already in a sync: it is the {1} of session {2} {3} {4}, held by pc-switcher pid {5} on {6} since {7}. "
      "Wait for that sync to finish, then try again; if it is stuck, end process {5} on {6}. {8}",
      target, to_string(h.role), h.session_id, h.role == SyncRole::Source ? "to" : "from", h.peer, h.pid, h.host,
      h.started, keep);
}

std::variant<TargetLock, TargetLockBusy> TargetLock::try_acquire(MachineExecutor& executor, const LockRequest& request,
                                                                 const CancelToken& cancel) {
  LockHolder holder{request.host, request.session_id, 0,
                    request.role, request.peer,       utc_iso8601(std::chrono::system_clock::now())};
  std::string error;
  auto process = executor.start(CommandSpec::shell_form(target_lock_script(holder_format(holder))), cancel, error);
  if (!process) throw std::runtime_error(fmt::format("cannot take the sync lock on {}: {}", executor.label(), error));

  // Reads stdout lines up to `stop`; stderr is kept for the error message.
  std::string err;
  auto read_until = [&](const std::string& stop, std::string& text) -> bool {
    OutputEvent e;
    while (process->read(PCS_READ_LINE, std::chrono::seconds(30), e) == PCS_OK) {
      if (e.stream == PCS_STREAM_STDERR) {
        err += e.data + "\n";
        continue;
      }
      if (e.data == stop) return true;
      text += e.data + "\n";
    }
    return false;
  };

  std::string answer;
  OutputEvent e;
  while (answer.empty() && process->read(PCS_READ_LINE, std::chrono::seconds(30), e) == PCS_OK) {
    if (e.stream == PCS_STREAM_STDERR)
      err += e.data + "\n";
    else
      answer = e.data;
  }
  if (answer == "locked") {
    std::string previous;
    if (!read_until("end-of-previous", previous)) {
      process->terminate(std::chrono::milliseconds(500));
      throw std::runtime_error(
          fmt::format("cannot record the sync lock's holder on {}: {}", executor.label(), first_lines(err, 500)));
    }
    TargetLock lock(std::move(process));
    lock.taken_over_ = parse_lock_holder(previous);
    return lock;
  }
  ExecResult result;
  process->wait(std::chrono::seconds(10), result);
  if (answer == "busy") return TargetLockBusy{request.host, parse_lock_holder(result.out)};
  if (cancel.cancelled()) throw std::runtime_error("cancelled while taking the target's sync lock");
  std::string why = first_lines(err + result.err + result.error, 500);
  if (result.exit_code == kNoFlock)
    why = "`flock` is missing there: install util-linux on it (`sudo apt-get install util-linux`)";
  else if (result.exit_code == kCannotOpen)
    why = "cannot create or write its data directory: " + why;
  throw std::runtime_error(fmt::format("cannot take the sync lock on {}: {}", executor.label(), why));
}

void TargetLock::release(std::chrono::milliseconds grace) noexcept {
  if (!process_) return;
  try {
    process_->close_stdin();
    ExecResult result;
    if (process_->wait(grace, result) != PCS_OK) process_->terminate(std::chrono::milliseconds(500));
  } catch (...) {
  }
  process_.reset();
}

}  // namespace pcs

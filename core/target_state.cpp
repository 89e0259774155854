#include "target_state.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace pcs {
namespace {

constexpr const char* kHistoryDir = "\"${XDG_DATA_HOME:-$HOME/.local/share}/pc-switcher\"";

ExecResult must_run(MachineExecutor& target, CommandSpec command, const CancelToken& cancel, const char* what) {
  ExecResult r = target.run(command, cancel);
  if (!r.success()) {
    std::string why = r.status != PCS_OK ? r.error : r.err;
    if (why.empty()) why = fmt::format("exit status {}", r.exit_code);
    throw std::runtime_error(fmt::format("{} on {}: {}", what, target.label(), why));
  }
  return r;
}

}  // namespace

std::string target_hostname(MachineExecutor& target, const CancelToken& cancel) {
  ExecResult r = must_run(target, CommandSpec::argv_form({"uname", "-n"}), cancel, "cannot read the hostname");
  std::string name = r.out;
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
  if (name.empty()) throw std::runtime_error(fmt::format("{} reported an empty hostname", target.label()));
  return name;
}

SyncHistory load_target_history(MachineExecutor& target, const CancelToken& cancel) {
  // "missing" on its own line tells an absent file from an empty one.
  const std::string script =
      fmt::format("f={}/sync-history.json; if [ -e \"$f\" ]; then cat -- \"$f\"; else echo missing; fi", kHistoryDir);
  ExecResult r = must_run(target, CommandSpec::shell_form(script), cancel, "cannot read the sync history");
  if (r.out == "missing\n") return {};
  return parse_sync_history(r.out, fmt::format("{}:~/.local/share/pc-switcher/sync-history.json", target.label()));
}

void save_target_history(MachineExecutor& target, const SyncHistory& history, const CancelToken& cancel) {
  // The new content arrives on stdin; a failed write leaves the old file and no temporary.
  const std::string script = fmt::format(
      "set -e; d={}; mkdir -p -m 700 \"$d\"; t=$(mktemp \"$d/.sync-history.XXXXXX\"); "
      "trap 'rm -f \"$t\"' EXIT; cat > \"$t\"; sync \"$t\"; chmod 600 \"$t\"; mv -f \"$t\" \"$d/sync-history.json\"; "
      "trap - EXIT",
      kHistoryDir);
  CommandSpec c = CommandSpec::shell_form(script);
  c.stdin_data = serialize_sync_history(history);
  must_run(target, c, cancel, "cannot write the sync history");
}

}  // namespace pcs

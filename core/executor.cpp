#include "executor.hpp"

#include "shell_quote.hpp"

namespace pcs {

CommandSpec CommandSpec::from(const pcs_command& c) {
  CommandSpec s;
  if (c.argv)
    for (auto a = c.argv; *a; ++a) s.argv.emplace_back(*a);
  if (s.argv.empty() && c.shell) s.shell = c.shell;
  if (c.env)
    for (auto e = c.env; *e; ++e) s.env.emplace_back(*e);
  if (c.cwd) s.cwd = c.cwd;
  s.timeout = std::chrono::milliseconds(c.timeout_ms > 0 ? c.timeout_ms : 0);
  s.sudo = (c.flags & PCS_COMMAND_SUDO) != 0;
  s.login_shell = (c.flags & PCS_COMMAND_LOGIN_SHELL) != 0;
  s.withhold_output = (c.flags & PCS_COMMAND_WITHHOLD_OUTPUT) != 0;
  if (c.mutates) s.mutates = c.mutates;
  if (c.stdin_data && c.stdin_size) s.stdin_data.assign(static_cast<const char*>(c.stdin_data), c.stdin_size);
  return s;
}

std::string CommandSpec::display() const {
  std::string text = argv.empty() ? "sh -c " + shell_quote(shell) : shell_join(argv);
  if (sudo) text = "sudo " + text;
  return text;
}

ExecResult MachineExecutor::run(const CommandSpec& command, const CancelToken& cancel) {
  ExecResult result;
  std::string error;
  auto process = start(command, cancel, error);
  if (!process) {
    result.status = cancel.cancelled() ? PCS_ERR_CANCELLED : PCS_ERR_IO;
    result.error = error;
    return result;
  }
  if (!command.stdin_data.empty()) {
    pcs_status s = process->write(command.stdin_data.data(), command.stdin_data.size());
    if (s == PCS_ERR_CANCELLED) {
      result.status = s;
      result.error = label() + ": cancelled";
      return result;
    }
  }
  process->close_stdin();
  process->wait(std::chrono::milliseconds(-1), result);
  return result;
}

}  // namespace pcs

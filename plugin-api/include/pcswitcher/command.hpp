// pcswitcher/command.hpp — commands a plugin adds to `pc-switcher`, in C++
// (the C side is ext/commands.h, which says how the host runs them).
//
// A job class offers commands with two members:
//
//   static std::span<const pcs_command_info* const> commands();
//   void run_command(pcs::JobContext& ctx, const std::string& name, const pcs::CommandArgs& args);
//
// The SDK then offers the "pcs.ext.commands/1" extension. run_command reports
// through the job's log (INFO lines are the command's output) and throws to
// fail, as execute() does.
#ifndef PCSWITCHER_COMMAND_HPP
#define PCSWITCHER_COMMAND_HPP

#include <pcswitcher/ext/commands.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pcs {

// One parsed command line (a copy of pcs_command_args).
struct CommandArgs {
  std::vector<std::string> arguments;          // in the order the command declares them
  std::map<std::string, std::string> options;  // given options; a flag's value is ""
  bool on_source = true;
  bool on_target = false;
  bool assume_yes = false;

  bool has(const std::string& option) const { return options.count(option) != 0; }
  std::optional<std::string> value(const std::string& option) const {
    auto it = options.find(option);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }

  static CommandArgs from(const pcs_command_args* a) {
    CommandArgs out;
    if (a == nullptr) return out;
    for (uint32_t i = 0; i < a->argument_count; ++i) out.arguments.emplace_back(a->arguments[i] ? a->arguments[i] : "");
    for (uint32_t i = 0; i < a->option_count; ++i)
      out.options[a->option_names[i] ? a->option_names[i] : ""] = a->option_values[i] ? a->option_values[i] : "";
    out.on_source = a->on_source != 0;
    out.on_target = a->on_target != 0;
    out.assume_yes = a->assume_yes != 0;
    return out;
  }
};

}  // namespace pcs

#endif  // PCSWITCHER_COMMAND_HPP

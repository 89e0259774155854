// --help and the man page from one source. Each command describes its help
// once (synopsis, prose, option groups); this renders it as terminal text or,
// when PCSWITCHER_HELP_FORMAT=man, as man(7) markup. The build runs
// `PCSWITCHER_HELP_FORMAT=man pc-switcher --help` to write pc-switcher.1, so
// the man page says exactly what --help says.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options/options_description.hpp>

namespace pcs::cli {

enum class HelpFormat { Text, Man };

// Man when PCSWITCHER_HELP_FORMAT=man. In that mode plugins are looked for
// only on PCSWITCHER_PLUGIN_PATH (the build names the ones its package ships).
HelpFormat help_format();

// A term and what it means: a file, a variable, an exit code, an example.
using Definition = std::pair<std::string, std::string>;

// A titled group of options ("Options", "Options of the packages job").
struct OptionGroup {
  std::string title;
  const boost::program_options::options_description* options;
};

struct CommandHelp {
  std::vector<std::string> synopsis;  // whole lines: "pc-switcher sync TARGET [OPTIONS]"
  std::string about;                  // paragraphs, separated by blank lines
  std::vector<OptionGroup> options;
  std::vector<Definition> exit_codes;  // when the command's differ from pc-switcher's
};

// One command's help: the whole --help text, or a man(7) subsection.
void print_command_help(std::ostream& out, const CommandHelp& help);

// `text` wrapped to `width` columns, each line after the first indented by `indent`.
std::string wrap(const std::string& text, std::size_t width, std::size_t indent);

// man(7) escaping of plain text (backslashes, dashes, leading dots).
std::string man_escape(const std::string& text);

// Lines of terms: "  term  text" in text, .TP paragraphs in man.
void print_definitions(std::ostream& out, const std::string& title, const std::vector<Definition>& items);

}  // namespace pcs::cli

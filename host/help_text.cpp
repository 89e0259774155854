#include "help_text.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include <boost/program_options/cmdline.hpp>
#include <fmt/format.h>

namespace po = boost::program_options;

namespace pcs::cli {
namespace {

constexpr std::size_t kWidth = 80;
constexpr std::size_t kTermColumn = 26;

std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

struct OptionText {
  std::string short_flag;  // "-n" or ""
  std::string long_flag;   // "--dry-run"
  std::string parameter;   // "PATH" or ""
  std::string text;
};

OptionText option_text(const po::option_description& o) {
  OptionText t;
  const std::string shown = o.canonical_display_name(po::command_line_style::allow_dash_for_short);
  if (shown.size() == 2 && shown[0] == '-') t.short_flag = shown;
  t.long_flag = "--" + o.long_name();
  t.parameter = o.format_parameter();
  t.text = o.description();
  return t;
}

// "pc-switcher config check [--config PATH]" → "pc-switcher config check"
std::string command_words(const std::string& line) {
  std::istringstream in(line);
  std::string word, out;
  while (in >> word && !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string::npos)
    out += (out.empty() ? "" : " ") + word;
  return out;
}

// A synopsis line in man: the command words bold, the rest roman.
std::string man_synopsis(const std::string& line) {
  const std::string words = command_words(line);
  return fmt::format("\\fB{}\\fR{}", man_escape(words), man_escape(line.substr(words.size())));
}

void print_text(std::ostream& out, const CommandHelp& h) {
  for (std::size_t i = 0; i < h.synopsis.size(); ++i) out << (i == 0 ? "Usage: " : "       ") << h.synopsis[i] << "\n";
  for (const auto& p : paragraphs(h.about)) out << "\n" << wrap(p, kWidth, 0) << "\n";
  for (const auto& [title, group] : h.options) {
    if (group->options().empty()) continue;
    out << "\n" << title << ":\n";
    for (const auto& o : group->options()) {
      const OptionText t = option_text(*o);
      std::string term = "  " + (t.short_flag.empty() ? "    " : t.short_flag + ", ") + t.long_flag;
      if (!t.parameter.empty()) term += " " + t.parameter;
      if (term.size() + 2 > kTermColumn)
        out << term << "\n" << std::string(kTermColumn, ' ');
      else
        out << term << std::string(kTermColumn - term.size(), ' ');
      out << wrap(t.text, kWidth, kTermColumn) << "\n";
    }
  }
  if (!h.exit_codes.empty()) {
    out << "\n";
    print_definitions(out, "Exit codes", h.exit_codes);
  }
}

void print_man(std::ostream& out, const CommandHelp& h) {
  out << ".SS \"" << man_escape(command_words(h.synopsis.front())) << "\"\n.nf\n";
  for (const auto& line : h.synopsis) out << man_synopsis(line) << "\n";
  out << ".fi\n";
  for (const auto& p : paragraphs(h.about)) out << ".PP\n" << man_escape(p) << "\n";
  for (const auto& [title, group] : h.options) {
    if (group->options().empty()) continue;
    if (title != "Options") out << ".PP\n\\fI" << man_escape(title) << "\\fR:\n";
    for (const auto& o : group->options()) {
      const OptionText t = option_text(*o);
      out << ".TP\n";
      if (!t.short_flag.empty()) out << "\\fB" << man_escape(t.short_flag) << "\\fR, ";
      out << "\\fB" << man_escape(t.long_flag) << "\\fR";
      if (!t.parameter.empty()) out << " \\fI" << man_escape(t.parameter) << "\\fR";
      out << "\n" << man_escape(t.text) << "\n";
    }
  }
  if (!h.exit_codes.empty()) {
    out << ".PP\nExit codes:\n";
    for (const auto& [code, text] : h.exit_codes)
      out << ".TP\n.B " << man_escape(code) << "\n" << man_escape(text) << "\n";
  }
}

}  // namespace

HelpFormat help_format() {
  const char* v = std::getenv("PCSWITCHER_HELP_FORMAT");
  return v != nullptr && std::string_view(v) == "man" ? HelpFormat::Man : HelpFormat::Text;
}

std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  // Source lines are filled together; a line that starts with a space or a
  // "- " bullet starts a new output line (hand-made lists stay lists).
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (lines.empty() || line.empty() || line[0] == ' ' || line.rfind("- ", 0) == 0)
      lines.push_back(line);
    else
      lines.back() += " " + line;
  }
  std::string out;
  for (std::size_t l = 0; l < lines.size(); ++l) {
    if (l > 0) out += "\n" + std::string(indent, ' ');
    std::size_t column = indent;
    const std::size_t lead = std::min(lines[l].find_first_not_of(' '), lines[l].size());
    out += std::string(lead, ' ');
    column += lead;
    std::istringstream words(lines[l]);
    bool first_word = true;
    for (std::string word; words >> word; first_word = false) {
      if (!first_word && column + 1 + word.size() > width) {
        out += "\n" + std::string(indent + lead, ' ');
        column = indent + lead;
      } else if (!first_word) {
        out += ' ';
        ++column;
      }
      out += word;
      column += word.size();
    }
  }
  return out;
}

std::string man_escape(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

void print_command_help(std::ostream& out, const CommandHelp& help) {
  if (help_format() == HelpFormat::Man)
    print_man(out, help);
  else
    print_text(out, help);
}

void print_definitions(std::ostream& out, const std::string& title, const std::vector<Definition>& items) {
  if (help_format() == HelpFormat::Man) {
    for (const auto& [term, text] : items) out << ".TP\n.B " << man_escape(term) << "\n" << man_escape(text) << "\n";
    return;
  }
  out << title << ":\n";
  for (const auto& [term, text] : items) {
    if (term.size() + 4 > kTermColumn)
      out << "  " << term << "\n" << std::string(kTermColumn, ' ');
    else
      out << "  " << term << std::string(kTermColumn - 2 - term.size(), ' ');
    out << wrap(text, kWidth, kTermColumn) << "\n";
  }
}

}  // namespace pcs::cli

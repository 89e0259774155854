#include "terminal.hpp"

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

namespace pcs::cli {

void FloorFilter::deliver(const Event& event) {
  if (const auto* log = std::get_if<LogEvent>(&event); log && log->level < floor_.load()) return;
  inner_->deliver(event);
}

namespace {

// One line from stdin, waiting in slices so that give_up() is honoured.
bool read_line(std::string& line, const std::function<bool()>& give_up) {
  line.clear();
  while (true) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (give_up && give_up()) return false;
    if (ready <= 0) continue;
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n <= 0) return false;
    if (c == '\n') return true;
    line += c;
  }
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

int ask_on_terminal(const std::string& job, const std::string& text, const std::vector<std::string>& choices,
                    const std::function<bool()>& give_up, std::FILE* out) {
  if (choices.empty() || !::isatty(STDIN_FILENO) || !::isatty(::fileno(out))) return -1;
  std::string prompt = fmt::format("\n{}{}\n", job.empty() ? "" : "[" + job + "] ", text);
  for (std::size_t i = 0; i < choices.size(); ++i) prompt += fmt::format("  {}) {}\n", i + 1, choices[i]);
  while (true) {
    std::fputs((prompt + "Choose 1-" + std::to_string(choices.size()) + ": ").c_str(), out);
    std::fflush(out);
    std::string line;
    if (!read_line(line, give_up)) return -1;
    line = trimmed(line);
    for (std::size_t i = 0; i < choices.size(); ++i)
      if (line == std::to_string(i + 1) || line == choices[i]) return static_cast<int>(i);
    prompt = fmt::format("'{}' is not one of the choices.\n", line);
  }
}

}  // namespace pcs::cli

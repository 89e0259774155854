// Line and field splitting shared by the package tools' parsers, and the one
// error they throw: the tool, the line number and the line itself, so that a
// failed job says exactly what it could not read.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace packages::text {

// The lines of `out`, numbered from 1 as an error message names them; blank
// ones left out when `skip_blank`.
inline std::vector<std::pair<std::size_t, std::string>> numbered_lines(const std::string& out,
                                                                       bool skip_blank = false) {
  std::vector<std::pair<std::size_t, std::string>> result;
  std::size_t start = 0, number = 1;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(start, end - start);
    if (!skip_blank || line.find_first_not_of(" \t") != std::string::npos) result.emplace_back(number, std::move(line));
    start = end + 1;
    ++number;
  }
  return result;
}

inline std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Every field between separators, empty ones included.
inline std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = s.find(separator, start);
    fields.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return fields;
    start = end + 1;
  }
}

[[noreturn]] inline void fail(const std::string& tool, std::size_t number, const std::string& line,
                              const std::string& why) {
  throw std::runtime_error(tool + ": " + why + " at line " + std::to_string(number) + ": \"" + line + "\"");
}

}  // namespace packages::text

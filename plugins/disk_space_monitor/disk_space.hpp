// Free-space thresholds and `df` output, for the disk-space monitor.
// Header-only and free of I/O, so the unit tests use it directly.
//
// One definition of "free", used everywhere: available bytes (what an
// unprivileged user can still write, df's "Avail") and, for percentages,
// available / size of the filesystem.
#pragma once

#include <cctype>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace disk_space {

struct Threshold {
  bool percent = true;
  double value = 0;  // percent (0-100), or bytes
  std::string text;  // as written
};

// "20%", "50GiB", "500MB", "1.5TB", "4096B" (B, KB/MB/GB/TB = 10^3.., KiB/MiB/GiB/TiB = 2^10..).
inline std::optional<Threshold> parse_threshold(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double number = 0;
  try {
    std::size_t used = 0;
    number = std::stod(text.substr(0, i), &used);
    if (used != i) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(i);
  if (!unit.empty() && unit[0] == ' ') unit.erase(0, 1);
  static const std::pair<const char*, double> units[] = {
      {"B", 1},           {"KB", 1e3},           {"MB", 1e6},
      {"GB", 1e9},        {"TB", 1e12},          {"KiB", 1024.0},
      {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  if (unit == "%") {
    if (number > 100) return std::nullopt;
    return Threshold{true, number, text};
  }
  for (const auto& [name, factor] : units)
    if (unit == name) return Threshold{false, number * factor, text};
  return std::nullopt;
}

struct FsSpace {
  std::string mount_point;
  std::uint64_t size = 0;
  std::uint64_t available = 0;
  double free_percent() const {
    return size == 0 ? 0 : 100.0 * static_cast<double>(available) / static_cast<double>(size);
  }
};

inline bool below(const FsSpace& fs, const Threshold& t) {
  return t.percent ? fs.free_percent() < t.value : static_cast<double>(fs.available) < t.value;
}

// `df --output=target,size,avail -B1 PATH...`: a header, then one line per
// path; the mount point may contain spaces, the two numbers are last. A line
// of another shape (a number that is not all digits, no mount point) is skipped.
inline std::vector<FsSpace> parse_df(const std::string& text) {
  static const char* const kBlank = " \t\r";
  auto number = [](const std::string& s) -> std::optional<std::uint64_t> {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    try {
      return std::stoull(s);
    } catch (...) {
      return std::nullopt;  // beyond 64 bits
    }
  };
  std::vector<FsSpace> out;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    // From the right: avail, then size, each after a blank; what is left is the mount point.
    std::string fields[2];
    std::size_t end = line.find_last_not_of(kBlank);
    bool whole = true;
    for (int field = 1; field >= 0 && whole; --field) {
      const std::size_t blank = end == std::string::npos ? std::string::npos : line.find_last_of(kBlank, end);
      whole = blank != std::string::npos;
      if (!whole) break;
      fields[field] = line.substr(blank + 1, end - blank);
      end = line.find_last_not_of(kBlank, blank);
    }
    const auto size = number(fields[0]), available = number(fields[1]);
    if (!whole || end == std::string::npos || !size || !available) continue;
    out.push_back(FsSpace{line.substr(0, end + 1), *size, *available});
  }
  return out;
}

// "12.3 GiB"
inline std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  std::ostringstream o;
  o.precision(u == 0 ? 0 : 1);
  o << std::fixed << bytes << " " << units[u];
  return o.str();
}

}  // namespace disk_space

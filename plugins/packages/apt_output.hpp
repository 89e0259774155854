// What apt-mark, dpkg-query, apt-cache policy and apt-get -s print, as the
// packages job runs them, split into values. The job runs them with LC_ALL=C:
// apt translates its labels ("  Installed: ", "  Version table:"), and a
// translated label is a line these parsers do not understand. They throw
// std::runtime_error naming such a line rather than skip it, because a
// package list read wrongly turns into packages installed or removed wrongly.
// Header-only, no I/O.
#pragma once

#include <cstddef>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "output_text.hpp"

namespace packages::apt {

namespace detail {

using text::fail;
using text::split;
using text::trim;

inline std::vector<std::pair<std::size_t, std::string>> lines(const std::string& out) {
  return text::numbered_lines(out);
}

inline bool is_integer(const std::string& s) {
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace detail

// apt-mark showmanual / apt-mark showhold: one name per line; blank lines and
// surrounding spaces ignored. A line with a space inside is not a name.
inline std::vector<std::string> parse_names(const std::string& out) {
  std::vector<std::string> names;
  for (const auto& [number, line] : detail::lines(out)) {
    std::string name = detail::trim(line);
    if (name.empty()) continue;
    if (name.find_first_of(" \t") != std::string::npos) detail::fail("apt-mark", number, line, "not a package name");
    names.push_back(std::move(name));
  }
  return names;
}

struct DpkgPackage {
  std::string version;
  bool installed = false;
};

// dpkg-query -W -f='${Package}\t${Architecture}\t${Version}\t${db:Status-Abbrev}\n'
// Key: the name as apt-mark prints it, "name" for native_arch, "all" or no
// architecture (dpkg's not-installed entries have none), else "name:arch".
// installed: the status abbreviation's second character is 'i' ("ii ", "hi ").
// Throws on a line without 4 fields or with a status dpkg does not write.
inline std::map<std::string, DpkgPackage> parse_dpkg_query(const std::string& out, const std::string& native_arch) {
  // dpkg-query(1): desired action, package status, error flag.
  static const std::string kWant = "uihrp", kStatus = "ncHUFWti", kError = " R";
  std::map<std::string, DpkgPackage> packages;
  for (const auto& [number, line] : detail::lines(out)) {
    if (line.empty()) continue;
    const auto f = detail::split(line, '\t');
    if (f.size() != 4) detail::fail("dpkg-query", number, line, "expected 4 tab-separated fields");
    const std::string &name = f[0], &arch = f[1], &status = f[3];
    if (name.empty()) detail::fail("dpkg-query", number, line, "empty package name");
    if (status.size() != 3 || kWant.find(status[0]) == std::string::npos ||
        kStatus.find(status[1]) == std::string::npos || kError.find(status[2]) == std::string::npos)
      detail::fail("dpkg-query", number, line, "unknown status abbreviation");
    const std::string key = (arch.empty() || arch == native_arch || arch == "all") ? name : name + ":" + arch;
    DpkgPackage package{f[2], status[1] == 'i'};
    auto [it, inserted] = packages.emplace(key, package);
    if (inserted) continue;
    // Two entries for one key: a not-installed leftover beside the real one
    // carries nothing; two installed ones mean the key does not say which.
    if (it->second.installed && package.installed)
      detail::fail("dpkg-query", number, line, "a second installed package with the same name");
    if (package.installed) it->second = std::move(package);
  }
  return packages;
}

struct Policy {
  std::string installed;             // "" when "(none)"
  std::string candidate;             // "" when "(none)"
  std::vector<std::string> origins;  // the sources of the INSTALLED version, e.g.
                                     // "http://deb.debian.org/debian bookworm/main amd64 Packages";
                                     // the "/var/lib/dpkg/status" line is NOT an origin
  bool from_repository() const { return !origins.empty(); }
};

// apt-cache policy NAME... in the "Version table:" format:
//   NAME:                      ("NAME:ARCH:" for a foreign architecture)
//     Installed: VERSION|(none)
//     Candidate: VERSION|(none)
//     Package pin: VERSION     (old apt, when pinned; ignored)
//     Version table:
//    *** VERSION PRIORITY      (the installed version; "     " before the others,
//                               and " (phased N%)" after an Ubuntu phased update)
//           PRIORITY ORIGIN    (one per source of that version, "%4i" after 7 spaces)
// Packages apt does not know are absent from its output, so absent from the
// map. The global "Package files:" / "Pinned packages:" listing that
// `apt-cache policy` prints without arguments is skipped. Throws on a line in
// a package block that has none of these shapes.
inline std::map<std::string, Policy> parse_policy(const std::string& out) {
  static const char* kTool = "apt-cache policy";
  static const std::regex version_re(R"(^(?: \*\*\* |     )(\S+) -?\d+(?: \(phased \d+%\))?$)");
  static const std::regex origin_re(R"(^ {7,}(-?\d+) (\S.*)$)");
  enum Step { kInstalled, kCandidate, kTable, kVersions };
  std::map<std::string, Policy> result;
  std::string name;  // of the open package block, "" outside one
  Policy policy;
  Step step = kInstalled;
  bool in_global = false, version_open = false, version_installed = false, seen_installed = false;
  std::size_t block_line = 0;
  std::string block_text;

  auto close_block = [&] {
    if (name.empty()) return;
    if (step != kVersions) detail::fail(kTool, block_line, block_text, "package block ends before its version table");
    if (seen_installed != !policy.installed.empty())
      detail::fail(kTool, block_line, block_text, "installed version and the *** line disagree");
    result[name] = std::move(policy);
    name.clear();
    policy = Policy{};
  };

  for (const auto& numbered : detail::lines(out)) {
    // Not a structured binding: clang 14 cannot capture one in value_of.
    const std::size_t number = numbered.first;
    const std::string& line = numbered.second;
    if (line.empty()) continue;
    if (line == "Package files:" || line == "Pinned packages:") {
      close_block();
      in_global = true;
      continue;
    }
    if (line[0] != ' ') {
      close_block();
      in_global = false;
      if (line.back() != ':' || line.size() < 2 || line.find_first_of(" \t") != std::string::npos)
        detail::fail(kTool, number, line, "not a package name line");
      name = line.substr(0, line.size() - 1);
      step = kInstalled;
      version_open = version_installed = seen_installed = false;
      block_line = number;
      block_text = line;
      continue;
    }
    if (in_global) continue;
    if (name.empty()) detail::fail(kTool, number, line, "line outside a package block");

    auto value_of = [&](const std::string& label) {
      const std::string v = line.substr(label.size());
      if (detail::trim(v) != v || v.empty()) detail::fail(kTool, number, line, "malformed value");
      return v == "(none)" ? std::string() : v;
    };
    std::smatch m;
    if (line.rfind("  Installed: ", 0) == 0 && step == kInstalled) {
      policy.installed = value_of("  Installed: ");
      step = kCandidate;
    } else if (line.rfind("  Candidate: ", 0) == 0 && step == kCandidate) {
      policy.candidate = value_of("  Candidate: ");
      step = kTable;
    } else if (line.rfind("  Package pin: ", 0) == 0 && step == kTable) {
      value_of("  Package pin: ");
    } else if (line == "  Version table:" && step == kTable) {
      step = kVersions;
    } else if (step == kVersions && std::regex_match(line, m, version_re)) {
      version_open = true;
      version_installed = line.rfind(" *** ", 0) == 0;
      if (version_installed) {
        if (seen_installed) detail::fail(kTool, number, line, "a second installed version");
        if (m[1].str() != policy.installed) detail::fail(kTool, number, line, "not the installed version");
        seen_installed = true;
      }
    } else if (step == kVersions && version_open && std::regex_match(line, m, origin_re)) {
      if (version_installed && m[2].str() != "/var/lib/dpkg/status") policy.origins.push_back(m[2].str());
    } else {
      detail::fail(kTool, number, line, "unexpected line in a package block");
    }
  }
  close_block();
  return result;
}

struct Simulated {
  enum Action { kInstall, kRemove, kPurge } action;
  std::string name;
  std::string version;
};

// apt-get -s install/remove/purge (apt's pkgSimulate):
//   Inst NAME [OLD] (NEW RELEASES [ARCH]) [BROKEN...]
//   Remv NAME [VERSION] [BROKEN...]
//   Purg NAME [VERSION] [BROKEN...]
// NAME is "name" or "name:arch" as in apt-mark; [OLD] and [VERSION] are absent
// when nothing is installed; the trailing [...] lists packages the step leaves
// broken until a later one. For Inst, version = NEW; for Remv/Purg, version =
// VERSION or "". "Conf" lines and everything else are ignored. Throws on an
// Inst/Remv/Purg line of another shape.
inline std::vector<Simulated> parse_simulation(const std::string& out) {
  static const std::regex inst_re(R"(^Inst (\S+)(?: \[\S*\])? \((\S+) .*\)(?: \[[^\]]*\])?$)");
  static const std::regex remv_re(R"(^(Remv|Purg) (\S+)(?: \[(\S*)\])?(?: \[[^\]]*\])?$)");
  std::vector<Simulated> steps;
  for (const auto& [number, line] : detail::lines(out)) {
    std::smatch m;
    if (line.rfind("Inst ", 0) == 0) {
      if (!std::regex_match(line, m, inst_re)) detail::fail("apt-get -s", number, line, "unexpected Inst line");
      steps.push_back({Simulated::kInstall, m[1].str(), m[2].str()});
    } else if (line.rfind("Remv ", 0) == 0 || line.rfind("Purg ", 0) == 0) {
      if (!std::regex_match(line, m, remv_re)) detail::fail("apt-get -s", number, line, "unexpected Remv/Purg line");
      steps.push_back({m[1].str() == "Purg" ? Simulated::kPurge : Simulated::kRemove, m[2].str(), m[3].str()});
    }
  }
  return steps;
}

}  // namespace packages::apt

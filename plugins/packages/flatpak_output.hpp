// What flatpak list / remotes / mask print, as the packages job runs them
// (LC_ALL=C, not on a terminal), split into values. Off a terminal flatpak's
// table printer (app/flatpak-table-printer.c) writes no header and joins the
// cells of a row with tabs, so an empty cell is an empty field; it also strips
// trailing whitespace from each row, so an empty last cell loses its tab.
// Output of another shape throws std::runtime_error naming the line: the job
// must fail on output it does not understand, never guess. Header-only, no I/O.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "output_text.hpp"

namespace packages::flatpak {

namespace detail {

using text::fail;

inline std::vector<std::pair<std::size_t, std::string>> lines(const std::string& out) {
  return text::numbered_lines(out, /*skip_blank=*/true);
}

inline std::vector<std::string> split_tabs(const std::string& s) { return text::split(s, '\t'); }

}  // namespace detail

enum class Scope { kUser, kSystem };

struct Ref {
  std::string application, version, origin;
  Scope scope;
  std::string ref;
};

// `flatpak list --columns=application,version,origin,installation,ref`: one
// tab-separated line per installed ref, no header; a runtime without AppStream
// data has an empty version. installation is "user", "system", or
// "system (ID)" for a custom installation (flatpak_dir_get_name): "user" is
// kUser, the others kSystem. ref is "ID/ARCH/BRANCH", without "app/" or
// "runtime/". Throws on a line without 5 fields, an installation of another
// shape, or a ref that is not the application's.
inline std::vector<Ref> parse_list(const std::string& out) {
  static const char* kCommand = "flatpak list";
  std::vector<Ref> refs;
  for (const auto& [number, line] : detail::lines(out)) {
    auto f = detail::split_tabs(line);
    if (f.size() != 5) detail::fail(kCommand, number, line, "expected 5 tab-separated fields");
    Ref r;
    r.application = std::move(f[0]);
    r.version = std::move(f[1]);
    r.origin = std::move(f[2]);
    const std::string& installation = f[3];
    if (installation == "user")
      r.scope = Scope::kUser;
    else if (installation == "system" ||
             (installation.rfind("system (", 0) == 0 && installation.size() > 9 && installation.back() == ')'))
      r.scope = Scope::kSystem;
    else
      detail::fail(kCommand, number, line, "unknown installation \"" + installation + "\"");
    r.ref = std::move(f[4]);
    const std::size_t arch = r.application.size() + 1, branch = r.ref.find('/', arch) + 1;
    if (r.application.empty() || r.ref.rfind(r.application + "/", 0) != 0 || branch == 0 || branch == arch + 1 ||
        branch == r.ref.size() || r.ref.find('/', branch) != std::string::npos)
      detail::fail(kCommand, number, line, "ref is not APPLICATION/ARCH/BRANCH");
    refs.push_back(std::move(r));
  }
  return refs;
}

struct Remote {
  std::string name, url;
};

// `flatpak remotes --user|--system --columns=name,url`: "NAME\tURL" per line,
// no header. A remote without a URL shows "-", or nothing (and no tab) when
// its URL is set but empty; both give url "". Disabled remotes are not listed
// unless --show-disabled. Throws on a line of more than 2 fields.
inline std::vector<Remote> parse_remotes(const std::string& out) {
  std::vector<Remote> remotes;
  for (const auto& [number, line] : detail::lines(out)) {
    auto f = detail::split_tabs(line);
    if (f.size() > 2 || f[0].empty()) detail::fail("flatpak remotes", number, line, "expected NAME<tab>URL");
    Remote r{std::move(f[0]), f.size() == 2 && f[1] != "-" ? std::move(f[1]) : std::string()};
    remotes.push_back(std::move(r));
  }
  return remotes;
}

// `flatpak mask --user|--system`: "No masked patterns", or "Masked patterns:"
// and then one indented pattern per line (flatpak-builtins-mask.c). Returns
// the patterns. Throws on any other line.
inline std::vector<std::string> parse_masks(const std::string& out) {
  static const char* kCommand = "flatpak mask";
  std::vector<std::string> patterns;
  bool listing = false;
  for (const auto& [number, line] : detail::lines(out)) {
    if (line == "No masked patterns" && !listing) continue;
    if (line == "Masked patterns:" && !listing) {
      listing = true;
      continue;
    }
    if (!listing || (line[0] != ' ' && line[0] != '\t')) detail::fail(kCommand, number, line, "unexpected line");
    const std::size_t first = line.find_first_not_of(" \t");
    const std::size_t last = line.find_last_not_of(" \t");
    std::string pattern = line.substr(first, last - first + 1);
    if (pattern.find_first_of(" \t") != std::string::npos) detail::fail(kCommand, number, line, "not a pattern");
    patterns.push_back(std::move(pattern));
  }
  return patterns;
}

}  // namespace packages::flatpak

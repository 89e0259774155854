// What `snap list --all` prints, as the packages job runs it (LC_ALL=C, not
// on a terminal), split into one value per installed revision. snapd has no
// machine-readable listing, so this reads its table (cmd/snap/cmd_list.go,
// notes.go, color.go in snapd): columns padded with spaces, no cell empty
// ("-" stands for nothing), and a locale-translated header, which is why the
// header is checked. Output of another shape throws std::runtime_error naming
// the line: the job must fail on output it does not understand, never guess.
// Header-only, no I/O.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "output_text.hpp"

namespace packages::snap {

struct Snap {
  std::string name, version, revision, tracking, publisher;
  bool classic = false, devmode = false, held = false, disabled = false, jailmode = false;
  bool sideloaded() const { return !revision.empty() && revision[0] == 'x'; }
};

namespace detail {

inline std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> result;
  std::size_t at = 0;
  while ((at = line.find_first_not_of(" \t", at)) != std::string::npos) {
    const std::size_t end = line.find_first_of(" \t", at);
    result.push_back(line.substr(at, end == std::string::npos ? std::string::npos : end - at));
    at = end;
  }
  return result;
}

[[noreturn]] inline void fail(std::size_t number, const std::string& line, const std::string& why) {
  text::fail("snap list", number, line, why);
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The publisher column is the store username followed by a badge: "✓"
// (verified) or "✪" (starred) on a UTF-8 terminal, "**" or "*" otherwise.
// Usernames are lowercase letters, digits and dashes, so the badge cannot be
// part of one.
inline std::string publisher_name(std::string publisher) {
  for (const char* badge : {"\u2713", "\u272a", "*"})
    while (ends_with(publisher, badge)) publisher.resize(publisher.size() - std::string(badge).size());
  return publisher == "-" ? "" : publisher;
}

// "17" (store) or "x1" (sideloaded).
inline bool is_revision(const std::string& s) {
  std::size_t i = (!s.empty() && s[0] == 'x') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace detail

// `snap list --all`: the header "Name  Version  Rev  Tracking  Publisher
// Notes", then one line per revision, disabled ones included, in snapd's order
// (by name). Notes is "-" or a comma-separated list (classic, devmode, held,
// disabled, jailmode, base, snapd, try, ...); the ones not in Snap are ignored.
// Tracking "-" (a sideload) becomes "", and so does publisher "-"; the
// publisher loses its verification badge. Tracking is as snapd shows it,
// which abbreviates a branch ("latest/stable/…").
// Empty output, or the "No snaps are installed yet." message (stderr, in case
// the job merged it), is an empty list. Throws when the header is missing, a
// line has other than 6 fields or a revision is not a number.
inline std::vector<Snap> parse_list(const std::string& out) {
  static const std::vector<std::string> kHeader = {"Name", "Version", "Rev", "Tracking", "Publisher", "Notes"};
  std::vector<std::pair<std::size_t, std::string>> lines;
  std::size_t start = 0, number = 1;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(start, end - start);
    if (line.find_first_not_of(" \t") != std::string::npos) lines.emplace_back(number, std::move(line));
    start = end + 1;
    ++number;
  }
  if (lines.empty()) return {};
  if (lines.size() == 1 && lines[0].second.rfind("No snaps are installed yet.", 0) == 0) return {};
  if (detail::fields(lines[0].second) != kHeader)
    detail::fail(lines[0].first, lines[0].second, "expected the header \"Name Version Rev Tracking Publisher Notes\"");

  std::vector<Snap> snaps;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& [n, line] = lines[i];
    const auto f = detail::fields(line);
    if (f.size() != 6) detail::fail(n, line, "expected 6 fields, found " + std::to_string(f.size()));
    if (!detail::is_revision(f[2])) detail::fail(n, line, "not a revision: \"" + f[2] + "\"");
    Snap snap;
    snap.name = f[0];
    snap.version = f[1];
    snap.revision = f[2];
    snap.tracking = f[3] == "-" ? "" : f[3];
    snap.publisher = detail::publisher_name(f[4]);
    if (f[5] != "-") {
      std::size_t at = 0;
      for (;;) {
        const std::size_t comma = f[5].find(',', at);
        const std::string note = f[5].substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (note.empty()) detail::fail(n, line, "empty note");
        snap.classic |= note == "classic";
        snap.devmode |= note == "devmode";
        snap.held |= note == "held";
        snap.disabled |= note == "disabled";
        snap.jailmode |= note == "jailmode";
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    }
    snaps.push_back(std::move(snap));
  }
  return snaps;
}

}  // namespace packages::snap

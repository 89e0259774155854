// apt: what one machine has (the manually installed set, holds, versions,
// the repositories it is configured with) and the plan that brings the
// target to the source's set. Pure functions; the job gathers the state.
//
// Rules (upstream-behaviour.md §4.6, apt_sync):
//  - items are the manually installed packages; automatic ones follow;
//  - versions float, except a held package gets the source's exact version;
//  - marks are kept: a package manual on one machine and automatic on the
//    other changes its mark, it is not installed or removed;
//  - a package the target's repositories do not offer needs the source's
//    repository file (and its keyring) copied first, then one apt-get update;
//  - a package installed from no repository (a bare .deb) is only reported.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "apt_output.hpp"
#include "plan.hpp"

namespace packages::apt {

// One file of /etc/apt/sources.list{,.d}: the repository URIs it names and
// the keyring files its entries are signed by.
struct SourceFile {
  std::string path;
  std::string sha256;
  std::vector<std::string> uris;
  std::vector<std::string> keyrings;
};

struct State {
  std::string hostname;
  std::string home;                            // the login user's home directory
  std::string arch;                            // dpkg --print-architecture
  std::set<std::string> manual;                // apt-mark showmanual
  std::set<std::string> holds;                 // apt-mark showhold
  std::map<std::string, DpkgPackage> dpkg;     // dpkg-query, by apt-mark's name
  std::map<std::string, Policy> policy;        // apt-cache policy of the names that matter
  std::vector<SourceFile> sources;             // sources files
  std::map<std::string, std::string> digests;  // keyring path → sha256 ("" when missing)

  bool installed(const std::string& name) const {
    auto it = dpkg.find(name);
    return it != dpkg.end() && it->second.installed;
  }
  std::string version(const std::string& name) const {
    auto it = dpkg.find(name);
    return it == dpkg.end() ? "" : it->second.version;
  }
};

// The script that dumps the sources files: a fixed text (no value of the
// config or of either machine is ever put into it).
inline const char* kSourcesScript =
    "for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do "
    "[ -f \"$f\" ] || continue; "
    "printf '==> %s %s\\n' \"$(sha256sum < \"$f\" | cut -c1-64)\" \"$f\"; cat \"$f\"; echo; done";

namespace detail {

inline std::string strip(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

inline std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!w.empty()) out.push_back(w), w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

inline void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// "deb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] https://x/ bookworm main"
inline void one_line_entry(const std::string& line, SourceFile& f) {
  std::string rest = strip(line.substr(3));  // after "deb"; a space or a tab follows
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) return;
    for (const auto& opt : words(rest.substr(1, close - 1)))
      if (opt.rfind("signed-by=", 0) == 0) add_unique(f.keyrings, opt.substr(10));
    rest = strip(rest.substr(close + 1));
  }
  const auto w = words(rest);
  if (!w.empty()) add_unique(f.uris, w[0]);
}

}  // namespace detail

// The output of kSourcesScript.
inline std::vector<SourceFile> parse_sources_dump(const std::string& out) {
  std::vector<SourceFile> files;
  std::size_t start = 0;
  while (start < out.size()) {
    auto nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    const std::string line = out.substr(start, nl - start);
    start = nl + 1;
    if (line.rfind("==> ", 0) == 0 && line.size() > 4 + 64 + 1) {
      files.push_back({line.substr(4 + 64 + 1), line.substr(4, 64), {}, {}});
      continue;
    }
    if (files.empty()) continue;
    SourceFile& f = files.back();
    const std::string s = detail::strip(line);
    if (s.empty() || s[0] == '#') continue;
    if (s.rfind("deb ", 0) == 0 || s.rfind("deb\t", 0) == 0) {
      detail::one_line_entry(s, f);
    } else if (s.rfind("URIs:", 0) == 0) {
      for (const auto& u : detail::words(s.substr(5))) detail::add_unique(f.uris, u);
    } else if (s.rfind("Signed-By:", 0) == 0) {
      const std::string v = detail::strip(s.substr(10));
      if (!v.empty() && v[0] == '/') detail::add_unique(f.keyrings, v);  // not an inline key
    }
  }
  return files;
}

// A name apt or dpkg could have printed; anything else is refused, never run.
inline bool valid_package_name(const std::string& name) {
  static const std::regex re(R"(^[a-z0-9][a-z0-9+.\-]+(:[a-z0-9][a-z0-9\-]*)?$)");
  return std::regex_match(name, re);
}

// "http://deb.debian.org/debian bookworm/main amd64 Packages" → the URI.
inline std::string origin_uri(const std::string& origin) { return origin.substr(0, origin.find(' ')); }

inline bool same_uri(std::string a, std::string b) {
  while (!a.empty() && a.back() == '/') a.pop_back();
  while (!b.empty() && b.back() == '/') b.pop_back();
  return a == b;
}

namespace detail {

inline Step apt_get(std::vector<std::string> args) {
  std::vector<std::string> argv{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y",
                                "-o",  "DPkg::Lock::Timeout=60",         "-o",      "Dpkg::Options::=--force-confdef",
                                "-o",  "Dpkg::Options::=--force-confold"};
  argv.insert(argv.end(), args.begin(), args.end());
  return {argv, true};
}

inline Step apt_mark(const std::string& verb, const std::string& name) { return {{"apt-mark", verb, name}, true}; }

// The source's file that names `uri`, if any.
inline const SourceFile* file_for(const State& s, const std::string& uri) {
  for (const auto& f : s.sources)
    for (const auto& u : f.uris)
      if (same_uri(u, uri)) return &f;
  return nullptr;
}

inline bool target_has_uri(const State& t, const std::string& uri) { return file_for(t, uri) != nullptr; }

}  // namespace detail

// Where copied repository files wait on the target before `sudo install`.
inline std::string staging_path(const std::string& home, const std::string& path) {
  std::string flat = path;
  std::replace(flat.begin(), flat.end(), '/', '_');
  return home + "/.cache/pc-switcher/apt-staging/" + flat;
}

// The plan that makes `target` hold `source`'s manually installed set.
// `removals`: false leaves packages only the target has alone (a note says so).
inline ManagerPlan plan(const State& source, const State& target, bool removals) {
  ManagerPlan p;
  p.manager = "apt";
  const std::string& from = source.hostname;
  const std::string& to = target.hostname;
  std::set<std::string> files_to_copy;

  for (const std::string& name : source.manual) {
    if (!valid_package_name(name)) {
      p.notes.push_back({"apt", "'" + name + "' is not a package name; left alone"});
      continue;
    }
    const bool held = source.holds.count(name) != 0;
    const std::string want = source.version(name);
    if (target.installed(name)) {
      if (held && target.version(name) != want) {
        p.items.push_back({"apt",
                           Action::kChange,
                           name + " " + want,
                           "apt:change:" + name,
                           "held at " + want + " on " + from + "; " + to + " has " + target.version(name),
                           {detail::apt_get({"install", "--no-install-recommends", name + "=" + want}),
                            detail::apt_mark("hold", name)}});
        continue;
      }
      if (target.manual.count(name) == 0)
        p.items.push_back({"apt",
                           Action::kChange,
                           name + " (mark manual)",
                           "apt:mark-manual:" + name,
                           "installed on both; manual on " + from + ", automatic on " + to,
                           {detail::apt_mark("manual", name)}});
      if (held && target.holds.count(name) == 0)
        p.items.push_back({"apt",
                           Action::kChange,
                           name + " (hold)",
                           "apt:hold:" + name,
                           "held on " + from + ", not on " + to,
                           {detail::apt_mark("hold", name)}});
      continue;
    }
    // Missing on the target: from which repository, and does the target have it?
    auto sp = source.policy.find(name);
    // Installed from no repository, and no repository has any other version:
    // a .deb file. (An outdated package also shows no origin for its
    // installed version, but its repository offers a candidate.)
    if (sp != source.policy.end() && !sp->second.from_repository() &&
        (sp->second.candidate.empty() || sp->second.candidate == sp->second.installed)) {
      p.notes.push_back({"apt", name + " " + want + " is installed on " + from +
                                    " from no repository (a .deb file?): install it on " + to + " yourself"});
      continue;
    }
    auto tp = target.policy.find(name);
    const bool offered = tp != target.policy.end() && !tp->second.candidate.empty();
    Item item{"apt",
              Action::kInstall,
              held ? name + " " + want : name,
              "apt:install:" + name,
              "installed on " + from + " (" + want + (held ? ", held" : "") + "), not on " + to,
              {detail::apt_get({"install", "--no-install-recommends", held ? name + "=" + want : name})}};
    if (held) item.steps.push_back(detail::apt_mark("hold", name));
    if (!offered) {
      const SourceFile* file = nullptr;
      if (sp != source.policy.end())
        for (const auto& o : sp->second.origins)
          if (!detail::target_has_uri(target, origin_uri(o)) && (file = detail::file_for(source, origin_uri(o)))) break;
      if (file == nullptr) {
        p.notes.push_back({"apt", name + ": no repository configured on " + to + " offers it, and none of " + from +
                                      "'s sources files names where it came from; left alone"});
        continue;
      }
      item.reason += "; needs " + file->path + " from " + from;
      files_to_copy.insert(file->path);
      p.needs_prepare.push_back(item.key);
    }
    p.items.push_back(std::move(item));
  }

  // Repository files (and their keyrings) go in before the one apt-get update.
  for (const auto& f : source.sources) {
    if (files_to_copy.count(f.path) == 0) continue;
    std::vector<std::string> copies{f.path};
    for (const auto& k : f.keyrings) {
      auto mine = source.digests.find(k);
      auto theirs = target.digests.find(k);
      if (mine != source.digests.end() && !mine->second.empty() &&
          (theirs == target.digests.end() || theirs->second != mine->second))
        copies.push_back(k);
    }
    for (const auto& path : copies) {
      const std::string staged = staging_path(target.home, path);
      p.prepare.push_back({{kSendStep, path, staged}, false});
      p.prepare.push_back({{"install", "-D", "-o", "root", "-g", "root", "-m", "0644", staged, path}, true});
    }
  }
  if (!p.prepare.empty()) p.prepare.push_back(detail::apt_get({"update"}));

  for (const std::string& name : target.manual) {
    if (source.manual.count(name) != 0 || !valid_package_name(name)) continue;
    if (source.installed(name)) {
      p.items.push_back({"apt",
                         Action::kChange,
                         name + " (mark automatic)",
                         "apt:mark-auto:" + name,
                         "installed on both; automatic on " + from + ", manual on " + to,
                         {detail::apt_mark("auto", name)}});
      continue;
    }
    if (!removals) {
      p.notes.push_back({"apt", name + " is only on " + to + "; kept (removals: never)"});
      continue;
    }
    Item item{"apt", Action::kRemove, name, "apt:remove:" + name, "installed on " + to + ", not on " + from, {}};
    if (target.holds.count(name) != 0) item.steps.push_back(detail::apt_mark("unhold", name));
    item.steps.push_back(detail::apt_get({"remove", name}));
    p.items.push_back(std::move(item));
  }
  for (const std::string& name : target.holds)
    if (source.holds.count(name) == 0 && source.installed(name) && target.installed(name) && valid_package_name(name))
      p.items.push_back({"apt",
                         Action::kChange,
                         name + " (unhold)",
                         "apt:unhold:" + name,
                         "held on " + to + ", not on " + from,
                         {detail::apt_mark("unhold", name)}});

  // Versions float: a difference is only reported.
  for (const std::string& name : source.manual)
    if (target.installed(name) && source.holds.count(name) == 0 && target.version(name) != source.version(name))
      p.notes.push_back({"apt", name + ": " + source.version(name) + " on " + from + ", " + target.version(name) +
                                    " on " + to + " (versions may differ)"});
  return p;
}

}  // namespace packages::apt

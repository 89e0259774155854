// flatpak: refs per scope (user, system), the remotes they come from, and
// masks. A ref's identity is its scope and full ref (ID/ARCH/BRANCH); a
// missing remote is added before the ref, from the source's URL. System
// scope changes run through sudo; user scope ones as the login user.
#pragma once

#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "flatpak_output.hpp"
#include "plan.hpp"

namespace packages::flatpak {

struct State {
  std::string hostname;
  std::string home;  // the login user's home directory
  std::vector<Ref> refs;
  // The remotes whose trusted keys this machine has, by scope and name: the
  // file flatpak verifies that remote's signatures with.
  std::map<std::pair<Scope, std::string>, std::string> keyrings;
  std::map<Scope, std::vector<Remote>> remotes;
  std::map<Scope, std::vector<std::string>> masks;
};

inline const char* scope_flag(Scope s) { return s == Scope::kUser ? "--user" : "--system"; }
inline const char* scope_name(Scope s) { return s == Scope::kUser ? "user" : "system"; }

// A remote name that can stand in a file name.
inline bool valid_remote_name(const std::string& name) {
  static const std::regex re(R"(^[A-Za-z0-9_][A-Za-z0-9_.\-]*$)");
  return std::regex_match(name, re);
}

// Where flatpak (ostree) keeps the keys it trusts for remote `name`.
inline std::string keyring_path(Scope s, const std::string& home, const std::string& name) {
  return (s == Scope::kUser ? home + "/.local/share/flatpak/repo/" : std::string("/var/lib/flatpak/repo/")) + name +
         ".trustedkeys.gpg";
}

namespace detail {

inline Step flatpak_cmd(Scope scope, std::vector<std::string> args) {
  args.insert(args.begin(), {"flatpak", scope_flag(scope)});
  return {args, scope == Scope::kSystem};
}

inline const Remote* remote(const State& s, Scope scope, const std::string& name) {
  auto it = s.remotes.find(scope);
  if (it == s.remotes.end()) return nullptr;
  for (const Remote& r : it->second)
    if (r.name == name) return &r;
  return nullptr;
}

inline bool valid_word(const std::string& w) {
  static const std::regex re(R"(^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$)");
  return std::regex_match(w, re);
}

// A mask pattern may hold '*' (flatpak mask's globs).
inline bool valid_pattern(const std::string& w) {
  static const std::regex re(R"(^[A-Za-z0-9_*][A-Za-z0-9_.\-/*]*$)");
  return std::regex_match(w, re);
}

inline bool valid_url(const std::string& u) {
  static const std::regex re(R"(^(https?|file|oci\+https?)://[^\s]+$)");
  return std::regex_match(u, re);
}

}  // namespace detail

inline ManagerPlan plan(const State& source, const State& target, bool removals) {
  ManagerPlan p;
  p.manager = "flatpak";
  const std::string& from = source.hostname;
  const std::string& to = target.hostname;
  std::set<std::pair<Scope, std::string>> mine, theirs;
  for (const Ref& r : source.refs) mine.insert({r.scope, r.ref});
  for (const Ref& r : target.refs) theirs.insert({r.scope, r.ref});

  for (const Ref& r : source.refs) {
    if (theirs.count({r.scope, r.ref}) != 0) continue;
    const std::string label = r.ref + " (" + scope_name(r.scope) + ")";
    const Remote* src_remote = detail::remote(source, r.scope, r.origin);
    if (!detail::valid_word(r.ref) || !valid_remote_name(r.origin) || src_remote == nullptr ||
        !detail::valid_url(src_remote->url)) {
      p.notes.push_back({"flatpak", label + " comes from remote '" + r.origin + "', which " + from +
                                        " does not list with a usable URL; left alone"});
      continue;
    }
    Item item{"flatpak",
              Action::kInstall,
              label,
              std::string("flatpak:install:") + scope_name(r.scope) + ":" + r.ref,
              "installed on " + from + " from " + r.origin + ", not on " + to,
              {}};
    const Remote* dst_remote = detail::remote(target, r.scope, r.origin);
    // Each item adds the remote it needs (--if-not-exists): any one of them may
    // be skipped or left out by a decision.
    if (dst_remote == nullptr) {
      // With the keys the source trusts for it, so that the target verifies
      // the remote's signatures the same way.
      const auto key = source.keyrings.find({r.scope, r.origin});
      if (key != source.keyrings.end()) {
        const std::string staged =
            target.home + "/.cache/pc-switcher/flatpak-staging/" + scope_name(r.scope) + "-" + r.origin + ".gpg";
        item.steps.push_back({{kSendStep, key->second, staged}, false});
        item.steps.push_back(detail::flatpak_cmd(
            r.scope, {"remote-add", "--if-not-exists", "--gpg-import=" + staged, "--", r.origin, src_remote->url}));
      } else {
        item.reason += "; remote " + r.origin + " is added without a key (" + from + " has none for it)";
        item.steps.push_back(
            detail::flatpak_cmd(r.scope, {"remote-add", "--if-not-exists", "--", r.origin, src_remote->url}));
      }
    }
    item.steps.push_back(detail::flatpak_cmd(r.scope, {"install", "--noninteractive", "-y", "--", r.origin, r.ref}));
    p.items.push_back(std::move(item));
  }
  // Remotes both have under one name but with another URL.
  for (const auto& [scope, list] : source.remotes)
    for (const Remote& r : list) {
      const Remote* other = detail::remote(target, scope, r.name);
      if (other == nullptr || other->url == r.url || !detail::valid_word(r.name) || !detail::valid_url(r.url)) continue;
      p.items.push_back({"flatpak",
                         Action::kChange,
                         "remote " + r.name + " (" + scope_name(scope) + ")",
                         std::string("flatpak:remote-url:") + scope_name(scope) + ":" + r.name,
                         r.url + " on " + from + ", " + other->url + " on " + to,
                         {detail::flatpak_cmd(scope, {"remote-modify", "--url=" + r.url, "--", r.name})}});
    }
  for (const auto& [scope, patterns] : source.masks)
    for (const auto& m : patterns) {
      const auto& other = target.masks.count(scope) ? target.masks.at(scope) : std::vector<std::string>{};
      if (std::find(other.begin(), other.end(), m) != other.end() || !detail::valid_pattern(m)) continue;
      p.items.push_back({"flatpak",
                         Action::kChange,
                         "mask " + m + " (" + scope_name(scope) + ")",
                         std::string("flatpak:mask:") + scope_name(scope) + ":" + m,
                         "masked on " + from + ", not on " + to,
                         {detail::flatpak_cmd(scope, {"mask", "--", m})}});
    }
  for (const auto& [scope, patterns] : target.masks)
    for (const auto& m : patterns) {
      const auto& mine_masks = source.masks.count(scope) ? source.masks.at(scope) : std::vector<std::string>{};
      if (std::find(mine_masks.begin(), mine_masks.end(), m) != mine_masks.end() || !detail::valid_pattern(m)) continue;
      p.items.push_back({"flatpak",
                         Action::kChange,
                         "unmask " + m + " (" + scope_name(scope) + ")",
                         std::string("flatpak:unmask:") + scope_name(scope) + ":" + m,
                         "masked on " + to + ", not on " + from,
                         {detail::flatpak_cmd(scope, {"mask", "--remove", "--", m})}});
    }
  for (const Ref& r : target.refs) {
    if (mine.count({r.scope, r.ref}) != 0 || !detail::valid_word(r.ref)) continue;
    const std::string label = r.ref + " (" + scope_name(r.scope) + ")";
    if (!removals) {
      p.notes.push_back({"flatpak", label + " is only on " + to + "; kept (removals: never)"});
      continue;
    }
    p.items.push_back({"flatpak",
                       Action::kRemove,
                       label,
                       std::string("flatpak:remove:") + scope_name(r.scope) + ":" + r.ref,
                       "installed on " + to + ", not on " + from,
                       {detail::flatpak_cmd(r.scope, {"uninstall", "--noninteractive", "-y", "--", r.ref})}});
  }
  return p;
}

}  // namespace packages::flatpak

// snap: the target converges to the source's exact revision and channel,
// with classic/devmode kept and holds per snap (`--hold=forever NAME`, never
// the bare `--hold`, which holds every snap on the machine). Sideloaded
// snaps (revision x1, ...) come from no store: only reported.
#pragma once

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "plan.hpp"
#include "snap_output.hpp"

namespace packages::snap {

struct State {
  std::string hostname;
  std::vector<Snap> snaps;  // `snap list --all`
};

namespace detail {

// The enabled revision of each snap (a disabled one is an older revision kept).
inline std::map<std::string, Snap> active(const State& s) {
  std::map<std::string, Snap> out;
  for (const Snap& snap : s.snaps)
    if (!snap.disabled) out[snap.name] = snap;
  return out;
}

// `snap list` shortens long channels ("latest/stable/…"): the part before
// the ellipsis is the track and risk, which `snap switch` takes.
inline std::string channel(const Snap& s) {
  const std::string ellipsis = "/\xE2\x80\xA6";
  const auto cut = s.tracking.find(ellipsis);
  return cut == std::string::npos ? s.tracking : s.tracking.substr(0, cut);
}

inline bool valid(const Snap& s) {
  static const std::regex name(R"(^[a-z0-9][a-z0-9\-]*$)"), revision(R"(^[0-9]+$)"), chan(R"(^[A-Za-z0-9._/\-]*$)");
  return std::regex_match(s.name, name) && std::regex_match(s.revision, revision) && std::regex_match(channel(s), chan);
}

inline std::vector<std::string> confinement(const Snap& s) {
  if (s.classic) return {"--classic"};
  if (s.devmode) return {"--devmode"};
  return {};
}

inline Step snap_cmd(std::vector<std::string> argv) {
  argv.insert(argv.begin(), "snap");
  return {argv, true};
}

}  // namespace detail

inline ManagerPlan plan(const State& source, const State& target, bool removals) {
  ManagerPlan p;
  p.manager = "snap";
  const std::string& from = source.hostname;
  const std::string& to = target.hostname;
  const auto mine = detail::active(source), theirs = detail::active(target);
  for (const auto& [name, s] : mine) {
    if (s.sideloaded()) {
      p.notes.push_back({"snap", name + " (revision " + s.revision + ") is sideloaded on " + from +
                                     ", from no store: install it on " + to + " yourself"});
      continue;
    }
    if (!detail::valid(s)) {
      p.notes.push_back(
          {"snap", "'" + name + "' has a name, revision or channel pc-switcher does not accept; left alone"});
      continue;
    }
    const std::string chan = detail::channel(s);
    const auto t = theirs.find(name);
    if (t == theirs.end()) {
      Item item{"snap",
                Action::kInstall,
                name + " r" + s.revision,
                "snap:install:" + name,
                "installed on " + from + " (revision " + s.revision + ", " + (chan.empty() ? "no channel" : chan) +
                    "), not on " + to,
                {}};
      std::vector<std::string> install{"install", "--revision=" + s.revision};
      for (const auto& f : detail::confinement(s)) install.push_back(f);
      install.push_back(name);
      item.steps.push_back(detail::snap_cmd(install));
      if (!chan.empty()) item.steps.push_back(detail::snap_cmd({"switch", "--channel=" + chan, name}));
      if (s.held) item.steps.push_back(detail::snap_cmd({"refresh", "--hold=forever", name}));
      p.items.push_back(std::move(item));
      continue;
    }
    const Snap& other = t->second;
    if (other.revision != s.revision) {
      std::vector<std::string> refresh{"refresh", "--revision=" + s.revision};
      for (const auto& f : detail::confinement(s)) refresh.push_back(f);
      refresh.push_back(name);
      p.items.push_back({"snap",
                         Action::kChange,
                         name + " r" + other.revision + " → r" + s.revision,
                         "snap:revision:" + name + ":" + s.revision,
                         "revision " + s.revision + " on " + from + ", " + other.revision + " on " + to,
                         {detail::snap_cmd(refresh)}});
    }
    if (!chan.empty() && detail::channel(other) != chan)
      p.items.push_back({"snap",
                         Action::kChange,
                         name + " → " + chan,
                         "snap:channel:" + name + ":" + chan,
                         "tracks " + chan + " on " + from + ", " + detail::channel(other) + " on " + to,
                         {detail::snap_cmd({"switch", "--channel=" + chan, name})}});
    if (s.held != other.held)
      p.items.push_back({"snap",
                         Action::kChange,
                         name + (s.held ? " (hold)" : " (unhold)"),
                         std::string("snap:") + (s.held ? "hold:" : "unhold:") + name,
                         std::string("held on ") + (s.held ? from : to) + ", not on " + (s.held ? to : from),
                         {detail::snap_cmd(s.held ? std::vector<std::string>{"refresh", "--hold=forever", name}
                                                  : std::vector<std::string>{"refresh", "--unhold", name})}});
  }
  for (const auto& [name, s] : theirs) {
    if (mine.count(name) != 0 || !detail::valid(s)) continue;
    if (!removals) {
      p.notes.push_back({"snap", name + " is only on " + to + "; kept (removals: never)"});
      continue;
    }
    p.items.push_back({"snap",
                       Action::kRemove,
                       name,
                       "snap:remove:" + name,
                       "installed on " + to + ", not on " + from,
                       {detail::snap_cmd({"remove", name})}});
  }
  return p;
}

}  // namespace packages::snap

// ~/.config/pc-switcher/packages.decisions.yaml on the target: the items the
// person answered "never on this machine" for. It belongs to that machine
// (user_data never syncs *.decisions.yaml). An entry whose item no longer
// appears in a plan is dropped the next time the file is written.
//
//   # ...
//   never:
//     - apt:install:sl
//     - apt:remove:htop
#pragma once

#include <set>
#include <stdexcept>
#include <string>

#include <yaml-cpp/yaml.h>

namespace packages {

inline constexpr const char* kDecisionsFile = ".config/pc-switcher/packages.decisions.yaml";

// Throws std::runtime_error naming `where` (the file) and the line when the
// text is not this file's shape; the job then refuses to run rather than
// forget what the person decided.
inline std::set<std::string> parse_decisions(const std::string& text, const std::string& where) {
  std::set<std::string> never;
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(where + ":" + std::to_string(e.mark.line + 1) + ": not YAML: " + e.msg +
                             " (fix it, or delete the file to be asked again)");
  }
  if (!doc || doc.IsNull()) return never;
  const auto bad = [&](const YAML::Node& n, const std::string& why) {
    return std::runtime_error(where + ":" + std::to_string(n.Mark().line + 1) + ": " + why +
                              " (the file holds 'never:' and a list of item ids such as apt:install:sl)");
  };
  if (!doc.IsMap()) throw bad(doc, "expected a mapping");
  for (const auto& kv : doc) {
    if (!kv.first.IsScalar()) throw bad(kv.first, "a key must be a plain word");
    if (kv.first.Scalar() != "never") throw bad(kv.first, "unknown key '" + kv.first.Scalar() + "'");
    if (kv.second.IsNull()) continue;
    if (!kv.second.IsSequence()) throw bad(kv.second, "'never' must be a list");
    for (const auto& entry : kv.second) {
      if (!entry.IsScalar()) throw bad(entry, "each entry must be an item id");
      never.insert(entry.Scalar());
    }
  }
  return never;
}

inline std::string format_decisions(const std::set<std::string>& never, const std::string& hostname) {
  std::string out =
      "# pc-switcher packages job: what " + hostname +
      " keeps different from the machines that sync to it.\n"
      "# Written when you answer \"never\" at the review; never synced. Delete a line to be asked again.\n"
      "never:\n";
  for (const auto& id : never) {
    std::string quoted = "'";
    for (char c : id) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    out += "  - " + quoted + "'\n";
  }
  return out;
}

}  // namespace packages

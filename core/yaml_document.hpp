// Reads YAML into nlohmann::json, remembering where every value came from.
//
// valijson cannot validate yaml-cpp nodes (toolchain-notes.md), so a YAML
// file is converted once, here, with YAML 1.2 core-schema scalar rules: only
// true/false are booleans ("yes" stays a string), quoted scalars are always
// strings. Duplicate keys, which yaml-cpp accepts silently, are reported.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_schema.hpp"

namespace pcs {

struct Mark {
  int line = 1;  // 1-based
  int column = 1;
};

struct YamlProblem {
  Mark mark;
  KeyPath path;
  std::string message;
};

struct YamlDocument {
  nlohmann::json value;                                       // null for an empty document
  std::map<std::string, Mark> marks;                          // format_path(path) -> where the value starts
  std::map<std::string, Mark> key_marks;                      // format_path(path) -> where its key starts
  std::map<std::string, std::vector<std::string>> key_order;  // mapping path -> keys as written
  std::vector<YamlProblem> problems;                          // syntax errors, duplicate keys, ...

  // Where `path` (or its nearest ancestor that exists) is written.
  Mark mark_of(const KeyPath& path) const;
};

YamlDocument parse_yaml(const std::string& text);

}  // namespace pcs

// JSON Schema (draft-07) checks on nlohmann::json values, through valijson,
// with messages that say where the problem is and what was expected.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pcs {

// A key path: object keys, and array indices written as "[N]".
using KeyPath = std::vector<std::string>;

// "logging.file", "folders[0].path"; "" for the root.
std::string format_path(const KeyPath& path);

struct SchemaError {
  KeyPath path;         // where in the instance
  std::string message;  // what is wrong and what was expected
};

// Why `schema` cannot be used as a draft-07 schema, or nothing when it can.
std::optional<std::string> schema_problem(const nlohmann::json& schema);

// Every way `instance` breaks `schema` (empty when it conforms). Unknown keys
// under `additionalProperties: false` are each reported with their own path.
std::vector<SchemaError> validate_against(const nlohmann::json& schema, const nlohmann::json& instance);

// Fills in `default` values from `schema` for absent object members, recursing
// into present objects and array items.
void apply_defaults(const nlohmann::json& schema, nlohmann::json& instance);

// The sub-schema that applies at `path`, following properties, patternProperties,
// additionalProperties, items and local "#/..." references; nullptr if unknown.
const nlohmann::json* subschema_at(const nlohmann::json& root, const KeyPath& path);

// Short human name of a JSON value's type and value: `string "yes"`, `integer 3`.
std::string describe_value(const nlohmann::json& value);

}  // namespace pcs

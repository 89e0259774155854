#include "json_schema.hpp"

#include <regex>

#include <fmt/format.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "draft07_metaschema.hpp"

namespace pcs {
namespace {

using valijson::adapters::NlohmannJsonAdapter;

bool is_index(const std::string& segment) { return !segment.empty() && segment.front() == '['; }

// Follows a local "$ref": "#/a/b" inside `root`.
const nlohmann::json* resolve(const nlohmann::json& root, const nlohmann::json* schema) {
  for (int hops = 0; schema && schema->is_object() && schema->contains("$ref") && hops < 32; ++hops) {
    const auto& ref = (*schema)["$ref"];
    if (!ref.is_string()) return nullptr;
    std::string target = ref.get<std::string>();
    if (target == "#") {
      schema = &root;
      continue;
    }
    if (target.rfind("#/", 0) != 0) return nullptr;
    try {
      schema = &root.at(nlohmann::json::json_pointer(target.substr(1)));
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  return schema;
}

std::string type_list(const nlohmann::json& type) {
  auto article = [](const std::string& t) {
    return (t == "array" || t == "object" || t == "integer") ? "an " + t : "a " + t;
  };
  if (type.is_string()) return article(type.get<std::string>());
  std::string out;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (i) out += i + 1 == type.size() ? " or " : ", ";
    out += article(type[i].get<std::string>());
  }
  return out;
}

std::string allowed_keys(const nlohmann::json& schema) {
  std::string out;
  if (schema.contains("properties") && schema["properties"].is_object())
    for (const auto& [key, _] : schema["properties"].items()) out += (out.empty() ? "" : ", ") + key;
  return out.empty() ? "(none)" : out;
}

// Unknown keys under additionalProperties:false, each at its own path.
void find_unknown_keys(const nlohmann::json& root, const nlohmann::json* schema, const nlohmann::json& value,
                       KeyPath& path, std::vector<SchemaError>& out) {
  schema = resolve(root, schema);
  if (!schema || !schema->is_object()) return;
  if (value.is_object()) {
    const auto* props = schema->contains("properties") ? &(*schema)["properties"] : nullptr;
    bool closed = schema->contains("additionalProperties") && (*schema)["additionalProperties"] == false &&
                  !schema->contains("patternProperties");
    for (const auto& [key, child] : value.items()) {
      path.push_back(key);
      if (props && props->contains(key)) {
        find_unknown_keys(root, &(*props)[key], child, path, out);
      } else if (closed) {
        out.push_back({path, fmt::format("unknown key '{}'; allowed keys here: {}", key, allowed_keys(*schema))});
      } else if (schema->contains("additionalProperties")) {
        find_unknown_keys(root, &(*schema)["additionalProperties"], child, path, out);
      }
      path.pop_back();
    }
  } else if (value.is_array() && schema->contains("items") && (*schema)["items"].is_object()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      path.push_back(fmt::format("[{}]", i));
      find_unknown_keys(root, &(*schema)["items"], value[i], path, out);
      path.pop_back();
    }
  }
}

// valijson's context ("<root>", "[key]", "[0]") as a KeyPath, using the
// instance to tell array indices from keys.
KeyPath to_key_path(const std::vector<std::string>& context, const nlohmann::json& instance) {
  KeyPath path;
  const nlohmann::json* at = &instance;
  for (const auto& c : context) {
    if (c == "<root>" || c.size() < 2) continue;
    std::string inner = c.substr(1, c.size() - 2);
    if (at && at->is_array()) {
      path.push_back(c);
      std::size_t idx = std::stoul(inner);
      at = idx < at->size() ? &(*at)[idx] : nullptr;
    } else {
      path.push_back(inner);
      at = (at && at->is_object() && at->contains(inner)) ? &(*at)[inner] : nullptr;
    }
  }
  return path;
}

const nlohmann::json* value_at(const nlohmann::json& instance, const KeyPath& path) {
  const nlohmann::json* at = &instance;
  for (const auto& seg : path) {
    if (is_index(seg)) {
      std::size_t idx = std::stoul(seg.substr(1, seg.size() - 2));
      if (!at->is_array() || idx >= at->size()) return nullptr;
      at = &(*at)[idx];
    } else {
      if (!at->is_object() || !at->contains(seg)) return nullptr;
      at = &(*at)[seg];
    }
  }
  return at;
}

bool is_prefix(const KeyPath& a, const KeyPath& b) {
  return a.size() < b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Rewrites valijson's generic texts into "expected ..., found ...".
std::string explain(const nlohmann::json& schema_root, const nlohmann::json& instance, const KeyPath& path,
                    const std::string& description) {
  const nlohmann::json* sub = resolve(schema_root, subschema_at(schema_root, path));
  const nlohmann::json* value = value_at(instance, path);
  std::string found = value ? describe_value(*value) : "nothing";
  if (description.find("'type' constraint") != std::string::npos && sub && sub->contains("type"))
    return fmt::format("expected {}, found {}", type_list((*sub)["type"]), found);
  if (description.find("enum values") != std::string::npos && sub && sub->contains("enum")) {
    std::string choices;
    for (const auto& v : (*sub)["enum"])
      choices += (choices.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
    return fmt::format("expected one of {}; found {}", choices, found);
  }
  if ((description.find("regex pattern") != std::string::npos ||
       description.find("'pattern' constraint") != std::string::npos) &&  // valijson 1.0's wording
      sub &&
      sub->contains("pattern"))
    return fmt::format("expected a string matching {}, found {}", (*sub)["pattern"].dump(), found);
  std::string text = description;
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return value ? fmt::format("{} (found {})", text, found) : text;
}

// The first "pattern" or "patternProperties" name that std::regex (which
// valijson uses, throwing while validating) cannot compile. `names` is true
// for the members of properties/patternProperties/definitions/dependencies,
// whose keys are names rather than keywords.
std::optional<std::string> bad_regex(const nlohmann::json& node, KeyPath& path, bool names = false) {
  if (node.is_array())
    for (std::size_t i = 0; i < node.size(); ++i) {
      path.push_back(fmt::format("[{}]", i));
      if (auto problem = bad_regex(node[i], path)) return problem;
      path.pop_back();
    }
  if (!node.is_object()) return std::nullopt;
  for (const auto& [key, value] : node.items()) {
    if (!names && (key == "default" || key == "enum" || key == "const" || key == "examples")) continue;  // data
    path.push_back(key);
    std::vector<std::string> patterns;
    if (!names && key == "pattern" && value.is_string()) patterns.push_back(value.get<std::string>());
    if (!names && key == "patternProperties" && value.is_object())
      for (const auto& [pattern, _] : value.items()) patterns.push_back(pattern);
    for (const auto& pattern : patterns) {
      try {
        std::regex compiled(pattern);
      } catch (const std::regex_error& e) {
        return fmt::format("at {}: {} is not a valid regular expression ({})", format_path(path),
                           nlohmann::json(pattern).dump(), e.what());
      }
    }
    bool children_are_names =
        !names && (key == "properties" || key == "patternProperties" || key == "definitions" || key == "dependencies");
    if (auto problem = bad_regex(value, path, children_are_names)) return problem;
    path.pop_back();
  }
  return std::nullopt;
}

}  // namespace

std::string format_path(const KeyPath& path) {
  std::string out;
  for (const auto& seg : path) {
    if (!is_index(seg) && !out.empty()) out += '.';
    out += seg;
  }
  return out;
}

std::string describe_value(const nlohmann::json& v) {
  std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return "string " + text;
    case nlohmann::json::value_t::boolean:
      return "boolean " + text;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer " + text;
    case nlohmann::json::value_t::number_float:
      return "number " + text;
    case nlohmann::json::value_t::null:
      return "null (an empty value)";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::object:
      return "a mapping";
    default:
      return text;
  }
}

const nlohmann::json* subschema_at(const nlohmann::json& root, const KeyPath& path) {
  const nlohmann::json* s = resolve(root, &root);
  for (const auto& seg : path) {
    if (!s || !s->is_object()) return nullptr;
    if (is_index(seg)) {
      if (!s->contains("items")) return nullptr;
      const auto& items = (*s)["items"];
      if (items.is_array()) {
        std::size_t idx = std::stoul(seg.substr(1, seg.size() - 2));
        s = idx < items.size() ? &items[idx] : (s->contains("additionalItems") ? &(*s)["additionalItems"] : nullptr);
      } else {
        s = &items;
      }
    } else if (s->contains("properties") && (*s)["properties"].contains(seg)) {
      s = &(*s)["properties"][seg];
    } else {
      const nlohmann::json* next = nullptr;
      if (s->contains("patternProperties"))
        for (const auto& [pattern, sub] : (*s)["patternProperties"].items())
          if (std::regex_search(seg, std::regex(pattern))) {
            next = &sub;
            break;
          }
      if (!next && s->contains("additionalProperties") && (*s)["additionalProperties"].is_object())
        next = &(*s)["additionalProperties"];
      s = next;
    }
    s = resolve(root, s);
  }
  return s;
}

std::optional<std::string> schema_problem(const nlohmann::json& schema) {
  if (!schema.is_object()) return "a job's config schema must be a JSON object, e.g. {\"type\": \"object\"}";
  // The meta-schema is compiled once: compiling it per plugin was most of the
  // start-up time of `pc-switcher plugins` (tests/bench/startup). The slower,
  // well-worded validate_against runs only for a schema that fails.
  struct Meta {
    nlohmann::json json = nlohmann::json::parse(kDraft07MetaSchema);
    valijson::Schema compiled;
    Meta() {
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      NlohmannJsonAdapter adapter(json);
      parser.populateSchema(adapter, compiled);
    }
  };
  static const Meta meta;
  valijson::Validator validator;
  NlohmannJsonAdapter candidate(schema);
  if (!validator.validate(meta.compiled, candidate, nullptr)) {
    auto errors = validate_against(meta.json, schema);
    if (errors.empty()) return std::string("it does not conform to the draft-07 meta-schema");
    const auto& e = errors.front();
    return fmt::format("at {}: {}", e.path.empty() ? "the top" : format_path(e.path), e.message);
  }
  KeyPath path;
  if (auto problem = bad_regex(schema, path)) return problem;
  try {
    valijson::Schema compiled;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, compiled);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::vector<SchemaError> validate_against(const nlohmann::json& schema, const nlohmann::json& instance) {
  std::vector<SchemaError> out;
  KeyPath path;
  find_unknown_keys(schema, &schema, instance, path, out);

  valijson::Schema compiled;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  NlohmannJsonAdapter schema_adapter(schema);
  parser.populateSchema(schema_adapter, compiled);
  valijson::Validator validator;
  valijson::ValidationResults results;
  NlohmannJsonAdapter target(instance);
  if (validator.validate(compiled, target, &results)) return out;

  std::vector<std::pair<KeyPath, std::string>> raw;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) raw.emplace_back(to_key_path(error.context, instance), error.description);
  for (const auto& entry : raw) {
    const KeyPath& p = entry.first;  // not a structured binding: clang 14 cannot capture one
    const std::string& description = entry.second;
    if (description.rfind("Object contains a property that could not be validated", 0) == 0) continue;
    // "Failed to validate ..." wraps a deeper error that is reported itself.
    bool wrapper = description.rfind("Failed to validate", 0) == 0 &&
                   std::any_of(raw.begin(), raw.end(), [&](const auto& other) { return is_prefix(p, other.first); });
    if (wrapper) continue;
    out.push_back({p, explain(schema, instance, p, description)});
  }
  return out;
}

void apply_defaults(const nlohmann::json& root, nlohmann::json& instance) {
  struct Walker {
    const nlohmann::json& root;
    void walk(const nlohmann::json* schema, nlohmann::json& value) const {
      schema = resolve(root, schema);
      if (!schema || !schema->is_object()) return;
      if (value.is_object() && schema->contains("properties")) {
        for (const auto& [key, sub] : (*schema)["properties"].items()) {
          const nlohmann::json* resolved = resolve(root, &sub);
          if (!value.contains(key) && resolved && resolved->is_object() && resolved->contains("default"))
            value[key] = (*resolved)["default"];
          if (value.contains(key)) walk(&sub, value[key]);
        }
      }
      if (value.is_array() && schema->contains("items") && (*schema)["items"].is_object())
        for (auto& item : value) walk(&(*schema)["items"], item);
    }
  };
  Walker{root}.walk(&root, instance);
}

}  // namespace pcs

#include "yaml_document.hpp"

#include <regex>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace pcs {
namespace {

Mark to_mark(const YAML::Mark& m) { return {m.line + 1, m.column + 1}; }

nlohmann::json scalar_value(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  static const std::regex null_re("~|null|Null|NULL|");
  static const std::regex true_re("true|True|TRUE");
  static const std::regex false_re("false|False|FALSE");
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, null_re)) return nullptr;
  if (std::regex_match(text, true_re)) return true;
  if (std::regex_match(text, false_re)) return false;
  try {
    if (std::regex_match(text, int_re)) return std::stoll(text);
    if (std::regex_match(text, float_re)) return std::stod(text);
  } catch (const std::out_of_range&) {
    return text;
  }
  return text;
}

class Converter {
 public:
  explicit Converter(YamlDocument& doc) : doc_(doc) {}

  nlohmann::json convert(const YAML::Node& node, KeyPath& path) {
    doc_.marks[format_path(path)] = to_mark(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return nullptr;
      case YAML::NodeType::Scalar: return scalar_value(node);
      case YAML::NodeType::Sequence: {
        nlohmann::json arr = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : node) {
          path.push_back(fmt::format("[{}]", i++));
          arr.push_back(convert(item, path));
          path.pop_back();
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        nlohmann::json obj = nlohmann::json::object();
        std::set<std::string> seen;
        auto& order = doc_.key_order[format_path(path)];
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            doc_.problems.push_back({to_mark(kv.first.Mark()), path, "a key must be a plain name, not a list or mapping"});
            continue;
          }
          const std::string key = kv.first.Scalar();
          path.push_back(key);
          if (!seen.insert(key).second) {
            Mark first = doc_.key_marks[format_path(path)];
            doc_.problems.push_back({to_mark(kv.first.Mark()), path,
                                     fmt::format("duplicate key '{}' (first at line {}); remove one of them", key,
                                                 first.line)});
          } else {
            doc_.key_marks[format_path(path)] = to_mark(kv.first.Mark());
            order.push_back(key);
            obj[key] = convert(kv.second, path);
          }
          path.pop_back();
        }
        return obj;
      }
    }
    return nullptr;
  }

 private:
  YamlDocument& doc_;
};

}  // namespace

Mark YamlDocument::mark_of(const KeyPath& path) const {
  KeyPath p = path;
  while (true) {
    auto it = marks.find(format_path(p));
    if (it != marks.end()) return it->second;
    if (p.empty()) return {};
    p.pop_back();
  }
}

YamlDocument parse_yaml(const std::string& text) {
  YamlDocument doc;
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    doc.problems.push_back({to_mark(e.mark), {}, fmt::format("YAML syntax error: {}", e.msg)});
    return doc;
  } catch (const YAML::Exception& e) {
    doc.problems.push_back({to_mark(e.mark), {}, fmt::format("cannot read YAML: {}", e.msg)});
    return doc;
  }
  if (documents.size() > 1)
    doc.problems.push_back({to_mark(documents[1].Mark()), {}, "more than one YAML document; keep only the first"});
  if (documents.empty()) return doc;
  KeyPath path;
  doc.value = Converter(doc).convert(documents.front(), path);
  return doc;
}

}  // namespace pcs

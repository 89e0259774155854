#include "yaml_document.hpp"

#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace pcs {
namespace {

Mark to_mark(const YAML::Mark& m) { return {m.line + 1, m.column + 1}; }

// Where yaml-cpp 0.7's LoadAll would never return, or nothing: on a token that
// starts no node at the top level, e.g. a stray ',' (yaml-cpp issue 1040, fixed
// after 0.7), its parser hands out an empty document at the same place again and
// again. Throws what the parser throws.
std::optional<Mark> stuck_document(const std::string& text) {
  struct Starts : YAML::EventHandler {
    std::optional<YAML::Mark> last, stuck;
    void OnDocumentStart(const YAML::Mark& m) override {
      if (last && last->pos == m.pos) stuck = m;
      last = m;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } starts;
  std::istringstream in(text);
  YAML::Parser parser(in);
  while (!starts.stuck && parser.HandleNextDocument(starts)) {
  }
  if (starts.stuck) return to_mark(*starts.stuck);
  return std::nullopt;
}

// Where `text` first is not UTF-8 or has a NUL byte (YAML files are UTF-8;
// yaml-cpp does not check, and nlohmann::json cannot write such a string back out), or nothing.
std::optional<Mark> invalid_utf8(const std::string& text) {
  Mark mark;
  for (std::size_t i = 0; i < text.size(); ++mark.column) {
    const auto byte = [&](std::size_t at) { return at < text.size() ? static_cast<unsigned char>(text[at]) : 0u; };
    const unsigned c = byte(i);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    // A NUL is no YAML character, and NULs make yaml-cpp read the text as UTF-16 or UTF-32.
    if (c == 0 || len == 0 || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4)) return mark;
    for (std::size_t k = 1; k < len; ++k)
      if ((byte(i + k) & 0xC0) != 0x80) return mark;
    const unsigned c1 = byte(i + 1);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
      return mark;  // overlong, a surrogate, or beyond U+10FFFF
    if (c == '\n') {
      ++mark.line;
      mark.column = 0;
    }
    i += len;
  }
  return std::nullopt;
}

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

// Whether the quoted scalar whose opening quote is at `pos` has its closing
// quote. yaml-cpp 0.7 silently ends a quoted scalar at the end of the input
// when a line break precedes it, swallowing the rest of the file.
bool quote_closed(const std::string& text, std::size_t pos) {
  const char quote = text[pos];
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is an escaped ' inside single quotes
        continue;
      }
      return true;
    }
  }
  return false;
}

class Converter {
 public:
  Converter(YamlDocument& doc, const std::string& text)
      : doc_(doc), text_(text), bom_(text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0) {}

  // The first quoted scalar that is never closed, if any.
  const std::optional<Mark>& unclosed_quote() const { return unclosed_quote_; }

  nlohmann::json convert(const YAML::Node& node, KeyPath& path) {
    doc_.marks[format_path(path)] = to_mark(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        check_quote(node);
        return scalar_value(node);
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
            doc_.problems.push_back(
                {to_mark(kv.first.Mark()), path, "a key must be a plain name, not a list or mapping"});
            continue;
          }
          check_quote(kv.first);
          const std::string key = kv.first.Scalar();
          path.push_back(key);
          if (!seen.insert(key).second) {
            Mark first = doc_.key_marks[format_path(path)];
            doc_.problems.push_back(
                {to_mark(kv.first.Mark()), path,
                 fmt::format("duplicate key '{}' (first at line {}); remove one of them", key, first.line)});
          } else {
            doc_.key_marks[format_path(path)] = to_mark(kv.first.Mark());
            order.push_back(key);
            obj[key] = convert(kv.second, path);
            // An empty value ("key:" and nothing after it) gets the mark of the
            // next token, often on a later line: point at the key instead.
            const Mark key_mark = to_mark(kv.first.Mark());
            Mark& value_mark = doc_.marks[format_path(path)];
            if (kv.second.IsNull() && (value_mark.line != key_mark.line || value_mark.column <= key_mark.column))
              value_mark = key_mark;
          }
          path.pop_back();
        }
        return obj;
      }
    }
    return nullptr;
  }

 private:
  void check_quote(const YAML::Node& node) {
    if (unclosed_quote_ || node.Tag() != "!") return;
    if (node.Mark().pos < 0) return;
    const std::size_t pos = static_cast<std::size_t>(node.Mark().pos) + bom_;  // yaml-cpp does not count a BOM
    if (pos < text_.size() && (text_[pos] == '"' || text_[pos] == '\'') && !quote_closed(text_, pos))
      unclosed_quote_ = to_mark(node.Mark());
  }

  YamlDocument& doc_;
  const std::string& text_;
  std::size_t bom_;
  std::optional<Mark> unclosed_quote_;
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
  if (const auto bad = invalid_utf8(text)) {
    doc.problems.push_back({*bad, {}, "not UTF-8 text: a YAML file must be UTF-8, without NUL bytes"});
    return doc;
  }
  std::vector<YAML::Node> documents;
  try {
    if (const auto stuck = stuck_document(text)) {
      doc.problems.push_back({*stuck, {}, "YAML syntax error: this starts no value (a stray ',' or the like)"});
      return doc;
    }
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
  Converter converter(doc, text);
  doc.value = converter.convert(documents.front(), path);
  if (const auto& quote = converter.unclosed_quote()) {
    YamlDocument bad;
    bad.problems.push_back({*quote, {}, "YAML syntax error: the quoted string starting here is never closed"});
    return bad;
  }
  return doc;
}

}  // namespace pcs

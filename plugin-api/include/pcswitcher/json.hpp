// pcswitcher/json.hpp — a small JSON value for plugin authors.
//
// The host hands a job its config section as JSON text (plugin.h). This header
// parses it into a `pcs::Json` value with the C++ standard library alone, so a
// plugin needs no JSON dependency. It is deliberately small: enough to read a
// validated config and to format structured log extras, not a general library.
#ifndef PCSWITCHER_JSON_HPP
#define PCSWITCHER_JSON_HPP

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pcs {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;  // keeps key order

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : v_(b) {}
  Json(int i) : v_(static_cast<std::int64_t>(i)) {}
  Json(std::int64_t i) : v_(i) {}
  Json(double d) : v_(d) {}
  Json(const char* s) : v_(std::string(s)) {}
  Json(std::string s) : v_(std::move(s)) {}
  Json(Array a) : v_(std::move(a)) {}
  Json(Object o) : v_(std::move(o)) {}

  static Json parse(std::string_view text);

  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return v_.index() == 1; }
  bool is_int() const { return v_.index() == 2; }
  bool is_number() const { return v_.index() == 2 || v_.index() == 3; }
  bool is_string() const { return v_.index() == 4; }
  bool is_array() const { return v_.index() == 5; }
  bool is_object() const { return v_.index() == 6; }

  bool as_bool() const { return get<bool>("a boolean"); }
  std::int64_t as_int() const {
    if (is_number() && !is_int()) {
      double d = std::get<double>(v_);
      if (std::floor(d) == d) return static_cast<std::int64_t>(d);
    }
    return get<std::int64_t>("an integer");
  }
  double as_double() const {
    return is_int() ? static_cast<double>(std::get<std::int64_t>(v_)) : get<double>("a number");
  }
  const std::string& as_string() const { return get<std::string>("a string"); }
  const Array& as_array() const { return get<Array>("an array"); }
  const Object& as_object() const { return get<Object>("an object"); }

  // Object member, or a null value when absent (or when this is not an object).
  const Json& operator[](std::string_view key) const {
    if (const Json* found = find(key)) return *found;
    return null_value();
  }
  const Json& operator[](std::size_t index) const {
    if (is_array() && index < std::get<Array>(v_).size()) return std::get<Array>(v_)[index];
    return null_value();
  }
  const Json* find(std::string_view key) const {
    if (!is_object()) return nullptr;
    for (const auto& [k, v] : std::get<Object>(v_))
      if (k == key) return &v;
    return nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  std::size_t size() const {
    if (is_array()) return std::get<Array>(v_).size();
    if (is_object()) return std::get<Object>(v_).size();
    return 0;
  }

  // Member `key` converted to T, or `fallback` when absent or null.
  template <typename T>
  T value(std::string_view key, T fallback) const;

  std::string dump() const {
    std::string out;
    dump_to(out);
    return out;
  }

 private:
  template <typename T>
  const T& get(const char* what) const {
    if (const T* p = std::get_if<T>(&v_)) return *p;
    throw JsonError(std::string("JSON value is not ") + what);
  }
  static const Json& null_value() {
    static const Json null;
    return null;
  }
  void dump_to(std::string& out) const;
  static void dump_string(std::string& out, std::string_view s);

  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> v_;
  friend class JsonParser;
};

template <typename T>
T Json::value(std::string_view key, T fallback) const {
  const Json* v = find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if constexpr (std::is_same_v<T, bool>)
    return v->as_bool();
  else if constexpr (std::is_integral_v<T>)
    return static_cast<T>(v->as_int());
  else if constexpr (std::is_floating_point_v<T>)
    return static_cast<T>(v->as_double());
  else
    return T(v->as_string());
}

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  Json parse_document() {
    Json v = parse_value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw JsonError("JSON parse error at offset " + std::to_string(pos_) + ": " + what);
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Json parse_value(int depth) {
    if (depth > 256) fail("nesting deeper than 256 levels");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    char c = s_[pos_];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') return Json(parse_string());
    if (literal("true")) return Json(true);
    if (literal("false")) return Json(false);
    if (literal("null")) return Json(nullptr);
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    fail(std::string("unexpected character '") + c + "'");
  }

  Json parse_object(int depth) {
    ++pos_;
    Json::Object members;
    if (eat('}')) return Json(std::move(members));
    do {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
      std::string key = parse_string();
      expect(':');
      members.emplace_back(std::move(key), parse_value(depth + 1));
    } while (eat(','));
    expect('}');
    return Json(std::move(members));
  }

  Json parse_array(int depth) {
    ++pos_;
    Json::Array items;
    if (eat(']')) return Json(std::move(items));
    do items.push_back(parse_value(depth + 1));
    while (eat(','));
    expect(']');
    return Json(std::move(items));
  }

  Json parse_number() {
    std::size_t start = pos_;
    bool integral = true;
    if (s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c >= '0' && c <= '9') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integral = false;
        ++pos_;
      } else {
        break;
      }
    }
    std::string digits(s_.substr(start, pos_ - start));
    try {
      std::size_t used = 0;
      if (integral) {
        long long v = std::stoll(digits, &used);
        if (used == digits.size()) return Json(static_cast<std::int64_t>(v));
      } else {
        double v = std::stod(digits, &used);
        if (used == digits.size()) return Json(v);
      }
    } catch (const std::exception&) {
    }
    pos_ = start;
    fail("malformed number '" + digits + "'");
  }

  unsigned parse_hex4() {
    if (pos_ + 4 > s_.size()) fail("short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = parse_hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            unsigned low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

inline Json Json::parse(std::string_view text) { return JsonParser(text).parse_document(); }

inline void Json::dump_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

inline void Json::dump_to(std::string& out) const {
  switch (v_.index()) {
    case 0:
      out += "null";
      break;
    case 1:
      out += std::get<bool>(v_) ? "true" : "false";
      break;
    case 2:
      out += std::to_string(std::get<std::int64_t>(v_));
      break;
    case 3: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v_));
      out += buf;
      break;
    }
    case 4:
      dump_string(out, std::get<std::string>(v_));
      break;
    case 5: {
      out += '[';
      bool first = true;
      for (const Json& item : std::get<Array>(v_)) {
        if (!first) out += ',';
        first = false;
        item.dump_to(out);
      }
      out += ']';
      break;
    }
    default: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : std::get<Object>(v_)) {
        if (!first) out += ',';
        first = false;
        dump_string(out, k);
        out += ':';
        v.dump_to(out);
      }
      out += '}';
    }
  }
}

}  // namespace pcs

#endif  // PCSWITCHER_JSON_HPP

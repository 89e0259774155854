// What a machine's pc-switcher says about itself, and which of two versions
// is newer. Header-only, no I/O.
#pragma once

#include <cctype>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pcswitcher/json.hpp>

namespace install_on_target {

struct Installed {
  std::string version;  // "0.1.0"
  std::string abi;      // "1.0"
  std::string path;     // where it was found
};

// "pc-switcher 0.1.0 (plugin ABI 1.0)\n" → {0.1.0, 1.0}.
inline std::optional<Installed> parse_version_line(const std::string& text) {
  const std::string prefix = "pc-switcher ";
  if (text.rfind(prefix, 0) != 0) return std::nullopt;
  const auto space = text.find(' ', prefix.size());
  if (space == std::string::npos) return std::nullopt;
  Installed out;
  out.version = text.substr(prefix.size(), space - prefix.size());
  const std::string abi = "(plugin ABI ";
  const auto at = text.find(abi, space);
  if (at == std::string::npos) return std::nullopt;
  const auto end = text.find(')', at);
  if (end == std::string::npos) return std::nullopt;
  out.abi = text.substr(at + abi.size(), end - at - abi.size());
  if (out.version.empty() || out.abi.empty()) return std::nullopt;
  return out;
}

// -1, 0, 1 as a is older, the same as, newer than b; dotted numbers compared
// one by one ("1.10.0" > "1.9.2"), a non-numeric part compared as text.
inline int compare_versions(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& v) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : v) {
      if (c == '.' || c == '-' || c == '+') {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    out.push_back(cur);
    return out;
  };
  const auto pa = parts(a), pb = parts(b);
  for (std::size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    const std::string x = i < pa.size() ? pa[i] : "0", y = i < pb.size() ? pb[i] : "0";
    const bool nx = !x.empty() && std::isdigit(static_cast<unsigned char>(x[0])),
               ny = !y.empty() && std::isdigit(static_cast<unsigned char>(y[0]));
    if (nx && ny && x.size() <= 9 && y.size() <= 9) {
      const long lx = std::stol(x), ly = std::stol(y);
      if (lx != ly) return lx < ly ? -1 : 1;
    } else if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

// name → {version, path} from `pc-switcher plugins --json`.
// Output that is not such a list (an older or broken pc-switcher) gives none.
inline std::map<std::string, Installed> parse_plugin_list(const std::string& json_text) {
  std::map<std::string, Installed> out;
  try {
    const pcs::Json doc = pcs::Json::parse(json_text);
    if (!doc.contains("plugins")) return out;
    for (const auto& p : doc["plugins"].as_array())
      out[p["name"].as_string()] = {p["version"].as_string(), p.contains("abi") ? p["abi"].as_string() : "",
                                    p.contains("path") ? p["path"].as_string() : ""};
  } catch (const std::exception&) {
    out.clear();
  }
  return out;
}

}  // namespace install_on_target

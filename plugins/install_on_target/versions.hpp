// What a machine's pc-switcher says about itself, and which of two versions
// is newer. Header-only, no I/O.
#pragma once

#include <algorithm>
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

// -1, 0, 1 as a is older, the same as, newer than b, the SemVer way: dotted
// numbers compared one by one ("1.10.0" > "1.9.2"), a pre-release ("-rc1")
// before its release, build metadata ("+deb12") ignored.
inline int compare_versions(const std::string& a, const std::string& b) {
  auto split = [](const std::string& v, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : v) {
      if (c == sep) {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    out.push_back(cur);
    return out;
  };
  auto numeric = [](const std::string& x) {
    return !x.empty() && x.size() <= 9 && std::all_of(x.begin(), x.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  auto compare_parts = [&](const std::vector<std::string>& pa, const std::vector<std::string>& pb, bool pad) {
    for (std::size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
      if (!pad && i >= pa.size()) return -1;
      if (!pad && i >= pb.size()) return 1;
      const std::string x = i < pa.size() ? pa[i] : "0", y = i < pb.size() ? pb[i] : "0";
      if (numeric(x) && numeric(y)) {
        const long lx = std::stol(x), ly = std::stol(y);
        if (lx != ly) return lx < ly ? -1 : 1;
      } else if (numeric(x) != numeric(y)) {
        return numeric(x) ? -1 : 1;  // numbers sort before words
      } else if (x != y) {
        return x < y ? -1 : 1;
      }
    }
    return 0;
  };
  const std::string ca = a.substr(0, a.find('+')), cb = b.substr(0, b.find('+'));
  const auto da = ca.find('-'), db = cb.find('-');
  if (int c = compare_parts(split(ca.substr(0, da), '.'), split(cb.substr(0, db), '.'), true)) return c;
  if (da == std::string::npos || db == std::string::npos) return da == db ? 0 : (da == std::string::npos ? 1 : -1);
  return compare_parts(split(ca.substr(da + 1), '.'), split(cb.substr(db + 1), '.'), false);
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

// What user_data remembers between syncs on the source: which filesystem each
// folder was on (findmnt's UUID, SOURCE and FSROOT), so that a folder whose
// disk is not mounted (an empty mount point on another filesystem) is never
// mirrored with --delete. One JSON object in
// $XDG_DATA_HOME/pc-switcher/user_data-filesystems.json, replaced atomically.
#pragma once

#include <pcswitcher/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>

namespace user_data {

class FolderState {
 public:
  explicit FolderState(std::filesystem::path file) : file_(std::move(file)) {
    std::ifstream in(file_);
    if (!in) return;
    std::stringstream text;
    text << in.rdbuf();
    try {
      const pcs::Json doc = pcs::Json::parse(text.str());
      for (const auto& [path, identity] : doc.as_object()) known_[path] = identity.as_string();
    } catch (const std::exception&) {
      known_.clear();  // unreadable: as if there had been no sync yet
    }
  }

  static std::filesystem::path default_file() {
    const char* data = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    const std::filesystem::path base =
        data && *data ? std::filesystem::path(data) : std::filesystem::path(home ? home : "/tmp") / ".local/share";
    return base / "pc-switcher" / "user_data-filesystems.json";
  }

  const std::filesystem::path& file() const { return file_; }

  std::optional<std::string> filesystem_of(const std::string& folder) const {
    auto it = known_.find(folder);
    if (it == known_.end()) return std::nullopt;
    return it->second;
  }

  // Records and writes at once (temporary file, then rename).
  void remember(const std::string& folder, const std::string& identity) {
    known_[folder] = identity;
    pcs::Json::Object doc;
    for (const auto& [k, v] : known_) doc.emplace_back(k, pcs::Json(v));
    std::error_code ec;
    std::filesystem::create_directories(file_.parent_path(), ec);
    const auto tmp = file_.string() + ".tmp." + std::to_string(::getpid());
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << pcs::Json(doc).dump() << "\n";
      if (!out) return;
    }
    std::filesystem::rename(tmp, file_, ec);
  }

 private:
  std::filesystem::path file_;
  std::map<std::string, std::string> known_;
};

}  // namespace user_data

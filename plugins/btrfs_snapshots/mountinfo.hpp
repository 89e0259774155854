// A machine's mount table (/proc/self/mountinfo, see proc(5)): where each
// btrfs subvolume is mounted, and which filesystem a path is on. Header-only,
// no I/O: the job reads the file on each machine through the host and parses
// it here.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace btrfs_snapshots {

struct Mount {
  std::string device;       // "major:minor" of the filesystem
  std::string root;         // path inside the filesystem that is mounted ("/@home")
  std::string mount_point;  // "/home"
  std::string fstype;       // "btrfs"
  std::string source;       // "/dev/loop0"
  std::string super_options;
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
inline std::string unescape_mount_field(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
        s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Lines that do not have the documented shape are skipped.
inline std::vector<Mount> parse_mountinfo(const std::string& text) {
  std::vector<Mount> mounts;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::vector<std::string> fields;
    for (std::string w; f >> w;) fields.push_back(w);
    // id parent dev root mount_point options [optional...] - fstype source super_options
    std::size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (fields.size() < 6 || dash + 2 >= fields.size()) continue;
    Mount m;
    m.device = fields[2];
    m.root = unescape_mount_field(fields[3]);
    m.mount_point = unescape_mount_field(fields[4]);
    m.fstype = fields[dash + 1];
    m.source = unescape_mount_field(fields[dash + 2]);
    m.super_options = dash + 3 < fields.size() ? fields[dash + 3] : "";
    mounts.push_back(std::move(m));
  }
  return mounts;
}

// The subvolume a btrfs mount shows: its `subvol=` option, else its root.
inline std::string mounted_subvolume(const Mount& m) {
  std::istringstream opts(m.super_options);
  for (std::string o; std::getline(opts, o, ',');)
    if (o.rfind("subvol=", 0) == 0) return o.substr(7);
  return m.root;
}

// Where subvolume `name` ("@home", or a path like "@/var") is mounted: the
// first btrfs mount showing exactly that subvolume at its root.
inline const Mount* find_subvolume_mount(const std::vector<Mount>& mounts, const std::string& name) {
  const std::string wanted = name.empty() || name[0] != '/' ? "/" + name : name;
  for (const Mount& m : mounts)
    if (m.fstype == "btrfs" && mounted_subvolume(m) == wanted && m.root == wanted) return &m;
  return nullptr;
}

// The mount `path` (absolute) is on: the last-mounted one with the longest
// mount point that is a prefix of it on a component boundary.
inline const Mount* mount_of_path(const std::vector<Mount>& mounts, const std::string& path) {
  const Mount* best = nullptr;
  for (const Mount& m : mounts) {
    const std::string& p = m.mount_point;
    const bool prefix =
        p == "/" || path == p || (path.rfind(p, 0) == 0 && path.size() > p.size() && path[p.size()] == '/');
    if (prefix && (best == nullptr || p.size() >= best->mount_point.size())) best = &m;
  }
  return best;
}

// A mount of the top level (subvolid 5) of the filesystem on `device`, if any.
inline const Mount* find_top_level_mount(const std::vector<Mount>& mounts, const std::string& device) {
  for (const Mount& m : mounts)
    if (m.fstype == "btrfs" && m.device == device && m.root == "/") return &m;
  return nullptr;
}

// Where `path` (absolute, on mount `m`) is inside its filesystem, from the
// top level: "/mnt/btrfs-root/.snapshots" on a mount of /@ → "/@/.snapshots".
inline std::string path_in_filesystem(const Mount& m, const std::string& path) {
  std::string rest = m.mount_point == "/" ? path : path.substr(m.mount_point.size());
  std::string root = m.root == "/" ? "" : m.root;
  std::string out = root + rest;
  return out.empty() ? "/" : out;
}

// Whether `inner` is `outer` or below it (both absolute, no trailing '/').
inline bool path_within(const std::string& inner, const std::string& outer) {
  return inner == outer || (inner.size() > outer.size() && inner.rfind(outer, 0) == 0 && inner[outer.size()] == '/');
}

}  // namespace btrfs_snapshots

// /etc/fstab (see fstab(5)), as far as a rollback needs it: after the swap,
// will mounting this mount point again pick up the restored subvolume?
// Header-only, no I/O.
#pragma once

#include <optional>
#include <sstream>
#include <string>

namespace btrfs_snapshots {

struct FstabVerdict {
  bool remount_picks_restored = false;  // the entry names the subvolume by path
  std::string reason;                   // why not, or what the entry says
};

// The verdict for `mount_point` mounting subvolume `subvolume` ("@home").
inline FstabVerdict check_fstab(const std::string& fstab, const std::string& mount_point,
                                const std::string& subvolume) {
  std::istringstream lines(fstab);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string spec, file, type, options;
    if (!(fields >> spec) || spec[0] == '#' || !(fields >> file >> type)) continue;
    fields >> options;
    std::string unescaped;  // fstab writes a space as \040
    for (std::size_t i = 0; i < file.size(); ++i) {
      if (file.compare(i, 4, "\\040") == 0) {
        unescaped += ' ';
        i += 3;
      } else {
        unescaped += file[i];
      }
    }
    if (unescaped != mount_point) continue;
    std::istringstream opts(options);
    std::string by_path;
    for (std::string o; std::getline(opts, o, ',');) {
      if (o.rfind("subvolid=", 0) == 0)  // wherever it stands: the kernel then wants that id
        return {false, "/etc/fstab mounts " + mount_point + " by " + o +
                           ", which keeps naming the replaced subvolume: change it to subvol=/" + subvolume + " first"};
      if (o == "subvol=/" + subvolume || o == "subvol=" + subvolume) by_path = o;
    }
    if (!by_path.empty()) return {true, "/etc/fstab mounts " + mount_point + " by " + by_path};
    return {false, "/etc/fstab mounts " + mount_point + " without subvol=/" + subvolume +
                       " (it gets the default subvolume, which still is the replaced one): add subvol=/" + subvolume +
                       " to its options first"};
  }
  return {true, "no /etc/fstab entry for " + mount_point + ": mount it again with -o subvol=/" + subvolume};
}

}  // namespace btrfs_snapshots

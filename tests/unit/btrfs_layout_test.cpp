// The btrfs_snapshots plugin's pure parts: the mount table and the snapshot layout.
#include <catch2/catch.hpp>

#include "../../plugins/btrfs_snapshots/fstab.hpp"
#include "../../plugins/btrfs_snapshots/mountinfo.hpp"
#include "../../plugins/btrfs_snapshots/snapshot_layout.hpp"

using namespace btrfs_snapshots;

namespace {

const std::string kMountinfo =
    "22 1 0:30 / / rw,relatime shared:1 - overlay overlay rw,lowerdir=/\n"
    "92 66 0:47 / /mnt/btrfs rw,relatime - btrfs /dev/loop0 rw,subvolid=5,subvol=/\n"
    "114 66 0:47 /@home /home rw,relatime shared:5 master:2 - btrfs /dev/loop0 rw,subvolid=257,subvol=/@home\n"
    "115 66 0:47 /@ /mnt/btrfs-root rw,relatime - btrfs /dev/loop0 rw,subvolid=256,subvol=/@\n"
    "116 66 0:48 /@data /srv/my\\040data rw - btrfs /dev/sdb1 rw,subvol=/@data\n"
    "this line is not a mount\n"
    "117 66 0:49 / /tmp rw - tmpfs tmpfs rw\n";

}  // namespace

TEST_CASE("mountinfo: fields, optional fields and escapes") {
  auto mounts = parse_mountinfo(kMountinfo);
  REQUIRE(mounts.size() == 6);
  CHECK(mounts[2].mount_point == "/home");
  CHECK(mounts[2].fstype == "btrfs");
  CHECK(mounts[2].device == "0:47");
  CHECK(mounts[2].source == "/dev/loop0");
  CHECK(mounts[4].mount_point == "/srv/my data");
  CHECK(unescape_mount_field("a\\134b\\011c") == "a\\b\tc");
  CHECK(unescape_mount_field("\\9xx") == "\\9xx");
}

TEST_CASE("mountinfo: a subvolume is found by what is mounted, not by its name") {
  auto mounts = parse_mountinfo(kMountinfo);
  REQUIRE(find_subvolume_mount(mounts, "@home") != nullptr);
  CHECK(find_subvolume_mount(mounts, "@home")->mount_point == "/home");
  CHECK(find_subvolume_mount(mounts, "@")->mount_point == "/mnt/btrfs-root");  // not "/"
  CHECK(find_subvolume_mount(mounts, "@data")->mount_point == "/srv/my data");
  CHECK(find_subvolume_mount(mounts, "@nope") == nullptr);
  CHECK(find_subvolume_mount(mounts, "@hom") == nullptr);
}

TEST_CASE("mountinfo: the mount a path is on") {
  auto mounts = parse_mountinfo(kMountinfo);
  CHECK(mount_of_path(mounts, "/mnt/btrfs/.snapshots/pc-switcher")->mount_point == "/mnt/btrfs");
  CHECK(mount_of_path(mounts, "/mnt/btrfs-root/x")->mount_point == "/mnt/btrfs-root");
  CHECK(mount_of_path(mounts, "/mnt/btrfsX")->mount_point == "/");  // a component boundary
  CHECK(mount_of_path(mounts, "/.snapshots/pc-switcher")->fstype == "overlay");
  CHECK(mount_of_path({}, "/x") == nullptr);
}

TEST_CASE("snapshot layout: names and session folders") {
  const auto t = std::chrono::system_clock::from_time_t(1795000000);  // 2026-11-18T...
  CHECK(utc_stamp(t) == "20261118T110640Z");
  CHECK(session_folder(t, "0a1b2c3d") == "20261118T110640Z-0a1b2c3d");
  CHECK(snapshot_name("pre", "@home") == "pre-@home");
  CHECK(snapshot_name("post", "@/var/log") == "post-@_var_log");
  auto f = parse_session_folder("20261118T110640Z-0a1b2c3d");
  REQUIRE(f);
  CHECK(f->time == t);
  CHECK(f->session_id == "0a1b2c3d");
  for (const char* bad : {"20261118T110640Z-0A1B2C3D", "20261118T084640-0a1b2c3d", "20261318T084640Z-0a1b2c3d",
                          "x0261118T084640Z-0a1b2c3d", "20261118T110640Z-0a1b2c3", "notes", ""})
    CHECK_FALSE(parse_session_folder(bad));
}

TEST_CASE("retention removes exactly the sessions past keep_recent (and max_age_days)") {
  const auto day = std::chrono::hours(24);
  const auto now = std::chrono::system_clock::from_time_t(1795000000);
  auto name = [&](int days_ago, const char* id) { return session_folder(now - day * days_ago, id); };
  const std::vector<std::string> names{name(10, "aaaaaaaa"), name(1, "bbbbbbbb"), "lost+found",
                                       name(5, "cccccccc"),  name(0, "dddddddd"), name(30, "eeeeeeee")};
  CHECK(retention_victims(names, 3, std::nullopt, now, "dddddddd") ==
        std::vector<std::string>{name(10, "aaaaaaaa"), name(30, "eeeeeeee")});
  CHECK(retention_victims(names, 3, 20, now, "dddddddd") == std::vector<std::string>{name(30, "eeeeeeee")});
  CHECK(retention_victims(names, 1, std::nullopt, now, "eeeeeeee") ==
        std::vector<std::string>{name(1, "bbbbbbbb"), name(5, "cccccccc"), name(10, "aaaaaaaa")});
  CHECK(retention_victims(names, 0, std::nullopt, now, "x").size() == 4);  // at least one is always kept
  CHECK(retention_victims({}, 3, std::nullopt, now, "x").empty());
}

TEST_CASE("the top level of a filesystem and paths inside it", "[btrfs]") {
  const auto mounts = parse_mountinfo(kMountinfo);
  const Mount* top = find_top_level_mount(mounts, "0:47");
  REQUIRE(top != nullptr);
  CHECK(top->mount_point == "/mnt/btrfs");
  CHECK(find_top_level_mount(mounts, "0:48") == nullptr);  // /@data's filesystem has no top-level mount
  const Mount* root = mount_of_path(mounts, "/mnt/btrfs-root/.snapshots/pc-switcher");
  REQUIRE(root != nullptr);
  CHECK(path_in_filesystem(*root, "/mnt/btrfs-root/.snapshots/pc-switcher") == "/@/.snapshots/pc-switcher");
  CHECK(path_in_filesystem(*top, "/mnt/btrfs/.snapshots") == "/.snapshots");
  CHECK(path_within("/@/.snapshots/pc-switcher", "/@"));
  CHECK(path_within("/@", "/@"));
  CHECK_FALSE(path_within("/@home/x", "/@"));
  CHECK_FALSE(path_within("/.snapshots", "/@"));
}

TEST_CASE("--older-than takes units that cannot be misread", "[btrfs]") {
  std::string error;
  CHECK(parse_age("7d", error) == std::chrono::hours(24 * 7));
  CHECK(parse_age("2w", error) == std::chrono::hours(24 * 14));
  CHECK(parse_age("3mo", error) == std::chrono::hours(24 * 90));
  CHECK(parse_age("1y", error) == std::chrono::hours(24 * 365));
  CHECK_FALSE(parse_age("1m", error));
  CHECK(error.find("write 1mo for months (30 days each) or 30d") != std::string::npos);
  for (const char* bad : {"", "d", "7", "7 d", "7days", "-1d", "0d", "1.5w", "999999d"}) {
    error.clear();
    CHECK_FALSE(parse_age(bad, error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("cleanup --older-than deletes the old sessions but never the keep_recent newest", "[btrfs]") {
  const auto now = std::chrono::system_clock::from_time_t(1764000000);  // 2025-11-24
  const std::vector<std::string> names = {"20200101T000000Z-0000000a", "20250101T000000Z-0000000b",
                                          "20251120T000000Z-0000000c", "notes.txt"};
  using V = std::vector<std::string>;
  CHECK(older_than_victims(names, 1, std::chrono::hours(24 * 30), now) ==
        V{"20250101T000000Z-0000000b", "20200101T000000Z-0000000a"});
  CHECK(older_than_victims(names, 1, std::chrono::hours(24 * 365 * 2), now) == V{"20200101T000000Z-0000000a"});
  CHECK(older_than_victims(names, 3, std::chrono::hours(24), now).empty());  // all three are the newest 3
  CHECK(find_session(names, "0000000b")->name == "20250101T000000Z-0000000b");
  CHECK(find_session(names, "20200101T000000Z-0000000a")->session_id == "0000000a");
  CHECK_FALSE(find_session(names, "notes.txt"));
}

TEST_CASE("fstab says whether mounting again picks up the restored subvolume", "[btrfs]") {
  const std::string fstab =
      "# /etc/fstab\n"
      "UUID=1 /           btrfs  defaults,subvol=@  0 1\n"
      "UUID=1 /home       btrfs  defaults,subvol=/@home  0 2\n"
      "UUID=1 /srv        btrfs  subvolid=260  0 2\n"
      "UUID=1 /opt        btrfs  subvol=/@opt,subvolid=261  0 2\n"
      "UUID=1 /var/my\\040data btrfs  defaults  0 2\n";
  CHECK(check_fstab(fstab, "/", "@").remount_picks_restored);
  CHECK(check_fstab(fstab, "/home", "@home").remount_picks_restored);
  const auto by_id = check_fstab(fstab, "/srv", "@srv");
  CHECK_FALSE(by_id.remount_picks_restored);
  CHECK(by_id.reason.find("subvolid=260") != std::string::npos);
  CHECK_FALSE(check_fstab(fstab, "/opt", "@opt").remount_picks_restored);  // subvolid= after subvol=
  const auto by_default = check_fstab(fstab, "/var/my data", "@data");
  CHECK_FALSE(by_default.remount_picks_restored);
  CHECK(by_default.reason.find("add subvol=/@data") != std::string::npos);
  const auto none = check_fstab(fstab, "/mnt/other", "@other");
  CHECK(none.remount_picks_restored);
  CHECK(none.reason.find("no /etc/fstab entry") != std::string::npos);
}

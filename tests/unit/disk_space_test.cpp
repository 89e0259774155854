// The disk_space_monitor plugin's pure parts: thresholds and `df` output.
#include <catch2/catch.hpp>

#include "../../plugins/disk_space_monitor/disk_space.hpp"

using namespace disk_space;

TEST_CASE("thresholds: percentages and sizes with units that cannot be misread") {
  CHECK(parse_threshold("20%")->percent);
  CHECK(parse_threshold("20%")->value == 20);
  CHECK(parse_threshold("12.5%")->value == 12.5);
  CHECK_FALSE(parse_threshold("20%")->value != 20);
  CHECK(parse_threshold("500MB")->value == 500e6);
  CHECK(parse_threshold("50GiB")->value == 50.0 * 1024 * 1024 * 1024);
  CHECK(parse_threshold("1 TiB")->value == 1099511627776.0);
  CHECK(parse_threshold("4096B")->value == 4096);
  CHECK_FALSE(parse_threshold("500MB")->percent);
  for (const char* bad : {"", "%", "20", "20m", "1M", "20 %%", "abc", "101%", "1.2.3GB", "-5%", "5 GB extra"})
    CHECK_FALSE(parse_threshold(bad));
}

TEST_CASE("below: one definition of free, available over size") {
  FsSpace fs{"/home", 1000, 150};
  CHECK(fs.free_percent() == 15.0);
  CHECK(below(fs, *parse_threshold("20%")));
  CHECK_FALSE(below(fs, *parse_threshold("15%")));
  CHECK(below(fs, *parse_threshold("151B")));
  CHECK_FALSE(below(fs, *parse_threshold("150B")));
  CHECK(FsSpace{"/", 0, 0}.free_percent() == 0);
}

TEST_CASE("df output: mount points with spaces, equal numbers, junk lines") {
  const std::string text =
      "Mounted on       1B-blocks        Avail\n"
      "/                4294967296   4000000000\n"
      "/srv/my data 1000 1000\n"
      "/home            1073741824      4800000\n"
      "garbage\n"
      "/x  notanumber 12\n";
  auto fs = parse_df(text);
  REQUIRE(fs.size() == 3);
  CHECK(fs[0].mount_point == "/");
  CHECK(fs[0].size == 4294967296ULL);
  CHECK(fs[0].available == 4000000000ULL);
  CHECK(fs[1].mount_point == "/srv/my data");
  CHECK(fs[1].available == 1000);
  CHECK(fs[2].mount_point == "/home");
  CHECK(human_bytes(4800000) == "4.6 MiB");
  CHECK(human_bytes(512) == "512 B");
}

TEST_CASE("df output: numbers must be all digits, and a mount point must be left (found by fuzz_df_output)") {
  const std::string text =
      "Mounted on 1B-blocks Avail\n"
      "     2x 27055317\r4064\x18junk 68\n"  // "4064\x18junk" was read as 4064, leaving an empty mount point
      "/a 12abc 5\n"
      "   100 200\n"
      "/big 99999999999999999999 1\n"
      "/ok 10 5\r\n";
  auto fs = parse_df(text);
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].mount_point == "/ok");
  CHECK(fs[0].size == 10);
  CHECK(fs[0].available == 5);
}

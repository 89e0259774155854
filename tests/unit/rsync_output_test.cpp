// user_data's reading of rsync's output.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "../../plugins/user_data/rsync_output.hpp"

using namespace user_data;

TEST_CASE("rsync progress2 lines", "[user_data]") {
  auto p = parse_progress("    134,217,728  63%  121.62MB/s    0:00:01 (xfr#3, to-chk=2/8)");
  REQUIRE(p);
  CHECK(p->bytes == 134217728);
  CHECK(p->percent == 63);
  CHECK(p->rate == "121.62MB/s");
  CHECK(p->total == 8);
  CHECK(p->checked == 6);
  auto early = parse_progress("              0   0%    0.00kB/s    0:00:00");
  REQUIRE(early);
  CHECK(early->total == 0);
  CHECK_FALSE(parse_progress("sending incremental file list"));
  CHECK_FALSE(parse_progress(">f+++++++++ 12 34%  x"));
}

TEST_CASE("itemized changes and deletions", "[user_data]") {
  auto sent = classify(">f+++++++++ dir/with space");
  CHECK(sent.kind == Line::kItem);
  CHECK(sent.transferred);
  CHECK(sent.path == "dir/with space");
  auto dir = classify("cd+++++++++ dir/");
  CHECK(dir.kind == Line::kItem);
  CHECK_FALSE(dir.transferred);
  auto attrs = classify(".f...p..... mode-only");
  CHECK(attrs.kind == Line::kItem);
  CHECK_FALSE(attrs.transferred);
  auto link = classify("cL+++++++++ sub/link -> ../plain.txt");
  CHECK(link.kind == Line::kItem);
  auto del = classify("*deleting   old/file\\#012name");
  CHECK(del.kind == Line::kDeletion);
  CHECK(del.path == "old/file\\#012name");
  CHECK(classify("rsync: [sender] some warning").kind == Line::kOther);
}

TEST_CASE("the stream is cut at carriage returns and newlines, in any pieces", "[user_data]") {
  LineSplitter s;
  CHECK(s.feed("  1   0%  0.00kB/s  0:00:00\r  2").size() == 1);
  auto lines = s.feed("0 50%\n>f+++++++++ a\n>f++");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "  20 50%");
  CHECK(lines[1] == ">f+++++++++ a");
  CHECK(s.finish() == std::optional<std::string>(">f++"));
  CHECK_FALSE(s.finish());
  CHECK(skipped_deletions("Deletions stopped due to --max-delete limit (24 skipped)\n") == 24u);
  CHECK_FALSE(skipped_deletions("rsync error: some files vanished"));
}

TEST_CASE("numbers beyond 64 bits are not progress and do not throw (found by fuzz_rsync_output)", "[user_data]") {
  CHECK_FALSE(parse_progress("99999999999999999999 10% 1kB/s 0:00:00"));
  CHECK_FALSE(parse_progress("1 99999999999% 1kB/s 0:00:00"));
  CHECK_FALSE(parse_progress("  1  10%  1kB/s  0:00:00 (xfr#1, to-chk=1/99999999999999999999)"));
  CHECK(classify("99999999999999999999 10% 1kB/s 0:00:00").kind == Line::kOther);
  CHECK_FALSE(parse_progress(",,, 10% 1kB/s 0:00:00"));  // no digit at all: stoull threw invalid_argument
  CHECK(skipped_deletions("--max-delete limit (99999999999999999999999 skipped)") ==
        std::numeric_limits<std::uint64_t>::max());
}

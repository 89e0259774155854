// install_on_target's pure parts: version lines, version order, plugin lists.
#include <catch2/catch.hpp>

#include "../../plugins/install_on_target/versions.hpp"

using namespace install_on_target;

TEST_CASE("a pc-switcher --version line", "[install]") {
  auto v = parse_version_line("pc-switcher 0.1.0 (plugin ABI 1.0)\n");
  REQUIRE(v);
  CHECK(v->version == "0.1.0");
  CHECK(v->abi == "1.0");
  for (const char* bad :
       {"", "pc-switcher", "pc-switcher 0.1.0", "bash: pc-switcher: not found", "pcs 1 (plugin ABI 1)"})
    CHECK_FALSE(parse_version_line(bad));
}

TEST_CASE("versions compare part by part, numbers as numbers", "[install]") {
  CHECK(compare_versions("0.1.0", "0.1.0") == 0);
  CHECK(compare_versions("0.1", "0.1.0") == 0);
  CHECK(compare_versions("1.10.0", "1.9.2") == 1);
  CHECK(compare_versions("0.1.0", "99.0.0") == -1);
  CHECK(compare_versions("1.0.0-rc1", "1.0.0-rc2") == -1);
  CHECK(compare_versions("1.0.0-rc1", "1.0.0") == -1);  // a pre-release comes before its release
  CHECK(compare_versions("1.0.0", "1.0.0-rc1") == 1);
  CHECK(compare_versions("1.0.0+deb12", "1.0.0") == 0);  // build metadata does not order
  CHECK(compare_versions("1.0.0-rc.2", "1.0.0-rc.10") == -1);
}

TEST_CASE("plugins --json, and output that is not that", "[install]") {
  const auto list = parse_plugin_list(
      R"({"plugins": [{"name": "c_hello", "version": "1.2.0", "abi": "1.0", "path": "/p/c_hello.so"}], "skipped": []})");
  REQUIRE(list.size() == 1);
  CHECK(list.at("c_hello").version == "1.2.0");
  CHECK(list.at("c_hello").path == "/p/c_hello.so");
  CHECK(parse_plugin_list("pc-switcher 99.0.0 (plugin ABI 1.0)").empty());
  CHECK(parse_plugin_list(R"({"plugins": [{"name": 3}]})").empty());
}

// Plugin discovery and loading: every rejection the loader must make, and
// that the host carries on past each one.
#include <catch2/catch.hpp>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_loader.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

std::string refusal(const std::string& file) {
  pcs::PluginInfo info;
  std::string reason;
  bool loaded = pcs::load_plugin_file(fs::path(PCS_BROKEN_PLUGIN_DIR) / file, info, reason);
  CHECK_FALSE(loaded);
  return reason;
}

fs::path copy_plugin(const fs::path& dir, const std::string& name) {
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                           fs::perms::others_exec);
  fs::copy_file(fs::path(PCS_TEST_PLUGIN_DIR) / name, dir / name, fs::copy_options::overwrite_existing);
  return dir / name;
}

}  // namespace

TEST_CASE("good plugins load with their metadata") {
  auto set = pcs::load_plugins({PCS_TEST_PLUGIN_DIR});
  CHECK(set.skipped.empty());
  REQUIRE(set.names() == std::vector<std::string>{"c_hello", "dummy_fail", "dummy_success"});
  const pcs::PluginInfo* d = set.find("dummy_success");
  REQUIRE(d != nullptr);
  CHECK(d->kind == PCS_JOB_SYNC);
  CHECK_FALSE(d->required);
  CHECK(d->version == "1.0.0");
  CHECK(d->abi_major == 1);
  CHECK(d->schema["properties"]["source_duration"]["default"] == 20);
  CHECK(d->path == fs::path(PCS_TEST_PLUGIN_DIR) / "dummy_success.so");
  CHECK(set.find("nope") == nullptr);
}

TEST_CASE("each defective plugin is refused with a reason that names the defect") {
  CHECK_THAT(refusal("not_a_library.so"),
             Catch::Contains("not a loadable shared library") && Catch::Contains("too short"));
  CHECK_THAT(refusal("no_entry_symbol.so"), Catch::Contains("does not export pcs_plugin_entry"));
  CHECK_THAT(refusal("entry_returns_null.so"), Catch::Contains("returned NULL"));
  CHECK_THAT(refusal("abi_major_mismatch.so"),
             Catch::Contains("built for plugin ABI 2.0") && Catch::Contains("rebuild"));
  CHECK_THAT(refusal("abi_minor_newer.so"),
             Catch::Contains("needs plugin ABI 1.1") && Catch::Contains("update pc-switcher"));
  CHECK_THAT(refusal("short_table.so"), Catch::Contains("plugin table is 16 bytes"));
  CHECK_THAT(refusal("null_descriptor.so"), Catch::Contains("descriptor is NULL"));
  CHECK_THAT(refusal("short_descriptor.so"), Catch::Contains("descriptor is 8 bytes"));
  CHECK_THAT(refusal("missing_execute.so"), Catch::Contains("lacks execute"));
  CHECK_THAT(refusal("bad_job_name.so"), Catch::Contains("'Bad Name!' is not valid"));
  CHECK_THAT(refusal("system_not_required.so"), Catch::Contains("system job must be required"));
  CHECK_THAT(refusal("schema_not_json.so"), Catch::Contains("not valid JSON"));
  CHECK_THAT(refusal("schema_not_draft07.so"), Catch::Contains("not a valid JSON Schema draft-07"));
}

TEST_CASE("a directory of broken plugins: all skipped, one line each, the good ones still load") {
  auto set = pcs::load_plugins({PCS_BROKEN_PLUGIN_DIR, PCS_TEST_PLUGIN_DIR});
  CHECK(set.plugins.size() == 3);
  CHECK(set.skipped.size() == 13);
  for (const auto& s : set.skipped) {
    INFO(s.path);
    CHECK(s.reason.find('\n') == std::string::npos);
    CHECK_FALSE(s.reason.empty());
  }
}

TEST_CASE("duplicate job names: the first found wins and the other path is named") {
  TempDir a, b;
  copy_plugin(a.path(), "dummy_success.so");
  auto second = copy_plugin(b.path(), "dummy_success.so");
  auto set = pcs::load_plugins({a.path(), b.path()});
  REQUIRE(set.plugins.size() == 1);
  CHECK(set.plugins[0].path == a / "dummy_success.so");
  REQUIRE(set.skipped.size() == 1);
  CHECK(set.skipped[0].path == second);
  CHECK_THAT(set.skipped[0].reason, Catch::Contains("duplicate job name 'dummy_success'") &&
                                        Catch::Contains((a / "dummy_success.so").string()));
}

TEST_CASE("plugin files writable by group or others are refused") {
  TempDir dir;
  auto file = copy_plugin(dir.path(), "dummy_success.so");
  ::chmod(file.c_str(), 0664);
  auto set = pcs::load_plugins({dir.path()});
  CHECK(set.plugins.empty());
  REQUIRE(set.skipped.size() == 1);
  CHECK_THAT(set.skipped[0].reason, Catch::Contains("writable by its group") && Catch::Contains("chmod go-w"));
  ::chmod(file.c_str(), 0646);
  CHECK_THAT(pcs::load_plugins({dir.path()}).skipped.at(0).reason, Catch::Contains("writable by others"));
  ::chmod(file.c_str(), 0644);
  CHECK(pcs::load_plugins({dir.path()}).plugins.size() == 1);
}

TEST_CASE("a plugin directory writable by others is refused whole") {
  TempDir dir;
  copy_plugin(dir.path(), "dummy_success.so");
  ::chmod(dir.path().c_str(), 0777);
  auto set = pcs::load_plugins({dir.path()});
  CHECK(set.plugins.empty());
  REQUIRE(set.skipped.size() == 1);
  CHECK(set.skipped[0].path == dir.path());
  CHECK_THAT(set.skipped[0].reason, Catch::Contains("plugin directory refused"));
}

TEST_CASE(
    "PCSWITCHER_PLUGIN_PATH into /tmp: /tmp itself (sticky, world-writable) is refused, a private folder there is "
    "not") {
  const auto dirs = pcs::plugin_search_path({}, "/tmp", "/nonexistent-default");
  REQUIRE(dirs.front() == "/tmp");
  auto set = pcs::load_plugins(dirs);
  CHECK(set.plugins.empty());
  REQUIRE_FALSE(set.skipped.empty());
  CHECK(set.skipped[0].path == "/tmp");
  CHECK_THAT(set.skipped[0].reason,
             Catch::Contains("plugin directory refused") && Catch::Contains("is writable by"));

  TempDir mine;  // under /tmp, owned by this user
  REQUIRE(mine.path().string().rfind("/tmp/", 0) == 0);
  copy_plugin(mine.path(), "c_hello.so");
  CHECK(pcs::load_plugins(pcs::plugin_search_path({}, mine.path().c_str(), "/nonexistent")).plugins.size() == 1);
  ::chmod(mine.path().c_str(), 0775);  // group-writable: refused too
  CHECK(pcs::load_plugins(pcs::plugin_search_path({}, mine.path().c_str(), "/nonexistent")).plugins.empty());
}

TEST_CASE("a plugin owned by another user (not root) is refused") {
  if (::geteuid() != 0) {
    WARN("not root: cannot chown a file to another user; skipped");
    return;
  }
  TempDir dir;
  auto file = copy_plugin(dir.path(), "dummy_success.so");
  REQUIRE(::chown(file.c_str(), 65534, 65534) == 0);
  auto set = pcs::load_plugins({dir.path()});
  CHECK(set.plugins.empty());
  REQUIRE(set.skipped.size() == 1);
  CHECK_THAT(set.skipped[0].reason, Catch::Contains("owned by uid 65534"));
}

TEST_CASE("missing directories are passed over and other files ignored") {
  TempDir dir;
  copy_plugin(dir.path(), "c_hello.so");
  std::ofstream(dir / "README") << "not a plugin";
  fs::create_directories(dir / "sub.so");
  auto set = pcs::load_plugins({dir / "does-not-exist", dir.path()});
  CHECK(set.names() == std::vector<std::string>{"c_hello"});
  CHECK(set.skipped.empty());
}

TEST_CASE("search path: --plugin-dir first, then PCSWITCHER_PLUGIN_PATH, then the default") {
  auto dirs = pcs::plugin_search_path({"/a", "/b"}, "/c::/d:", "/default");
  CHECK(dirs == std::vector<fs::path>{"/a", "/b", "/c", "/d", "/default"});
  CHECK(pcs::plugin_search_path({}, nullptr, "/x") == std::vector<fs::path>{"/x"});
  CHECK(pcs::plugin_search_path({}, "", "/x") == std::vector<fs::path>{"/x"});
}

TEST_CASE("a plugin loaded twice stays one library (never unloaded, no double init)") {
  pcs::PluginInfo first, second;
  std::string reason;
  REQUIRE(pcs::load_plugin_file(fs::path(PCS_TEST_PLUGIN_DIR) / "dummy_fail.so", first, reason));
  REQUIRE(pcs::load_plugin_file(fs::path(PCS_TEST_PLUGIN_DIR) / "dummy_fail.so", second, reason));
  CHECK(first.table == second.table);
}

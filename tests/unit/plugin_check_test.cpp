// `plugin check`: every bundled and test plugin conforms; each misbehaving
// plugin fails exactly the point it breaks, with a detail that says what to do.
#include <catch2/catch.hpp>

#include <fstream>

#include "elf_symbols.hpp"
#include "plugin_check.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

pcs::CheckSettings quick() {
  pcs::CheckSettings s;
  s.reserved_commands = {"sync", "plugins", "plugin"};
  s.reserved_sync_options = {"dry-run", "yes"};
  s.step_limit = 3s;
  return s;
}

pcs::PluginCheck misbehaving(const std::string& name) {
  return pcs::check_plugin(fs::path(PCS_MISBEHAVING_PLUGIN_DIR) / (name + ".so"), quick());
}

// The points that failed, "name: detail" each.
std::vector<std::string> failures(const pcs::PluginCheck& c) {
  std::vector<std::string> out;
  for (const auto& p : c.points)
    if (!p.ok) out.push_back(p.name + ": " + p.detail);
  return out;
}

std::string only_failure(const pcs::PluginCheck& c) {
  const auto f = failures(c);
  std::string all;
  for (const auto& line : f) all += line + "\n";
  INFO(c.file.string() << "\n" << all);
  REQUIRE(f.size() == 1);
  return f.front();
}

}  // namespace

// The dummy jobs conform too, but run for 20 s each: ctest's
// test_plugins_conform checks them with the command line.
TEST_CASE("every bundled plugin and the quick test plugins conform") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(PCS_BUNDLED_PLUGIN_DIR))
    if (e.path().extension() == ".so") files.push_back(e.path());
  files.push_back(fs::path(PCS_TEST_PLUGIN_DIR) / "c_hello.so");
  files.push_back(fs::path(PCS_MISBEHAVING_PLUGIN_DIR) / "conforming.so");
  REQUIRE(files.size() >= 8);
  for (const auto& f : files) {
    const pcs::PluginCheck c = pcs::check_plugin(f, quick());
    std::string all;
    for (const auto& line : failures(c)) all += line + "\n";
    INFO(f.string() << "\n" << all);
    CHECK(c.conforms());
    CHECK(c.points.size() >= 10);
  }
}

TEST_CASE("each broken rule fails its own point and says what to change") {
  CHECK_THAT(only_failure(misbehaving("writes_stdout")),
             Catch::StartsWith("stdout: wrote 28 bytes to stdout, starting \"progress: 50%\"") &&
                 Catch::Contains("use host->log"));
  CHECK_THAT(only_failure(misbehaving("leaks_symbols")),
             Catch::StartsWith("exports: 1 symbols besides pcs_plugin_entry (misbehaving_helper)") &&
                 Catch::Contains("pcswitcher_add_plugin"));
  CHECK_THAT(only_failure(misbehaving("segfaults")),
             Catch::Equals("execute: the plugin crashed during execute: signal 11 (Segmentation fault)"));
  CHECK_THAT(only_failure(misbehaving("bad_defaults")),
             Catch::StartsWith("schema: the default of 'count' breaks the schema"));
  CHECK_THAT(only_failure(misbehaving("rejects_defaults")),
             Catch::Equals("validate_config: refuses the schema's own defaults: count: must be 4"));
  CHECK_THAT(only_failure(misbehaving("exits")),
             Catch::StartsWith("validate: the process ended with exit status 3 during validate") &&
                 Catch::Contains("must never end the process"));
  CHECK_THAT(only_failure(misbehaving("hangs")), Catch::StartsWith("validate: validate did not return within 3 s"));
}

TEST_CASE("an unknown status from execute fails both runs of execute") {
  const auto f = failures(misbehaving("unknown_status"));
  REQUIRE(f.size() == 2);
  CHECK_THAT(f[0], Catch::StartsWith("execute: returned unknown status 42") && Catch::Contains("pcs_status values"));
  CHECK_THAT(f[1], Catch::StartsWith("cancel: execute returned unknown status 42"));
}

TEST_CASE("a plugin that ignores cancellation is stopped after the limit and named") {
  pcs::CheckSettings s = quick();
  s.cancel_limit = 1s;
  const auto started = std::chrono::steady_clock::now();
  const pcs::PluginCheck c = pcs::check_plugin(fs::path(PCS_MISBEHAVING_PLUGIN_DIR) / "ignores_cancel.so", s);
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK_THAT(only_failure(c), Catch::StartsWith("cancel: execute did not return within 1000 ms of being cancelled") &&
                                  Catch::Contains("is_cancelled"));
}

TEST_CASE("clashing sync options fail the extensions point, naming each") {
  const pcs::PluginCheck c = pcs::check_plugin(fs::path(PCS_OPTIONS_PLUGIN_DIR) / "c_options.so", quick());
  const std::string f = only_failure(c);
  CHECK_THAT(f, Catch::StartsWith("extensions: ") && Catch::Contains("--dry-run is not offered") && Catch::Contains("#2 is not offered"));
}

TEST_CASE("files that are no plugin fail at loading, without a crash") {
  CHECK_THAT(only_failure(pcs::check_plugin("/nonexistent/x.so", quick())),
             Catch::Equals("loads: /nonexistent/x.so: no such file"));
  const pcs::PluginCheck text = pcs::check_plugin(fs::path(PCS_BROKEN_PLUGIN_DIR) / "not_a_library.so", quick());
  const auto f = failures(text);
  REQUIRE(f.size() == 2);
  CHECK_THAT(f[0], Catch::Contains("is not an ELF file"));
  CHECK_THAT(f[1], Catch::StartsWith("loads: not a loadable shared library"));
  CHECK_THAT(only_failure(pcs::check_plugin(fs::path(PCS_BROKEN_PLUGIN_DIR) / "abi_major_mismatch.so", quick())),
             Catch::Contains("built for plugin ABI 2.0"));
}

TEST_CASE("the ELF reader lists exports and survives truncated files") {
  const auto good = pcs::exported_symbols(fs::path(PCS_TEST_PLUGIN_DIR) / "c_hello.so");
  CHECK(good.error.empty());
  CHECK(good.names == std::vector<std::string>{"pcs_plugin_entry"});
  const auto leaky = pcs::exported_symbols(fs::path(PCS_MISBEHAVING_PLUGIN_DIR) / "leaks_symbols.so");
  CHECK(leaky.names.size() == 2);

  TempDir tmp;
  std::ifstream in(fs::path(PCS_TEST_PLUGIN_DIR) / "c_hello.so", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t cut : {std::size_t{10}, std::size_t{64}, bytes.size() / 2}) {
    const fs::path part = tmp.path() / "cut.so";
    std::ofstream(part, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(cut));
    INFO(cut);
    CHECK_FALSE(pcs::exported_symbols(part).error.empty());
  }
  // Cut inside the last section header (after .dynsym's): read or refused, never a crash.
  std::ofstream(tmp.path() / "cut.so", std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 1));
  CHECK_NOTHROW(pcs::exported_symbols(tmp.path() / "cut.so"));
}

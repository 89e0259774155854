// The pc-switcher command line, run as a user runs it: exit codes and output.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "run_process.hpp"

namespace {

struct Cli {
  TempDir home;
  std::vector<std::string> env() const {
    return {"HOME=" + home.path().string(), "XDG_CONFIG_HOME=" + (home / "config").string(),
            "XDG_DATA_HOME=" + (home / "data").string(), "PCSWITCHER_PLUGIN_PATH="};
  }
  ProcessOutput run(std::vector<std::string> args, bool with_plugins = true) const {
    args.insert(args.begin(), PCS_HOST_BINARY);
    if (with_plugins) args.insert(args.end(), {"--plugin-dir", PCS_TEST_PLUGIN_DIR});
    return run_process(args, env());
  }
  std::filesystem::path config() const { return home / "config/pc-switcher/config.yaml"; }
};

}  // namespace

TEST_CASE("--version and --help") {
  Cli cli;
  auto v = cli.run({"--version"}, false);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::StartsWith("pc-switcher ") && Catch::Contains("plugin ABI 1.0"));
  auto h = cli.run({"--help"}, false);
  CHECK(h.exit_code == 0);
  CHECK_THAT(h.out, Catch::Contains("plugins show NAME") && Catch::Contains("config check"));
  for (std::vector<std::string> cmd :
       {std::vector<std::string>{"plugins", "--help"}, {"init", "--help"}, {"config", "check", "--help"}}) {
    auto r = cli.run(cmd, false);
    INFO(cmd[0]);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("Usage: pc-switcher " + cmd[0]) && Catch::Contains("--plugin-dir"));
  }
}

TEST_CASE("usage errors exit 2 and say how to get help") {
  Cli cli;
  for (std::vector<std::string> bad : {std::vector<std::string>{},
                                       {"frobnicate"},
                                       {"plugins", "--bogus"},
                                       {"plugins", "show"},
                                       {"plugins", "list", "x"},
                                       {"config"},
                                       {"config", "fix"},
                                       {"init", "extra-word"}}) {
    auto r = cli.run(bad, false);
    INFO((bad.empty() ? std::string("(none)") : bad[0]) << " " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(r.err.empty());
  }
}

TEST_CASE("plugins lists the installed jobs and why others were skipped") {
  Cli cli;
  auto r = cli.run({"plugins", "--plugin-dir", PCS_BROKEN_PLUGIN_DIR});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("dummy_success") && Catch::Contains("Skipped:") &&
                        Catch::Contains("abi_major_mismatch.so: it was built for plugin ABI 2.0"));

  auto j = cli.run({"plugins", "--json", "--plugin-dir", PCS_BROKEN_PLUGIN_DIR});
  REQUIRE(j.exit_code == 0);
  auto doc = nlohmann::json::parse(j.out);
  REQUIRE(doc["plugins"].size() == 3);
  CHECK(doc["plugins"][0]["name"] == "c_hello");
  CHECK(doc["plugins"][0]["abi"] == "1.0");
  CHECK(doc["plugins"][0]["kind"] == "sync");
  CHECK(doc["plugins"][0]["required"] == false);
  CHECK(doc["skipped"].size() == 13);
  // --plugin-dir in order, then the compiled-in <prefix>/lib/pc-switcher/plugins.
  CHECK(doc["search_path"] == nlohmann::json::array({PCS_BROKEN_PLUGIN_DIR, PCS_TEST_PLUGIN_DIR,
                                                     PCS_INSTALL_PREFIX "/lib/pc-switcher/plugins"}));
}

TEST_CASE("plugins show prints description and schema; an unknown name is an error") {
  Cli cli;
  auto r = cli.run({"plugins", "show", "dummy_fail"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("fails at fail_at") && Catch::Contains("\"fail_at\""));
  auto missing = cli.run({"plugins", "show", "nope"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("no installed plugin provides job 'nope'") && Catch::Contains("dummy_fail"));
}

TEST_CASE("init writes a valid commented config, refuses to overwrite, --force replaces") {
  Cli cli;
  auto first = cli.run({"init"});
  REQUIRE(first.exit_code == 0);
  std::string text = slurp(cli.config());
  CHECK_THAT(text, Catch::Contains("# Seconds of work on the source") && Catch::Contains("source_duration: 20") &&
                       Catch::Contains("dummy_fail: false") && Catch::Contains("keep_logs: 50"));
  CHECK(cli.run({"config", "check"}).exit_code == 0);

  std::ofstream(cli.config()) << "# mine\n";
  auto again = cli.run({"init"});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("--force"));
  CHECK(slurp(cli.config()) == "# mine\n");  // untouched

  CHECK(cli.run({"init", "--force"}).exit_code == 0);
  CHECK(slurp(cli.config()) == text);
}

TEST_CASE("config check: exit 1 with every problem as file:line:col") {
  Cli cli;
  auto path = cli.home / "bad.yaml";
  std::ofstream(path) << "logging:\n  file: LOUD\nsync_jobs:\n  dummy_success: maybe\n  ghost: true\n";
  auto r = cli.run({"config", "check", "--config", path.string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains(path.string() + ":2:9: logging.file: expected one of DEBUG"));
  CHECK_THAT(r.err, Catch::Contains(path.string() + ":4:18: sync_jobs.dummy_success: expected a boolean"));
  CHECK_THAT(r.err, Catch::Contains(path.string() + ":5:3: sync_jobs.ghost: no installed plugin"));
  CHECK_THAT(r.err, Catch::Contains("3 problems found"));

  std::ofstream(path, std::ios::trunc) << "sync_jobs:\n  dummy_fail: true\n  dummy_success: true\n";
  auto ok = cli.run({"config", "check", "--config", path.string()});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("sync jobs enabled: dummy_fail, dummy_success"));
}

TEST_CASE("config check without a config file says how to make one") {
  Cli cli;
  auto r = cli.run({"config", "check"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("does not exist") && Catch::Contains("pc-switcher init"));
}

TEST_CASE("PCSWITCHER_PLUGIN_PATH is searched after --plugin-dir") {
  Cli cli;
  auto env = cli.env();
  env.back() = std::string("PCSWITCHER_PLUGIN_PATH=") + PCS_TEST_PLUGIN_DIR;
  auto r = run_process({PCS_HOST_BINARY, "plugins", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["plugins"].size() == 3);
}

TEST_CASE("init also writes the files plugins want beside the config (user_data's filter files)") {
  Cli cli;
  auto first = cli.run({"init", "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  const auto dir = cli.config().parent_path();
  CHECK_THAT(slurp(dir / "home.filter"), Catch::Contains("- .ssh/id_*") && Catch::Contains("+ .cache/uv/***"));
  CHECK_THAT(slurp(dir / "root.filter"), Catch::Contains("- .ssh/authorized_keys"));
  CHECK_THAT(first.out, Catch::Contains("home.filter: rsync filter rules user_data applies to /home"));
  CHECK_THAT(slurp(cli.config()), Catch::Contains(R"("filter_file":"home.filter")"));
  // The default config, with its relative filter files, is valid and user_data finds them.
  CHECK(cli.run({"config", "check", "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR}).exit_code == 0);
  // packages runs before user_data: synced settings land on freshly installed software.
  const std::string config = slurp(cli.config());
  REQUIRE(config.find("\n  packages: false") != std::string::npos);
  CHECK(config.find("\n  packages: false") < config.find("\n  user_data: false"));

  std::ofstream(dir / "home.filter") << "- mine\n";
  auto again = cli.run({"init", "--force", "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(slurp(dir / "home.filter"), Catch::Contains("- .ssh/id_*"));  // --force replaces it too
  std::ofstream(dir / "home.filter") << "- mine\n";
  std::filesystem::remove(cli.config());
  auto kept = cli.run({"init", "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR});
  REQUIRE(kept.exit_code == 0);
  CHECK(slurp(dir / "home.filter") == "- mine\n");  // an edited filter file survives a new init
  CHECK_THAT(kept.out, Catch::Contains("Kept"));
}

TEST_CASE("sync takes the options plugins add, and says which ones it refuses and why") {
  Cli cli;
  auto help = cli.run({"sync", "--help"});
  INFO(help.out << help.err);
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("Options of the dummy_success job") && Catch::Contains("--dummy-note TEXT") &&
                           Catch::Contains("log TEXT when the job starts"));
  CHECK(help.err.empty());

  // c_options offers a host option, a malformed name, dummy_success's option
  // (loaded first, so it keeps it) and one good flag.
  auto both =
      cli.run({"sync", "--help", "--plugin-dir", PCS_TEST_PLUGIN_DIR, "--plugin-dir", PCS_OPTIONS_PLUGIN_DIR}, false);
  INFO(both.out << both.err);
  CHECK(both.exit_code == 0);
  CHECK_THAT(both.err, Catch::Contains("plugin c_options (") &&
                           Catch::Contains("sync option --dry-run is not offered: it is one of pc-switcher's own") &&
                           Catch::Contains("sync option #2 is not offered: its name is not [a-z][a-z0-9-]*") &&
                           Catch::Contains("sync option --dummy-note is not offered: plugin dummy_success ("));
  CHECK_THAT(both.out, Catch::Contains("Options of the c_options job") && Catch::Contains("--c-options-flag"));

  // Without the plugin the option is unknown: a usage error naming it.
  auto unknown = cli.run({"sync", "desktop", "--dummy-note", "x"}, false);
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("dummy-note"));
}

// What a job may run as root (ext/sudo_programs.h): the SDK's table, the
// host's refusal of undeclared root commands, and `pc-switcher sudoers`.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include <pcswitcher/job.hpp>

#include "job_host.hpp"
#include "local_executor.hpp"
#include "plugin_loader.hpp"
#include "run_process.hpp"
#include "sudo_programs.hpp"

namespace {

class Declaring : public pcs::SyncJob {
 public:
  static constexpr const char* name = "declaring";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "declares its root programs";
  static constexpr const char* CONFIG_SCHEMA = R"({"type": "object"})";
  static pcs::SudoPrograms sudo_programs() { return {{"true", "rsync"}, {"btrfs"}, {"mount"}}; }
  std::vector<pcs::ValidationError> validate(pcs::JobContext&) override { return {}; }
  void execute(pcs::JobContext&) override {}
};

class Silent : public pcs::SyncJob {
 public:
  static constexpr const char* name = "silent";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "declares nothing";
  static constexpr const char* CONFIG_SCHEMA = R"({"type": "object"})";
  std::vector<pcs::ValidationError> validate(pcs::JobContext&) override { return {}; }
  void execute(pcs::JobContext&) override {}
};

std::vector<std::string> list(const char* const* l) {
  std::vector<std::string> out;
  for (; l != nullptr && *l != nullptr; ++l) out.emplace_back(*l);
  return out;
}

pcs_command command(pcs_machine m, const char* const* argv, uint32_t flags, const char* const* env = nullptr) {
  pcs_command c{};
  c.struct_size = sizeof c;
  c.machine = m;
  c.argv = argv;
  c.env = env;
  c.flags = flags;
  return c;
}

}  // namespace

TEST_CASE("sudo_programs: the SDK offers the job's lists as NULL-terminated tables") {
  const auto* ext =
      static_cast<const pcs_ext_sudo_programs*>(pcs::plugin_table<Declaring>()->get_extension(PCS_EXT_SUDO_PROGRAMS));
  REQUIRE(ext != nullptr);
  CHECK(ext->struct_size == sizeof(pcs_ext_sudo_programs));
  CHECK(list(ext->source) == std::vector<std::string>{"true", "rsync"});
  CHECK(list(ext->target) == std::vector<std::string>{"btrfs"});
  CHECK(list(ext->commands) == std::vector<std::string>{"mount"});
  CHECK(pcs::plugin_table<Silent>()->get_extension(PCS_EXT_SUDO_PROGRAMS) == nullptr);

  pcs::PluginInfo declaring, silent;
  declaring.table = pcs::plugin_table<Declaring>();
  silent.table = pcs::plugin_table<Silent>();
  CHECK(pcs::sudo_declaration(declaring).declared);
  CHECK_FALSE(pcs::sudo_declaration(silent).declared);
  CHECK_FALSE(pcs::sudo_allowance(silent, false).restricted);
  const auto sync = pcs::sudo_allowance(declaring, false);
  CHECK(sync.restricted);
  CHECK_FALSE(sync.target.contains("mount"));
  const auto commands = pcs::sudo_allowance(declaring, true);
  CHECK(commands.source.contains("mount"));
  CHECK(commands.target.contains("mount"));
}

TEST_CASE("the host refuses a root command the job did not declare, and runs the rest") {
  pcs::LocalExecutor source("source (test)");
  pcs::JobServices services;
  services.source = &source;
  pcs::SudoAllowance allowed;
  allowed.restricted = true;
  allowed.source = {"rsync"};
  allowed.target = {"btrfs"};
  services.sudo = allowed;
  pcs::JobHost host("declaring", services, {});
  const pcs_host* h = host.table();

  const char* const echo[] = {"echo", "hi", nullptr};
  pcs_command_result r{};
  SECTION("an undeclared program through sudo: refused before anything starts, naming job, program, machine") {
    const auto c = command(PCS_MACHINE_SOURCE, echo, PCS_COMMAND_SUDO);
    REQUIRE(h->run(h, &c, &r) == PCS_ERR_INVALID_ARGUMENT);
    REQUIRE(r.error != nullptr);
    const std::string why = r.error;
    CHECK_THAT(why, Catch::Contains("declaring") && Catch::Contains("`echo`") && Catch::Contains("source") &&
                        Catch::Contains("declare it in sudo_programs"));
    h->release_result(h, &r);
  }
  SECTION("declared for the other machine only: refused") {
    const char* const btrfs[] = {"btrfs", "--version", nullptr};
    const auto c = command(PCS_MACHINE_SOURCE, btrfs, PCS_COMMAND_SUDO);
    CHECK(h->run(h, &c, &r) == PCS_ERR_INVALID_ARGUMENT);
    h->release_result(h, &r);
  }
  SECTION("a command without sudo runs as before") {
    const auto c = command(PCS_MACHINE_SOURCE, echo, 0);
    REQUIRE(h->run(h, &c, &r) == PCS_OK);
    CHECK(std::string(r.stdout_data, r.stdout_size) == "hi\n");
    h->release_result(h, &r);
  }
  SECTION("shell form through sudo needs sh; env entries need env") {
    pcs_command c = command(PCS_MACHINE_SOURCE, nullptr, PCS_COMMAND_SUDO);
    c.shell = "id -u";
    REQUIRE(h->run(h, &c, &r) == PCS_ERR_INVALID_ARGUMENT);
    CHECK_THAT(std::string(r.error), Catch::Contains("shell-form") && Catch::Contains("`sh`"));
    h->release_result(h, &r);
    const char* const rsync[] = {"rsync", "--version", nullptr};
    const char* const env[] = {"LC_ALL=C", nullptr};
    c = command(PCS_MACHINE_SOURCE, rsync, PCS_COMMAND_SUDO, env);
    REQUIRE(h->run(h, &c, &r) == PCS_ERR_INVALID_ARGUMENT);
    CHECK_THAT(std::string(r.error), Catch::Contains("declare `env`"));
    h->release_result(h, &r);
  }
  SECTION("start_process and pipe refuse the same") {
    const auto c = command(PCS_MACHINE_SOURCE, echo, PCS_COMMAND_SUDO);
    pcs_process* p = nullptr;
    const char* error = nullptr;
    CHECK(h->start_process(h, &c, &p, &error) == PCS_ERR_INVALID_ARGUMENT);
    CHECK(p == nullptr);
    REQUIRE(error != nullptr);
    CHECK_THAT(std::string(error), Catch::Contains("declare it in sudo_programs"));
    const auto plain = command(PCS_MACHINE_SOURCE, echo, 0);
    pcs_command_result pr{}, cr{};
    uint64_t bytes = 0;
    CHECK(h->pipe(h, &plain, &c, nullptr, nullptr, &bytes, &pr, &cr) == PCS_ERR_INVALID_ARGUMENT);
    CHECK_THAT(std::string(cr.error), Catch::Contains("declare it in sudo_programs"));
    h->release_result(h, &pr);
    h->release_result(h, &cr);
  }
}

TEST_CASE("a job that declares nothing is not restricted (plugins from before the extension)") {
  pcs::SudoAllowance open;
  const char* const any[] = {"anything", nullptr};
  CHECK_FALSE(pcs::sudo_refusal("silent", open, command(PCS_MACHINE_TARGET, any, PCS_COMMAND_SUDO)).has_value());
  open.restricted = true;
  CHECK(pcs::sudo_refusal("silent", open, command(PCS_MACHINE_TARGET, any, PCS_COMMAND_SUDO)).has_value());
  CHECK_FALSE(pcs::sudo_refusal("silent", open, command(PCS_MACHINE_TARGET, any, 0)).has_value());
}

TEST_CASE("sudoers: the bundled plugins all declare, and the rules name absolute paths") {
  const pcs::PluginSet set = pcs::load_plugins({PCS_BUNDLED_PLUGIN_DIR});
  REQUIRE(set.plugins.size() >= 6);
  std::vector<pcs::SudoersJob> jobs;
  for (const auto& p : set.plugins) {
    INFO(p.name);
    const auto d = pcs::sudo_declaration(p);
    CHECK(d.declared);
    jobs.push_back({p.name, d});
  }
  const auto find = [&](const std::string& name) -> const pcs::SudoDeclaration& {
    for (const auto& j : jobs)
      if (j.name == name) return j.declaration;
    FAIL("no " << name);
    throw 0;
  };
  CHECK(find("btrfs_snapshots").source == std::vector<std::string>{"btrfs", "mkdir", "rmdir"});
  CHECK(find("user_data").target == std::vector<std::string>{"rsync", "sh"});
  CHECK(find("disk_space_monitor").source.empty());

  const std::string text = pcs::sudoers_text(jobs, "pcsuser", "laptop", "desktop");
  INFO(text);
  CHECK_THAT(text, Catch::Contains("/etc/sudoers.d/pc-switcher on the source (laptop)") &&
                       Catch::Contains("/etc/sudoers.d/pc-switcher on the target (desktop)") &&
                       Catch::Contains("visudo -cf") && Catch::Contains("0440") && Catch::Contains("not a sandbox"));
  CHECK(text.find("NOPASSWD: ALL") == std::string::npos);
  const std::regex rule("^pcsuser ALL=\\(root\\) NOPASSWD: (/[^ ,]+)(, /[^ ,]+)*$");
  int rules = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("pcsuser ", 0) == 0) {
      ++rules;
      CHECK(std::regex_match(line, rule));
    }
  CHECK(rules == 2);
  CHECK_THAT(text, Catch::Contains("/kill"));  // the target's connection watcher
  // btrfs_snapshots' plugin commands (rollback): a commented-out rule of their own.
  CHECK_THAT(text, Catch::Contains("btrfs_snapshots: mktemp, mount, umount, mv, sh") &&
                       Catch::Contains("# pcsuser ALL=(root) NOPASSWD: /"));

  const std::string one = pcs::sudoers_text(jobs, "pcsuser", "laptop", "desktop", PCS_MACHINE_TARGET);
  CHECK(one.find("on the source") == std::string::npos);

  jobs.push_back({"old_plugin", {}});
  const std::string old = pcs::sudoers_text(jobs, "pcsuser", "laptop", "desktop");
  CHECK_THAT(old,
             Catch::Contains("old_plugin: declares nothing") && Catch::Contains("pcsuser ALL=(root) NOPASSWD: ALL"));
}

TEST_CASE("pc-switcher sudoers: --help, and the required jobs of the bundled plugins") {
  TempDir home;
  const std::vector<std::string> env{"HOME=" + home.path().string(), "XDG_CONFIG_HOME=" + (home / "config").string(),
                                     "XDG_DATA_HOME=" + (home / "data").string(), "PCSWITCHER_PLUGIN_PATH="};
  auto help = run_process({PCS_HOST_BINARY, "sudoers", "--help"}, env);
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("pc-switcher sudoers") && Catch::Contains("--user"));
  REQUIRE(run_process({PCS_HOST_BINARY, "init", "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR}, env).exit_code == 0);
  auto r = run_process({PCS_HOST_BINARY, "sudoers", "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--user", "someone"}, env);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("someone ALL=(root) NOPASSWD: /"));
  CHECK(run_process({PCS_HOST_BINARY, "sudoers", "--machine", "moon"}, env).exit_code == 2);
}

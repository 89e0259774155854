// The C++ SDK (job.hpp) and the plugin test kit, driven through the C table
// exactly as the host drives a plugin.
#include <catch2/catch.hpp>

#include <pcswitcher/testkit.hpp>

#include "example_sync_job/example_sync_job.cpp"
#include "../plugins/dummy_job.hpp"
#include "plugin_loader.hpp"

using pcs::Host;
using pcs::LogLevel;
using pcs::testkit::FakeHost;
using pcs::testkit::ScriptedResult;

namespace {

class Dummy : public dummy::DummyJob<false> {
 public:
  static constexpr const char* name = "dummy_success";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "test";
  static constexpr const char* CONFIG_SCHEMA = "{}";
  static std::span<const pcs_command_option> sync_options() {
    static const pcs_command_option options[] = {{"dummy-note", "TEXT", "log TEXT"}};
    return options;
  }
};

class DummyFail : public dummy::DummyJob<true> {
 public:
  static constexpr const char* name = "dummy_fail";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "test";
  static constexpr const char* CONFIG_SCHEMA = "{}";
};

class Snapshots : public pcs::SystemJob {
 public:
  static constexpr const char* name = "snaps";
  static constexpr const char* version = "2.1.0";
  static constexpr const char* description = "system job";
  static constexpr const char* CONFIG_SCHEMA = R"({"type":"object"})";
  static constexpr bool failure_isolated = true;
  void execute(pcs::JobContext& ctx) override {
    if (ctx.config.value("skip", false)) throw pcs::JobSkipped("nothing to snapshot");
    if (ctx.config.value("throw_int", false)) throw 42;
    auto r = ctx.target.run({"btrfs", "subvolume", "list", "/"}, {.timeout = std::chrono::milliseconds(5)});
    (void)r;
  }
  std::vector<std::pair<Host, std::string>> write_paths(pcs::JobContext&) override {
    return {{Host::Target, "/.snapshots"}};
  }
};

class Asker : public pcs::SyncJob {
 public:
  static constexpr const char* name = "asker";
  static constexpr const char* version = "0.0.1";
  static constexpr const char* description = "asks and pipes";
  static constexpr const char* CONFIG_SCHEMA = "{}";
  void execute(pcs::JobContext& ctx) override {
    auto choice = ctx.ask("Install nginx?", {"apply", "skip"}, 1);
    if (!choice) throw pcs::JobSkipped("no terminal to ask");
    std::uint64_t seen = 0;
    auto bytes = ctx.pipe(ctx.source.command({"docker", "save", "img"}), ctx.target.command({"docker", "load"}),
                          [&](std::uint64_t n) { seen = n; });
    _log(ctx, Host::Target, LogLevel::Info, "moved", {{"bytes", bytes}, {"seen", seen}, {"choice", *choice}});
  }
  bool cancel_called = false;
  void cancel() { cancel_called = true; }
};

class Strict : public pcs::SyncJob {
 public:
  static constexpr const char* name = "strict";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "d";
  static constexpr const char* CONFIG_SCHEMA = "{}";
  static std::vector<pcs::ConfigError> validate_config(const pcs::Json& c) {
    if (c["folders"][0]["path"].as_string().front() != '/') return {{"folders.0.path", "must be absolute"}};
    return {};
  }
  void execute(pcs::JobContext&) override {}
};

const pcs_plugin* example() { return pcs::plugin_table<ExampleSyncJob>(); }

}  // namespace

TEST_CASE("plugin table carries the static metadata") {
  const pcs_plugin* t = example();
  REQUIRE(t->struct_size == sizeof(pcs_plugin));
  CHECK(t->abi_major == PCS_ABI_VERSION_MAJOR);
  CHECK(std::string(t->descriptor->name) == "example");
  CHECK(t->descriptor->kind == PCS_JOB_SYNC);
  CHECK((t->descriptor->flags & PCS_JOB_FLAG_REQUIRED) == 0);
  CHECK(t->cancel == nullptr);  // ExampleSyncJob has no cancel()

  const pcs_plugin* s = pcs::plugin_table<Snapshots>();
  CHECK(s->descriptor->kind == PCS_JOB_SYSTEM);
  CHECK((s->descriptor->flags & PCS_JOB_FLAG_REQUIRED) != 0);
  CHECK((s->descriptor->flags & PCS_JOB_FLAG_FAILURE_ISOLATED) != 0);
  CHECK(pcs::plugin_table<Asker>()->cancel != nullptr);
  STATIC_REQUIRE_FALSE(std::is_base_of_v<std::exception, pcs::Cancelled>);
}

TEST_CASE("ExampleSyncJob.validate reports every missing directory with its host") {
  FakeHost host;
  host.on(Host::Source, "test -d /data/example", {1});
  host.on(Host::Target, "test -d /data/example", {1});
  auto out = pcs::testkit::validate(example(), host);
  REQUIRE(out.ok());
  REQUIRE(out.errors.size() == 2);
  CHECK(out.errors[0].host == Host::Source);
  CHECK(out.errors[1].host == Host::Target);
  CHECK_THAT(out.errors[1].message, Catch::Contains("not found on target"));
  REQUIRE(host.commands().size() == 2);
  CHECK(host.commands()[0].argv == std::vector<std::string>{"test", "-d", "/data/example"});
}

TEST_CASE("ExampleSyncJob.validate passes when both directories exist") {
  FakeHost host;
  host.set_default({0});
  auto out = pcs::testkit::validate(example(), host);
  CHECK(out.ok());
  CHECK(out.errors.empty());
}

TEST_CASE("ExampleSyncJob.execute syncs each item with progress and logs") {
  FakeHost host;
  host.set_default({0});
  auto out = pcs::testkit::execute(example(), host, R"j({"items_to_sync": ["a b", "$(rm -rf /)"]})j");
  REQUIRE(out.ok());
  auto cmds = host.commands();
  REQUIRE(cmds.size() == 2);
  CHECK(cmds[1].argv == std::vector<std::string>{"sync-item", "$(rm -rf /)"});  // argv: never a shell
  CHECK(cmds[1].host == Host::Target);
  auto progress = host.progress();
  REQUIRE(progress.size() == 3);
  CHECK(progress[0].percent == 0);
  CHECK(progress[1].percent == 50);
  CHECK(progress[1].current == 1);
  CHECK(progress[1].total == 2);
  CHECK(progress[1].item == std::string("$(rm -rf /)"));
  CHECK(progress[2].percent == 100);
  CHECK(host.logged(LogLevel::Info, "Syncing 2 items"));
  auto logs = host.logs();
  auto full = std::find_if(logs.begin(), logs.end(), [](auto& l) { return l.level == LogLevel::Full; });
  REQUIRE(full != logs.end());
  CHECK(full->fields.at("item") == "a b");
  CHECK(full->host == Host::Target);
}

TEST_CASE("a failing command fails the job with its stderr") {
  FakeHost host;
  host.set_default({0});
  host.on(Host::Target, "sync-item b", {3, "", "disk full"});
  auto out = pcs::testkit::execute(example(), host, R"({"items_to_sync": ["a", "b", "c"]})");
  CHECK(out.status == PCS_ERR_FAILED);
  CHECK(out.message == "Failed to sync b: disk full");
  CHECK(host.commands().size() == 2);  // c never ran
}

TEST_CASE("cancellation: executor calls throw pcs::Cancelled, the job cleans up and re-throws") {
  FakeHost host;
  host.set_default({0});
  host.cancel_after(2);
  auto out = pcs::testkit::execute(example(), host, R"({"items_to_sync": ["a", "b", "c"]})");
  CHECK(out.status == PCS_ERR_CANCELLED);
  CHECK(host.logged(LogLevel::Warning, "Sync cancelled, cleaning up"));
  CHECK(host.commands().size() == 2);
}

TEST_CASE("cancelling a long dummy job returns promptly") {
  FakeHost host;
  host.set_default({0});
  auto [out, took] = pcs::testkit::execute_and_cancel(pcs::plugin_table<Dummy>(), host, std::chrono::milliseconds(100),
                                                      R"({"source_duration": 30, "target_duration": 30})");
  CHECK(out.status == PCS_ERR_CANCELLED);
  CHECK(took < std::chrono::milliseconds(500));
  CHECK(host.logged(LogLevel::Warning, "Dummy job termination requested"));
}

TEST_CASE("dummy_success runs both phases with progress and logs at several levels") {
  FakeHost host;
  host.set_default({0, "tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n"});
  auto out = pcs::testkit::execute(pcs::plugin_table<Dummy>(), host,
                                   R"({"source_duration": 0.2, "target_duration": 0.5, "tick_seconds": 0.05})");
  REQUIRE(out.ok());
  CHECK(host.logged(LogLevel::Warning, "Source phase"));  // past 3 ticks
  CHECK(host.logged(LogLevel::Info, "tick 1"));
  CHECK(host.logged(LogLevel::Error, "tick 5"));  // past 4 lines
  std::vector<int> percents;
  for (const auto& p : host.progress())
    if (p.percent) percents.push_back(*p.percent);
  CHECK(percents == std::vector<int>{0, 25, 50, 75, 100});
  auto cmds = host.commands();
  REQUIRE(cmds.size() == 1);
  CHECK(cmds[0].host == Host::Target);
  CHECK(cmds[0].argv.at(0) == "sh");
}

TEST_CASE("sync options: the job reads what the host was given; the SDK offers its table") {
  const pcs_plugin* t = pcs::plugin_table<Dummy>();
  const auto* ext = static_cast<const pcs_ext_sync_options*>(t->get_extension(PCS_EXT_SYNC_OPTIONS));
  REQUIRE(ext != nullptr);
  REQUIRE(ext->option_count == 1);
  CHECK(std::string(ext->options[0].name) == "dummy-note");
  CHECK(std::string(ext->options[0].value_name) == "TEXT");

  FakeHost given;
  given.set_default({0});
  given.sync_option("dummy-note", "hello");
  REQUIRE(pcs::testkit::execute(t, given, R"({"source_duration": 0, "target_duration": 0})").ok());
  CHECK(given.logged(LogLevel::Info, "dummy-note: hello"));

  FakeHost not_given;
  not_given.set_default({0});
  REQUIRE(pcs::testkit::execute(t, not_given, R"({"source_duration": 0, "target_duration": 0})").ok());
  CHECK_FALSE(not_given.logged(LogLevel::Info, "dummy-note"));
}

TEST_CASE("dummy_fail fails at fail_at") {
  FakeHost host;
  host.set_default({0});
  auto out = pcs::testkit::execute(pcs::plugin_table<DummyFail>(), host,
                                   R"({"source_duration": 5, "target_duration": 5, "fail_at": 0.1})");
  CHECK(out.status == PCS_ERR_FAILED);
  CHECK_THAT(out.message, Catch::Contains("failing on purpose"));
  CHECK(host.logged(LogLevel::Error, "failing as configured"));
}

TEST_CASE("JobSkipped, non-std exceptions, timeouts and bad config map onto statuses") {
  const pcs_plugin* t = pcs::plugin_table<Snapshots>();
  FakeHost host;
  auto skipped = pcs::testkit::execute(t, host, R"({"skip": true})");
  CHECK(skipped.status == PCS_SKIPPED);
  CHECK(skipped.message == "nothing to snapshot");

  FakeHost host2;
  auto odd = pcs::testkit::execute(t, host2, R"({"throw_int": true})");
  CHECK(odd.status == PCS_ERR_INTERNAL);
  CHECK_THAT(odd.message, Catch::Contains("not a std::exception"));

  FakeHost host3;
  host3.on(Host::Target, "btrfs subvolume list /", {0, "", "", 0, PCS_ERR_TIMEOUT});
  auto timeout = pcs::testkit::execute(t, host3);
  CHECK(timeout.status == PCS_ERR_FAILED);
  CHECK_THAT(timeout.message, Catch::Contains("scripted failure"));

  FakeHost host4;
  auto bad = pcs::testkit::execute(t, host4, "{not json");
  CHECK(bad.status == PCS_ERR_INVALID_CONFIG);
  CHECK_THAT(bad.message, Catch::Contains("JSON parse error"));
}

TEST_CASE("write paths reach the host through list_write_paths") {
  const pcs_plugin* t = pcs::plugin_table<Snapshots>();
  FakeHost host;
  void* instance = nullptr;
  REQUIRE(t->create(host.c_host(), "{}", &instance) == PCS_OK);
  std::vector<std::pair<pcs_machine, std::string>> paths;
  pcs_path_sink sink{sizeof(pcs_path_sink), &paths, [](void* d, pcs_machine m, const char* p) {
                       static_cast<decltype(paths)*>(d)->emplace_back(m, p);
                     }};
  CHECK(t->list_write_paths(instance, &sink) == PCS_OK);
  t->destroy(instance);
  REQUIRE(paths.size() == 1);
  CHECK(paths[0].first == PCS_MACHINE_TARGET);
  CHECK(paths[0].second == "/.snapshots");
}

TEST_CASE("ask and pipe: answers, no terminal, byte counts, the cancel hook") {
  const pcs_plugin* t = pcs::plugin_table<Asker>();
  FakeHost no_tty;
  no_tty.set_default({0});
  auto skipped = pcs::testkit::execute(t, no_tty);
  CHECK(skipped.status == PCS_SKIPPED);
  CHECK(skipped.message == "no terminal to ask");

  FakeHost host;
  host.answers({0});
  host.on(Host::Source, "docker save img", {0, std::string(1000, 'x')});
  host.on(Host::Target, "docker load", {0});
  auto out = pcs::testkit::execute(t, host);
  REQUIRE(out.ok());
  REQUIRE(host.questions().size() == 1);
  CHECK(host.questions()[0].size() >= 2);  // the text, then the choices
  auto logs = host.logs();
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].fields.at("bytes") == "1000");
  CHECK(logs[0].fields.at("seen") == "1000");
  CHECK(logs[0].fields.at("choice") == "0");

  FakeHost failing;
  failing.answers({0});
  failing.on(Host::Source, "docker save img", {0, "abc"});
  failing.on(Host::Target, "docker load", {1, "", "no space"});
  auto failed = pcs::testkit::execute(t, failing);
  CHECK(failed.status == PCS_ERR_FAILED);
  CHECK_THAT(failed.message, Catch::Contains("no space"));
}

TEST_CASE("validate_config: default accepts, plugin checks report key paths") {
  CHECK(pcs::testkit::validate_config(example(), R"({"items_to_sync": []})").empty());
  auto errors = pcs::testkit::validate_config(pcs::plugin_table<Strict>(), R"({"folders": [{"path": "rel"}]})");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == "folders.0.path");
  // A throwing check becomes one error, never an exception across the C boundary.
  auto thrown = pcs::testkit::validate_config(pcs::plugin_table<Strict>(), R"({"folders": []})");
  REQUIRE(thrown.size() == 1);
  CHECK(thrown[0].path.empty());
}

TEST_CASE("a plain-C plugin runs through the same test kit") {
  pcs::PluginInfo info;
  std::string reason;
  REQUIRE(pcs::load_plugin_file(PCS_TEST_PLUGIN_DIR "/c_hello.so", info, reason));
  FakeHost host;
  host.set_default({0});
  auto out = pcs::testkit::execute(info.table, host, R"({"greeting":"hi there"})");
  REQUIRE(out.ok());
  REQUIRE(host.commands().size() == 1);
  CHECK(host.commands()[0].argv == std::vector<std::string>{"echo", "hi there"});
  CHECK(host.logs().at(0).fields.at("language") == "C");

  FakeHost failing;
  failing.set_default({1});
  auto failed = pcs::testkit::execute(info.table, failing, R"({"greeting":"x"})");
  CHECK(failed.status == PCS_ERR_FAILED);
  CHECK(failed.message == "echo failed on the target");

  auto errors = pcs::testkit::validate_config(info.table, R"({"greeting":""})");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == "greeting");
}

TEST_CASE("session facts and dry run reach the job context") {
  FakeHost host;
  host.set_dry_run(true);
  pcs::JobContext ctx(host.c_host(), pcs::Json::parse("{}"));
  CHECK(ctx.dry_run);
  CHECK(ctx.session_id == "0badcafe");
  CHECK(ctx.source_hostname == "source-host");
  CHECK(ctx.target_hostname == "target-host");
  CHECK_THROWS_AS(ctx.source.send_file("/a", "/b"), std::logic_error);
  ctx.target.send_file("/a", "/b");
  REQUIRE(host.transfers().size() == 1);
  CHECK(host.transfers()[0].send);
}

TEST_CASE("background processes: lines by stream, wait, terminate") {
  FakeHost host;
  host.on(Host::Source, "rsync --progress", {0, "one\ntwo\n", "warn\n"});
  pcs::Executor exec(host.c_host(), Host::Source);
  auto proc = exec.start({"rsync", "--progress"});
  std::vector<std::pair<int, std::string>> lines;
  while (auto line = proc.read_line()) lines.emplace_back(line->stream, line->data);
  CHECK(lines == std::vector<std::pair<int, std::string>>{
                     {PCS_STREAM_STDOUT, "one"}, {PCS_STREAM_STDOUT, "two"}, {PCS_STREAM_STDERR, "warn"}});
  CHECK(proc.wait().success());

  auto second = exec.start({"rsync", "--progress"});
  second.terminate();
  auto r = second.wait();
  CHECK_FALSE(r.success());
  CHECK(r.signal == 15);
}

namespace {

class PostJob : public pcs::SystemJob {
 public:
  static constexpr const char* name = "post_job";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Test system job with an after-sync step";
  static constexpr const char* CONFIG_SCHEMA = "{}";
  void execute(pcs::JobContext& ctx) override { _log(ctx, Host::Source, LogLevel::Info, "pre"); }
  void after_sync(pcs::JobContext& ctx, bool sync_succeeded) {
    _log(ctx, Host::Target, LogLevel::Info, sync_succeeded ? "post after success" : "post after failure");
    if (!sync_succeeded) throw std::runtime_error("nothing to keep");
  }
};

}  // namespace

TEST_CASE("a system job with after_sync offers pcs.ext.after_sync/1; others do not") {
  const pcs_plugin* with = pcs::plugin_table<PostJob>();
  const auto* ext = static_cast<const pcs_ext_after_sync*>(with->get_extension(PCS_EXT_AFTER_SYNC));
  REQUIRE(ext != nullptr);
  CHECK(ext->struct_size == sizeof(pcs_ext_after_sync));
  CHECK(with->get_extension("pcs.ext.something_else/1") == nullptr);
  CHECK(with->get_extension(nullptr) == nullptr);
  CHECK(pcs::plugin_table<ExampleSyncJob>()->get_extension(PCS_EXT_AFTER_SYNC) == nullptr);

  FakeHost host;
  auto [first, after] = pcs::testkit::execute_then_after_sync(with, host, "{}", true);
  CHECK(first.status == PCS_OK);
  CHECK(after.status == PCS_OK);
  CHECK(host.logged(LogLevel::Info, "post after success"));
  auto [first2, after2] = pcs::testkit::execute_then_after_sync(with, host, "{}", false);
  CHECK(after2.status == PCS_ERR_FAILED);
  CHECK(after2.message == "nothing to keep");
  auto [ran, not_offered] =
      pcs::testkit::execute_then_after_sync(pcs::plugin_table<ExampleSyncJob>(), host, R"({"items_to_sync": []})");
  CHECK(ran.status == PCS_OK);
  CHECK(not_offered.status == PCS_ERR_UNSUPPORTED);
}

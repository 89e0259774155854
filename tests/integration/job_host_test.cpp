// Real plugins run through the host-services table (JobHost) over real
// executors: this machine as the source, the sandbox's desktop as the target.
#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

#include <pcswitcher/ext/cleanup_commands.h>

#include "job_host.hpp"
#include "local_executor.hpp"
#include "plugin_loader.hpp"
#include "remote_executor.hpp"
#include "sandbox_env.hpp"
#include "shell_quote.hpp"

using namespace std::chrono_literals;

namespace {

struct Recorded {
  std::mutex mu;
  std::vector<std::pair<pcs_log_level, std::string>> logs;
  std::vector<int> percents;
};

struct Fixture {
  pcs::LocalExecutor source{"source (this machine)"};
  std::shared_ptr<pcs::SshConnection> connection;
  std::unique_ptr<pcs::RemoteExecutor> target;
  Recorded rec;

  Fixture() {
    auto r = pcs::ssh_connect(SandboxEnv::get().ssh("desktop"));
    INFO(r.error);
    REQUIRE(r.session);
    connection = std::make_shared<pcs::SshConnection>(std::move(r.session), "target (desktop)");
    target = std::make_unique<pcs::RemoteExecutor>(connection);
  }

  std::unique_ptr<pcs::JobHost> host(const std::string& job) {
    pcs::JobServices s;
    s.source = &source;
    s.target = target.get();
    s.log = [this](const std::string&, const pcs_log_record& r) {
      std::lock_guard lock(rec.mu);
      rec.logs.emplace_back(r.level, r.message);
    };
    s.progress = [this](const std::string&, const pcs_progress& p) {
      std::lock_guard lock(rec.mu);
      if (p.fields & PCS_PROGRESS_PERCENT) rec.percents.push_back(p.percent);
    };
    return std::make_unique<pcs::JobHost>(job, s,
                                          pcs::SessionFacts{"0123abcd", "source-host", "desktop", "desktop", false});
  }

  bool logged(const std::string& needle) {
    std::lock_guard lock(rec.mu);
    for (const auto& [level, msg] : rec.logs)
      if (msg.find(needle) != std::string::npos) return true;
    return false;
  }

  int remote_count(const std::string& marker) {
    pcs::CommandSpec c;
    c.shell = "pgrep -u \"$(id -u)\" -f -- " + pcs::shell_quote(marker) + " | wc -l";
    auto r = target->run(c, {});
    return std::stoi(r.out) - 1;
  }
};

const pcs::PluginInfo& plugin(const std::string& name) {
  static pcs::PluginSet set = pcs::load_plugins({PCS_TEST_PLUGIN_DIR});
  const pcs::PluginInfo* p = set.find(name);
  REQUIRE(p != nullptr);
  return *p;
}

pcs_status execute(const pcs::PluginInfo& p, pcs::JobHost& host, const std::string& config) {
  void* instance = nullptr;
  REQUIRE(p.table->create(host.table(), config.c_str(), &instance) == PCS_OK);
  pcs_status s = p.table->execute(instance);
  p.table->destroy(instance);
  return s;
}

}  // namespace

TEST_CASE("dummy_success runs on both machines through the host table") {
  Fixture f;
  auto host = f.host("dummy_success");
  auto status = execute(plugin("dummy_success"), *host,
                        R"({"source_duration": 0.3, "target_duration": 0.6, "tick_seconds": 0.1})");
  CHECK(status == PCS_OK);
  CHECK(f.logged("tick 1"));  // printed by the loop on desktop
  CHECK(f.logged("tick 6"));
  CHECK(f.rec.percents == std::vector<int>{0, 25, 50, 75, 100});
}

TEST_CASE("c_hello (plain C) runs echo on the target") {
  Fixture f;
  auto host = f.host("c_hello");
  CHECK(execute(plugin("c_hello"), *host, R"j({"greeting":"it's a $(test)"})j") == PCS_OK);
}

TEST_CASE("a plugin built against the frozen ABI 1.0 header alone loads and runs in today's host") {
  const pcs::PluginSet set = pcs::load_plugins({PCS_ABI10_PLUGIN_DIR});
  INFO((set.skipped.empty() ? "" : set.skipped[0].reason));
  const pcs::PluginInfo* p = set.find("c_hello");
  REQUIRE(p != nullptr);
  CHECK(p->abi_major == 1);
  CHECK(p->abi_minor == 0);
  Fixture f;
  auto host = f.host("c_hello");
  CHECK(execute(*p, *host, R"j({"greeting":"built against 1.0"})j") == PCS_OK);
}

TEST_CASE("cancelling a job mid-way: it returns promptly and nothing runs on either machine") {
  Fixture f;
  auto host = f.host("dummy_success");
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(800ms);
    cancelled_at = std::chrono::steady_clock::now();
    host->cancel();
  });
  auto status = execute(plugin("dummy_success"), *host,
                        R"({"source_duration": 0.2, "target_duration": 60, "tick_seconds": 0.25})");
  auto returned = std::chrono::steady_clock::now();
  canceller.join();
  CHECK(status == PCS_ERR_CANCELLED);
  CHECK(returned - cancelled_at < 1s);
  CHECK(f.logged("Dummy job termination requested"));
  std::this_thread::sleep_for(1s);
  CHECK(f.remote_count("tick") == 0);
}

TEST_CASE("pipe: a source process streams into a target process through the connection") {
  Fixture f;
  auto host = f.host("pipe");
  pcs::CommandSpec producer, consumer;
  producer.argv = {"head", "-c", "30000000", "/dev/zero"};
  consumer.argv = {"wc", "-c"};
  uint64_t bytes = 0;
  std::vector<uint64_t> reports;
  pcs::ExecResult pr, cr;
  auto s = pcs::pipe_between(
      f.source, producer, *f.target, consumer, host->cancel_token(), [&](uint64_t n) { reports.push_back(n); }, bytes,
      pr, cr);
  CHECK(s == PCS_OK);
  CHECK(bytes == 30000000);
  CHECK(cr.out == "30000000\n");
  CHECK_FALSE(reports.empty());
  CHECK(reports.back() == 30000000);

  // And the reverse: target → source.
  producer.argv = {"sh", "-c", "printf 'from desktop'"};
  consumer.argv = {"cat"};
  pcs::ExecResult pr2, cr2;
  s = pcs::pipe_between(*f.target, producer, f.source, consumer, host->cancel_token(), {}, bytes, pr2, cr2);
  CHECK(s == PCS_OK);
  CHECK(cr2.out == "from desktop");
}

TEST_CASE("host-table calls with bad arguments fail cleanly") {
  Fixture f;
  auto host = f.host("bad");
  const pcs_host* h = host->table();
  pcs_command c{};
  c.struct_size = sizeof c;
  c.machine = PCS_MACHINE_TARGET;
  pcs_command_result r{};
  r.struct_size = sizeof r;
  CHECK(h->run(h, &c, &r) == PCS_ERR_INVALID_ARGUMENT);  // neither argv nor shell
  CHECK_THAT(r.error, Catch::Contains("neither argv nor shell"));
  h->release_result(h, &r);
  c.machine = 7;
  c.shell = "true";
  CHECK(h->run(h, &c, &r) == PCS_ERR_INVALID_ARGUMENT);
  h->release_result(h, &r);
  CHECK(h->run(h, nullptr, &r) == PCS_ERR_INVALID_ARGUMENT);
  h->release_result(h, &r);
  pcs_file_transfer t{};
  t.struct_size = sizeof t;
  CHECK(h->send_file(h, &t) == PCS_ERR_INVALID_ARGUMENT);
}

TEST_CASE("after cancellation only PCS_COMMAND_CLEANUP commands run, on both machines, within the limit") {
  Fixture f;
  auto host = f.host("undoer");
  const pcs_host* h = host->table();
  const auto* ext =
      static_cast<const pcs_host_ext_cleanup_commands*>(h->get_extension(h, PCS_HOST_EXT_CLEANUP_COMMANDS));
  REQUIRE(ext != nullptr);
  CHECK(ext->limit_ms == 10000);
  host->cancel();
  for (pcs_machine m : {PCS_MACHINE_SOURCE, PCS_MACHINE_TARGET}) {
    INFO("machine " << m);
    const char* argv[] = {"echo", "undone", nullptr};
    pcs_command c{};
    c.struct_size = sizeof c;
    c.machine = m;
    c.argv = argv;
    pcs_command_result r{};
    r.struct_size = sizeof r;
    CHECK(h->run(h, &c, &r) == PCS_ERR_CANCELLED);  // an ordinary command: refused
    h->release_result(h, &r);
    c.flags = PCS_COMMAND_CLEANUP;
    REQUIRE(h->run(h, &c, &r) == PCS_OK);
    CHECK(std::string(r.stdout_data, r.stdout_size) == "undone\n");
    h->release_result(h, &r);
    const char* slow[] = {"sleep", "30", nullptr};
    c.argv = slow;
    c.timeout_ms = 300;  // a cleanup command is still bounded
    const auto started = std::chrono::steady_clock::now();
    CHECK(h->run(h, &c, &r) == PCS_ERR_TIMEOUT);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    h->release_result(h, &r);
  }
}

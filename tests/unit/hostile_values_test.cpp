// Hostile values through every bundled job: config strings and every answer
// a machine gives (package, image, user and host names, paths) hold quotes,
// `;`, `$(…)`, backticks, newlines and leading dashes. Whatever a job then
// runs must leave them uninterpreted: argv-form commands carry them as whole
// words, and in any shell-form command (or `sh -c SCRIPT`) they sit inside
// single quotes only. The fake executors record every command; nothing runs.
#include <catch2/catch.hpp>

#include <pcswitcher/testkit.hpp>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "json_schema.hpp"
#include "plugin_loader.hpp"

namespace {

using pcs::testkit::FakeHost;

// The payload every hostile value carries: it must never be shell syntax.
const std::string kPayload = "touch /tmp/pcs-pwned";

const std::vector<std::string> kHostile = {
    "a'b; " + kPayload, "a\"b$(" + kPayload + ")", "`" + kPayload + "`",  "x\n" + kPayload,
    "--" + kPayload,    "-rf; " + kPayload,        "$(" + kPayload + ")", "a b|" + kPayload,
};

// For each character of `shell`, whether the shell would take it literally
// inside single quotes.
std::vector<bool> single_quoted(const std::string& shell) {
  std::vector<bool> quoted(shell.size(), false);
  bool in_single = false, in_double = false;
  for (std::size_t i = 0; i < shell.size(); ++i) {
    const char c = shell[i];
    if (in_single) {
      if (c == '\'')
        in_single = false;
      else
        quoted[i] = true;
    } else if (c == '\\' && !in_single) {
      ++i;  // an escaped character (outside single quotes) is literal too, but only one
      if (i < shell.size()) quoted[i] = true;
    } else if (c == '\'' && !in_double) {
      in_single = true;
    } else if (c == '"') {
      in_double = !in_double;
    }
  }
  return quoted;
}

// Where the payload appears in `shell` outside single quotes, or "".
std::string unquoted_payload(const std::string& shell) {
  const auto quoted = single_quoted(shell);
  for (std::size_t at = shell.find(kPayload); at != std::string::npos; at = shell.find(kPayload, at + 1))
    for (std::size_t i = at; i < at + kPayload.size(); ++i)
      if (!quoted[i]) return shell.substr(at > 20 ? at - 20 : 0, 60);
  return "";
}

// Every recorded command that would let a shell interpret the payload, or
// pass a leading-dash value where a tool would read it as an option.
std::vector<std::string> violations(const FakeHost& host) {
  std::vector<std::string> out;
  for (const auto& c : host.commands()) {
    if (c.argv.empty()) {
      if (auto where = unquoted_payload(c.shell); !where.empty())
        out.push_back("shell command interprets it: " + c.shell);
      continue;
    }
    const std::string& prog = c.argv[0];
    const bool shell = (prog == "sh" || prog == "bash" || prog == "/bin/sh" || prog == "/bin/bash");
    for (std::size_t i = 1; i < c.argv.size(); ++i) {
      if (shell && c.argv[i - 1] == "-c" && !unquoted_payload(c.argv[i]).empty())
        out.push_back("sh -c script interprets it: " + c.text());
    }
    // A hostile value that starts with '-', given as a whole word, must come
    // after "--" (a value glued to its option, --filter=VALUE, is safe).
    bool end_of_options = false;
    for (std::size_t i = 1; i < c.argv.size(); ++i) {
      if (c.argv[i] == "--") end_of_options = true;
      for (const auto& v : kHostile)
        if (!end_of_options && v[0] == '-' && c.argv[i].rfind(v, 0) == 0)
          out.push_back("a value read as an option: " + c.text());
    }
  }
  return out;
}

// The config with `value` at every string leaf of the schema's defaults, one
// leaf at a time; each variant says where it put it.
std::vector<std::pair<std::string, nlohmann::json>> variants(const nlohmann::json& defaults, const std::string& value) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  const auto flat = defaults.flatten();
  for (const auto& [pointer, leaf] : flat.items())
    if (leaf.is_string()) {
      nlohmann::json changed = flat;
      changed[pointer] = value;
      out.emplace_back(pointer, changed.unflatten());
    }
  return out;
}

// Runs validate and execute on one instance, every command answering with
// `answer` on stdout (and exit 0).
void drive(const pcs::PluginInfo& plugin, const std::string& config, const std::string& answer, FakeHost& host) {
  host.set_default({0, answer, ""});
  void* instance = nullptr;
  if (plugin.table->create(host.c_host(), config.c_str(), &instance) != PCS_OK) return;
  host.attach(plugin.table, instance);
  pcs_validation_sink sink{sizeof(pcs_validation_sink), nullptr, [](void*, pcs_machine, const char*) {}};
  plugin.table->validate(instance, &sink);
  // A background job runs until cancelled; any job gets 300 ms.
  std::mutex mu;
  std::condition_variable done;
  bool returned = false;
  std::thread canceller([&] {
    std::unique_lock lock(mu);
    if (!done.wait_for(lock, std::chrono::milliseconds(300), [&] { return returned; })) host.cancel();
  });
  plugin.table->execute(instance);
  {
    std::lock_guard lock(mu);
    returned = true;
  }
  done.notify_all();
  canceller.join();
  host.attach(plugin.table, nullptr);
  plugin.table->destroy(instance);
}

}  // namespace

TEST_CASE("the shell-quote checker itself: quoted payloads pass, bare ones are found") {
  CHECK(unquoted_payload("rm -f '" + kPayload + "'").empty());
  CHECK(unquoted_payload("echo 'it'\\''s " + kPayload + "'").empty());
  CHECK_FALSE(unquoted_payload("echo " + kPayload).empty());
  CHECK_FALSE(unquoted_payload("echo \"$(" + kPayload + ")\"").empty());
  CHECK_FALSE(unquoted_payload("echo 'a' " + kPayload + " 'b'").empty());
}

TEST_CASE("hostile values in config and in every machine's answers are never interpreted, by any bundled job") {
  const pcs::PluginSet set = pcs::load_plugins({PCS_BUNDLED_PLUGIN_DIR});
  REQUIRE(set.plugins.size() >= 6);
  std::string every_answer;
  for (const auto& v : kHostile) every_answer += v + "\n";
  std::size_t runs = 0, commands = 0;
  for (const auto& plugin : set.plugins) {
    nlohmann::json defaults = nlohmann::json::object();
    pcs::apply_defaults(plugin.schema, defaults);
    std::vector<std::pair<std::string, nlohmann::json>> configs{{"(defaults)", defaults}};
    for (const auto& value : kHostile)
      for (auto& v : variants(defaults, value)) configs.push_back(std::move(v));
    for (const auto& [where, config] : configs) {
      // A config the schema or the job refuses never reaches a command: that is safe too.
      if (!pcs::validate_against(plugin.schema, config).empty()) continue;
      if (!pcs::testkit::validate_config(plugin.table, config.dump()).empty()) continue;
      for (const std::string& answer : {every_answer, std::string("ok\n")}) {
        FakeHost host;
        drive(plugin, config.dump(), answer, host);
        ++runs;
        commands += host.commands().size();
        for (const auto& v : violations(host)) {
          INFO(plugin.name << ", config " << where);
          FAIL_CHECK(v);
        }
      }
    }
  }
  WARN("hostile values: " << runs << " runs of the bundled jobs, " << commands << " commands checked, "
                          << kHostile.size() << " hostile values");
  CHECK(commands > 100);
}

// Which loaded plugin offers which command (ext/commands.h), and what is refused.
#include <catch2/catch.hpp>

#include <cstring>

#include "plugin_commands.hpp"

using namespace pcs;

namespace {

pcs_status run_nothing(void*, const char*, const pcs_command_args*) { return PCS_OK; }

constexpr pcs_command_option kOptions[] = {{"older-than", "AGE", "an age"}};
constexpr pcs_command_option kHostOption[] = {{"dry-run", nullptr, "clashes with the host's --dry-run"}};
constexpr pcs_command_info kGood = {
    sizeof(pcs_command_info), "snapshots", "list", nullptr, nullptr, kOptions, 1, PCS_COMMAND_HOSTS_ANY, 0};
constexpr pcs_command_info kReserved = {sizeof(pcs_command_info), "sync", "clash", nullptr, nullptr, nullptr, 0, 0, 0};
constexpr pcs_command_info kBadName = {sizeof(pcs_command_info), "Roll Back", "x", nullptr, nullptr, nullptr, 0, 0, 0};
constexpr pcs_command_info kNoSummary = {
    sizeof(pcs_command_info), "quiet", nullptr, nullptr, nullptr, nullptr, 0, 0, 0};
constexpr pcs_command_info kHostOptionClash = {
    sizeof(pcs_command_info), "clash", "x", nullptr, nullptr, kHostOption, 1, 0, 0};
constexpr pcs_command_info kBadHosts = {sizeof(pcs_command_info), "hosts", "x", nullptr, nullptr, nullptr, 0, 7, 0};
constexpr pcs_command_info kSmall = {8, "small", "x", nullptr, nullptr, nullptr, 0, 0, 0};

constexpr const pcs_command_info* kFirst[] = {&kGood,     &kReserved, &kBadName, &kNoSummary, &kHostOptionClash,
                                              &kBadHosts, &kSmall,    nullptr};
constexpr const pcs_command_info* kSecond[] = {&kGood};
const pcs_ext_commands kFirstTable = {sizeof(pcs_ext_commands), 8, kFirst, &run_nothing};
const pcs_ext_commands kSecondTable = {sizeof(pcs_ext_commands), 1, kSecond, &run_nothing};
const pcs_ext_commands kNoRun = {sizeof(pcs_ext_commands), 1, kSecond, nullptr};

const void* first_ext(const char* id) { return std::strcmp(id, PCS_EXT_COMMANDS) == 0 ? &kFirstTable : nullptr; }
const void* second_ext(const char* id) { return std::strcmp(id, PCS_EXT_COMMANDS) == 0 ? &kSecondTable : nullptr; }
const void* broken_ext(const char* id) { return std::strcmp(id, PCS_EXT_COMMANDS) == 0 ? &kNoRun : nullptr; }
const void* no_ext(const char*) { return nullptr; }

pcs_plugin table_with(const void* (*get_extension)(const char*)) {
  pcs_plugin p{};
  p.struct_size = sizeof p;
  p.get_extension = get_extension;
  return p;
}

}  // namespace

TEST_CASE("plugin commands: usable ones are found, every malformed or clashing one is named", "[commands]") {
  static const pcs_plugin first = table_with(&first_ext), second = table_with(&second_ext),
                          broken = table_with(&broken_ext), none = table_with(&no_ext);
  PluginSet set;
  set.plugins.resize(4);
  set.plugins[0].table = &first, set.plugins[0].name = "first", set.plugins[0].path = "/p/first.so";
  set.plugins[1].table = &second, set.plugins[1].name = "second", set.plugins[1].path = "/p/second.so";
  set.plugins[2].table = &broken, set.plugins[2].name = "broken", set.plugins[2].path = "/p/broken.so";
  set.plugins[3].table = &none, set.plugins[3].name = "none", set.plugins[3].path = "/p/none.so";

  const PluginCommands found = find_plugin_commands(set, {"sync", "plugins"});
  REQUIRE(found.commands.size() == 1);
  CHECK(found.commands[0].name == "snapshots");
  CHECK(found.commands[0].plugin->name == "first");
  CHECK(found.find("snapshots") == &found.commands[0]);
  CHECK(found.find("sync") == nullptr);

  auto mentions = [&](const std::string& text) {
    for (const auto& p : found.problems)
      if (p.find(text) != std::string::npos) return true;
    return false;
  };
  CHECK(found.problems.size() == 9);
  CHECK(mentions("command 'sync' is not offered: it is one of pc-switcher's own commands"));
  CHECK(mentions("command #3 is not offered: a command name that is not [a-z][a-z0-9-]*"));
  CHECK(mentions("command #4 is not offered: no summary"));
  CHECK(mentions("command #5 is not offered: option --dry-run is one of the host's own"));
  CHECK(mentions("command #6 is not offered: an unknown hosts value 7"));
  CHECK(mentions("command #7 is not offered: a pcs_command_info with a struct_size too small"));
  CHECK(mentions("command #8 is not offered: a NULL entry in its command table"));
  CHECK(
      mentions("plugin second (/p/second.so): command 'snapshots' is not offered: plugin first (/p/first.so) "
               "offers it already"));
  CHECK(mentions("plugin broken (/p/broken.so): its pcs.ext.commands/1 table is incomplete"));
}

// Helpers shared by the config tests: the test plugins, checking a text, and
// the one issue a malformed text must produce.
#pragma once

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>
#include <unistd.h>
#include "config.hpp"
#include "plugin_loader.hpp"
#include "temp_dir.hpp"

namespace config_test {

inline const pcs::PluginSet& plugins() {
  static const pcs::PluginSet set = pcs::load_plugins({PCS_TEST_PLUGIN_DIR});
  return set;
}

inline pcs::ConfigLoad check(const std::string& text) { return pcs::load_config_text(text, "config.yaml", plugins()); }

inline std::string listing(const pcs::ConfigLoad& r) {
  std::string out;
  for (const auto& i : r.issues) out += "  " + i.format() + "\n";
  return out.empty() ? "  (no issues)\n" : out;
}

// The one issue `text` must produce.
inline pcs::ConfigIssue single_issue(const std::string& text) {
  pcs::ConfigLoad r = check(text);
  INFO("config:\n" << text << "\nissues:\n" << listing(r));
  REQUIRE(r.issues.size() == 1u);
  CHECK_FALSE(r.ok());
  CHECK(r.issues.front().file == "config.yaml");
  return r.issues.front();
}

const char* const kInstalled = "installed jobs: c_hello, dummy_fail, dummy_success";

}  // namespace config_test

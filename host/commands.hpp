// One function per `pc-switcher` command. Each gets the words after its name
// and returns the process exit code; usage mistakes throw cli::UsageError.
#pragma once

#include <string>
#include <vector>

namespace pcs::cli {

int run_plugins(const std::vector<std::string>& args);
int run_init(const std::vector<std::string>& args);
int run_config(const std::vector<std::string>& args);
int run_logs(const std::vector<std::string>& args);
int run_sync(const std::vector<std::string>& args);

}  // namespace pcs::cli

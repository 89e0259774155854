// The commented config.yaml that `pc-switcher init` writes, generated from the
// host's own schema and the installed plugins' schemas.
#pragma once

#include <string>

#include "plugin_loader.hpp"

namespace pcs {

// A complete, valid config: every key with a default is written with it, each
// preceded by its description; keys without a default are shown commented out.
std::string default_config_yaml(const PluginSet& plugins);

}  // namespace pcs

// Where pc-switcher keeps its files, following the XDG base directory spec.
#pragma once

#include <filesystem>

namespace pcs {

// $XDG_CONFIG_HOME/pc-switcher, else ~/.config/pc-switcher.
std::filesystem::path config_dir();
// config_dir()/config.yaml
std::filesystem::path default_config_path();
// $XDG_DATA_HOME/pc-switcher, else ~/.local/share/pc-switcher.
std::filesystem::path data_dir();

}  // namespace pcs

// The names an ELF shared object offers to the dynamic linker: its defined,
// globally bound, visible dynamic symbols. `plugin check` uses it to see that
// a plugin exports nothing but pcs_plugin_entry (leaked C++ symbols can bind
// to another plugin's or the host's copy of the same name).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pcs {

struct ExportedSymbols {
  std::vector<std::string> names;  // in symbol-table order
  std::string error;               // non-empty: the file could not be read as ELF
};

// Reads `file`'s .dynsym (ELF32 or ELF64, either byte order matching this machine).
ExportedSymbols exported_symbols(const std::filesystem::path& file);

}  // namespace pcs

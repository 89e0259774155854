// `snap list --all` as the packages job reads it (plugins/packages/snap_output.hpp).
// Output of another shape throws std::runtime_error, as documented.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "packages/snap_output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string out(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& snap : packages::snap::parse_list(out)) {
      if (snap.name.empty() || snap.revision.empty()) __builtin_trap();
      (void)snap.sideloaded();
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}

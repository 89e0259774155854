// flatpak list / remotes / mask as the packages job reads them
// (plugins/packages/flatpak_output.hpp). The first byte picks the parser.
// Output of another shape throws std::runtime_error, as documented.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "packages/flatpak_output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string out(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        for (const auto& ref : packages::flatpak::parse_list(out))
          if (ref.application.empty() || ref.ref.rfind(ref.application + "/", 0) != 0) __builtin_trap();
        break;
      case 1:
        for (const auto& remote : packages::flatpak::parse_remotes(out))
          if (remote.name.empty()) __builtin_trap();
        break;
      default:
        for (const auto& pattern : packages::flatpak::parse_masks(out))
          if (pattern.empty()) __builtin_trap();
        break;
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}

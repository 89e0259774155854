// What apt-mark, dpkg-query, apt-cache policy and apt-get -s print
// (plugins/packages/apt_output.hpp). The first byte picks the parser. Output
// the parsers do not understand throws std::runtime_error, as documented;
// anything else escaping (another exception, a crash) is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "packages/apt_output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string out(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        (void)packages::apt::parse_names(out);
        break;
      case 1:
        (void)packages::apt::parse_dpkg_query(out, "amd64");
        break;
      case 2:
        (void)packages::apt::parse_policy(out);
        break;
      default:
        (void)packages::apt::parse_simulation(out);
        break;
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}

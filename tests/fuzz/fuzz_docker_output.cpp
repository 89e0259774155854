// docker/podman image, volume and container inspect JSON as the docker job
// reads it (plugins/docker/engine_output.hpp). The first byte picks the
// parser. Malformed JSON and values of an unexpected type throw
// std::runtime_error (pcs::JsonError), as documented.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "docker/engine_output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string out(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        (void)docker::parse_images(out);
        break;
      case 1:
        (void)docker::parse_volumes(out);
        break;
      default:
        (void)docker::parse_containers(out);
        break;
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}

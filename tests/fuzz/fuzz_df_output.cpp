// `df --output=target,size,avail -B1 PATH...` and the free-space thresholds
// of the disk-space monitor's config (plugins/disk_space_monitor/disk_space.hpp).
// The first byte says which; neither parser throws.
#include <cstddef>
#include <cstdint>
#include <string>

#include "disk_space_monitor/disk_space.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    for (const auto& fs : disk_space::parse_df(text)) {
      if (fs.mount_point.empty()) __builtin_trap();
      const double percent = fs.free_percent();
      (void)disk_space::human_bytes(static_cast<double>(fs.available));
      (void)percent;
    }
  } else if (const auto threshold = disk_space::parse_threshold(text)) {
    if (threshold->value < 0 || (threshold->percent && threshold->value > 100)) __builtin_trap();
    (void)disk_space::below(disk_space::FsSpace{"/", 1000, 10}, *threshold);
  }
  return 0;
}

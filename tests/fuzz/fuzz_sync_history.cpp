// The sync-history file's text (core/sync_history.hpp), as read from this
// machine's disk or from the target over SSH. A file that cannot be used
// throws SyncHistoryError; one that can is written back (serialize) and read
// again, which must give the same text: unknown keys are kept, nothing else changes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sync_history.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pcs::SyncHistory history;
  try {
    history = pcs::parse_sync_history(text, "fuzz:sync-history.json");
  } catch (const pcs::SyncHistoryError&) {
    return 0;
  }
  const std::string written = pcs::serialize_sync_history(history);
  pcs::SyncHistory again;
  try {
    again = pcs::parse_sync_history(written, "fuzz:rewritten");
  } catch (const pcs::SyncHistoryError&) {
    __builtin_trap();  // what we wrote ourselves must read back
  }
  if (pcs::serialize_sync_history(again) != written) __builtin_trap();
  (void)history.last_counted();
  history.append(pcs::SyncHistoryEntry{}, 3);
  if (history.sessions.size() > 3) __builtin_trap();
  return 0;
}

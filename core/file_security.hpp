// Refuses plugin files and directories that someone else could have written.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

namespace pcs {

// Why `path` must not be trusted to hold code run by `uid`, or nothing when it
// is safe: it must be owned by root or by `uid`, and not be writable by group
// or others. Symlinks are followed (the target is what gets loaded).
std::optional<std::string> untrusted_reason(const std::filesystem::path& path, uid_t uid);

}  // namespace pcs

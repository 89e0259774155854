#include "file_security.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include <fmt/format.h>

namespace pcs {

std::optional<std::string> untrusted_reason(const std::filesystem::path& path, uid_t uid) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fmt::format("cannot stat {}: {}", path.string(), std::strerror(errno));
  if (st.st_uid != 0 && st.st_uid != uid)
    return fmt::format("{} is owned by uid {}, neither root nor you (uid {}): chown it to root or to yourself",
                       path.string(), st.st_uid, uid);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fmt::format("{} is writable by {}: run `chmod go-w {}`", path.string(),
                       (st.st_mode & S_IWOTH) ? "others" : "its group", path.string());
  return std::nullopt;
}

}  // namespace pcs

#include "sync_history.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <system_error>

namespace pcs {
namespace {

using nlohmann::json;

std::string fix_hint(const std::string& origin) {
  return fmt::format(
      "pc-switcher will not overwrite it. Repair the file by hand, or move it aside (mv {0} {0}.bad) to start an "
      "empty history: the next sync involving this machine is then treated as a first sync.",
      origin);
}

[[noreturn]] void corrupt(const std::string& origin, const std::string& what) {
  throw SyncHistoryError(fmt::format("sync history {} is not valid: {}. {}", origin, what, fix_hint(origin)));
}

std::string required_string(const json& obj, const char* key, const std::string& origin, std::size_t index) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string())
    corrupt(origin, fmt::format("session #{} has no string \"{}\"", index + 1, key));
  return it->get<std::string>();
}

SyncHistoryEntry parse_entry(const json& obj, const std::string& origin, std::size_t index) {
  if (!obj.is_object()) corrupt(origin, fmt::format("session #{} is not an object", index + 1));
  SyncHistoryEntry e;
  e.session_id = required_string(obj, "session_id", origin, index);
  e.time = required_string(obj, "time", origin, index);
  e.peer = required_string(obj, "peer", origin, index);
  std::string role = required_string(obj, "role", origin, index);
  std::string status = required_string(obj, "status", origin, index);
  auto r = sync_role_from_string(role);
  if (!r) corrupt(origin, fmt::format("session #{} has unknown role \"{}\"", index + 1, role));
  e.role = *r;
  auto s = session_outcome_from_string(status);
  if (!s) corrupt(origin, fmt::format("session #{} has unknown status \"{}\"", index + 1, status));
  e.status = *s;
  if (auto it = obj.find("dry_run"); it != obj.end()) {
    if (!it->is_boolean()) corrupt(origin, fmt::format("session #{} has a non-boolean \"dry_run\"", index + 1));
    e.dry_run = it->get<bool>();
  }
  for (const auto& [key, value] : obj.items()) {
    if (key != "session_id" && key != "time" && key != "peer" && key != "role" && key != "status" && key != "dry_run")
      e.extra[key] = value;
  }
  return e;
}

json entry_json(const SyncHistoryEntry& e) {
  json obj = e.extra.is_object() ? e.extra : json::object();
  obj["session_id"] = e.session_id;
  obj["time"] = e.time;
  obj["role"] = std::string(to_string(e.role));
  obj["peer"] = e.peer;
  obj["status"] = std::string(to_string(e.status));
  obj["dry_run"] = e.dry_run;
  return obj;
}

// Writes all of `data` to `fd`.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string_view to_string(SyncRole role) { return role == SyncRole::Source ? "source" : "target"; }

std::optional<SyncRole> sync_role_from_string(std::string_view text) {
  if (text == "source") return SyncRole::Source;
  if (text == "target") return SyncRole::Target;
  return std::nullopt;
}

std::string_view to_string(SessionOutcome outcome) {
  switch (outcome) {
    case SessionOutcome::Completed:
      return "completed";
    case SessionOutcome::Failed:
      return "failed";
    case SessionOutcome::Interrupted:
      return "interrupted";
    case SessionOutcome::Aborted:
      return "aborted";
  }
  return "failed";
}

std::optional<SessionOutcome> session_outcome_from_string(std::string_view text) {
  for (auto o :
       {SessionOutcome::Completed, SessionOutcome::Failed, SessionOutcome::Interrupted, SessionOutcome::Aborted}) {
    if (text == to_string(o)) return o;
  }
  return std::nullopt;
}

std::string utc_iso8601(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void SyncHistory::append(SyncHistoryEntry entry, std::size_t cap) {
  sessions.push_back(std::move(entry));
  if (cap > 0 && sessions.size() > cap)
    sessions.erase(sessions.begin(), sessions.begin() + static_cast<std::ptrdiff_t>(sessions.size() - cap));
}

const SyncHistoryEntry* SyncHistory::last_counted() const {
  for (auto it = sessions.rbegin(); it != sessions.rend(); ++it) {
    if (it->counts()) return &*it;
  }
  return nullptr;
}

std::filesystem::path sync_history_path(const std::filesystem::path& data_dir) {
  return data_dir / "sync-history.json";
}

SyncHistory parse_sync_history(std::string_view text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number beyond a double
    corrupt(origin, fmt::format("not JSON ({})", e.what()));
  }
  if (!doc.is_object()) corrupt(origin, "the top level is not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()) corrupt(origin, "no integer \"version\"");
  if (version->get<long long>() > kSyncHistoryVersion) {
    throw SyncHistoryError(fmt::format(
        "sync history {} has version {}, written by a newer pc-switcher (this one knows version {}). Update "
        "pc-switcher on this machine.",
        origin, version->get<long long>(), kSyncHistoryVersion));
  }
  if (version->get<long long>() < 1) corrupt(origin, fmt::format("unknown version {}", version->dump()));
  auto sessions = doc.find("sessions");
  if (sessions == doc.end() || !sessions->is_array()) corrupt(origin, "no \"sessions\" array");

  SyncHistory history;
  for (std::size_t i = 0; i < sessions->size(); ++i) history.sessions.push_back(parse_entry((*sessions)[i], origin, i));
  for (const auto& [key, value] : doc.items()) {
    if (key != "version" && key != "sessions") history.extra[key] = value;
  }
  return history;
}

std::string serialize_sync_history(const SyncHistory& history) {
  json doc = history.extra.is_object() ? history.extra : json::object();
  doc["version"] = kSyncHistoryVersion;
  json sessions = json::array();
  for (const auto& e : history.sessions) sessions.push_back(entry_json(e));
  doc["sessions"] = std::move(sessions);
  return doc.dump(2) + "\n";
}

SyncHistory load_sync_history(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !ec) return {};
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw SyncHistoryError(
        fmt::format("cannot read sync history {}: {}. Check its permissions.", file.string(), std::strerror(errno)));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw SyncHistoryError(fmt::format("cannot read sync history {}", file.string()));
  return parse_sync_history(text, file.string());
}

void save_sync_history(const std::filesystem::path& file, const SyncHistory& history) {
  const std::string text = serialize_sync_history(history);  // before touching the disk
  const auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  auto fail = [&](const std::string& what, int err) {
    throw SyncHistoryError(fmt::format("cannot write sync history {}: {}: {} (the previous file is unchanged)",
                                       file.string(), what, std::strerror(err)));
  };
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir.string(), ec.value());

  std::string tmp = (dir / (file.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) fail("cannot create a temporary file in " + dir.string(), errno);
  const char* step = nullptr;
  if (!write_all(fd, text))
    step = "write";
  else if (::fchmod(fd, 0600) != 0)
    step = "chmod";
  else if (::fsync(fd) != 0)
    step = "fsync";
  int err = errno;
  if (::close(fd) != 0 && !step) {
    step = "close";
    err = errno;
  }
  if (!step && ::rename(tmp.c_str(), file.c_str()) != 0) {
    step = "rename";
    err = errno;
  }
  if (step) {
    ::unlink(tmp.c_str());
    fail(fmt::format("{} of {} failed", step, tmp), err);
  }
  // Make the rename itself durable; failing here leaves the new file in place.
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace pcs

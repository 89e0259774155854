#include "log_file_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "log_level.hpp"
#include "redact.hpp"
#include "xdg_paths.hpp"

namespace pcs {
namespace {

namespace fs = std::filesystem;

std::tm utc_tm(EventTime time, long& millis) {
  const auto since = time.time_since_epoch();
  auto secs = std::chrono::floor<std::chrono::seconds>(since);
  millis = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count());
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return tm;
}

std::string redacted(const std::string& s) { return has_url_credentials(s) ? redact_credentials(s) : s; }

bool is_fixed_field(const std::string& key) {
  return key == "time" || key == "level" || key == "job" || key == "host" || key == "message";
}

bool is_sync_log(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 9 && name.starts_with("sync-") && name.ends_with(".log");
}

}  // namespace

std::string format_utc_time(EventTime time) {
  long ms = 0;
  const std::tm tm = utc_tm(time, ms);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string log_json_line(const LogEvent& e) {
  nlohmann::ordered_json j;
  j["time"] = format_utc_time(e.time);
  j["level"] = log_level_name(e.level);
  j["job"] = e.job;
  if (e.machine != Machine::None) j["host"] = machine_name(e.machine);
  j["message"] = redacted(e.message);
  for (const LogExtra& x : e.extras) {
    const std::string key = is_fixed_field(x.key) ? "extra_" + x.key : x.key;
    if (x.is_json) {
      auto v = nlohmann::ordered_json::parse(redacted(x.value), nullptr, false);
      if (!v.is_discarded()) {
        j[key] = std::move(v);
        continue;
      }
    }
    j[key] = redacted(x.value);
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

fs::path logs_dir() {
  fs::path dir = data_dir() / "logs";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir);  // throws with the path on failure
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  return dir;
}

fs::path log_file_path(const fs::path& dir, std::string_view session_id, EventTime started) {
  long ms = 0;
  const std::tm tm = utc_tm(started, ms);
  char stamp[24];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return dir / ("sync-" + std::string(stamp) + "-" + std::string(session_id) + ".log");
}

std::vector<fs::path> prune_logs(const fs::path& dir, int keep) {
  std::vector<fs::path> logs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (is_sync_log(entry.path()) && entry.is_regular_file(ec)) logs.push_back(entry.path());
  // The names start with a fixed-width UTC time: name order is age order.
  std::sort(logs.begin(), logs.end(), [](const fs::path& a, const fs::path& b) { return a.filename() > b.filename(); });
  std::vector<fs::path> removed;
  const std::size_t n = static_cast<std::size_t>(std::max(keep, 1));
  for (std::size_t i = n; i < logs.size(); ++i)
    if (fs::remove(logs[i], ec)) removed.push_back(logs[i]);
  return removed;
}

LogFileSink::LogFileSink(const fs::path& file, pcs_log_level floor) : path_(file), floor_(floor) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open log file " + file.string() + ": " + std::strerror(errno));
  file_ = ::fdopen(fd, "a");
  if (file_ == nullptr) {
    ::close(fd);
    throw std::runtime_error("cannot open log file " + file.string() + ": " + std::strerror(errno));
  }
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
}

LogFileSink::~LogFileSink() {
  if (file_ != nullptr) std::fclose(file_);
}

void LogFileSink::deliver(const Event& event) {
  const auto* log = std::get_if<LogEvent>(&event);
  if (log == nullptr || (log->level < floor_ && !log->always_in_file)) return;
  line_ = log_json_line(*log);
  line_ += '\n';
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size() && error_.empty())
    error_ = "cannot write log file " + path_.string() + ": " + std::strerror(errno);
}

void LogFileSink::flush() {
  if (std::fflush(file_) != 0 && error_.empty())
    error_ = "cannot write log file " + path_.string() + ": " + std::strerror(errno);
}

}  // namespace pcs

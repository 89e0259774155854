#include "session_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "log_level.hpp"
#include "xdg_paths.hpp"

namespace pcs {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// Enough for any first or last line pc-switcher writes itself; a longer last
// line cannot be `session finished`.
constexpr std::size_t kPeekBytes = 64 * 1024;

bool digits(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool is_fixed_field(const std::string& key) {
  return key == "time" || key == "level" || key == "job" || key == "host" || key == "message";
}

std::string json_error(const std::exception& e) {
  // Drop nlohmann's "[json.exception.parse_error.101] " prefix: it means nothing to a user.
  std::string what = e.what();
  const auto close = what.find("] ");
  return what.starts_with("[json.exception") && close != std::string::npos ? what.substr(close + 2) : what;
}

bool is_sync_log(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 9 && name.starts_with("sync-") && name.ends_with(".log");
}

std::string id_of(const fs::path& file) {
  std::string id = session_id_from_file_name(file);
  if (!id.empty()) return id;
  const std::string name = file.filename().string();
  return name.substr(5, name.size() - 9);  // is_sync_log() guarantees the affixes
}

// The sync-*.log files in `dir`, newest first.
std::vector<fs::path> session_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return files;
  fs::directory_iterator it(dir, ec);
  if (ec)
    throw std::runtime_error(fmt::format("cannot read {}: {}; check its permissions", dir.string(), ec.message()));
  for (const auto& entry : it)
    if (is_sync_log(entry.path()) && entry.is_regular_file(ec)) files.push_back(entry.path());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() > b.filename(); });
  return files;
}

std::string extra_text(const LogEvent& e, std::string_view key) {
  const LogExtra* x = find_extra(e, key);
  return x ? x->value : std::string();
}

std::string first_line(std::ifstream& in) {
  std::string buf(kPeekBytes, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  if (const auto nl = buf.find('\n'); nl != std::string::npos) buf.resize(nl);
  return buf;
}

std::string last_line(std::ifstream& in) {
  in.clear();
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size <= 0) return {};
  const std::streamoff start = std::max<std::streamoff>(0, size - static_cast<std::streamoff>(kPeekBytes));
  std::string buf(static_cast<std::size_t>(size - start), '\0');
  in.seekg(start);
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  while (!buf.empty() && (buf.back() == '\n' || buf.back() == '\r')) buf.pop_back();
  const auto nl = buf.rfind('\n');
  if (nl == std::string::npos) return start == 0 ? buf : std::string();
  return buf.substr(nl + 1);
}

EventTime time_from_name(const fs::path& file) {
  const std::string name = file.filename().string();
  if (!session_id_from_file_name(file).empty()) {
    const std::string s = name.substr(5, 16);  // YYYYmmddTHHMMSSZ
    const std::string iso = s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" + s.substr(9, 2) + ":" +
                            s.substr(11, 2) + ":" + s.substr(13, 2) + "Z";
    if (auto t = parse_log_time(iso)) return *t;
  }
  std::error_code ec;
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) return {};
  return std::chrono::time_point_cast<EventTime::duration>(std::chrono::file_clock::to_sys(mtime));
}

SessionInfo summarize(const fs::path& file, bool newest) {
  SessionInfo info;
  info.file = file;
  info.id = id_of(file);
  info.started = time_from_name(file);
  std::ifstream in(file, std::ios::binary);
  if (in) {
    if (auto start = parse_log_line(first_line(in)); start && is_session_start(*start)) {
      info.has_start = true;
      info.started = start->time;
      info.source = extra_text(*start, "source");
      info.target = extra_text(*start, "target");
      info.version = extra_text(*start, "version");
      info.dry_run = extra_text(*start, "dry_run") == "true";
    }
    if (auto finish = parse_log_line(last_line(in)); finish && is_session_finish(*finish)) {
      info.status = extra_text(*finish, "status");
      if (info.status.empty()) info.status = "finished";
      try {
        if (const LogExtra* x = find_extra(*finish, "exit_code")) info.exit_code = std::stoi(x->value);
        if (const LogExtra* x = find_extra(*finish, "duration_s")) info.duration_s = std::stod(x->value);
      } catch (const std::exception&) {
        // A garbled number is left out; the status still says how it ended.
      }
    }
  }
  if (info.status.empty()) info.status = newest ? "running" : "unfinished";
  return info;
}

}  // namespace

std::optional<EventTime> parse_log_time(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  std::size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    int scale = 100;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) ms += (s[pos] - '0') * scale;
  }
  int offset_min = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return std::nullopt;
    offset_min = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  // Years 1678..2261: EventTime (nanoseconds since 1970 in 64 bits) holds no others.
  if (pos != s.size() || !ymd.ok() || y < 1678 || y > 2261 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{ms} - minutes{offset_min};
  return time_point_cast<EventTime::duration>(tp);
}

std::optional<LogEvent> parse_log_line(std::string_view line, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<LogEvent> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    return fail("not JSON: " + json_error(e));
  }
  if (!j.is_object()) return fail("not a JSON object");
  LogEvent e;
  const auto time = j.find("time");
  std::optional<EventTime> t;
  if (time == j.end() || !time->is_string() || !(t = parse_log_time(time->get_ref<const std::string&>())))
    return fail(R"("time" is missing or not a time like "2026-11-29T10:15:30.123+00:00")");
  e.time = *t;
  const auto level = j.find("level");
  std::optional<pcs_log_level> lv;
  if (level == j.end() || !level->is_string() || !(lv = parse_log_level(level->get_ref<const std::string&>())))
    return fail(R"("level" is missing or not one of )" + log_level_names());
  e.level = *lv;
  const auto message = j.find("message");
  if (message == j.end() || !message->is_string()) return fail(R"("message" is missing or not a string)");
  e.message = message->get<std::string>();
  if (const auto job = j.find("job"); job != j.end()) {
    if (!job->is_string()) return fail(R"("job" is not a string)");
    e.job = job->get<std::string>();
  }
  if (const auto host = j.find("host"); host != j.end()) {
    const std::string h = host->is_string() ? host->get<std::string>() : std::string("?");
    if (h == "source")
      e.machine = Machine::Source;
    else if (h == "target")
      e.machine = Machine::Target;
    else
      return fail(R"("host" is not "source" or "target")");
  }
  for (const auto& [key, value] : j.items()) {
    if (is_fixed_field(key)) continue;
    if (value.is_string())
      e.extras.push_back({key, value.get<std::string>(), false});
    else
      e.extras.push_back({key, value.dump(-1, ' ', false, json::error_handler_t::replace), true});
  }
  return e;
}

const LogExtra* find_extra(const LogEvent& event, std::string_view key) {
  for (const LogExtra& x : event.extras)
    if (x.key == key) return &x;
  return nullptr;
}

bool is_session_start(const LogEvent& e) { return e.job.empty() && e.message == "session started"; }
bool is_session_finish(const LogEvent& e) { return e.job.empty() && e.message == "session finished"; }

fs::path session_logs_dir() { return data_dir() / "logs"; }

std::string session_id_from_file_name(const fs::path& file) {
  // sync-20261129T101530Z-<id>.log
  const std::string name = file.filename().string();
  constexpr std::size_t kPrefix = 5 + 16 + 1;
  if (name.size() <= kPrefix + 4 || !name.starts_with("sync-") || !name.ends_with(".log") || name[13] != 'T' ||
      name[20] != 'Z' || name[21] != '-')
    return {};
  return name.substr(kPrefix, name.size() - kPrefix - 4);
}

std::vector<SessionInfo> list_sessions(const fs::path& dir, std::size_t limit) {
  const std::vector<fs::path> files = session_files(dir);
  const std::size_t n = limit == 0 ? files.size() : std::min(limit, files.size());
  std::vector<SessionInfo> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(summarize(files[i], i == 0));
  return out;
}

SessionInfo find_session(const fs::path& dir, std::string_view query) {
  if (query.empty()) throw SessionLookupError("the session id is empty", {});
  const std::vector<fs::path> files = session_files(dir);
  std::vector<std::size_t> matches;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string id = id_of(files[i]);
    if (id == query) return summarize(files[i], i == 0);
    if (id.starts_with(query)) matches.push_back(i);
  }
  if (matches.size() == 1) return summarize(files[matches[0]], matches[0] == 0);
  if (matches.empty()) throw SessionLookupError(fmt::format("no session '{}' in {}", query, dir.string()), {});
  std::vector<std::string> ids;
  for (std::size_t i : matches) ids.push_back(id_of(files[i]));
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  std::string what =
      fmt::format("session id prefix '{}' matches {} sessions ({}); give more of the id", query, ids.size(), list);
  throw SessionLookupError(what, std::move(ids));
}

LogReader::LogReader(const fs::path& file) : path_(file) {
  fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open log file " + file.string() + ": " + std::strerror(errno));
}

LogReader::~LogReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogReader::handle(std::string_view text, const LogLineHandler& on_line, const LogErrorHandler& on_error) {
  ++line_no_;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.find_first_not_of(" \t") == std::string_view::npos) return true;
  std::string why;
  const std::optional<LogEvent> event = parse_log_line(text, &why);
  if (!event) {
    if (on_error) on_error(fmt::format("{}:{}: {}; line skipped", path_.string(), line_no_, why));
    return true;
  }
  return on_line(LogLine{line_no_, text, *event});
}

bool LogReader::read(const LogLineHandler& on_line, const LogErrorHandler& on_error, bool at_end) {
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot read log file " + path_.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    pending_.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!handle(std::string_view(pending_).substr(start, nl - start), on_line, on_error)) {
        pending_.erase(0, nl + 1);
        return false;
      }
    }
    pending_.erase(0, start);
  }
  if (at_end && !pending_.empty()) {
    const std::string last = std::exchange(pending_, {});
    return handle(last, on_line, on_error);
  }
  return true;
}

}  // namespace pcs

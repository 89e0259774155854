#include "log_file_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "log_level.hpp"
#include "redact.hpp"
#include "utf8.hpp"
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

// The extra's key in the line: one named like a fixed field gets a prefix.
std::string_view extra_key(const std::string& key) {
  switch (key.size()) {
    case 3:
      if (key == "job") return "extra_job";
      break;
    case 4:
      if (key == "time") return "extra_time";
      if (key == "host") return "extra_host";
      break;
    case 5:
      if (key == "level") return "extra_level";
      break;
    case 7:
      if (key == "message") return "extra_message";
      break;
    default:
      break;
  }
  return key;
}

// The reference: what log_json_line() wrote before it wrote JSON itself, and
// what it still falls back to for a line whose extras repeat a key.
std::string nlohmann_line(const LogEvent& e) {
  nlohmann::ordered_json j;
  j["time"] = format_utc_time(e.time);
  j["level"] = log_level_name(e.level);
  j["job"] = e.job;
  if (e.machine != Machine::None) j["host"] = machine_name(e.machine);
  j["message"] = redacted(e.message);
  for (const LogExtra& x : e.extras) {
    const std::string key(extra_key(x.key));
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

// An ordered_json object keeps a repeated key at its first place with its
// last value; such lines are rare enough to be left to nlohmann.
bool repeats_a_key(const std::vector<LogExtra>& extras) {
  for (std::size_t i = 1; i < extras.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (extra_key(extras[i].key) == extra_key(extras[k].key)) return true;
  return false;
}

// Bytes a JSON string holds as they are: printable ASCII but '"' and '\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// Writes a line into a buffer whose size only grows: [0, pos) is the line so
// far, the rest is room. So a reused buffer is written with plain stores,
// without std::string::append's call and checks per fragment, and grown
// (zero-filled) only while lines get longer.
class JsonWriter {
 public:
  JsonWriter(std::string& buf, std::size_t pos) : buf_(buf), pos_(pos) {}
  std::size_t pos() const { return pos_; }

  void raw(std::string_view s) {
    if (s.empty()) return;  // an empty view may hold nullptr, which memcpy must not get
    std::memcpy(room(s.size()), s.data(), s.size());
    pos_ += s.size();
  }
  void raw(char c) {
    *room(1) = c;
    ++pos_;
  }
  // `s` as a JSON string, exactly as nlohmann's dump(-1, ' ', false, replace)
  // writes it: short escapes for \b \t \n \f \r " and backslash, \u00xx for
  // the other control characters, everything else (DEL, UTF-8) as is.
  void string(std::string_view s) {
    const auto* b = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t i = 0;
    while (i < s.size() && kPlain[b[i]]) ++i;
    if (i < s.size() && !valid_utf8(s.substr(i))) {  // rare: nlohmann places the replacement characters
      raw(nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    char* const start = room(6 * (s.size() - i) + i + 2);  // \u00xx is the longest escape
    char* p = start;
    *p++ = '"';
    if (i > 0) std::memcpy(p, s.data(), i);
    p += i;
    static constexpr char kHex[] = "0123456789abcdef";
    for (; i < s.size(); ++i) {
      const unsigned char c = b[i];
      if (c >= 0x20 && c != '"' && c != '\\') {
        *p++ = static_cast<char>(c);
        continue;
      }
      *p++ = '\\';
      switch (c) {
        case '"':
          *p++ = '"';
          break;
        case '\\':
          *p++ = '\\';
          break;
        case '\b':
          *p++ = 'b';
          break;
        case '\t':
          *p++ = 't';
          break;
        case '\n':
          *p++ = 'n';
          break;
        case '\f':
          *p++ = 'f';
          break;
        case '\r':
          *p++ = 'r';
          break;
        default:
          *p++ = 'u';
          *p++ = '0';
          *p++ = '0';
          *p++ = kHex[c >> 4];
          *p++ = kHex[c & 0xF];
      }
    }
    *p++ = '"';
    pos_ += static_cast<std::size_t>(p - start);
  }

  void string_redacted(const std::string& s) {
    if (has_url_credentials(s))
      string(redact_credentials(s));
    else
      string(s);
  }

  // What nlohmann writes for a JSON extra: the value re-dumped, or the text as
  // a string when it is not JSON.
  void json_value(const std::string& text) {
    if (!has_url_credentials(text) && verbatim_json(text)) {
      raw(text);
      return;
    }
    const std::string value = redacted(text);
    auto v = nlohmann::ordered_json::parse(value, nullptr, false);
    if (v.is_discarded())
      string(value);
    else
      raw(v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  }

 private:
  // Text nlohmann would dump back unchanged: an integer that surely fits in
  // int64 (no "-0", no leading zeros), true, false or null.
  static bool verbatim_json(std::string_view v) {
    if (v == "true" || v == "false" || v == "null") return true;
    std::size_t i = v.starts_with('-') ? 1 : 0;
    const std::size_t digits = v.size() - i;
    if (digits == 0 || digits > 18) return false;
    if (v[i] == '0') return digits == 1 && i == 0;
    for (; i < v.size(); ++i)
      if (v[i] < '0' || v[i] > '9') return false;
    return true;
  }

  char* room(std::size_t n) {
    if (buf_.size() - pos_ < n) buf_.resize(std::max(pos_ + n, 2 * buf_.size()));
    return buf_.data() + pos_;
  }

  std::string& buf_;
  std::size_t pos_;
};

void write_time(JsonWriter& w, EventTime time, std::int64_t& cached_second, std::string& cached_text) {
  const auto since = time.time_since_epoch();
  const auto secs = std::chrono::floor<std::chrono::seconds>(since);
  const auto ms = static_cast<unsigned>(std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count());
  if (cached_text.empty() || cached_second != secs.count()) {
    const std::string full = format_utc_time(EventTime(std::chrono::duration_cast<EventTime::duration>(secs)));
    cached_text.assign(full, 0, full.size() - 10);  // without ".000+00:00"
    cached_second = secs.count();
  }
  w.raw(cached_text);
  char tail[] = ".000+00:00";
  tail[1] = static_cast<char>('0' + ms / 100);
  tail[2] = static_cast<char>('0' + ms / 10 % 10);
  tail[3] = static_cast<char>('0' + ms % 10);
  w.raw(std::string_view(tail, sizeof tail - 1));
}

void write_line(JsonWriter& w, const LogEvent& e, std::int64_t& cached_second, std::string& cached_text) {
  if (repeats_a_key(e.extras)) {
    w.raw(nlohmann_line(e));
    return;
  }
  w.raw("{\"time\":\"");
  write_time(w, e.time, cached_second, cached_text);
  w.raw("\",\"level\":");
  w.string(log_level_name(e.level));
  w.raw(",\"job\":");
  w.string(e.job);
  if (e.machine != Machine::None) {
    w.raw(",\"host\":");
    w.string(machine_name(e.machine));
  }
  w.raw(",\"message\":");
  w.string_redacted(e.message);
  for (const LogExtra& x : e.extras) {
    w.raw(',');
    w.string(extra_key(x.key));
    w.raw(':');
    if (x.is_json)
      w.json_value(x.value);
    else
      w.string_redacted(x.value);
  }
  w.raw('}');
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
  std::string out;
  std::int64_t second = 0;
  std::string text;
  JsonWriter w(out, 0);
  write_line(w, e, second, text);
  out.resize(w.pos());
  return out;
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
  JsonWriter w(line_, 0);
  write_line(w, *log, time_second_, time_text_);
  w.raw('\n');
  if (std::fwrite(line_.data(), 1, w.pos(), file_) != w.pos() && error_.empty())
    error_ = "cannot write log file " + path_.string() + ": " + std::strerror(errno);
}

void LogFileSink::flush() {
  if (std::fflush(file_) != 0 && error_.empty())
    error_ = "cannot write log file " + path_.string() + ": " + std::strerror(errno);
}

}  // namespace pcs

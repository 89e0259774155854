// Where a session's snapshots live and which sessions retention removes.
//
//   <snapshot_dir>/<UTC YYYYmmddTHHMMSSZ>-<session id>/{pre,post}-<subvolume>
//
// A subvolume name with '/' in it ("@/var") is written with '_' instead in the
// snapshot's name. Only folders with exactly this shape are ever touched.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace btrfs_snapshots {

// "20261129T130839Z"
inline std::string utc_stamp(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

inline std::string session_folder(std::chrono::system_clock::time_point t, const std::string& session_id) {
  return utc_stamp(t) + "-" + session_id;
}

inline std::string snapshot_name(const std::string& phase, const std::string& subvolume) {
  std::string s = subvolume;
  std::replace(s.begin(), s.end(), '/', '_');
  return phase + "-" + s;
}

struct SessionFolder {
  std::string name;
  std::chrono::system_clock::time_point time;
  std::string session_id;
};

// The folder's time and session id, when `name` has the exact shape.
inline std::optional<SessionFolder> parse_session_folder(const std::string& name) {
  // 16 characters of stamp, '-', 8 lowercase hex
  if (name.size() != 25 || name[8] != 'T' || name[15] != 'Z' || name[16] != '-') return std::nullopt;
  for (int i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14})
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
  for (std::size_t i = 17; i < 25; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i])) || std::isupper(static_cast<unsigned char>(name[i])))
      return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(name.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(name.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(name.substr(6, 2));
  tm.tm_hour = std::stoi(name.substr(9, 2));
  tm.tm_min = std::stoi(name.substr(11, 2));
  tm.tm_sec = std::stoi(name.substr(13, 2));
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  return SessionFolder{name, std::chrono::system_clock::from_time_t(::timegm(&tm)), name.substr(17)};
}

// The session folders retention deletes: everything but the `keep_recent`
// newest (by the time in the name; sessions started within the same second,
// which the two locks make all but impossible, are ordered by id) and the
// current session; with
// `max_age_days` set, only those of them older than that.
inline std::vector<std::string> retention_victims(const std::vector<std::string>& names, int keep_recent,
                                                  std::optional<int> max_age_days,
                                                  std::chrono::system_clock::time_point now,
                                                  const std::string& current_session_id) {
  std::vector<SessionFolder> folders;
  for (const auto& n : names)
    if (auto f = parse_session_folder(n)) folders.push_back(*f);
  std::sort(folders.begin(), folders.end(), [](const SessionFolder& a, const SessionFolder& b) {
    return a.time != b.time ? a.time > b.time : a.name > b.name;
  });
  std::vector<std::string> victims;
  for (std::size_t i = 0; i < folders.size(); ++i) {
    if (static_cast<int>(i) < std::max(1, keep_recent) || folders[i].session_id == current_session_id) continue;
    if (max_age_days && now - folders[i].time < std::chrono::hours(24) * *max_age_days) continue;
    victims.push_back(folders[i].name);
  }
  return victims;
}

// An age for `cleanup-snapshots --older-than`: a whole number and one of
// d (days), w (weeks), mo (months of 30 days), y (years of 365 days). "m" is
// refused: it reads as minutes as easily as months. Sets `error` when invalid.
inline std::optional<std::chrono::hours> parse_age(const std::string& text, std::string& error) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  if (digits == 0 || digits > 5) {
    error = "--older-than " + text + ": expected a number and a unit, e.g. 7d, 2w, 3mo or 1y";
    return std::nullopt;
  }
  const long n = std::stol(text.substr(0, digits));
  long days = 0;
  if (unit == "d")
    days = n;
  else if (unit == "w")
    days = 7 * n;
  else if (unit == "mo")
    days = 30 * n;
  else if (unit == "y")
    days = 365 * n;
  else if (unit == "m" || unit == "M") {
    error = "--older-than " + text + ": 'm' could mean minutes or months; write " + std::to_string(n) +
            "mo for months (30 days each) or " + std::to_string(n * 30) + "d";
    return std::nullopt;
  } else {
    error = "--older-than " + text + ": unknown unit '" + unit + "'; use d (days), w (weeks), mo (months) or y (years)";
    return std::nullopt;
  }
  if (days == 0) {
    error = "--older-than " + text + ": must be at least 1d";
    return std::nullopt;
  }
  return std::chrono::hours(24 * days);
}

// The session folders `cleanup-snapshots --older-than AGE` deletes: those
// older than `age`, except the `keep_recent` newest, which always stay.
inline std::vector<std::string> older_than_victims(const std::vector<std::string>& names, int keep_recent,
                                                   std::chrono::hours age, std::chrono::system_clock::time_point now) {
  std::vector<SessionFolder> folders;
  for (const auto& n : names)
    if (auto f = parse_session_folder(n)) folders.push_back(*f);
  std::sort(folders.begin(), folders.end(), [](const SessionFolder& a, const SessionFolder& b) {
    return a.time != b.time ? a.time > b.time : a.name > b.name;
  });
  std::vector<std::string> victims;
  for (std::size_t i = 0; i < folders.size(); ++i)
    if (static_cast<int>(i) >= std::max(1, keep_recent) && now - folders[i].time > age)
      victims.push_back(folders[i].name);
  return victims;
}

// The session folder of session `id` (8 hex characters, or a folder name).
inline std::optional<SessionFolder> find_session(const std::vector<std::string>& names, const std::string& id) {
  for (const auto& n : names)
    if (auto f = parse_session_folder(n); f && (f->session_id == id || f->name == id)) return f;
  return std::nullopt;
}

}  // namespace btrfs_snapshots

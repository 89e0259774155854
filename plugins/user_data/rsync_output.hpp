// rsync's output, as the user_data job runs it (--info=progress2,
// --out-format='%i %n%L', --no-inc-recursive), split into what it means.
// rsync redraws its progress line with '\r', so the stream is cut at both
// '\r' and '\n'. Header-only, no I/O; fed in whatever pieces arrive.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace user_data {

struct Progress {
  std::uint64_t bytes = 0;    // transferred so far
  int percent = 0;            // rsync's own (of bytes), kept for the log only
  std::string rate;           // "12.34MB/s"
  std::uint64_t checked = 0;  // files checked (total - to_check)
  std::uint64_t total = 0;    // files in the transfer (0 until known)
};

struct Line {
  enum Kind { kProgress, kItem, kDeletion, kOther } kind = kOther;
  std::string text;          // the whole line
  std::string path;          // kItem / kDeletion: the name as rsync printed it (escaped)
  Progress progress;         // kProgress
  bool transferred = false;  // kItem: file content sent ('<' or '>' with 'f')
};

// "   1,234,567  45%   12.34MB/s    0:00:12 (xfr#12, to-chk=345/1000)"
inline std::optional<Progress> parse_progress(const std::string& line) {
  static const std::regex re(
      R"(^\s*([\d,]+)\s+(\d+)%\s+(\S+)\s+\d+:\d+:\d+(?:\s+\(xfr#\d+,\s+(?:to|ir)-chk=(\d+)/(\d+)\))?\s*$)");
  std::smatch m;
  if (!std::regex_match(line, m, re)) return std::nullopt;
  Progress p;
  std::string digits;
  for (char c : m[1].str())
    if (c != ',') digits += c;
  if (digits.empty()) return std::nullopt;  // only commas
  try {
    p.bytes = std::stoull(digits);
    p.percent = std::stoi(m[2]);
    if (m[4].matched) {
      p.total = std::stoull(m[5]);
      const auto to_check = std::stoull(m[4]);
      p.checked = to_check > p.total ? 0 : p.total - to_check;
    }
  } catch (const std::out_of_range&) {
    return std::nullopt;  // a number beyond 64 bits: not a line rsync writes
  }
  p.rate = m[3];
  return p;
}

// One line of stdout.
inline Line classify(const std::string& text) {
  Line l;
  l.text = text;
  if (auto p = parse_progress(text)) {
    l.kind = Line::kProgress;
    l.progress = *p;
    return l;
  }
  if (text.rfind("*deleting ", 0) == 0) {
    l.kind = Line::kDeletion;
    std::size_t at = 10;
    while (at < text.size() && text[at] == ' ') ++at;
    l.path = text.substr(at);
    return l;
  }
  // %i is 11 characters: YXcstpoguax, Y in <>ch.*, X in fdLDS
  if (text.size() > 12 && text[11] == ' ' && std::string("<>ch.").find(text[0]) != std::string::npos &&
      std::string("fdLDS").find(text[1]) != std::string::npos) {
    l.kind = Line::kItem;
    l.path = text.substr(12);
    l.transferred = (text[0] == '<' || text[0] == '>') && text[1] == 'f';
    return l;
  }
  return l;
}

// Cuts a byte stream into lines at '\r' and '\n'.
class LineSplitter {
 public:
  std::vector<std::string> feed(const std::string& bytes) {
    std::vector<std::string> out;
    for (char c : bytes) {
      if (c == '\r' || c == '\n') {
        if (!pending_.empty()) out.push_back(std::move(pending_));
        pending_.clear();
      } else {
        pending_ += c;
      }
    }
    return out;
  }
  std::optional<std::string> finish() {
    if (pending_.empty()) return std::nullopt;
    return std::exchange(pending_, {});
  }

 private:
  std::string pending_;
};

// rsync's "Deletions stopped due to --max-delete limit (N skipped)".
inline std::optional<std::uint64_t> skipped_deletions(const std::string& stderr_text) {
  static const std::regex re(R"(--max-delete limit \((\d+) skipped\))");
  std::smatch m;
  if (!std::regex_search(stderr_text, m, re)) return std::nullopt;
  try {
    return std::stoull(m[1]);
  } catch (const std::out_of_range&) {
    return std::numeric_limits<std::uint64_t>::max();  // more than 64 bits count: at least that many
  }
}

}  // namespace user_data

// rsync's stdout and stderr as the user_data job reads them
// (plugins/user_data/rsync_output.hpp). The first byte says in pieces of
// which size the stream arrives; the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "user_data/rsync_output.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] % 32 + 1;
  const std::string stream(reinterpret_cast<const char*>(data) + 1, size - 1);

  user_data::LineSplitter splitter;
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < stream.size(); at += piece)
    for (auto& line : splitter.feed(stream.substr(at, piece))) lines.push_back(std::move(line));
  if (auto last = splitter.finish()) lines.push_back(std::move(*last));

  for (const auto& text : lines) {
    // The splitter never hands out an empty line or one with a line break in it.
    if (text.empty() || text.find_first_of("\r\n") != std::string::npos) __builtin_trap();
    const user_data::Line line = user_data::classify(text);
    if (line.kind == user_data::Line::kProgress && line.progress.checked > line.progress.total) __builtin_trap();
  }
  (void)user_data::skipped_deletions(stream);
  return 0;
}

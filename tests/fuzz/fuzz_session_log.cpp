// The session-log reader (core/session_log.hpp): the input is a log file's
// content. Each line goes through parse_log_line (and its time field through
// parse_log_time) as `pc-switcher logs` replays it; the file itself is also
// read the ways the CLI reads it: LogReader (replay) and list_sessions
// (first line, last 64 KiB) on a copy in a temporary directory.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "session_log.hpp"

namespace {

std::filesystem::path dir;

void remove_dir() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string templ = (std::filesystem::temp_directory_path() / "fuzz_session_log.XXXXXX").string();
  if (!::mkdtemp(templ.data())) std::abort();
  dir = templ;
  std::atexit(remove_dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    std::string why;
    if (const auto event = pcs::parse_log_line(line, &why)) {
      (void)pcs::is_session_start(*event);
      (void)pcs::is_session_finish(*event);
      (void)pcs::find_extra(*event, "status");
    } else if (why.empty()) {
      __builtin_trap();  // a rejected line always says why
    }
    (void)pcs::parse_log_time(line);
    start = end + 1;
  }

  const auto file = dir / "sync-20260101T000000Z-fuzz.log";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  pcs::LogReader reader(file);
  reader.read([](const pcs::LogLine& l) { return !l.text.empty(); }, [](const std::string&) {}, /*at_end=*/true);
  for (const auto& info : pcs::list_sessions(dir))
    if (info.id != "fuzz" || info.status.empty()) __builtin_trap();
  return 0;
}

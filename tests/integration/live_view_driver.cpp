// Drives a LiveView on stdout through a scripted session for
// live_view_tmux_test.sh: steps, two jobs with progress (one on a track),
// warnings, an error, log lines, a question asked while the view is
// suspended, then finish() and a summary.
//
// Usage: live_view_driver HOLD_MARKER RELEASE_MARKER
// HOLD_MARKER is created once the mid-run state is on screen; the state is
// then held (kept alive by heartbeats) until RELEASE_MARKER exists, so the
// script can look however slow the machine is (30 s at most).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "event_bus.hpp"
#include "live_view.hpp"
#include "text_sink.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

pcs::LogEvent log(pcs_log_level level, std::string job, std::string message) {
  return pcs::LogEvent{Clock::now(), level, std::move(job), pcs::Machine::Target, std::move(message), {}};
}

pcs::ProgressEvent progress(std::string job, std::string track, std::uint32_t fields) {
  pcs::ProgressEvent p;
  p.time = Clock::now();
  p.job = std::move(job);
  p.track = std::move(track);
  p.fields = fields | (p.track.empty() ? 0u : PCS_PROGRESS_TRACK);
  return p;
}

void publish_progress(pcs::EventBus& bus, int i) {
  auto home = progress("user_data", "home", PCS_PROGRESS_PERCENT | PCS_PROGRESS_ITEM);
  home.percent = 2 * i;
  // Far wider than the terminal: the view must cut it.
  home.item = "home/user/d\xc3\xa9j\xc3\xa0-vu/" + std::string(120, 'x') + "/file" + std::to_string(i);
  bus.publish(home);
  auto pkgs = progress("packages", "", PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL | PCS_PROGRESS_ITEM);
  pkgs.current = i;
  pkgs.total = 100;
  pkgs.item = "pkg-" + std::to_string(i);
  bus.publish(pkgs);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: live_view_driver HOLD_MARKER RELEASE_MARKER\n");
    return 2;
  }
  pcs::LiveViewOptions options;
  options.color = pcs::use_color(1);
  auto view = std::make_shared<pcs::LiveView>(stdout, options);
  pcs::EventBus bus({view});

  bus.publish(log(PCS_LOG_INFO, "", "log line 1: starting"));
  bus.publish(pcs::StepEvent{Clock::now(), "connect", "1/9"});
  bus.publish(pcs::ConnectionEvent{Clock::now(), pcs::ConnectionState::Connected, "sandbox", ""});
  bus.publish(pcs::StepEvent{Clock::now(), "user_data", "6/9"});
  bus.publish(pcs::JobStateEvent{Clock::now(), "user_data", pcs::JobState::Running, ""});
  bus.publish(pcs::JobStateEvent{Clock::now(), "packages", pcs::JobState::Running, ""});
  bus.publish(log(PCS_LOG_DEBUG, "packages", "below the floor: never shown"));
  for (int i = 0; i <= 20; ++i) {
    publish_progress(bus, i);
    if (i == 5) bus.publish(log(PCS_LOG_WARNING, "user_data", "log line 2: disk 80% full"));
    if (i == 10) bus.publish(log(PCS_LOG_INFO, "packages", "log line 3: installed nginx"));
    if (i == 12) bus.publish(log(PCS_LOG_WARNING, "packages", "log line 4: held back 1 package"));
    if (i == 15) bus.publish(log(PCS_LOG_ERROR, "user_data", "log line 5: one file unreadable"));
    std::this_thread::sleep_for(50ms);
  }
  // Heartbeats keep the view redrawing while nothing else happens.
  for (int beat = 0; beat < 300 && !std::filesystem::exists(argv[2]); ++beat) {
    bus.publish(progress("packages", "", PCS_PROGRESS_HEARTBEAT));
    bus.flush();
    if (beat == 3) std::ofstream(argv[1]) << "holding\n";
    std::this_thread::sleep_for(100ms);
  }

  bus.flush();
  view->suspend();
  std::printf("QUESTION: carry on? yes\n");
  std::fflush(stdout);
  view->resume();

  publish_progress(bus, 50);
  bus.publish(pcs::JobStateEvent{Clock::now(), "user_data", pcs::JobState::Succeeded, ""});
  bus.publish(pcs::JobStateEvent{Clock::now(), "packages", pcs::JobState::Succeeded, ""});
  bus.publish(log(PCS_LOG_INFO, "", "log line 6: all jobs done"));
  bus.flush();
  view->finish();
  std::printf("SUMMARY: 2 jobs succeeded\n");
  bus.close();
  return 0;
}

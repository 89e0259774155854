// The live terminal view: the area rendered from events (pure, fixed clock)
// and the sink that writes log lines above it and redraws it in place.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "live_view.hpp"

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const pcs::EventTime kT0 = sys_days{year{2026} / 11 / 29} + 10h + 15min + 30s;

// text_line() shows local time.
std::string local_hms(pcs::EventTime t) {
  const std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}
const std::string kHms = local_hms(kT0);

pcs::ProgressEvent progress(std::string job, std::uint32_t fields, pcs::EventTime t, std::string track = "") {
  pcs::ProgressEvent p;
  p.time = t;
  p.job = std::move(job);
  p.track = std::move(track);
  p.fields = fields | (p.track.empty() ? 0u : PCS_PROGRESS_TRACK);
  return p;
}

pcs::ProgressEvent percent(std::string job, int pct, pcs::EventTime t, std::string track = "") {
  auto p = progress(std::move(job), PCS_PROGRESS_PERCENT, t, std::move(track));
  p.percent = pct;
  return p;
}

pcs::ProgressEvent counted(std::string job, std::int64_t current, std::int64_t total, pcs::EventTime t) {
  auto p = progress(std::move(job), PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL, t);
  p.current = current;
  p.total = total;
  return p;
}

pcs::LogEvent log(pcs_log_level level, std::string message, pcs::EventTime t = kT0) {
  return pcs::LogEvent{t, level, "packages", pcs::Machine::None, std::move(message), {}};
}

pcs::JobStateEvent job_state(std::string job, pcs::JobState s, std::string message = "") {
  return pcs::JobStateEvent{kT0, std::move(job), s, std::move(message)};
}

std::vector<std::string> render(const pcs::LiveState& st, pcs::EventTime now, int width = 120, int height = 24,
                                bool color = false) {
  return pcs::render_live_area(st, pcs::RenderContext{now, width, height, color});
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::size_t count_of(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (auto at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

// A FILE* whose contents can be read at any time.
struct Capture {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* file = ::open_memstream(&buf, &size);
  ~Capture() {
    std::fclose(file);
    std::free(buf);
  }
  std::string text() { return std::fflush(file), std::string(buf, size); }
};

pcs::LiveViewOptions fixed_options(std::chrono::milliseconds refresh = 0ms) {
  pcs::LiveViewOptions o;
  o.width = 100;
  o.height = 24;
  o.refresh = refresh;
  o.clock = [] { return kT0 + 5s; };
  return o;
}

const std::string kErase2 = "\r\x1b[2A\x1b[J";

}  // namespace

TEST_CASE("live area: the step line shows numbering from the detail", "[live_view]") {
  pcs::LiveState st;
  CHECK(render(st, kT0).empty());
  st.apply(pcs::StepEvent{kT0, "user_data", "6/9"});
  CHECK(render(st, kT0) == std::vector<std::string>{"Step 6/9 — user_data"});
  st.apply(pcs::StepEvent{kT0, "connect", ""});
  CHECK(render(st, kT0) == std::vector<std::string>{"connect"});
  CHECK(render(st, kT0, 120, 24, true).at(0) == "\x1b[1mconnect\x1b[0m");
}

TEST_CASE("live area: a bar with a percent", "[live_view]") {
  pcs::LiveState st;
  st.apply(percent("user_data", 45, kT0));
  auto item = progress("user_data", PCS_PROGRESS_ITEM, kT0 + 1s);
  item.item = "docs/a.txt";
  st.apply(item);
  const auto lines = render(st, kT0 + 10s);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "user_data  [#########...........]   45%  0:10  docs/a.txt");

  SECTION("a heartbeat keeps what was shown") {
    st.apply(progress("user_data", PCS_PROGRESS_HEARTBEAT, kT0 + 12s));
    CHECK(render(st, kT0 + 10s) == lines);
  }
  SECTION("colour marks the filled part only") {
    CHECK(contains(render(st, kT0 + 10s, 120, 24, true)[0], "[\x1b[32m#########\x1b[0m...........]"));
  }
}

TEST_CASE("live area: x of y, and an ETA from the rate since the first update", "[live_view]") {
  pcs::LiveState st;
  st.apply(counted("packages", 0, 1000, kT0));
  CHECK_FALSE(contains(render(st, kT0 + 1s)[0], "ETA"));  // no rate yet
  st.apply(counted("packages", 250, 1000, kT0 + 10s));
  CHECK(render(st, kT0 + 10s)[0] == "packages  [#####...............]   25%  250 of 1000  0:10  ETA 0:30");
  // Counts down between updates, never below zero.
  CHECK(contains(render(st, kT0 + 15s)[0], "0:15  ETA 0:25"));
  CHECK(contains(render(st, kT0 + 2min)[0], "ETA 0:00"));

  SECTION("current alone has no total, no percent and no ETA") {
    pcs::LiveState s2;
    auto p = progress("docker", PCS_PROGRESS_CURRENT, kT0);
    p.current = 7;
    s2.apply(p);
    const auto line = render(s2, kT0 + 61s)[0];
    CHECK(contains(line, "  7  1:01"));
    CHECK_FALSE(contains(line, "%"));
    CHECK_FALSE(contains(line, "ETA"));
  }
  SECTION("a count that goes back measures the rate afresh") {
    st.apply(counted("packages", 10, 1000, kT0 + 20s));
    CHECK_FALSE(contains(render(st, kT0 + 20s)[0], "ETA"));
    st.apply(counted("packages", 110, 1000, kT0 + 30s));
    CHECK(contains(render(st, kT0 + 30s)[0], "ETA 1:29"));  // 890 left at 10/s
  }
}

TEST_CASE("live area: an indeterminate bar moves with the wall clock", "[live_view]") {
  // A time at which the block is at the left end (it moves a column per 100 ms, 32 steps there and back).
  const auto t0 = kT0 - milliseconds(duration_cast<milliseconds>(kT0.time_since_epoch()).count() / 100 % 32 * 100);
  pcs::LiveState st;
  auto p = progress("docker", PCS_PROGRESS_ITEM | PCS_PROGRESS_HEARTBEAT, t0);
  p.item = "pulling images";
  st.apply(p);
  const auto at = [&](milliseconds later) { return render(st, t0 + later).at(0); };
  CHECK(contains(at(0ms), "[####                ]  0:00  pulling images"));
  CHECK(contains(at(300ms), "[   ####             ]"));
  CHECK(contains(at(1600ms), "[                ####]"));
  CHECK(contains(at(1700ms), "[               #### ]"));  // and back
  CHECK_FALSE(contains(at(300ms), "%"));

  SECTION("a running job with no progress yet has one") {
    pcs::LiveState s2;
    s2.apply(job_state("packages", pcs::JobState::Validating));
    CHECK(render(s2, kT0).empty());
    s2.apply(job_state("packages", pcs::JobState::Running));
    const auto lines = render(s2, kT0 + 3s);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("packages  [", 0) == 0);
    CHECK(lines[0].ends_with("]  0:03"));
    CHECK(contains(lines[0], "####"));
    CHECK_FALSE(contains(lines[0], "%"));
    // Its first progress replaces it, keeping the elapsed time.
    s2.apply(percent("packages", 50, kT0 + 4s));
    CHECK(render(s2, kT0 + 5s).at(0) == "packages  [##########..........]   50%  0:05");
  }
}

TEST_CASE("live area: tracks are bars of their own, grouped under their job", "[live_view]") {
  pcs::LiveState st;
  st.apply(job_state("user_data", pcs::JobState::Running));
  st.apply(percent("user_data", 10, kT0, "home"));
  st.apply(percent("docker", 20, kT0));
  st.apply(percent("user_data", 30, kT0, "srv"));
  const auto lines = render(st, kT0);
  REQUIRE(lines.size() == 3);  // the placeholder went with the first track
  CHECK(lines[0].rfind("user_data (home)  [##..", 0) == 0);
  CHECK(lines[1].rfind("user_data (srv)   [######..", 0) == 0);
  CHECK(lines[2].rfind("docker            [####..", 0) == 0);

  SECTION("a track takes the place of its job's placeholder") {
    pcs::LiveState s2;
    s2.apply(job_state("a", pcs::JobState::Running));
    s2.apply(job_state("b", pcs::JobState::Running));
    s2.apply(percent("a", 10, kT0 + 2s, "t"));
    REQUIRE(s2.bars.size() == 2);
    CHECK(s2.bars[0].track == "t");
    CHECK(s2.bars[0].started == kT0 + 2s);
    CHECK_FALSE(s2.bars[0].placeholder);
    CHECK(s2.bars[1].job == "b");
  }
}

TEST_CASE("live area: a job's bars go when it ends; late updates are ignored", "[live_view]") {
  pcs::LiveState st;
  st.apply(percent("user_data", 10, kT0, "home"));
  st.apply(percent("user_data", 20, kT0));
  st.apply(percent("docker", 20, kT0));
  for (auto end : {pcs::JobState::Succeeded, pcs::JobState::Failed, pcs::JobState::Skipped, pcs::JobState::Cancelled}) {
    pcs::LiveState s = st;
    s.apply(job_state("user_data", end));
    REQUIRE(s.bars.size() == 1);
    CHECK(s.bars[0].job == "docker");
    s.apply(percent("user_data", 30, kT0, "home"));
    CHECK(s.bars.size() == 1);
    s.apply(job_state("user_data", pcs::JobState::Running));  // run again: shown again
    CHECK(s.bars.size() == 2);
  }
}

TEST_CASE("live area: lines fit the terminal", "[live_view]") {
  CHECK(pcs::display_width("h\xc3\xa9llo \xe2\x80\x94 \x1b[31mw\x1b[0m") == 9);
  CHECK(pcs::fit_to_width("h\xc3\xa9llo w\xc3\xb6rld", 5) == "h\xc3\xa9llo");
  CHECK(pcs::fit_to_width("h\xc3\xa9llo", 2) == "h\xc3\xa9");
  CHECK(pcs::fit_to_width("\x1b[31mabcdef\x1b[0m", 3) == "\x1b[31mabc\x1b[0m");
  CHECK(pcs::fit_to_width("ab\x1b[32mcd", 2) == "ab\x1b[32m\x1b[0m");  // the escape stays whole
  CHECK(pcs::fit_to_width("\x1b[1mabc\x1b[0m", 3) == "\x1b[1mabc\x1b[0m");
  CHECK(pcs::fit_to_width("abc", 0).empty());

  pcs::LiveState st;
  st.apply(pcs::StepEvent{kT0, "sync the user's data \xe2\x80\x94 with a long name", "6/9"});
  for (int i = 0; i < 12; ++i) {
    auto p = counted("job" + std::to_string(i), i, 100, kT0);
    p.fields |= PCS_PROGRESS_ITEM;
    p.item = "d\xc3\xa9j\xc3\xa0/vu/" + std::string(60, 'x');
    st.apply(p);
  }
  st.apply(log(PCS_LOG_ERROR, "x"));
  for (bool color : {false, true}) {
    const auto lines = render(st, kT0 + 1s, 30, 6, color);
    REQUIRE(lines.size() == 5);  // height - 1
    for (const auto& line : lines) CHECK(pcs::display_width(line) <= 30);
    CHECK(lines[1].rfind("job0", 0) == 0);
    CHECK(lines[3] == "… and 10 more");
    CHECK(contains(lines[4], "errors: 1"));
  }
  CHECK(render(st, kT0, 30, 1).empty());
}

TEST_CASE("live area: warnings and errors are counted whatever the floor", "[live_view]") {
  pcs::LiveState st;
  st.apply(log(PCS_LOG_INFO, "fine"));
  CHECK(render(st, kT0).empty());
  st.apply(log(PCS_LOG_WARNING, "hmm"));
  st.apply(log(PCS_LOG_WARNING, "hmm"));
  st.apply(log(PCS_LOG_ERROR, "bad"));
  st.apply(log(PCS_LOG_CRITICAL, "worse"));
  CHECK(render(st, kT0) == std::vector<std::string>{"warnings: 2  errors: 2"});
  CHECK(render(st, kT0, 80, 24, true).at(0) == "\x1b[33mwarnings: 2\x1b[0m  \x1b[31merrors: 2\x1b[0m");
}

TEST_CASE("live view: log lines scroll above the area, which is redrawn in place", "[live_view]") {
  Capture out;
  auto opts = fixed_options();
  opts.floor = PCS_LOG_INFO;
  pcs::LiveView view(out.file, opts);
  view.deliver(log(PCS_LOG_INFO, "first"));
  view.deliver(log(PCS_LOG_DEBUG, "hidden"));
  view.deliver(pcs::StepEvent{kT0, "user_data", "6/9"});
  view.deliver(percent("user_data", 50, kT0));
  view.flush();
  const std::string bar = "user_data  [##########..........]   50%  0:05";
  const std::string first = kHms + " INFO [packages] first\n";
  CHECK(out.text() == first + "Step 6/9 — user_data\n" + bar + "\n");

  view.deliver(log(PCS_LOG_WARNING, "second"));
  view.flush();
  CHECK(out.text() == first + "Step 6/9 — user_data\n" + bar + "\n" + kErase2 + kHms +
                          " WARNING [packages] second\nStep 6/9 — user_data\n" + bar + "\nwarnings: 1  errors: 0\n");
  CHECK(count_of(out.text(), "hidden") == 0);

  const auto before = out.text().size();
  view.flush();  // nothing changed: nothing written
  CHECK(out.text().size() == before);

  view.finish();
  CHECK(out.text().substr(before) == "\r\x1b[3A\x1b[J");
  view.deliver(log(PCS_LOG_ERROR, "boom"));
  view.flush();
  CHECK(out.text().substr(before) == "\r\x1b[3A\x1b[J" + kHms + " ERROR [packages] boom\n");
  view.finish();  // idempotent
  CHECK(count_of(out.text(), "boom") == 1);
}

TEST_CASE("live view: the area is redrawn at most every refresh; log lines go out at once", "[live_view]") {
  Capture out;
  pcs::LiveView view(out.file, fixed_options(1h));
  view.deliver(percent("packages", 10, kT0));
  view.flush();
  const std::string bar10 = "packages  [##..................]   10%  0:05\n";
  CHECK(out.text() == bar10);
  view.deliver(percent("packages", 90, kT0));
  view.flush();
  CHECK(out.text() == bar10);  // not due
  view.deliver(log(PCS_LOG_INFO, "news"));
  view.flush();
  CHECK(out.text() == bar10 + "\r\x1b[1A\x1b[J" + kHms + " INFO [packages] news\n" + bar10);
  view.tick();
  CHECK(count_of(out.text(), "90%") == 0);
  view.suspend();
  view.resume();  // resume always redraws
  CHECK(count_of(out.text(), "90%") == 1);
}

TEST_CASE("live view: suspended, it writes nothing and keeps the log lines", "[live_view]") {
  Capture out;
  pcs::LiveView view(out.file, fixed_options());
  view.deliver(pcs::StepEvent{kT0, "user_data", "6/9"});
  view.deliver(percent("user_data", 50, kT0));
  view.flush();
  view.deliver(log(PCS_LOG_INFO, "before the question"));
  std::thread([&] { view.suspend(); }).join();  // from another thread, as the orchestrator does
  const std::string paused = out.text();
  CHECK(paused.ends_with(kErase2 + kHms + " INFO [packages] before the question\n"));
  view.suspend();  // nested
  view.deliver(log(PCS_LOG_INFO, "while asking"));
  view.deliver(percent("user_data", 60, kT0));
  view.flush();
  view.tick();
  std::thread([&] { view.resume(); }).join();
  CHECK(out.text() == paused);  // still suspended once
  view.resume();
  CHECK(out.text().substr(paused.size()) == kHms +
                                                " INFO [packages] while asking\nStep 6/9 — user_data\n"
                                                "user_data  [############........]   60%  0:05\n");
  view.resume();  // unbalanced: ignored
}

TEST_CASE("live view: finish() while suspended waits for resume(); the buffer is bounded", "[live_view]") {
  Capture out;
  pcs::LiveView view(out.file, fixed_options());
  view.deliver(percent("packages", 10, kT0));
  view.flush();
  view.suspend();
  const auto paused = out.text().size();
  for (int i = 0; i < 10'005; ++i) view.deliver(log(PCS_LOG_INFO, "line " + std::to_string(i)));
  view.finish();
  view.flush();
  CHECK(out.text().size() == paused);
  view.resume();
  const auto text = out.text().substr(paused);
  CHECK(count_of(text, "\n") == 10'001);
  CHECK(text.ends_with("line 9999\n(5 more log lines while the view was paused: see the log file)\n"));
  CHECK_FALSE(contains(text, "packages  ["));  // finished: no area any more
}

TEST_CASE("live view: text from plugins cannot drive the terminal", "[live_view]") {
  Capture out;
  pcs::LiveView view(out.file, fixed_options());
  auto p = progress("j\x1b[2J", PCS_PROGRESS_ITEM, kT0);
  p.item =
      "a\rb\tc\xc2\x9b"
      "1A https://me:pw@host/x";
  view.deliver(p);
  view.deliver(log(PCS_LOG_INFO, "two\nlines \x1b[2J"));
  view.flush();
  const auto text = out.text();
  CHECK(contains(text, "j?[2J  ["));
  CHECK(contains(text, "a?b c?1A https://***@host/x"));
  CHECK(contains(text, "two\nlines ?[2J\n"));
  CHECK(count_of(text, "\x1b") == 0);
}

TEST_CASE("live view: as a sink of the event bus", "[live_view]") {
  Capture out;
  auto view = std::make_shared<pcs::LiveView>(out.file, fixed_options(100ms));
  {
    pcs::EventBus bus({view});
    bus.publish(pcs::ConnectionEvent{kT0, pcs::ConnectionState::Connected, "desktop", ""});
    bus.publish(pcs::StepEvent{kT0, "packages", "7/9"});
    bus.publish(job_state("packages", pcs::JobState::Running));
    for (int i = 0; i <= 100; ++i) bus.publish(counted("packages", i, 100, kT0 + seconds(i)));
    bus.publish(log(PCS_LOG_INFO, "installed nginx"));
    bus.publish(job_state("packages", pcs::JobState::Succeeded));
    bus.flush();
    view->finish();
  }
  const auto text = out.text();
  CHECK(count_of(text, "connection to desktop connected") == 1);
  CHECK(count_of(text, "installed nginx") == 1);
  CHECK(count_of(text, "succeeded") == 0);  // job outcomes are the session's own log lines
  // The area is gone: after the last erase, at most log lines that were still queued.
  const auto after_erase = text.substr(text.rfind("\x1b[J"));
  CHECK(after_erase.find("Step ") == std::string::npos);
  CHECK(after_erase.find("packages ") == std::string::npos);
  CHECK(view->state().bars.empty());
}

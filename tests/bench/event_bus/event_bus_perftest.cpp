// event_bus_perftest: does emitting 1,000,000 progress and 100,000 log events
// slow a job down? A C++ SDK job (the bench_bus plugin, bench_bus_job.cpp,
// loaded and called through a real JobHost as the host will) runs a fixed hash loop, interleaved with
// _report_progress / _log calls ("loud") or with those calls switched off
// ("quiet"). In both, the job's services publish to an EventBus with the log
// file sink (floor DEBUG, every log event written) and the text sink (floor
// INFO) attached. There is no live terminal UI yet: the text sink writes to
// /dev/null. Runs alternate (quiet/loud, then loud/quiet); medians of the
// job's execute() time are compared. Goal: loud <= 1.05 x quiet.
//
//   event_bus_perftest [--runs N] [--work K]   (K: hash rounds per progress event)
//
// Exit status 1 only when the log file does not hold exactly the 100,000 lines.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "event_bus.hpp"
#include "job_events.hpp"
#include "local_executor.hpp"
#include "log_file_sink.hpp"
#include "plugin_loader.hpp"
#include "text_sink.hpp"

namespace {

constexpr int kProgressEvents = 1'000'000;
constexpr int kLogEvery = 10;  // 100,000 log events
int g_work = 1000;

struct Counter : pcs::EventSink {
  std::uint64_t progress = 0, logs = 0;
  void deliver(const pcs::Event& e) override {
    if (std::holds_alternative<pcs::ProgressEvent>(e)) ++progress;
    if (std::holds_alternative<pcs::LogEvent>(e)) ++logs;
  }
};

struct Run {
  double execute_s = 0;
  double drain_s = 0;  // close() after execute: what the sinks still had to do
  std::uint64_t delivered_progress = 0, delivered_logs = 0, file_lines = 0, dropped = 0;
};

std::uint64_t count_lines(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return static_cast<std::uint64_t>(
      std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

Run run_once(const pcs_plugin* plugin, bool emit, const std::filesystem::path& dir) {
  const std::string config =
      std::string("{\"emit\": ") + (emit ? "true" : "false") + ", \"work\": " + std::to_string(g_work) + "}";
  const auto log = dir / (emit ? "sync-loud.log" : "sync-quiet.log");
  std::filesystem::remove(log);
  std::FILE* devnull = std::fopen("/dev/null", "w");
  auto counter = std::make_shared<Counter>();
  Run r;
  {
    pcs::EventBus bus({std::make_shared<pcs::LogFileSink>(log, PCS_LOG_DEBUG),
                       std::make_shared<pcs::TextSink>(devnull, pcs::TextSinkOptions{}), counter});
    pcs::LocalExecutor source("source");
    pcs::JobServices services;
    services.source = &source;
    pcs::publish_job_events(services, bus);
    pcs::JobHost host("bench_bus", services, pcs::SessionFacts{"0123abcd", "bench", "", "", false});
    void* instance = nullptr;
    if (plugin->create(host.table(), config.c_str(), &instance) != PCS_OK) std::abort();
    const auto t0 = std::chrono::steady_clock::now();
    const pcs_status s = plugin->execute(instance);
    const auto t1 = std::chrono::steady_clock::now();
    bus.close();
    const auto t2 = std::chrono::steady_clock::now();
    plugin->destroy(instance);
    if (s != PCS_OK) std::abort();
    r.execute_s = std::chrono::duration<double>(t1 - t0).count();
    r.drain_s = std::chrono::duration<double>(t2 - t1).count();
    r.dropped = bus.dropped();
  }
  std::fclose(devnull);
  r.delivered_progress = counter->progress;
  r.delivered_logs = counter->logs;
  r.file_lines = count_lines(log);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  const pcs::PluginSet plugins = pcs::load_plugins({PCS_BENCH_BUS_PLUGIN_DIR});
  const pcs::PluginInfo* info = plugins.find("bench_bus");
  if (info == nullptr) {
    std::fprintf(stderr, "the bench_bus plugin is not in %s\n", PCS_BENCH_BUS_PLUGIN_DIR);
    return 1;
  }
  const pcs_plugin* plugin = info->table;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0)
      runs = std::max(1, std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--work") == 0)
      g_work = std::max(0, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: %s [--runs N] [--work K]\n", argv[0]);
      return 2;
    }
  }
  char pattern[] = "/tmp/pcs-bench-bus-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 2;
  const std::filesystem::path dir = pattern;

  std::printf("event bus benchmark: %d progress + %d log events, %d hash rounds per progress event, %d runs each\n",
              kProgressEvents, kProgressEvents / kLogEvery, g_work, runs);
  std::printf("sinks: JSON log file (floor DEBUG) + text sink (floor INFO) writing to /dev/null\n");
  std::printf("(no live terminal UI exists yet; the text sink stands in for the terminal)\n\n");
  run_once(plugin, false, dir);  // warm-up
  std::vector<double> quiet, loud;
  bool ok = true;
  Run last{};
  for (int i = 0; i < runs; ++i) {
    for (int k = 0; k < 2; ++k) {
      const bool emit = (k == 0) == (i % 2 == 1);
      const Run r = run_once(plugin, emit, dir);
      (emit ? loud : quiet).push_back(r.execute_s);
      std::printf(
          "run %d %-5s execute %7.3f s  drain after %6.3f s  delivered: %7llu progress, %6llu log; "
          "file lines %llu, dropped %llu\n",
          i + 1, emit ? "loud" : "quiet", r.execute_s, r.drain_s, static_cast<unsigned long long>(r.delivered_progress),
          static_cast<unsigned long long>(r.delivered_logs), static_cast<unsigned long long>(r.file_lines),
          static_cast<unsigned long long>(r.dropped));
      const std::uint64_t want = emit ? kProgressEvents / kLogEvery : 0;
      if (r.file_lines != want || r.dropped != 0) {
        std::printf("ERROR: the log file holds %llu lines (want %llu), %llu dropped\n",
                    static_cast<unsigned long long>(r.file_lines), static_cast<unsigned long long>(want),
                    static_cast<unsigned long long>(r.dropped));
        ok = false;
      }
      if (emit) last = r;
    }
  }
  std::filesystem::remove_all(dir);
  const double q = median(quiet), l = median(loud), ratio = l / q;
  std::printf("\nmedian execute time: quiet %.3f s, loud %.3f s, ratio %.3f (%+.1f%%)\n", q, l, ratio,
              (ratio - 1) * 100);
  std::printf("per emitted event: %.0f ns of job time\n", (l - q) * 1e9 / (kProgressEvents * 1.1));
  std::printf("progress coalesced: %d published, %llu delivered in the last loud run\n", kProgressEvents,
              static_cast<unsigned long long>(last.delivered_progress));
  std::printf("goal: loud <= 1.05 x quiet: %s\n", ratio <= 1.05 ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

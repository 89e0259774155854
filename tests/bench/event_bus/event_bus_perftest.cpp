// event_bus_perftest: does emitting 1,000,000 progress and 100,000 log events
// slow a job down? A C++ SDK job (the bench_bus plugin, bench_bus_job.cpp,
// loaded and called through a real JobHost as the host will) runs a fixed hash loop, interleaved with
// _report_progress / _log calls ("loud") or with those calls switched off
// ("quiet"). In both, the job's services publish to an EventBus with the log
// file sink (floor DEBUG, every log event written) and a terminal sink (floor
// INFO) attached: the live view (120x40) by default, or the plain text sink,
// writing to /dev/null. Runs alternate (quiet/loud, then loud/quiet); medians
// of the job's execute() time are compared. Goal: loud <= 1.05 x quiet.
//
// The sinks run on the bus's dispatcher thread, so on a busy machine their
// work competes with the job's for a core: the CPU time the job thread and
// the whole process used are printed too, as they vary less than wall time.
//
//   event_bus_perftest [--runs N] [--work K] [--sink live|text|both]   (K: hash rounds per progress event)
//
// Exit status 1 only when the log file does not hold exactly the 100,000 lines.
#include <sys/resource.h>
#include <time.h>

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
#include "live_view.hpp"
#include "local_executor.hpp"
#include "log_file_sink.hpp"
#include "plugin_loader.hpp"
#include "text_sink.hpp"

namespace {

constexpr int kProgressEvents = 1'000'000;
constexpr int kLogEvery = 10;  // 100,000 log events
int g_work = 1000;
std::string g_sink = "live";

struct Counter : pcs::EventSink {
  std::uint64_t progress = 0, logs = 0;
  void deliver(const pcs::Event& e) override {
    if (std::holds_alternative<pcs::ProgressEvent>(e)) ++progress;
    if (std::holds_alternative<pcs::LogEvent>(e)) ++logs;
  }
};

double thread_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double process_cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

long job_thread_switches() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

struct Run {
  double execute_s = 0;
  double drain_s = 0;    // close() after execute: what the sinks still had to do
  double job_cpu_s = 0;  // the job thread's CPU time during execute()
  double cpu_s = 0;      // the process's CPU time during execute() and close(): job and sinks
  long switches = 0;     // the job thread's context switches during execute()
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
    std::vector<std::shared_ptr<pcs::EventSink>> sinks{std::make_shared<pcs::LogFileSink>(log, PCS_LOG_DEBUG)};
    if (g_sink != "text") {
      pcs::LiveViewOptions o;
      o.width = 120;
      o.height = 40;
      sinks.push_back(std::make_shared<pcs::LiveView>(devnull, o));
    }
    if (g_sink != "live") sinks.push_back(std::make_shared<pcs::TextSink>(devnull, pcs::TextSinkOptions{}));
    sinks.push_back(counter);
    pcs::EventBus bus(sinks);
    pcs::LocalExecutor source("source");
    pcs::JobServices services;
    services.source = &source;
    pcs::publish_job_events(services, bus);
    pcs::JobHost host("bench_bus", services, pcs::SessionFacts{"0123abcd", "bench", "", "", false});
    void* instance = nullptr;
    if (plugin->create(host.table(), config.c_str(), &instance) != PCS_OK) std::abort();
    const double c0 = process_cpu_s(), j0 = thread_cpu_s();
    const long s0 = job_thread_switches();
    const auto t0 = std::chrono::steady_clock::now();
    const pcs_status s = plugin->execute(instance);
    const auto t1 = std::chrono::steady_clock::now();
    r.job_cpu_s = thread_cpu_s() - j0;
    r.switches = job_thread_switches() - s0;
    bus.close();
    const auto t2 = std::chrono::steady_clock::now();
    r.cpu_s = process_cpu_s() - c0;
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
    else if (std::strcmp(argv[i], "--sink") == 0 &&
             (std::strcmp(argv[i + 1], "live") == 0 || std::strcmp(argv[i + 1], "text") == 0 ||
              std::strcmp(argv[i + 1], "both") == 0))
      g_sink = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--runs N] [--work K] [--sink live|text|both]\n", argv[0]);
      return 2;
    }
  }
  char pattern[] = "/tmp/pcs-bench-bus-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 2;
  const std::filesystem::path dir = pattern;

  std::printf("event bus benchmark: %d progress + %d log events, %d hash rounds per progress event, %d runs each\n",
              kProgressEvents, kProgressEvents / kLogEvery, g_work, runs);
  std::printf("sinks: JSON log file (floor DEBUG) + %s (floor INFO) writing to /dev/null\n\n",
              g_sink == "live"   ? "live view (120x40)"
              : g_sink == "text" ? "text sink"
                                 : "live view (120x40) + text sink");
  run_once(plugin, false, dir);  // warm-up
  std::vector<double> quiet, loud, quiet_job_cpu, loud_job_cpu, quiet_cpu, loud_cpu;
  bool ok = true;
  Run last{};
  for (int i = 0; i < runs; ++i) {
    for (int k = 0; k < 2; ++k) {
      const bool emit = (k == 0) == (i % 2 == 1);
      const Run r = run_once(plugin, emit, dir);
      (emit ? loud : quiet).push_back(r.execute_s);
      (emit ? loud_job_cpu : quiet_job_cpu).push_back(r.job_cpu_s);
      (emit ? loud_cpu : quiet_cpu).push_back(r.cpu_s);
      std::printf(
          "run %d %-5s execute %6.3f s (job cpu %6.3f s, %4ld switches)  drain after %5.3f s  process cpu %6.3f s  "
          "delivered: %5llu progress, %6llu log; file lines %llu, dropped %llu\n",
          i + 1, emit ? "loud" : "quiet", r.execute_s, r.job_cpu_s, r.switches, r.drain_s, r.cpu_s,
          static_cast<unsigned long long>(r.delivered_progress), static_cast<unsigned long long>(r.delivered_logs),
          static_cast<unsigned long long>(r.file_lines), static_cast<unsigned long long>(r.dropped));
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
  const double qj = median(quiet_job_cpu), lj = median(loud_job_cpu), qc = median(quiet_cpu), lc = median(loud_cpu);
  std::printf("median job thread cpu: quiet %.3f s, loud %.3f s, ratio %.3f; %.0f ns per event\n", qj, lj, lj / qj,
              (lj - qj) * 1e9 / (kProgressEvents * 1.1));
  std::printf("median process cpu (job + sinks): quiet %.3f s, loud %.3f s, ratio %.3f; %.0f ns per event\n", qc, lc,
              lc / qc, (lc - qc) * 1e9 / (kProgressEvents * 1.1));
  std::printf("progress coalesced: %d reported, %llu delivered in the last loud run\n", kProgressEvents,
              static_cast<unsigned long long>(last.delivered_progress));
  std::printf("goal: loud <= 1.05 x quiet: %s\n", ratio <= 1.05 ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

// `pc-switcher logs`: list the sessions, replay one's log, or follow the
// running one. The status rules (running / unfinished) are in
// core/session_log.hpp.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <iostream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "commands.hpp"
#include "log_file_sink.hpp"
#include "log_level.hpp"
#include "session_log.hpp"
#include "text_sink.hpp"

namespace po = boost::program_options;

namespace pcs::cli {
namespace {

constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as a shell reports it
constexpr int kDefaultLimit = 20;
constexpr auto kPollInterval = std::chrono::milliseconds(200);
// How often (in polls) following checks whether a newer session has started,
// which means the followed one died without its last line.
constexpr int kPollsPerNewestCheck = 25;

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) { g_interrupted = 1; }

struct Filter {
  pcs_log_level floor = PCS_LOG_INFO;
  std::set<std::string> jobs;  // empty: every job; "" is the host's own lines
  bool json = false;
  bool color = false;

  bool passes(const LogEvent& e) const { return e.level >= floor && (jobs.empty() || jobs.contains(e.job)); }
  void print(const LogLine& line) const {
    if (!passes(line.event)) return;
    if (json)
      std::cout << line.text << '\n';
    else
      std::cout << text_line(line.event, color) << '\n';
  }
};

void report_bad_line(const std::string& what) { std::cerr << "pc-switcher: warning: " << what << "\n"; }

pcs_log_level parse_level_option(const std::string& text) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  if (auto level = parse_log_level(upper)) return *level;
  throw UsageError(fmt::format("unknown level '{}' for --level; use one of {} (any case)", text, log_level_names()));
}

// --job a,b --job host → {"a", "b", ""}
std::set<std::string> parse_jobs(const std::vector<std::string>& values) {
  std::set<std::string> jobs;
  for (const std::string& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      std::string name = value.substr(start, comma - start);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (!name.empty()) jobs.insert(name == "host" ? std::string() : name);
      start = comma + 1;
    }
  }
  return jobs;
}

std::string local_time(EventTime time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string shown_status(const SessionInfo& s) { return s.dry_run ? s.status + " (dry run)" : s.status; }

int list(const std::filesystem::path& dir, int limit, bool json) {
  // One more than shown, to know whether to say that older ones exist.
  const std::size_t want = limit == 0 ? 0 : static_cast<std::size_t>(limit) + 1;
  std::vector<SessionInfo> sessions = list_sessions(dir, want);
  const bool more = limit != 0 && sessions.size() > static_cast<std::size_t>(limit);
  if (more) sessions.pop_back();
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const SessionInfo& s : sessions)
      out.push_back(nlohmann::ordered_json{
          {"time", format_utc_time(s.started)},
          {"session_id", s.id},
          {"source", s.source},
          {"target", s.target},
          {"status", s.status},
          {"dry_run", s.dry_run},
          {"version", s.version},
          {"exit_code", s.exit_code ? nlohmann::ordered_json(*s.exit_code) : nlohmann::ordered_json()},
          {"duration_s", s.duration_s ? nlohmann::ordered_json(*s.duration_s) : nlohmann::ordered_json()},
          {"file", s.file.string()}});
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (sessions.empty()) {
    std::cout << "no sessions yet (logs are kept in " << dir.string() << ")\n";
    return kExitOk;
  }
  std::size_t id_w = 7, target_w = 6, status_w = 6;
  for (const SessionInfo& s : sessions) {
    id_w = std::max(id_w, s.id.size());
    target_w = std::max(target_w, s.target.size());
    status_w = std::max(status_w, shown_status(s).size());
  }
  std::cout << fmt::format("{:<19}  {:<{}}  {:<{}}  {:<{}}  {}\n", "TIME", "SESSION", id_w, "TARGET", target_w,
                           "STATUS", status_w, "FILE");
  for (const SessionInfo& s : sessions)
    std::cout << fmt::format("{:<19}  {:<{}}  {:<{}}  {:<{}}  {}\n", local_time(s.started), s.id, id_w,
                             s.target.empty() ? "?" : s.target, target_w, shown_status(s), status_w, s.file.string());
  if (more) std::cout << fmt::format("(older sessions not shown: --limit {} or --limit 0 for all)\n", limit * 2);
  return kExitOk;
}

int replay(const SessionInfo& s, const Filter& filter) {
  LogReader reader(s.file);
  // A running session's last line may be half written: leave it for --follow.
  reader.read(
      [&](const LogLine& line) {
        filter.print(line);
        return true;
      },
      report_bad_line, s.status != "running");
  std::cout.flush();
  if (s.status == "unfinished")
    std::cerr << fmt::format(
        "pc-switcher: session {} has no `session finished` line and a newer session exists: it ended without "
        "finishing (crashed or killed)\n",
        s.id);
  return kExitOk;
}

void sleep_interruptibly(std::chrono::milliseconds d) {
  // Unlike std::this_thread::sleep_for, nanosleep returns early on Ctrl+C.
  timespec ts{static_cast<time_t>(d.count() / 1000), static_cast<long>(d.count() % 1000) * 1'000'000};
  ::nanosleep(&ts, nullptr);
}

int follow(const std::filesystem::path& dir, const SessionInfo& s, const Filter& filter) {
  if (s.status != "running") return replay(s, filter);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: the poll's sleep must wake up

  LogReader reader(s.file);
  bool finished = false;
  const LogLineHandler on_line = [&](const LogLine& line) {
    filter.print(line);
    finished = is_session_finish(line.event);
    return !finished;
  };
  for (int polls = 1;; ++polls) {
    reader.read(on_line, report_bad_line);
    std::cout.flush();
    if (finished) return kExitOk;
    if (g_interrupted) return kExitInterrupted;
    if (polls % kPollsPerNewestCheck == 0) {
      const auto newest = list_sessions(dir, 1);
      if (!newest.empty() && newest.front().file != s.file) {
        reader.read(on_line, report_bad_line, true);
        std::cout.flush();
        std::cerr << fmt::format(
            "pc-switcher: session {} stopped without a `session finished` line (session {} has started since)\n", s.id,
            newest.front().id);
        return kExitOk;
      }
    }
    sleep_interruptibly(kPollInterval);
    if (g_interrupted) return kExitInterrupted;
  }
}

}  // namespace

int run_logs(const std::vector<std::string>& args) {
  CommonOptions common;
  int limit = -1;  // -1: not given
  bool last = false, follow_opt = false, json = false;
  std::string level, session;
  std::vector<std::string> jobs;
  po::options_description desc("Options");
  add_common_options(desc, common, false);
  desc.add_options()("limit,n", po::value(&limit)->value_name("N"),
                     "list at most N sessions, newest first (default 20; 0 lists all)")("last", po::bool_switch(&last),
                                                                                        "replay the newest session")(
      "follow,f", po::bool_switch(&follow_opt),
      "print SESSION's (default: the newest) lines as they are written, until it finishes; Ctrl+C stops")(
      "level", po::value(&level)->value_name("LEVEL"),
      "show lines at LEVEL or above: DEBUG, FULL, INFO (default), WARNING, ERROR, CRITICAL")(
      "job", po::value(&jobs)->composing()->value_name("NAME"),
      "show only these jobs' lines (repeatable or comma-separated); `host` is pc-switcher's own lines")(
      "json", po::bool_switch(&json), "print the log lines (or the session list) as JSON, unchanged");
  po::options_description hidden;
  hidden.add_options()("session", po::value(&session));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("session", 1);
  parse(args, all, &pos);
  if (common.help) {
    print_command_help(std::cout, {{"pc-switcher logs [--limit N] [--json]",
                                    "pc-switcher logs (--last | SESSION) [--level LEVEL] [--job NAME]... [--json]",
                                    "pc-switcher logs --follow [SESSION] [--level LEVEL] [--job NAME]... [--json]"},
                                   "Lists the sync sessions of this machine, newest first; replays one session's log; "
                                   "or follows a running session as its lines are written. SESSION is a session id "
                                   "from the list, or a unique prefix of one.",
                                   {{"Options", &desc}},
                                   {}});
    return kExitOk;
  }

  const std::filesystem::path dir = session_logs_dir();
  const bool show_one = last || follow_opt || !session.empty();
  if (last && !session.empty()) throw UsageError("give either --last or a SESSION id, not both");
  if (!show_one && (!level.empty() || !jobs.empty()))
    throw UsageError("--level and --job filter one session's lines: add --last, --follow or a SESSION id");
  if (show_one && limit != -1) throw UsageError("--limit is for the session list: leave out --last, --follow, SESSION");
  if (limit < -1) throw UsageError(fmt::format("--limit {}: give 0 (all) or more", limit));
  if (!show_one) return list(dir, limit == -1 ? kDefaultLimit : limit, json);

  Filter filter;
  if (!level.empty()) filter.floor = parse_level_option(level);
  filter.jobs = parse_jobs(jobs);
  filter.json = json;
  filter.color = !json && use_color(STDOUT_FILENO);

  SessionInfo s;
  try {
    if (!session.empty()) {
      s = find_session(dir, session);
    } else {
      auto newest = list_sessions(dir, 1);
      if (newest.empty()) {
        std::cout << "no sessions yet (logs are kept in " << dir.string() << ")\n";
        return kExitOk;
      }
      s = std::move(newest.front());
    }
  } catch (const SessionLookupError& e) {
    std::cerr << "pc-switcher: " << e.what()
              << (e.candidates().empty() ? "; run `pc-switcher logs` to list the sessions and their ids" : "") << "\n";
    return kExitError;
  }
  return follow_opt ? follow(dir, s, filter) : replay(s, filter);
}

}  // namespace pcs::cli

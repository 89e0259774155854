// The event bus: typed events from job threads (and later the orchestrator)
// fanned out to sinks (log file, terminal) on one dispatcher thread.
//
// publish() never waits for a sink. It takes one short mutex (held only to
// append to the pending batch, never during I/O) and returns. The dispatcher
// swaps the whole pending batch out and delivers it to every sink in publish
// order, then calls each sink's flush(); it naps ~2 ms between batches so a
// busy publisher costs one wake-up per batch, not one per event.
//
// Progress is coalesced at publish time: while an update for (job, track) is
// still pending, a newer one overwrites it in place (latest values win, at the
// position of the oldest undelivered update), so the queue holds at most one
// progress event per (job, track) whatever the rate. Every other event is
// queued; none is dropped unless `max_pending` events are already waiting or
// memory runs out. Those are counted (dropped()) and reported to the sinks as
// one WARNING LogEvent once the queue has room again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <pcswitcher/plugin.h>

namespace pcs {

using EventTime = std::chrono::system_clock::time_point;

enum class Machine : std::uint8_t { None, Source, Target };
// "source", "target", or "" for None.
const char* machine_name(Machine m);

struct LogExtra {
  std::string key;
  std::string value;  // plain text, or JSON text when is_json
  bool is_json = false;
};

struct LogEvent {
  EventTime time;
  pcs_log_level level = PCS_LOG_INFO;
  std::string job;  // "" for the host itself
  Machine machine = Machine::None;
  std::string message;
  std::vector<LogExtra> extras;
  // Written to the log file whatever its floor: the session's first and last
  // lines, which `pc-switcher logs` reads.
  bool always_in_file = false;
};

// pcs_progress, owned. `fields` holds the PCS_PROGRESS_* bits that are set.
struct ProgressEvent {
  EventTime time;
  std::string job;
  std::uint32_t fields = 0;
  std::int32_t percent = 0;
  std::int64_t current = 0;
  std::int64_t total = 0;
  std::string item;
  std::string track;  // "" = the job's own bar
};

// A step of the sync lifecycle ("connect", "pre-sync snapshots", ...).
struct StepEvent {
  EventTime time;
  std::string step;    // its name: "connect", or the job's name
  std::string detail;  // its place in the session, "6/9"; may be empty
};

enum class JobState : std::uint8_t { Pending, Validating, Running, Succeeded, Failed, Skipped, Cancelled };
const char* job_state_name(JobState s);

struct JobStateEvent {
  EventTime time;
  std::string job;
  JobState state = JobState::Pending;
  std::string message;  // why it failed or was skipped
};

enum class ConnectionState : std::uint8_t { Connecting, Connected, Lost, Closed };
const char* connection_state_name(ConnectionState s);

struct ConnectionEvent {
  EventTime time;
  ConnectionState state = ConnectionState::Connecting;
  std::string target;  // what the user typed
  std::string detail;
};

using Event = std::variant<LogEvent, ProgressEvent, StepEvent, JobStateEvent, ConnectionEvent>;

// Receives events on the bus's dispatcher thread, one at a time, in publish
// order. May be slow; may throw (the exception is swallowed and counted).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void deliver(const Event& event) = 0;
  // After every delivered batch, and on EventBus::flush()/close().
  virtual void flush() {}
};

struct EventBusOptions {
  std::size_t max_pending = 1'000'000;  // queued non-progress events before dropping
  std::chrono::milliseconds batch_interval{2};
};

class EventBus {
 public:
  explicit EventBus(std::vector<std::shared_ptr<EventSink>> sinks = {}, EventBusOptions options = {});
  ~EventBus();  // close()
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Delivered to events published from now on (its first batch onwards).
  void add_sink(std::shared_ptr<EventSink> sink);

  // Thread-safe; never waits for a sink. Ignored (and counted as dropped) after close().
  void publish(Event event);

  // Waits until everything published before the call has been delivered and
  // the sinks flushed. Returns at once on the dispatcher thread (a sink).
  void flush();
  // flush(), then stops the dispatcher. Idempotent.
  void close();

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t sink_errors() const { return sink_errors_.load(std::memory_order_relaxed); }

 private:
  struct ProgressKey {
    std::string job, track;
  };
  struct KeyView {
    std::string_view job, track;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const KeyView& k) const noexcept;
    std::size_t operator()(const ProgressKey& k) const noexcept { return (*this)(KeyView{k.job, k.track}); }
  };
  struct KeyEq {
    using is_transparent = void;
    static KeyView view(const ProgressKey& k) { return {k.job, k.track}; }
    static KeyView view(const KeyView& k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const noexcept {
      return view(a).job == view(b).job && view(a).track == view(b).track;
    }
  };

  void run();
  void publish_locked(Event&& event);
  void deliver(const std::vector<Event>& batch);

  EventBusOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // dispatcher: work, flush or close
  std::condition_variable done_;  // flush(): a batch was delivered
  std::vector<Event> pending_;
  // Index in pending_ of the undelivered progress event of each (job, track).
  std::unordered_map<ProgressKey, std::size_t, KeyHash, KeyEq> pending_progress_;
  std::size_t pending_other_ = 0;  // non-progress events in pending_
  std::uint64_t queued_ = 0;       // events appended to pending_ so far
  std::uint64_t delivered_ = 0;    // of those, delivered and flushed
  std::uint64_t unreported_drops_ = 0;
  bool idle_ = false;  // dispatcher is waiting for work
  int flush_waiters_ = 0;
  bool closing_ = false;
  bool closed_ = false;

  std::mutex sinks_mu_;
  std::vector<std::shared_ptr<EventSink>> sinks_;

  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> sink_errors_{0};
  std::mutex join_mu_;
  std::thread::id dispatcher_id_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace pcs

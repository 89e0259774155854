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
// progress event per (job, track) whatever the rate. A job reporting progress
// in a tight loop goes through its ProgressSlots instead (the same coalescing
// without an event per call), and logs through publish_log() (the event is
// built on the dispatcher). Every other event is
// queued; none is dropped unless `max_pending` events are already waiting or
// memory runs out. Those are counted (dropped()) and reported to the sinks as
// one WARNING LogEvent once the queue has room again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
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

class EventBus;

// A job's progress, one slot per track, updated in place. An update has the
// effect of publish(ProgressEvent) for (job, track) — the slot takes a place
// in the queue at its first update since it was last delivered and is
// delivered there with its latest values — but costs only this object's
// lock and a few stores: no clock read, no event, no string copy while the
// slot is queued (the item is copied into a reused buffer). The event is
// stamped when the dispatcher takes the values, just before delivering them.
// A (job, track) should be reported either here or by publish(), not both.
class ProgressSlots {
 public:
  ProgressSlots(const ProgressSlots&) = delete;
  ProgressSlots& operator=(const ProgressSlots&) = delete;

  const std::string& job() const { return job_; }
  // job() == name, inline: the job's host checks it on every update.
  bool is_for(std::string_view name) const noexcept { return job_ == name; }

  // Thread-safe. `fields` holds the PCS_PROGRESS_* bits that are set; `item`
  // is read when it has PCS_PROGRESS_ITEM. After close() the update is
  // dropped (and counted) unless the slot is still queued. Throws
  // std::bad_alloc (a new track, a longer item than ever).
  void update(std::string_view track, std::uint32_t fields, std::int32_t percent, std::int64_t current,
              std::int64_t total, std::string_view item);

 private:
  friend class EventBus;
  struct Track {
    std::string name;
    std::uint32_t fields = 0;
    std::int32_t percent = 0;
    std::int64_t current = 0;
    std::int64_t total = 0;
    std::string item;
    bool queued = false;  // in the bus's queue or in the batch being delivered
  };

  ProgressSlots(EventBus& bus, std::string job) : bus_(&bus), job_(std::move(job)) {}
  std::size_t add(std::string_view track);  // a new track: its index
  // On the dispatcher: the track's values into its place in the batch.
  void take(std::size_t track, ProgressEvent& into, EventTime now);
  // On the dispatcher, when there was no room for the batch: the track is no longer queued.
  void release(std::size_t track);

  // Guards the tracks. Held for a few stores, by the job's reporting threads
  // and by the dispatcher once per batch per queued track, so it is rarely
  // contended; a job may take it millions of times. std::mutex costs two
  // atomic read-modify-writes per update (a fifth of an update); this lock
  // costs one, its unlock being a plain store. A waiter yields.
  class Lock {
   public:
    void lock() noexcept {
      while (locked_.exchange(true, std::memory_order_acquire))
        while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> locked_{false};
  };

  EventBus* bus_;
  const std::string job_;
  Lock mu_;  // below
  std::vector<Track> tracks_;
  // Jobs have a handful of tracks, found by comparing names; this index is
  // built only for a job that has many.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>> index_;
};

// A LogExtra's parts, for EventBus::publish_log().
struct LogExtraView {
  std::string_view key;
  std::string_view value;
  bool is_json = false;
};

struct EventBusOptions {
  std::size_t max_pending = 1'000'000;  // queued non-progress events before dropping
  std::chrono::milliseconds batch_interval{2};
  // Bytes of publish_log()ged records queued before dropping: a job logging
  // faster than the sinks write (100 MB in a tight loop) must not make the
  // host hold all of it. The queue, the batch being delivered and its events
  // each hold at most about this much.
  std::size_t max_pending_log_bytes = 8u << 20;
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

  // publish(LogEvent{time, level, job, machine, message, extras}), without
  // building the event on the calling thread: the parts are copied into the
  // queue as bytes and the dispatcher builds the event in memory it reuses.
  // A job logging in a tight loop so neither allocates nor hands freshly
  // allocated strings from its core to the dispatcher's and back: the cache
  // misses of that cost it more than copying the bytes.
  void publish_log(EventTime time, pcs_log_level level, std::string_view job, Machine machine, std::string_view message,
                   std::span<const LogExtraView> extras);

  // `job`'s progress slots: the same object for the same job, kept until the
  // bus is destroyed. Thread-safe. Throws std::bad_alloc.
  ProgressSlots& progress_slots(const std::string& job);

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

  // One queued event, in publish order. The queue keeps events apart from
  // their order so that what a publisher writes per event is small and
  // contiguous: the dispatcher reads it from another core.
  struct Entry {
    enum Kind : std::uint8_t { Owned, Log, Slot } kind;
    std::uint32_t track;  // Slot: the track's index in `slots`
    std::size_t at;       // Owned: index in Queue::events; Log: offset in Queue::logs
    ProgressSlots* slots;
  };
  // A queue: the dispatcher swaps the whole of it out.
  struct Queue {
    std::vector<Entry> order;
    std::vector<Event> events;  // publish()ed
    std::vector<char> logs;     // publish_log()ged, serialized
    void clear();
  };

  friend class ProgressSlots;
  void run();
  void publish_locked(Event&& event);
  // False (counted as dropped) when the queue is full; true when it has room.
  bool room_for_other();
  // Under mu_: one publish_log() of `job` dropped.
  void count_log_drop(std::string_view job);
  // Unlocks `lock`, waking the dispatcher if it waits for work.
  void wake_if_idle(std::unique_lock<std::mutex>& lock);
  // Under slots.mu_. False when the bus is closed or memory ran out (counted as dropped).
  bool enqueue_slot(ProgressSlots& slots, std::size_t track);
  // `queue`'s events into batch_[0, n), reusing what batch_ holds.
  std::size_t build_batch(Queue& queue);
  void deliver(std::size_t n);

  EventBusOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // dispatcher: work, flush or close
  std::condition_variable done_;  // flush(): a batch was delivered
  Queue pending_;
  // Index in pending_.events of the undelivered progress event of each (job, track).
  std::unordered_map<ProgressKey, std::size_t, KeyHash, KeyEq> pending_progress_;
  std::size_t pending_other_ = 0;  // non-progress events in pending_
  std::uint64_t queued_ = 0;       // events appended to pending_ so far
  std::uint64_t delivered_ = 0;    // of those, delivered and flushed
  std::uint64_t unreported_drops_ = 0;
  // Of those, the publish_log()ged ones by job, for the report (few jobs).
  std::vector<std::pair<std::string, std::uint64_t>> unreported_drops_by_job_;
  bool idle_ = false;  // dispatcher is waiting for work
  int flush_waiters_ = 0;
  bool closing_ = false;
  bool closed_ = false;

  std::mutex slots_mu_;
  std::vector<std::unique_ptr<ProgressSlots>> slots_;  // per job; few

  std::mutex sinks_mu_;
  std::vector<std::shared_ptr<EventSink>> sinks_;
  std::vector<Event> batch_;  // the dispatcher's: events being delivered, kept to be refilled

  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> sink_errors_{0};
  std::mutex join_mu_;
  std::thread::id dispatcher_id_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace pcs

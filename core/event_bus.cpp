#include "event_bus.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <new>
#include <utility>

namespace pcs {

const char* machine_name(Machine m) {
  switch (m) {
    case Machine::Source:
      return "source";
    case Machine::Target:
      return "target";
    case Machine::None:
      break;
  }
  return "";
}

const char* job_state_name(JobState s) {
  switch (s) {
    case JobState::Pending:
      return "pending";
    case JobState::Validating:
      return "validating";
    case JobState::Running:
      return "running";
    case JobState::Succeeded:
      return "succeeded";
    case JobState::Failed:
      return "failed";
    case JobState::Skipped:
      return "skipped";
    case JobState::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

const char* connection_state_name(ConnectionState s) {
  switch (s) {
    case ConnectionState::Connecting:
      return "connecting";
    case ConnectionState::Connected:
      return "connected";
    case ConnectionState::Lost:
      return "lost";
    case ConnectionState::Closed:
      return "closed";
  }
  return "unknown";
}

std::size_t EventBus::KeyHash::operator()(const KeyView& k) const noexcept {
  std::hash<std::string_view> h;
  return h(k.job) * 31u ^ h(k.track);
}

EventBus::EventBus(std::vector<std::shared_ptr<EventSink>> sinks, EventBusOptions options)
    : options_(options), sinks_(std::move(sinks)) {
  thread_ = std::thread([this] { run(); });
  dispatcher_id_ = thread_.get_id();
}

EventBus::~EventBus() { close(); }

void EventBus::add_sink(std::shared_ptr<EventSink> sink) {
  if (!sink) return;
  std::lock_guard lock(sinks_mu_);
  sinks_.push_back(std::move(sink));
}

void EventBus::wake_if_idle(std::unique_lock<std::mutex>& lock) {
  const bool wake = idle_;
  idle_ = false;  // one wake-up per batch, whoever publishes
  lock.unlock();
  if (wake) wake_.notify_one();
}

void EventBus::publish(Event event) {
  std::unique_lock lock(mu_);
  if (closed_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  publish_locked(std::move(event));
  if (!pending_.order.empty()) wake_if_idle(lock);
}

namespace {

// reserve() for one more, growing as push_back() would (reserve(size() + 1)
// would allocate on every call): so that the push_back() after it cannot throw.
template <typename T>
void room_for_one(std::vector<T>& v) {
  if (v.size() == v.capacity()) v.reserve(std::max<std::size_t>(64, 2 * v.capacity()));
}

}  // namespace

bool EventBus::room_for_other() {
  if (pending_other_ < options_.max_pending) return true;
  dropped_.fetch_add(1, std::memory_order_relaxed);
  ++unreported_drops_;
  return false;
}

void EventBus::count_log_drop(std::string_view job) {
  dropped_.fetch_add(1, std::memory_order_relaxed);
  ++unreported_drops_;
  for (auto& [name, n] : unreported_drops_by_job_)
    if (name == job) {
      ++n;
      return;
    }
  try {
    unreported_drops_by_job_.emplace_back(std::string(job), 1);
  } catch (const std::bad_alloc&) {
  }
}

void EventBus::publish_locked(Event&& event) {
  try {
    room_for_one(pending_.order);  // so that an event is never without its place
    if (auto* p = std::get_if<ProgressEvent>(&event)) {
      auto it = pending_progress_.find(KeyView{p->job, p->track});
      if (it != pending_progress_.end()) {
        pending_.events[it->second] = std::move(event);  // same alternative: move-assigns the ProgressEvent
        return;
      }
      ProgressKey key{p->job, p->track};
      pending_.events.push_back(std::move(event));
      pending_.order.push_back({Entry::Owned, 0, pending_.events.size() - 1, nullptr});
      try {
        pending_progress_.emplace(std::move(key), pending_.events.size() - 1);
      } catch (const std::bad_alloc&) {
        // Queued but not indexed: a later update queues another copy. Harmless.
      }
      ++queued_;
      return;
    }
    if (!room_for_other()) return;
    pending_.events.push_back(std::move(event));
    pending_.order.push_back({Entry::Owned, 0, pending_.events.size() - 1, nullptr});
    ++pending_other_;
    ++queued_;
  } catch (const std::bad_alloc&) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    ++unreported_drops_;
  }
}

namespace {

// How publish_log() lays an event out in Queue::logs, read back by read_log().
struct LogHeader {
  EventTime time;
  pcs_log_level level;
  Machine machine;
  std::size_t job, message, extras;  // sizes; the count of extras
};
struct ExtraHeader {
  std::size_t key, value;
  bool is_json;
};

void put(char*& to, const void* from, std::size_t n) {
  if (n == 0) return;  // an empty string_view may hold nullptr, which memcpy must not get
  std::memcpy(to, from, n);
  to += n;
}

template <typename T>
T get(const char*& from) {
  T t;
  std::memcpy(&t, from, sizeof t);
  from += sizeof t;
  return t;
}

std::string_view get_text(const char*& from, std::size_t n) {
  const std::string_view s(from, n);
  from += n;
  return s;
}

// Into `e`, reusing its strings' and extras' memory.
void read_log(const char* from, LogEvent& e) {
  const auto h = get<LogHeader>(from);
  e.time = h.time;
  e.level = h.level;
  e.machine = h.machine;
  e.always_in_file = false;
  e.job.assign(get_text(from, h.job));
  e.message.assign(get_text(from, h.message));
  if (e.extras.size() > h.extras)
    e.extras.erase(e.extras.begin() + static_cast<std::ptrdiff_t>(h.extras), e.extras.end());
  e.extras.reserve(h.extras);
  for (std::size_t i = 0; i < h.extras; ++i) {
    const auto x = get<ExtraHeader>(from);
    if (i == e.extras.size()) e.extras.emplace_back();
    LogExtra& out = e.extras[i];
    out.key.assign(get_text(from, x.key));
    out.value.assign(get_text(from, x.value));
    out.is_json = x.is_json;
  }
}

template <typename T>
T& as(Event& e) {
  if (auto* t = std::get_if<T>(&e)) return *t;
  return e.template emplace<T>();
}

// Kept in the batch to be refilled: it does not hold on to a long line's memory.
bool worth_keeping(const Event& e) {
  const auto* l = std::get_if<LogEvent>(&e);
  if (l == nullptr) return true;
  constexpr std::size_t kMaxBytes = 4096;
  if (l->job.capacity() + l->message.capacity() > kMaxBytes || l->extras.capacity() > 16) return false;
  for (const LogExtra& x : l->extras)
    if (x.key.capacity() + x.value.capacity() > kMaxBytes) return false;
  return true;
}

}  // namespace

void EventBus::publish_log(EventTime time, pcs_log_level level, std::string_view job, Machine machine,
                           std::string_view message, std::span<const LogExtraView> extras) {
  std::size_t size = sizeof(LogHeader) + job.size() + message.size();
  for (const LogExtraView& x : extras) size += sizeof(ExtraHeader) + x.key.size() + x.value.size();
  std::unique_lock lock(mu_);
  if (closed_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto& logs = pending_.logs;
  if (pending_other_ >= options_.max_pending || logs.size() + size > options_.max_pending_log_bytes) {
    count_log_drop(job);
    return;
  }
  const std::size_t at = logs.size();
  try {
    room_for_one(pending_.order);
    logs.resize(at + size);
  } catch (const std::bad_alloc&) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    ++unreported_drops_;
    return;
  }
  char* to = logs.data() + at;
  const LogHeader h{time, level, machine, job.size(), message.size(), extras.size()};
  put(to, &h, sizeof h);
  put(to, job.data(), job.size());
  put(to, message.data(), message.size());
  for (const LogExtraView& x : extras) {
    const ExtraHeader xh{x.key.size(), x.value.size(), x.is_json};
    put(to, &xh, sizeof xh);
    put(to, x.key.data(), x.key.size());
    put(to, x.value.data(), x.value.size());
  }
  pending_.order.push_back({Entry::Log, 0, at, nullptr});
  ++pending_other_;
  ++queued_;
  wake_if_idle(lock);
}

std::size_t ProgressSlots::add(std::string_view track) {
  constexpr std::size_t kCompared = 8;  // tracks found by comparing names before the index is built
  Track t;
  t.name = track;
  tracks_.push_back(std::move(t));
  try {
    if (!index_.empty())
      index_.emplace(tracks_.back().name, tracks_.size() - 1);
    else if (tracks_.size() > kCompared)
      for (std::size_t i = 0; i < tracks_.size(); ++i) index_.emplace(tracks_[i].name, i);
  } catch (...) {
    index_.clear();  // rebuilt on the next new track
    tracks_.pop_back();
    throw;
  }
  return tracks_.size() - 1;
}

void ProgressSlots::update(std::string_view track, std::uint32_t fields, std::int32_t percent, std::int64_t current,
                           std::int64_t total, std::string_view item) {
  std::lock_guard lock(mu_);
  std::size_t i = tracks_.size();
  if (index_.empty()) {
    for (std::size_t k = 0; k < tracks_.size(); ++k)
      if (tracks_[k].name == track) {
        i = k;
        break;
      }
  } else if (auto it = index_.find(track); it != index_.end()) {
    i = it->second;
  }
  if (i == tracks_.size()) i = add(track);
  Track& t = tracks_[i];
  if (fields & PCS_PROGRESS_ITEM) t.item.assign(item);  // first: the one store that may throw
  t.fields = fields;
  t.percent = percent;
  t.current = current;
  t.total = total;
  if (!t.queued) t.queued = bus_->enqueue_slot(*this, i);
}

void ProgressSlots::take(std::size_t track, ProgressEvent& into, EventTime now) {
  std::lock_guard lock(mu_);
  Track& t = tracks_[track];
  // From here on an update queues the slot again, behind what is queued now.
  t.queued = false;
  into.time = now;
  into.fields = t.fields;
  into.percent = t.percent;
  into.current = t.current;
  into.total = t.total;
  try {
    into.job = job_;
    into.track = t.name;
    if (t.fields & PCS_PROGRESS_ITEM) into.item = t.item;
  } catch (const std::bad_alloc&) {
    into.fields &= ~PCS_PROGRESS_ITEM;  // short of memory: the bar without its item
  }
}

void ProgressSlots::release(std::size_t track) {
  std::lock_guard lock(mu_);
  tracks_[track].queued = false;
}

ProgressSlots& EventBus::progress_slots(const std::string& job) {
  std::lock_guard lock(slots_mu_);
  for (const auto& s : slots_)
    if (s->job() == job) return *s;
  std::unique_ptr<ProgressSlots> s(new ProgressSlots(*this, job));
  slots_.push_back(std::move(s));  // on std::bad_alloc, `s` still owns it
  return *slots_.back();
}

bool EventBus::enqueue_slot(ProgressSlots& slots, std::size_t track) {
  std::unique_lock lock(mu_);
  if (closed_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  try {
    room_for_one(pending_.order);
  } catch (const std::bad_alloc&) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    ++unreported_drops_;
    return false;
  }
  pending_.order.push_back({Entry::Slot, static_cast<std::uint32_t>(track), 0, &slots});
  ++queued_;
  wake_if_idle(lock);
  return true;
}

void EventBus::Queue::clear() {
  order.clear();
  events.clear();
  logs.clear();
  // Do not keep a burst's memory.
  if (order.capacity() > (1u << 16)) order.shrink_to_fit();
  if (events.capacity() > (1u << 16)) events.shrink_to_fit();
  if (logs.capacity() > (1u << 24)) logs.shrink_to_fit();
}

std::size_t EventBus::build_batch(Queue& queue) {
  try {
    if (batch_.size() < queue.order.size() + 1) batch_.resize(queue.order.size() + 1);  // + the drop report
  } catch (const std::bad_alloc&) {
    dropped_.fetch_add(queue.order.size(), std::memory_order_relaxed);
    for (const Entry& e : queue.order)
      if (e.kind == Entry::Slot) e.slots->release(e.track);
    return 0;
  }
  const EventTime now = std::chrono::system_clock::now();  // when progress slots are read
  std::size_t n = 0;
  for (const Entry& e : queue.order) {
    Event& out = batch_[n];
    switch (e.kind) {
      case Entry::Owned:
        out = std::move(queue.events[e.at]);
        break;
      case Entry::Log:
        try {
          read_log(queue.logs.data() + e.at, as<LogEvent>(out));
        } catch (const std::bad_alloc&) {
          dropped_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        break;
      case Entry::Slot:
        e.slots->take(e.track, as<ProgressEvent>(out), now);
        break;
    }
    ++n;
  }
  return n;
}

void EventBus::run() {
  Queue queue;
  std::unique_lock lock(mu_);
  for (;;) {
    idle_ = true;
    wake_.wait(lock, [&] { return !pending_.order.empty() || unreported_drops_ > 0 || closing_; });
    idle_ = false;
    if (pending_.order.empty() && unreported_drops_ == 0 && closing_) break;
    std::swap(queue, pending_);
    pending_progress_.clear();
    pending_other_ = 0;
    const std::uint64_t upto = queued_;
    const std::uint64_t drops = std::exchange(unreported_drops_, 0);
    const auto drops_by_job = std::exchange(unreported_drops_by_job_, {});
    lock.unlock();
    std::size_t n = build_batch(queue);
    if (drops > 0 && n < batch_.size()) {
      try {
        std::string message = std::to_string(drops) + " events were dropped: the log and display fell behind";
        // Whose log records, when a job logged faster than they could be written.
        for (std::size_t i = 0; i < drops_by_job.size(); ++i)
          message += (i == 0 ? " (" : ", ") + (drops_by_job[i].first.empty() ? "the host" : drops_by_job[i].first) +
                     ": " + std::to_string(drops_by_job[i].second) + (i + 1 == drops_by_job.size() ? ")" : "");
        batch_[n] =
            LogEvent{std::chrono::system_clock::now(),          PCS_LOG_WARNING, "", Machine::None, std::move(message),
                     {{"dropped", std::to_string(drops), true}}};
        ++n;
      } catch (const std::bad_alloc&) {
      }
    }
    deliver(n);
    for (std::size_t i = 0; i < n; ++i)
      if (!worth_keeping(batch_[i])) batch_[i] = Event{};
    if (batch_.size() > (1u << 16)) {
      batch_.clear();
      batch_.shrink_to_fit();
    }
    queue.clear();
    lock.lock();
    delivered_ = upto;
    done_.notify_all();
    // Nap so that a stream of events becomes batches, unless someone waits.
    if (!closing_ && flush_waiters_ == 0)
      wake_.wait_for(lock, options_.batch_interval, [&] { return closing_ || flush_waiters_ > 0; });
  }
}

void EventBus::deliver(std::size_t n) {
  std::lock_guard lock(sinks_mu_);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& sink : sinks_) {
      try {
        sink->deliver(batch_[i]);
      } catch (...) {
        sink_errors_.fetch_add(1, std::memory_order_relaxed);
      }
    }
  for (const auto& sink : sinks_) {
    try {
      sink->flush();
    } catch (...) {
      sink_errors_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void EventBus::flush() {
  if (std::this_thread::get_id() == dispatcher_id_) return;
  std::unique_lock lock(mu_);
  const std::uint64_t target = queued_;
  if (delivered_ >= target) return;
  ++flush_waiters_;
  wake_.notify_one();
  done_.wait(lock, [&] { return delivered_ >= target; });
  --flush_waiters_;
}

void EventBus::close() {
  const bool on_dispatcher = std::this_thread::get_id() == dispatcher_id_;
  {
    std::lock_guard lock(mu_);
    closed_ = true;  // later publishes are dropped; earlier ones are delivered
    closing_ = true;
  }
  wake_.notify_one();
  if (on_dispatcher) return;  // a sink closed the bus: the loop ends after this batch
  std::lock_guard join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

}  // namespace pcs

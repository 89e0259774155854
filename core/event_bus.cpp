#include "event_bus.hpp"

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

void EventBus::publish(Event event) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    publish_locked(std::move(event));
    wake = idle_ && !pending_.empty();
    if (wake) idle_ = false;  // one wake-up per batch, whoever publishes
  }
  if (wake) wake_.notify_one();
}

void EventBus::publish_locked(Event&& event) {
  try {
    if (auto* p = std::get_if<ProgressEvent>(&event)) {
      auto it = pending_progress_.find(KeyView{p->job, p->track});
      if (it != pending_progress_.end()) {
        pending_[it->second] = std::move(event);  // same alternative: move-assigns the ProgressEvent
        return;
      }
      ProgressKey key{p->job, p->track};
      pending_.push_back(std::move(event));
      try {
        pending_progress_.emplace(std::move(key), pending_.size() - 1);
      } catch (const std::bad_alloc&) {
        // Queued but not indexed: a later update queues another copy. Harmless.
      }
      ++queued_;
      return;
    }
    if (pending_other_ >= options_.max_pending) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      ++unreported_drops_;
      return;
    }
    pending_.push_back(std::move(event));
    ++pending_other_;
    ++queued_;
  } catch (const std::bad_alloc&) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    ++unreported_drops_;
  }
}

void EventBus::run() {
  std::vector<Event> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    idle_ = true;
    wake_.wait(lock, [&] { return !pending_.empty() || unreported_drops_ > 0 || closing_; });
    idle_ = false;
    if (pending_.empty() && unreported_drops_ == 0 && closing_) break;
    batch.swap(pending_);
    pending_progress_.clear();
    pending_other_ = 0;
    const std::uint64_t upto = queued_;
    const std::uint64_t drops = std::exchange(unreported_drops_, 0);
    lock.unlock();
    if (drops > 0) {
      try {
        batch.push_back(LogEvent{std::chrono::system_clock::now(),
                                 PCS_LOG_WARNING,
                                 "",
                                 Machine::None,
                                 std::to_string(drops) + " events were dropped: the log and display fell behind",
                                 {{"dropped", std::to_string(drops), true}}});
      } catch (const std::bad_alloc&) {
      }
    }
    deliver(batch);
    batch.clear();
    if (batch.capacity() > (1u << 16)) batch.shrink_to_fit();  // do not keep a burst's memory
    lock.lock();
    delivered_ = upto;
    done_.notify_all();
    // Nap so that a stream of events becomes batches, unless someone waits.
    if (!closing_ && flush_waiters_ == 0)
      wake_.wait_for(lock, options_.batch_interval, [&] { return closing_ || flush_waiters_ > 0; });
  }
}

void EventBus::deliver(const std::vector<Event>& batch) {
  std::lock_guard lock(sinks_mu_);
  for (const Event& e : batch)
    for (const auto& sink : sinks_) {
      try {
        sink->deliver(e);
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

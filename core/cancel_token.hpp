// Cancellation of one job: a flag plus callbacks that wake whatever waits.
//
// Executors register a callback for each operation in flight (kill the
// process, wake a condition variable); cancel() runs them all once, on the
// cancelling thread. A callback registered after cancel() runs at once.
// Dropping a Registration waits for its callback if cancel() is running it,
// so a callback may safely use the object that owns the registration.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace pcs {

class CancelToken {
 public:
  using Callback = std::function<void()>;

  bool cancelled() const { return state_->cancelled.load(std::memory_order_acquire); }

  // Runs every registered callback on this thread, one at a time.
  void cancel() const {
    std::unique_lock lock(state_->mu);
    if (state_->cancelled.exchange(true)) return;
    while (!state_->callbacks.empty()) {
      auto it = state_->callbacks.begin();
      Callback cb = std::move(it->second);
      state_->running = it->first;
      state_->runner = std::this_thread::get_id();
      state_->callbacks.erase(it);
      lock.unlock();
      cb();
      lock.lock();
      state_->running = 0;
      state_->done.notify_all();
    }
  }

  // Keeps a callback registered while alive.
  class Registration {
   public:
    Registration() = default;
    Registration(std::shared_ptr<void> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}
    Registration(Registration&& o) noexcept : state_(std::move(o.state_)), id_(o.id_) {}
    Registration& operator=(Registration&& o) noexcept {
      reset();
      state_ = std::move(o.state_);
      id_ = o.id_;
      return *this;
    }
    ~Registration() { reset(); }
    void reset();

   private:
    std::shared_ptr<void> state_;
    std::uint64_t id_ = 0;
  };

  [[nodiscard]] Registration on_cancel(Callback cb) const {
    {
      std::lock_guard lock(state_->mu);
      if (!state_->cancelled) {
        std::uint64_t id = ++state_->next_id;
        state_->callbacks.emplace(id, std::move(cb));
        return Registration(state_, id);
      }
    }
    cb();
    return {};
  }

 private:
  struct State {
    std::atomic<bool> cancelled{false};
    std::mutex mu;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, Callback> callbacks;
    std::uint64_t running = 0;  // the callback cancel() runs right now
    std::thread::id runner;
    std::condition_variable done;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
  friend class Registration;

 public:
  static void unregister(const std::shared_ptr<void>& state, std::uint64_t id) {
    auto* s = static_cast<State*>(state.get());
    std::unique_lock lock(s->mu);
    s->callbacks.erase(id);
    // A callback being run must finish before what it uses goes away (unless
    // it is the callback itself that unregisters).
    if (s->runner != std::this_thread::get_id()) s->done.wait(lock, [&] { return s->running != id; });
  }
};

inline void CancelToken::Registration::reset() {
  if (state_) CancelToken::unregister(state_, id_);
  state_.reset();
}

}  // namespace pcs

// The event bus: order, fan-out, progress coalescing, drops, never blocking.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "event_bus.hpp"

namespace {

using namespace std::chrono_literals;

pcs::LogEvent log_event(std::string message, std::string job = "job") {
  return pcs::LogEvent{
      std::chrono::system_clock::now(), PCS_LOG_INFO, std::move(job), pcs::Machine::Source, std::move(message), {}};
}

pcs::ProgressEvent progress_event(std::string job, std::string track, std::int64_t current) {
  pcs::ProgressEvent p;
  p.time = std::chrono::system_clock::now();
  p.job = std::move(job);
  p.track = std::move(track);
  p.fields = PCS_PROGRESS_CURRENT | (p.track.empty() ? 0u : PCS_PROGRESS_TRACK);
  p.current = current;
  return p;
}

// Records everything; the first delivery waits until release() when gated.
struct Recorder : pcs::EventSink {
  explicit Recorder(bool gated = false) : open(!gated) {}
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, open;
  std::vector<pcs::Event> events;
  std::chrono::milliseconds flush_sleep{0};

  void deliver(const pcs::Event& e) override {
    std::unique_lock lock(mu);
    events.push_back(e);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void flush() override { std::this_thread::sleep_for(flush_sleep); }
  void wait_entered() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  std::vector<std::string> messages() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& e : events)
      if (auto* l = std::get_if<pcs::LogEvent>(&e)) out.push_back(l->message);
    return out;
  }
  std::vector<pcs::ProgressEvent> progress() {
    std::lock_guard lock(mu);
    std::vector<pcs::ProgressEvent> out;
    for (const auto& e : events)
      if (auto* p = std::get_if<pcs::ProgressEvent>(&e)) out.push_back(*p);
    return out;
  }
};

}  // namespace

TEST_CASE("events reach every sink in publish order") {
  auto a = std::make_shared<Recorder>(), b = std::make_shared<Recorder>();
  pcs::EventBus bus({a, b});
  std::vector<std::string> expected;
  for (int i = 0; i < 2000; ++i) {
    expected.push_back(std::to_string(i));
    bus.publish(log_event(expected.back()));
    if (i % 100 == 0) bus.publish(pcs::StepEvent{std::chrono::system_clock::now(), "step", ""});
  }
  bus.close();
  CHECK(a->messages() == expected);
  CHECK(b->messages() == expected);
  CHECK(a->events.size() == 2020);
  CHECK(bus.dropped() == 0);
}

TEST_CASE("flush waits until everything published so far is delivered") {
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus({a});
  for (int i = 0; i < 500; ++i) bus.publish(log_event("m"));
  bus.flush();
  CHECK(a->messages().size() == 500);
  bus.publish(log_event("late"));
  bus.flush();
  CHECK(a->messages().back() == "late");
}

TEST_CASE("progress is coalesced per (job, track) while a sink is behind; logs never are") {
  auto a = std::make_shared<Recorder>(true);
  pcs::EventBus bus({a});
  bus.publish(log_event("gate"));
  a->wait_entered();  // the dispatcher is stuck in the first delivery
  for (int i = 0; i < 10000; ++i) {
    bus.publish(progress_event("j", "t1", i));
    bus.publish(progress_event("j", "t2", i * 2));
    bus.publish(progress_event("k", "", i));
    if (i % 10 == 0) bus.publish(log_event(std::to_string(i)));
  }
  a->release();
  bus.close();
  auto logs = a->messages();
  REQUIRE(logs.size() == 1001);
  CHECK(logs[1] == "0");
  CHECK(logs[1000] == "9990");
  auto progress = a->progress();
  REQUIRE(progress.size() == 3);  // one per key: the newest values
  CHECK((progress[0].job == "j" && progress[0].track == "t1" && progress[0].current == 9999));
  CHECK((progress[1].job == "j" && progress[1].track == "t2" && progress[1].current == 19998));
  CHECK((progress[2].job == "k" && progress[2].track.empty() && progress[2].current == 9999));
}

TEST_CASE("coalesced progress of one key is never delivered out of order") {
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus({a});
  for (int i = 0; i < 200000; ++i) bus.publish(progress_event("j", "", i));
  bus.close();
  auto progress = a->progress();
  REQUIRE(!progress.empty());
  for (std::size_t i = 1; i < progress.size(); ++i) CHECK(progress[i - 1].current < progress[i].current);
  CHECK(progress.back().current == 199999);
}

TEST_CASE("a slow sink does not slow publishers, and close delivers everything") {
  auto a = std::make_shared<Recorder>();
  a->flush_sleep = 1500ms;  // every batch takes 1.5 s
  pcs::EventBus bus({a});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100000; ++i) bus.publish(log_event("m" + std::to_string(i)));
  const auto took = std::chrono::steady_clock::now() - start;
  INFO("publishing 100k events took " << std::chrono::duration<double>(took).count() << " s");
  CHECK(took < 1000ms);
  CHECK(a->messages().size() < 100000);  // the sink is still behind
  bus.close();
  auto m = a->messages();
  REQUIRE(m.size() == 100000);
  CHECK(m.back() == "m99999");
  bus.publish(log_event("after close"));
  CHECK(bus.dropped() == 1);
  CHECK(a->messages().size() == 100000);
}

TEST_CASE("a full queue drops log events, counts them and reports it once") {
  auto a = std::make_shared<Recorder>(true);
  pcs::EventBus bus({a}, pcs::EventBusOptions{100, 2ms});
  bus.publish(log_event("gate"));
  a->wait_entered();
  for (int i = 0; i < 1000; ++i) bus.publish(log_event(std::to_string(i)));
  for (int i = 0; i < 1000; ++i) bus.publish(progress_event("j", "", i));  // progress still gets through
  a->release();
  bus.close();
  CHECK(bus.dropped() == 900);
  auto logs = a->messages();
  REQUIRE(logs.size() == 1 + 100 + 1);
  CHECK(logs[100] == "99");
  CHECK(logs.back() == "900 events were dropped: the log and display fell behind");
  REQUIRE(a->progress().size() == 1);
  CHECK(a->progress()[0].current == 999);
}

TEST_CASE("a sink that throws does not stop the others") {
  struct Thrower : pcs::EventSink {
    void deliver(const pcs::Event&) override { throw std::runtime_error("disk on fire"); }
  };
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus({std::make_shared<Thrower>(), a});
  for (int i = 0; i < 10; ++i) bus.publish(log_event("m"));
  bus.close();
  CHECK(a->messages().size() == 10);
  CHECK(bus.sink_errors() == 10);
}

TEST_CASE("several publishers: nothing lost, each one's events in its order") {
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus;
  bus.add_sink(a);
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&bus, t] {
      const std::string job = "job" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        bus.publish(log_event(std::to_string(i), job));
        bus.publish(progress_event(job, "", i));
      }
    });
  for (auto& t : threads) t.join();
  bus.close();
  std::map<std::string, int> next_log;
  std::map<std::string, std::int64_t> last_progress;
  for (const auto& e : a->events) {
    if (auto* l = std::get_if<pcs::LogEvent>(&e)) {
      CHECK(l->message == std::to_string(next_log[l->job]));
      ++next_log[l->job];
    } else if (auto* p = std::get_if<pcs::ProgressEvent>(&e)) {
      auto [it, fresh] = last_progress.try_emplace(p->job, p->current);
      if (!fresh) CHECK(it->second < p->current);
      it->second = p->current;
    }
  }
  REQUIRE(next_log.size() == kThreads);
  for (const auto& [job, n] : next_log) CHECK(n == kEach);
  for (const auto& [job, last] : last_progress) CHECK(last == kEach - 1);
  CHECK(bus.dropped() == 0);
}

TEST_CASE("progress slots deliver each (job, track)'s latest values at the place of its first update") {
  auto a = std::make_shared<Recorder>(true);
  pcs::EventBus bus({a});
  pcs::ProgressSlots& j = bus.progress_slots("j");
  pcs::ProgressSlots& k = bus.progress_slots("k");
  CHECK(&bus.progress_slots("j") == &j);
  CHECK(j.job() == "j");
  bus.publish(log_event("gate"));
  a->wait_entered();  // the dispatcher is stuck in the first delivery
  for (int i = 0; i < 10000; ++i) {
    j.update("t1", PCS_PROGRESS_CURRENT | PCS_PROGRESS_TRACK, 0, i, 0, {});
    j.update("t2", PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL | PCS_PROGRESS_TRACK, 0, i * 2, 20000, {});
    k.update({}, PCS_PROGRESS_PERCENT | PCS_PROGRESS_ITEM, i / 100, 0, 0, "file " + std::to_string(i));
    if (i % 10 == 0) bus.publish(log_event(std::to_string(i)));
  }
  a->release();
  bus.close();
  REQUIRE(a->events.size() == 1 + 3 + 1000);
  CHECK(a->messages()[1] == "0");  // after the three progress events, queued by the updates before it
  const auto progress = a->progress();
  REQUIRE(progress.size() == 3);
  CHECK((progress[0].job == "j" && progress[0].track == "t1" && progress[0].current == 9999));
  CHECK(progress[0].fields == (PCS_PROGRESS_CURRENT | PCS_PROGRESS_TRACK));
  CHECK((progress[1].job == "j" && progress[1].track == "t2" && progress[1].current == 19998));
  CHECK((progress[1].total == 20000 && progress[1].item.empty()));
  CHECK((progress[2].job == "k" && progress[2].track.empty() && progress[2].percent == 99));
  CHECK(progress[2].item == "file 9999");
  for (const auto& p : progress) CHECK(std::chrono::system_clock::now() - p.time < 60s);
  CHECK(std::holds_alternative<pcs::ProgressEvent>(a->events[1]));
  CHECK(std::holds_alternative<pcs::ProgressEvent>(a->events[3]));
  CHECK(bus.dropped() == 0);
}

TEST_CASE("a progress slot is queued again after each delivery and never goes backwards") {
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus({a});
  pcs::ProgressSlots& s = bus.progress_slots("j");
  for (int i = 0; i < 200000; ++i) s.update({}, PCS_PROGRESS_CURRENT, 0, i, 0, {});
  bus.flush();  // flush() covers updates of a slot that is still queued
  REQUIRE(!a->progress().empty());
  CHECK(a->progress().back().current == 199999);
  s.update({}, PCS_PROGRESS_CURRENT | PCS_PROGRESS_ITEM, 0, 200000, 0, "x");
  s.update({}, PCS_PROGRESS_HEARTBEAT, 0, 0, 0, "ignored without PCS_PROGRESS_ITEM");
  bus.close();
  const auto progress = a->progress();
  for (std::size_t i = 1; i + 1 < progress.size(); ++i) CHECK(progress[i - 1].current < progress[i].current);
  CHECK((progress.back().fields == PCS_PROGRESS_HEARTBEAT && progress.back().item.empty()));  // the latest update as is
}

TEST_CASE("progress slots after close are dropped and counted; a job may have many tracks") {
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus({a});
  pcs::ProgressSlots& s = bus.progress_slots("many");
  for (int round = 0; round < 3; ++round)
    for (int t = 0; t < 50; ++t)  // beyond the tracks compared by name: an index finds them
      s.update("track" + std::to_string(t), PCS_PROGRESS_CURRENT | PCS_PROGRESS_TRACK, 0, round * 100 + t, 0, {});
  bus.close();
  std::map<std::string, std::int64_t> last;
  for (const auto& p : a->progress()) last[p.track] = p.current;
  REQUIRE(last.size() == 50);
  for (int t = 0; t < 50; ++t) CHECK(last["track" + std::to_string(t)] == 200 + t);
  const auto delivered = a->events.size();
  s.update("track1", PCS_PROGRESS_CURRENT | PCS_PROGRESS_TRACK, 0, 1, 0, {});
  bus.progress_slots("new").update({}, PCS_PROGRESS_HEARTBEAT, 0, 0, 0, {});
  CHECK(bus.dropped() == 2);
  CHECK(a->events.size() == delivered);
}

TEST_CASE("progress slots from several threads: each thread's progress comes before its later log lines") {
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus({a});
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&bus, t] {
      pcs::ProgressSlots& s = bus.progress_slots("job");  // one job, a track per thread
      const std::string track = "t" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        s.update(track, PCS_PROGRESS_CURRENT | PCS_PROGRESS_TRACK, 0, i, 0, {});
        if (i % 7 == 0) bus.publish(log_event(std::to_string(i), track));
      }
    });
  for (auto& t : threads) t.join();
  bus.close();
  std::map<std::string, std::int64_t> last;  // per track: the latest delivered value
  for (const auto& e : a->events) {
    if (auto* p = std::get_if<pcs::ProgressEvent>(&e)) {
      auto [it, fresh] = last.try_emplace(p->track, p->current);
      if (!fresh) CHECK(it->second < p->current);
      it->second = p->current;
    } else if (auto* l = std::get_if<pcs::LogEvent>(&e)) {
      REQUIRE(last.count(l->job) == 1);
      CHECK(last[l->job] >= std::stoll(l->message));  // the update before the line was delivered first
    }
  }
  REQUIRE(last.size() == kThreads);
  for (const auto& [track, value] : last) CHECK(value == kEach - 1);
  CHECK(bus.dropped() == 0);
}

TEST_CASE("publish_log events arrive whole, in publish order with the others, in reused memory") {
  auto a = std::make_shared<Recorder>();
  pcs::EventBus bus({a});
  std::vector<std::string> expected;
  const std::string long_value(5000, 'v');  // longer than what a delivered event keeps for reuse
  for (int i = 0; i < 3000; ++i) {
    const std::string n = std::to_string(i);
    const std::string value = i % 500 == 7 ? long_value : "value " + n;
    const std::string keys[] = {"key0", "key1", "key2"};
    std::vector<pcs::LogExtraView> extras;
    for (int k = 0; k < i % 4; ++k) extras.push_back({keys[k], value, k % 2 == 1});
    const auto m = static_cast<pcs::Machine>(i % 3);
    if (i % 3 == 0) {
      bus.publish(log_event("event " + n));  // a LogEvent: same queue, same order
    } else {
      bus.publish_log(pcs::EventTime(std::chrono::seconds(i)), static_cast<pcs_log_level>(i % 60), "job " + n, m,
                      "log " + n, extras);
    }
    expected.push_back((i % 3 == 0 ? "event " : "log ") + n);
    if (i % 100 == 99) bus.flush();  // batches, so that delivered events are refilled
  }
  bus.close();
  REQUIRE(a->messages() == expected);
  int i = 0;
  for (const auto& e : a->events) {
    const auto& l = std::get<pcs::LogEvent>(e);
    if (i % 3 != 0) {
      const std::string n = std::to_string(i);
      const std::string value = i % 500 == 7 ? long_value : "value " + n;
      CHECK(l.time == pcs::EventTime(std::chrono::seconds(i)));
      CHECK((l.level == static_cast<pcs_log_level>(i % 60) && l.job == "job " + n));
      CHECK((l.machine == static_cast<pcs::Machine>(i % 3) && !l.always_in_file));
      REQUIRE(l.extras.size() == static_cast<std::size_t>(i % 4));
      for (std::size_t k = 0; k < l.extras.size(); ++k)
        CHECK((l.extras[k].key == "key" + std::to_string(k) && l.extras[k].value == value &&
               l.extras[k].is_json == (k % 2 == 1)));
    }
    ++i;
  }
  bus.publish_log(std::chrono::system_clock::now(), PCS_LOG_INFO, "j", pcs::Machine::None, "after close", {});
  CHECK(bus.dropped() == 1);
}

TEST_CASE("publish_log counts against a full queue like any log event") {
  auto a = std::make_shared<Recorder>(true);
  pcs::EventBus bus({a}, pcs::EventBusOptions{100, 2ms});
  bus.publish(log_event("gate"));
  a->wait_entered();
  for (int i = 0; i < 1000; ++i)
    bus.publish_log(std::chrono::system_clock::now(), PCS_LOG_INFO, "j", pcs::Machine::None, std::to_string(i), {});
  a->release();
  bus.close();
  CHECK(bus.dropped() == 900);
  const auto logs = a->messages();
  REQUIRE(logs.size() == 1 + 100 + 1);
  CHECK(logs[100] == "99");
  CHECK(logs.back() == "900 events were dropped: the log and display fell behind (j: 900)");
}

TEST_CASE("publish_log drops records beyond max_pending_log_bytes and names the job that logged them") {
  auto a = std::make_shared<Recorder>(true);
  pcs::EventBusOptions options;
  options.max_pending_log_bytes = 64 * 1024;
  pcs::EventBus bus({a}, options);
  bus.publish(log_event("gate"));
  a->wait_entered();
  const std::string kib(1024, 'x');
  for (int i = 0; i < 1000; ++i)
    bus.publish_log(std::chrono::system_clock::now(), PCS_LOG_INFO, "flood", pcs::Machine::None, kib, {});
  a->release();
  bus.close();
  const auto logs = a->messages();
  REQUIRE(logs.size() > 2);
  CHECK(logs.size() < 1 + 64 + 1);  // what fits in 64 KiB, then the report
  CHECK(bus.dropped() == 1000 - (logs.size() - 2));
  CHECK(logs.back() ==
        std::to_string(bus.dropped()) +
            " events were dropped: the log and display fell behind (flood: " + std::to_string(bus.dropped()) + ")");
}

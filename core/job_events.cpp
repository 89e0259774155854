#include "job_events.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace pcs {
namespace {

Machine machine_of(pcs_machine m) {
  if (m == PCS_MACHINE_SOURCE) return Machine::Source;
  if (m == PCS_MACHINE_TARGET) return Machine::Target;
  return Machine::None;
}

// PCS_HAS_FIELD for a reference (the macro's NULL check does not apply).
#define HAS_FIELD(ref, type, field) ((ref).struct_size >= offsetof(type, field) + sizeof((ref).field))

}  // namespace

LogEvent to_log_event(const std::string& job, const pcs_log_record& r) {
  LogEvent e;
  e.time = std::chrono::system_clock::now();
  e.job = job;
  if (HAS_FIELD(r, pcs_log_record, machine)) e.machine = machine_of(r.machine);
  if (HAS_FIELD(r, pcs_log_record, level)) e.level = r.level;
  if (HAS_FIELD(r, pcs_log_record, message) && r.message) e.message = r.message;
  if (HAS_FIELD(r, pcs_log_record, field_count) && r.fields != nullptr) {
    e.extras.reserve(r.field_count);
    for (std::uint32_t i = 0; i < r.field_count; ++i) {
      const pcs_log_field& f = r.fields[i];
      if (f.key == nullptr || *f.key == '\0') continue;
      e.extras.push_back({f.key, f.value ? f.value : "", f.kind == PCS_VALUE_JSON});
    }
  }
  return e;
}

void publish_log_record(EventBus& bus, const std::string& job, const pcs_log_record& r) {
  constexpr std::uint32_t kInline = 8;  // more extras than that are rare: those go as a LogEvent
  const std::uint32_t count = HAS_FIELD(r, pcs_log_record, field_count) && r.fields != nullptr ? r.field_count : 0;
  if (count > kInline) {
    bus.publish(to_log_event(job, r));
    return;
  }
  std::array<LogExtraView, kInline> extras;  // small: it is zeroed on every call
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const pcs_log_field& f = r.fields[i];
    if (f.key == nullptr || *f.key == '\0') continue;
    extras[n++] = {f.key, f.value ? std::string_view(f.value) : std::string_view(), f.kind == PCS_VALUE_JSON};
  }
  bus.publish_log(std::chrono::system_clock::now(), HAS_FIELD(r, pcs_log_record, level) ? r.level : PCS_LOG_INFO, job,
                  HAS_FIELD(r, pcs_log_record, machine) ? machine_of(r.machine) : Machine::None,
                  HAS_FIELD(r, pcs_log_record, message) && r.message ? std::string_view(r.message) : std::string_view(),
                  std::span<const LogExtraView>(extras.data(), n));
}

ProgressEvent to_progress_event(const std::string& job, const pcs_progress& p) {
  ProgressEvent e;
  e.time = std::chrono::system_clock::now();
  e.job = job;
  if (!HAS_FIELD(p, pcs_progress, track)) return e;  // every field is 1.0: a short struct is malformed
  e.fields = p.fields;
  e.percent = p.percent;
  e.current = p.current;
  e.total = p.total;
  if ((p.fields & PCS_PROGRESS_ITEM) && p.item) e.item = p.item;
  if ((p.fields & PCS_PROGRESS_ITEM) && !p.item) e.fields &= ~PCS_PROGRESS_ITEM;
  if ((p.fields & PCS_PROGRESS_TRACK) && p.track) e.track = p.track;
  if ((p.fields & PCS_PROGRESS_TRACK) && !p.track) e.fields &= ~PCS_PROGRESS_TRACK;
  return e;
}

void update_progress(ProgressSlots& slots, const pcs_progress& p) {
  if (!HAS_FIELD(p, pcs_progress, track)) {
    slots.update({}, 0, 0, 0, 0, {});
    return;
  }
  std::uint32_t fields = p.fields;
  if ((fields & PCS_PROGRESS_ITEM) && !p.item) fields &= ~PCS_PROGRESS_ITEM;
  if ((fields & PCS_PROGRESS_TRACK) && !p.track) fields &= ~PCS_PROGRESS_TRACK;
  slots.update((fields & PCS_PROGRESS_TRACK) ? std::string_view(p.track) : std::string_view(), fields, p.percent,
               p.current, p.total, (fields & PCS_PROGRESS_ITEM) ? std::string_view(p.item) : std::string_view());
}

namespace {

// services.progress. Every JobHost keeps its own copy (a host serves one
// job), so each caches its job's slots and skips the lookup by name.
struct ProgressCall {
  explicit ProgressCall(EventBus& b) : bus(&b) {}
  ProgressCall(const ProgressCall& other) : bus(other.bus) {}

  void operator()(const std::string& job, const pcs_progress& p) const noexcept {
    try {
      ProgressSlots* s = cached.load(std::memory_order_acquire);
      if (s == nullptr || !s->is_for(job)) {
        s = &bus->progress_slots(job);
        cached.store(s, std::memory_order_release);
      }
      update_progress(*s, p);
    } catch (...) {
      // Out of memory: this update is lost (plugins must not see exceptions).
    }
  }

  EventBus* bus;
  mutable std::atomic<ProgressSlots*> cached{nullptr};
};

}  // namespace

void publish_job_events(JobServices& services, EventBus& bus) {
  EventBus* b = &bus;
  services.log = [b](const std::string& job, const pcs_log_record& r) {
    try {
      publish_log_record(*b, job, r);
    } catch (...) {
      // Out of memory before the bus could count it as dropped.
    }
  };
  services.progress = ProgressCall(bus);
}

}  // namespace pcs

#include "job_events.hpp"

#include <chrono>
#include <cstddef>

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

void publish_job_events(JobServices& services, EventBus& bus) {
  EventBus* b = &bus;
  services.log = [b](const std::string& job, const pcs_log_record& r) { b->publish(to_log_event(job, r)); };
  services.progress = [b](const std::string& job, const pcs_progress& p) { b->publish(to_progress_event(job, p)); };
}

}  // namespace pcs

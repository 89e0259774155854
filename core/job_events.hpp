// Connects a job's log and progress host services to the event bus: each
// pcs_log_record is stamped with the current time and copied into the bus's
// queue (its strings are borrowed for the call only), to become a LogEvent on
// the dispatcher; each pcs_progress updates the job's ProgressSlots on the bus
// (see event_bus.hpp), which a job may do millions of times without an event,
// a clock read or a string copy per call.
#pragma once

#include <string>

#include <pcswitcher/plugin.h>

#include "event_bus.hpp"
#include "job_host.hpp"

namespace pcs {

LogEvent to_log_event(const std::string& job, const pcs_log_record& record);
// bus.publish(to_log_event(job, record)), through EventBus::publish_log().
void publish_log_record(EventBus& bus, const std::string& job, const pcs_log_record& record);
ProgressEvent to_progress_event(const std::string& job, const pcs_progress& progress);
// What to_progress_event() would publish, as an update of `slots`.
void update_progress(ProgressSlots& slots, const pcs_progress& progress);

// Sets services.log and services.progress to publish onto `bus`, which must
// outlive every JobHost made with these services.
void publish_job_events(JobServices& services, EventBus& bus);

}  // namespace pcs

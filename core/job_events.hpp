// Connects a job's log and progress host services to the event bus: each
// pcs_log_record / pcs_progress is copied (its strings are borrowed for the
// call only) into a LogEvent / ProgressEvent stamped with the current time.
#pragma once

#include <string>

#include <pcswitcher/plugin.h>

#include "event_bus.hpp"
#include "job_host.hpp"

namespace pcs {

LogEvent to_log_event(const std::string& job, const pcs_log_record& record);
ProgressEvent to_progress_event(const std::string& job, const pcs_progress& progress);

// Sets services.log and services.progress to publish onto `bus`, which must
// outlive every JobHost made with these services.
void publish_job_events(JobServices& services, EventBus& bus);

}  // namespace pcs

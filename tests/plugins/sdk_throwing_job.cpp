#include "sdk_throwing_job.hpp"

PCS_EXPORT_JOB(mb::SdkThrowingJob)

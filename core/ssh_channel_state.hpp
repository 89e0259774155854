// What a job thread and the SSH I/O thread share about one exec channel.
//
// The job thread queues stdin and reads buffered output; the I/O thread moves
// bytes between these buffers and the libssh channel. Everything here is
// guarded by `mu`; `changed` is signalled whenever the I/O thread adds
// output, frees stdin space or finishes the channel.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace pcs {

struct SshChannelState {
  std::mutex mu;
  std::condition_variable changed;

  std::string command;  // what the remote login shell runs

  // Output received, not yet consumed by the job thread.
  std::string out;
  std::string err;
  bool eof = false;  // the remote side sent EOF (no more output)

  // Stdin queued by the job thread, not yet written to the channel.
  std::string in;
  bool close_stdin = false;

  bool exec_sent = false;  // the exec request went out: the command may be running
  bool started = false;    // the exec request succeeded
  bool done = false;       // the channel is closed: nothing more will change
  bool have_exit_status = false;
  int exit_status = -1;
  std::string exit_signal;  // "TERM", "KILL", ... when it died of a signal
  std::string failure;      // set when the channel failed (open refused, connection lost)

  // I/O thread only: when the server first refused to open this channel.
  std::chrono::steady_clock::time_point first_refusal{};

  bool abandon = false;  // the job thread gave up: close the channel at once
};

}  // namespace pcs

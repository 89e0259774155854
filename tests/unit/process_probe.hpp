// Looking at processes from a test: which are alive, in which group, waiting
// for a condition with a limit.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// /proc/PID/stat fields after the command name: state, ppid, pgrp.
inline bool stat_of(pid_t pid, char& state, pid_t& ppid, pid_t& pgrp) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  return std::sscanf(text.c_str() + close + 1, " %c %d %d", &state, &ppid, &pgrp) == 3;
}

// A member of process group `pgid` that is not a zombie (this machine's init
// may never reap orphans, so zombies are tolerated).
inline bool live_in_group(pid_t pgid) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    char state;
    pid_t ppid, pgrp;
    if (stat_of(std::stoi(name), state, ppid, pgrp) && pgrp == pgid && state != 'Z') return true;
  }
  return false;
}

inline bool our_zombie(pid_t pid) {
  char state;
  pid_t ppid, pgrp;
  return stat_of(pid, state, ppid, pgrp) && state == 'Z' && ppid == ::getpid();
}

template <class F>
bool eventually(F condition, std::chrono::milliseconds limit) {
  auto end = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

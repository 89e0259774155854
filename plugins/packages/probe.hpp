// Reads on one machine. A read that does not answer — the tool is missing,
// it exits non-zero, its output cannot be parsed — fails the job at once,
// naming the command, the machine and what the tool said: the job never
// guesses what a machine has (upstream ADR-022).
#pragma once

#include <pcswitcher/job.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace packages {

class ProbeFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline std::string shown(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out.size() > 200 ? out.substr(0, 200) + "…" : out;
}

inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

class Probe {
 public:
  Probe(const pcs::JobContext& ctx, pcs::Host host)
      : ctx_(ctx), host_(host), hostname_(host == pcs::Host::Source ? ctx.source_hostname : ctx.target_hostname) {}

  pcs::Host host() const { return host_; }
  const std::string& hostname() const { return hostname_; }
  const pcs::Executor& executor() const { return host_ == pcs::Host::Source ? ctx_.source : ctx_.target; }

  // Runs a read in the C locale (tools' labels are translated otherwise).
  // Exit codes in `ok` (besides 0) also count as answers.
  pcs::CommandResult run(const std::vector<std::string>& argv, std::vector<int> ok = {}) const {
    pcs::RunOptions o;
    o.env = {"LC_ALL=C"};
    pcs::CommandResult r = executor().run(argv, o);
    bool answered = r.signal == 0 && r.exit_code == 0;
    for (int code : ok) answered = answered || (r.signal == 0 && r.exit_code == code);
    if (!answered)
      throw ProbeFailed("`" + shown(argv) + "` on " + hostname_ + " did not answer (exit " +
                        std::to_string(r.exit_code) + (r.signal ? ", signal " + std::to_string(r.signal) : "") +
                        "): " + (trimmed(r.stderr).empty() ? "no error output" : trimmed(r.stderr)));
    return r;
  }
  std::string read(const std::vector<std::string>& argv) const { return run(argv).stdout; }

  // Parses with `parse`; output it cannot understand fails like a missing answer.
  template <typename F>
  auto parsed(const std::vector<std::string>& argv, F&& parse) const {
    const std::string out = read(argv);
    try {
      return parse(out);
    } catch (const std::exception& e) {
      throw ProbeFailed("`" + shown(argv) + "` on " + hostname_ + " printed what pc-switcher cannot read: " + e.what());
    }
  }

  // Whether `tool` is on the PATH (the tool's name travels as an argument).
  bool has(const std::string& tool) const {
    return executor().run({"sh", "-c", "command -v \"$1\" >/dev/null", "sh", tool}).exit_code == 0;
  }

 private:
  const pcs::JobContext& ctx_;
  pcs::Host host_;
  std::string hostname_;
};

}  // namespace packages

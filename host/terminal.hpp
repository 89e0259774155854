// The terminal side of `pc-switcher sync`: the sink that shows the session
// (live view on a TTY, plain lines otherwise) and questions to the user.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "event_bus.hpp"

namespace pcs::cli {

// Passes log events at or above a floor that can be changed while it runs
// (the config, which sets it, is read after the session started); every
// other event passes.
class FloorFilter : public EventSink {
 public:
  FloorFilter(std::shared_ptr<EventSink> inner, pcs_log_level floor) : inner_(std::move(inner)), floor_(floor) {}
  void set_floor(pcs_log_level floor) { floor_.store(floor); }
  void deliver(const Event& event) override;
  void flush() override { inner_->flush(); }

 private:
  std::shared_ptr<EventSink> inner_;
  std::atomic<pcs_log_level> floor_;
};

// Asks on the controlling terminal (stdin and stdout both TTYs): prints the
// question and numbered choices, reads a number or a choice's name. Returns
// -1 when there is no terminal, at end of input, or once `give_up()` is true
// (checked while waiting).
// `out`: where the terminal is (pc-switcher sync writes to a copy of stdout
// while plugins run: StrayOutput).
int ask_on_terminal(const std::string& job, const std::string& text, const std::vector<std::string>& choices,
                    const std::function<bool()>& give_up, std::FILE* out = stdout);

}  // namespace pcs::cli

#include "ssh_connection.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>

namespace pcs {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// Stop reading a channel whose unread output exceeds this: the SSH window then
// fills and the remote writer waits, instead of our memory growing.
constexpr std::size_t kMaxBuffered = 8 * 1024 * 1024;
// How long a refused channel open is retried before the command fails.
constexpr auto kRefusalPatience = std::chrono::seconds(10);

}  // namespace

struct SshConnection::Active {
  enum class Phase { Opening, Exec, Running } phase = Phase::Opening;
  std::shared_ptr<SshChannelState> state;
  ssh_channel channel = nullptr;
  ssh_channel_callbacks_struct callbacks{};
  bool eof_sent = false;

  ~Active() {
    if (channel) {
      ssh_remove_channel_callbacks(channel, &callbacks);
      // libssh 0.10 sends CLOSE for remote channel 0 when asked to close a
      // channel that never opened (killing whatever runs there): only an open
      // channel is closed; ssh_channel_free alone is safe for the others.
      if (ssh_channel_is_open(channel)) ssh_channel_close(channel);
      ssh_channel_free(channel);
    }
  }

  static void on_exit_status(ssh_session, ssh_channel, int status, void* user) {
    auto* self = static_cast<Active*>(user);
    std::lock_guard lock(self->state->mu);
    self->state->have_exit_status = true;
    self->state->exit_status = status;
  }
  static void on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*, void* user) {
    auto* self = static_cast<Active*>(user);
    std::lock_guard lock(self->state->mu);
    self->state->have_exit_status = true;
    self->state->exit_signal = signal ? signal : "?";
  }
};

SshConnection::SshConnection(SshSessionPtr session, std::string label, std::chrono::seconds keepalive_interval,
                             int keepalive_count_max)
    : session_(std::move(session)),
      label_(std::move(label)),
      keepalive_interval_(keepalive_interval),
      keepalive_count_max_(keepalive_count_max) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { loop(); });
}

SshConnection::~SshConnection() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake();
  thread_.join();
  ::close(wake_fd_);
}

void SshConnection::wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

std::shared_ptr<SshChannelState> SshConnection::exec(std::string command) {
  auto state = std::make_shared<SshChannelState>();
  state->command = std::move(command);
  {
    std::lock_guard lock(mu_);
    if (!failure_.empty()) {
      state->failure = failure_;
      state->done = true;
      return state;
    }
    queued_.push_back(state);
  }
  wake();
  return state;
}

bool SshConnection::run_blocking(const std::function<void(ssh_session)>& task) {
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  {
    std::lock_guard lock(mu_);
    if (!failure_.empty() || stopping_) return false;
    tasks_.emplace_back(task, done);
  }
  wake();
  future.wait();
  return failure().empty();
}

std::string SshConnection::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void SshConnection::fail_all(const std::string& why) {
  std::lock_guard lock(mu_);
  if (failure_.empty()) failure_ = why;
}

void SshConnection::loop() {
  ssh_session s = session_.get();
  ssh_set_blocking(s, 0);
  ssh_event event = ssh_event_new();
  ssh_event_add_session(event, s);
  ssh_event_add_fd(
      event, wake_fd_, POLLIN,
      [](socket_t fd, int, void*) -> int {
        uint64_t v;
        [[maybe_unused]] auto n = ::read(fd, &v, sizeof v);
        return 0;
      },
      nullptr);

  std::vector<std::unique_ptr<Active>> active;
  auto last_keepalive = std::chrono::steady_clock::now();
  auto last_refusal = last_keepalive;
  ssh_channel probe = nullptr;  // an open request used as a keepalive
  auto probe_started = last_keepalive;

  auto finish = [](Active& a, std::string failure) {
    std::lock_guard lock(a.state->mu);
    if (!failure.empty() && a.state->failure.empty()) a.state->failure = std::move(failure);
    a.state->done = true;
    a.state->changed.notify_all();
  };

  while (true) {
    bool stopping;
    std::string failure;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
      failure = failure_;
    }
    if (stopping || !failure.empty()) {
      std::string why = failure.empty() ? fmt::format("the connection to {} was closed", label_) : failure;
      for (auto& a : active) finish(*a, why);
      active.clear();
      std::deque<std::shared_ptr<SshChannelState>> queued;
      decltype(tasks_) tasks;
      {
        std::lock_guard lock(mu_);
        queued.swap(queued_);
        tasks.swap(tasks_);
        if (failure_.empty()) failure_ = why;
      }
      for (auto& q : queued) {
        std::lock_guard lock(q->mu);
        q->failure = why;
        q->done = true;
        q->changed.notify_all();
      }
      for (auto& t : tasks) t.second->set_value();
      if (stopping) break;
      // Failed but not stopping: wait for the owner to stop us.
      ssh_event_dopoll(event, 100);
      continue;
    }

    // Blocking tasks (SFTP steps) run first, one each round.
    std::pair<std::function<void(ssh_session)>, std::shared_ptr<std::promise<void>>> task;
    {
      std::lock_guard lock(mu_);
      if (!tasks_.empty()) {
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
    }
    if (task.first) {
      ssh_set_blocking(s, 1);
      task.first(s);
      ssh_set_blocking(s, 0);
      task.second->set_value();
    }

    // New channels, as many as the server allows. After a refusal the limit may
    // be an underestimate (sessions we closed may still count on the server):
    // while work waits, try one more each second.
    {
      std::lock_guard lock(mu_);
      auto now = std::chrono::steady_clock::now();
      if (!queued_.empty() && open_count_ >= limit_ && limit_ < 64 && now - last_refusal > std::chrono::seconds(1)) {
        ++limit_;
        last_refusal = now;
      }
      while (!queued_.empty() && open_count_ < limit_) {
        auto state = queued_.front();
        queued_.pop_front();
        {
          std::lock_guard state_lock(state->mu);
          if (state->abandon) {  // given up before it started: nothing to open
            state->done = true;
            state->changed.notify_all();
            continue;
          }
        }
        auto a = std::make_unique<Active>();
        a->state = std::move(state);
        a->channel = ssh_channel_new(s);
        ssh_callbacks_init(&a->callbacks);
        a->callbacks.userdata = a.get();
        a->callbacks.channel_exit_status_function = &Active::on_exit_status;
        a->callbacks.channel_exit_signal_function = &Active::on_exit_signal;
        ssh_set_channel_callbacks(a->channel, &a->callbacks);
        ++open_count_;
        active.push_back(std::move(a));
      }
    }

    int opened = 0;  // channels the server has accepted
    for (const auto& a : active) opened += ssh_channel_is_open(a->channel) ? 1 : 0;
    bool busy = false;  // something is waiting on a reply: poll again soon
    for (std::size_t i = 0; i < active.size();) {
      Active& a = *active[i];
      bool remove = false;
      bool abandon;
      {
        std::lock_guard lock(a.state->mu);
        abandon = a.state->abandon;
      }
      if (abandon) {
        finish(a, "");
        remove = true;
      }
      if (!remove && a.phase == Active::Phase::Opening) {
        int rc = ssh_channel_open_session(a.channel);
        if (rc == SSH_AGAIN) {
          busy = true;
        } else if (rc == SSH_OK) {
          a.phase = Active::Phase::Exec;
          // Opens answered after a refusal show the server allows more.
          if (++opened > limit_) limit_ = opened;
          busy = true;
        } else if (a.state->first_refusal == std::chrono::steady_clock::time_point{} ||
                   std::chrono::steady_clock::now() - a.state->first_refusal < kRefusalPatience) {
          // The server refused one more session (MaxSessions). Sessions we
          // closed a moment ago may still count there, so even with none open
          // on our side this is worth retrying: queue it again and keep at most
          // what is open now.
          if (a.state->first_refusal == std::chrono::steady_clock::time_point{})
            a.state->first_refusal = std::chrono::steady_clock::now();
          limit_ = std::max(1, opened);
          last_refusal = std::chrono::steady_clock::now();
          {
            std::lock_guard lock(mu_);
            queued_.push_front(a.state);
          }
          ssh_remove_channel_callbacks(a.channel, &a.callbacks);
          ssh_channel_free(a.channel);
          a.channel = nullptr;
          remove = true;
        } else {
          finish(a, fmt::format("{}: cannot open an SSH channel: {}", label_, ssh_get_error(s)));
          remove = true;
        }
      }
      if (!remove && a.phase == Active::Phase::Exec) {
        {
          std::lock_guard lock(a.state->mu);
          a.state->exec_sent = true;
        }
        int rc = ssh_channel_request_exec(a.channel, a.state->command.c_str());
        if (rc == SSH_AGAIN) {
          busy = true;
        } else if (rc == SSH_OK) {
          a.phase = Active::Phase::Running;
          std::lock_guard lock(a.state->mu);
          a.state->started = true;
          a.state->changed.notify_all();
        } else {
          finish(a, fmt::format("{}: the command was refused: {}", label_, ssh_get_error(s)));
          remove = true;
        }
      } else if (!remove && a.phase == Active::Phase::Running) {
        char buf[kReadChunk];
        bool changed = false;
        bool error = false;
        for (int is_stderr = 0; is_stderr < 2; ++is_stderr) {
          while (true) {
            {
              std::lock_guard lock(a.state->mu);
              if ((is_stderr ? a.state->err : a.state->out).size() > kMaxBuffered) break;
            }
            int n = ssh_channel_read_nonblocking(a.channel, buf, sizeof buf, is_stderr);
            if (n == SSH_ERROR) {
              error = true;
              break;
            }
            if (n <= 0) break;
            std::lock_guard lock(a.state->mu);
            (is_stderr ? a.state->err : a.state->out).append(buf, static_cast<std::size_t>(n));
            changed = true;
          }
        }
        {
          std::unique_lock lock(a.state->mu);
          if (!a.state->in.empty() && !ssh_channel_is_closed(a.channel)) {
            std::size_t window = ssh_channel_window_size(a.channel);
            std::size_t len = std::min({a.state->in.size(), window, std::size_t{256 * 1024}});
            if (len > 0) {
              std::string chunk = a.state->in.substr(0, len);
              lock.unlock();
              int w = ssh_channel_write(a.channel, chunk.data(), static_cast<uint32_t>(chunk.size()));
              lock.lock();
              if (w > 0) {
                a.state->in.erase(0, static_cast<std::size_t>(w));
                changed = true;
              } else if (w < 0) {
                error = true;
              }
            }
            busy = true;
          }
          if (a.state->in.empty() && a.state->close_stdin && !a.eof_sent) {
            a.eof_sent = true;
            lock.unlock();
            ssh_channel_send_eof(a.channel);
            lock.lock();
          }
          bool at_end = ssh_channel_is_eof(a.channel) || ssh_channel_is_closed(a.channel);
          if (at_end && ssh_channel_poll(a.channel, 0) <= 0 && ssh_channel_poll(a.channel, 1) <= 0) {
            a.state->eof = true;
            changed = true;
            if (a.state->have_exit_status || ssh_channel_is_closed(a.channel)) remove = true;
          }
          if (changed) a.state->changed.notify_all();
        }
        if (error) {
          finish(a, fmt::format("{}: channel error: {}", label_, ssh_get_error(s)));
          remove = true;
        } else if (remove) {
          finish(a, "");
        }
      }
      if (remove) {
        --open_count_;
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }

    // Keepalive: an open request must be answered within interval * count.
    auto now = std::chrono::steady_clock::now();
    if (probe) {
      int rc = ssh_channel_open_session(probe);
      if (rc != SSH_AGAIN) {
        ssh_channel_free(probe);  // answered (opened or refused): the peer is alive
        probe = nullptr;
      } else if (now - probe_started > keepalive_interval_ * keepalive_count_max_) {
        fail_all(fmt::format("the connection to {} was lost: no answer for {} s", label_,
                             (keepalive_interval_ * keepalive_count_max_).count()));
      }
    } else if (now - last_keepalive > keepalive_interval_) {
      last_keepalive = probe_started = now;
      probe = ssh_channel_new(s);
    }

    if (!ssh_is_connected(s) || (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
      fail_all(fmt::format("the connection to {} was lost: {}", label_, ssh_get_error(s)));
      continue;
    }
    if (ssh_event_dopoll(event, busy ? 1 : 50) == SSH_ERROR) {
      fail_all(fmt::format("the connection to {} was lost: {}", label_, ssh_get_error(s)));
    }
  }
  if (probe) ssh_channel_free(probe);
  ssh_event_remove_fd(event, wake_fd_);
  ssh_event_remove_session(event, s);
  ssh_event_free(event);
}

}  // namespace pcs

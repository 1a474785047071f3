#include "office_pool.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <com/sun/star/bridge/UnoUrlResolver.hpp>
#include <com/sun/star/bridge/XUnoUrlResolver.hpp>
#include <com/sun/star/connection/NoConnectException.hpp>
#include <com/sun/star/frame/Desktop.hpp>
#include <com/sun/star/uno/XComponentContext.hpp>
#include <cppuhelper/bootstrap.hxx>
#include <csignal>
#include <rtl/bootstrap.hxx>
#include <system_error>
#include <utility>

extern char** environ; // NOLINT: POSIX declares it nowhere

namespace folio_libreoffice {

struct office_pool::office {
  pid_t pid = -1; // oosplash (which runs soffice.bin), leader of the office's own process group
  std::string pipe_name;
  std::filesystem::path profile;
  css::uno::Reference<css::frame::XDesktop2> desktop;
};

namespace {

using namespace std::chrono_literals;

// One client-side UNO runtime per host process. It needs the office's type libraries (to marshal calls) and its
// services (pipe connector, urp bridge, URL resolver); bootstrap variables set here take precedence over any rc file,
// so the host's own executable needs no unorc next to it.
css::uno::Reference<css::uno::XComponentContext> local_context(const std::filesystem::path& program_dir) {
  static const css::uno::Reference<css::uno::XComponentContext> context = [&] {
    const std::string program = "file://" + program_dir.string();
    rtl::Bootstrap::set(OUString("URE_INTERNAL_LIB_DIR"), to_ustring(program));
    rtl::Bootstrap::set(OUString("UNO_TYPES"), to_ustring(program + "/types.rdb " + program + "/types/offapi.rdb"));
    rtl::Bootstrap::set(OUString("UNO_SERVICES"), to_ustring(program + "/services.rdb"));
    return cppu::defaultBootstrap_InitialComponentContext();
  }();
  return context;
}

// Whether the process has exited, without reaping it: while the zombie remains, its pid (and so its process group
// id) cannot be reused, so killing the group stays safe.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return true;
  }
  return info.si_pid == pid;
}

void kill_group(pid_t pid) {
  ::kill(-pid, SIGKILL);
}

} // namespace

office_pool::office_pool(pool_options options) : options_(std::move(options)), slots_(options_.processes) {}

folio::result<std::unique_ptr<office_pool>> office_pool::start(pool_options options) {
  if (options.processes == 0) {
    return folio::fail(folio::errc::invalid_argument, "the libreoffice pool needs at least one process", "processes");
  }
  try {
    local_context(options.program_dir);
  } catch (const css::uno::Exception& failure) {
    return folio::fail(folio::errc::plugin_error, "cannot start the UNO runtime: " + to_utf8(failure.Message));
  }
  std::unique_ptr<office_pool> pool(new office_pool(std::move(options)));

  // Every office is spawned before any is waited for: their start-ups (a few seconds each) overlap.
  std::vector<folio::result<std::unique_ptr<office>>> spawned;
  spawned.reserve(pool->slots_.size());
  for (std::size_t index = 0; index < pool->slots_.size(); ++index) {
    spawned.push_back(pool->launch());
  }
  const auto until = steady_clock::now() + pool->options_.start_timeout;
  std::string last_failure;
  std::size_t ready = 0;
  for (std::size_t index = 0; index < spawned.size(); ++index) {
    auto& slot = pool->slots_[index];
    slot.state = slot_state::dead;
    if (!spawned[index]) {
      last_failure = spawned[index].error().message;
      continue;
    }
    slot.process = std::move(spawned[index]).value();
    if (auto connected = pool->connect(*slot.process, until); !connected) {
      last_failure = connected.error().message;
      continue;
    }
    slot.state = slot_state::idle;
    ++ready;
  }
  if (ready == 0) {
    return folio::fail(folio::errc::converter_crashed, "no soffice process could be started: " + last_failure);
  }
  pool->watchdog_ = std::jthread([raw = pool.get()] { raw->watch(); });
  pool->restarter_ = std::jthread([raw = pool.get()] { raw->restart_dead(); });
  return pool;
}

office_pool::~office_pool() {
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (watchdog_.joinable()) {
    watchdog_.join();
  }
  if (restarter_.joinable()) {
    restarter_.join();
  }
  for (auto& slot : slots_) {
    if (slot.process) {
      if (slot.state == slot_state::idle && !slot.exited) {
        // A clean exit lets soffice remove its own temporary files; a kill follows if it does not come.
        try {
          slot.process->desktop->terminate();
        } catch (const css::uno::Exception&) {
          // The bridge closes as the office exits, so terminate() may report a disposed bridge: expected.
        }
        const auto until = steady_clock::now() + 5s;
        while (!has_exited(slot.process->pid) && steady_clock::now() < until) {
          std::this_thread::sleep_for(20ms);
        }
      }
      stop(*slot.process);
    }
  }
}

folio::result<std::unique_ptr<office_pool::office>> office_pool::launch() const {
  static std::atomic<unsigned> next_office{0};
  auto process = std::make_unique<office>();
  process->pipe_name = "folio-" + std::to_string(::getpid()) + "-" + std::to_string(next_office++);

  std::string profile = (std::filesystem::temp_directory_path() / "folio-lo-XXXXXX").string();
  if (::mkdtemp(profile.data()) == nullptr) {
    return folio::fail(folio::errc::converter_crashed,
                       "cannot create a profile directory: " + std::system_category().message(errno));
  }
  process->profile = profile;

  std::vector<std::string> arguments{(options_.program_dir / "soffice").string(),
                                     "--headless",
                                     "--invisible",
                                     "--nologo",
                                     "--norestore",
                                     "--nodefault",
                                     "--nolockcheck",
                                     "-env:UserInstallation=file://" + profile,
                                     "--accept=pipe,name=" + process->pipe_name + ";urp;StarOffice.ComponentContext"};
  std::vector<char*> argv;
  for (auto& argument : arguments) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);

  // posix_spawn rather than fork: the host is multi-threaded. setsid gives the office its own process group, so
  // oosplash, soffice.bin and whatever they start die together; the host's blocked signals must not be inherited.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, static_cast<short>(POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK));
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  const int spawned = ::posix_spawn(&process->pid, argv.front(), &files, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    std::filesystem::remove_all(process->profile);
    return folio::fail(folio::errc::converter_crashed,
                       "cannot start " + arguments.front() + ": " + std::system_category().message(spawned));
  }
  return process;
}

folio::result<void> office_pool::connect(office& process, steady_clock::time_point until) const {
  try {
    const auto resolver = css::bridge::UnoUrlResolver::create(local_context(options_.program_dir));
    const OUString url = to_ustring("uno:pipe,name=" + process.pipe_name + ";urp;StarOffice.ComponentContext");
    while (true) {
      try {
        const css::uno::Reference<css::uno::XComponentContext> remote(resolver->resolve(url),
                                                                      css::uno::UNO_QUERY_THROW);
        process.desktop = css::frame::Desktop::create(remote);
        return folio::success();
      } catch (const css::connection::NoConnectException&) {
        // The office has not opened its pipe yet: it takes a few seconds, more on a first start with a new profile.
      }
      if (has_exited(process.pid)) {
        return folio::fail(folio::errc::converter_crashed, "soffice exited during start-up");
      }
      if (steady_clock::now() >= until || stopping_) {
        return folio::fail(folio::errc::conversion_timeout, "soffice did not open its UNO pipe in time");
      }
      std::this_thread::sleep_for(100ms);
    }
  } catch (const css::uno::Exception& failure) {
    return folio::fail(folio::errc::converter_crashed, "cannot connect to soffice: " + to_utf8(failure.Message));
  }
}

void office_pool::stop(office& process) {
  process.desktop.clear();
  kill_group(process.pid);
  int status = 0;
  ::waitpid(process.pid, &status, 0);
  std::error_code ignored;
  std::filesystem::remove_all(process.profile, ignored);
}

void office_pool::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, 50ms, [&] { return stopping_.load(); });
    const auto now = steady_clock::now();
    bool any_died = false;
    for (auto& slot : slots_) {
      if ((slot.state != slot_state::idle && slot.state != slot_state::busy) || slot.exited) {
        continue;
      }
      if (has_exited(slot.process->pid)) {
        // oosplash may go first and leave soffice.bin behind, or the reverse: the group goes as one.
        slot.exited = true;
        kill_group(slot.process->pid);
        any_died = true;
        if (slot.state == slot_state::idle) {
          slot.state = slot_state::dead;
        }
      } else if (slot.state == slot_state::busy && now >= slot.deadline && !slot.timed_out) {
        // The blocked UNO call returns with a disposed bridge once the pipe closes.
        slot.timed_out = true;
        kill_group(slot.process->pid);
      }
    }
    if (any_died) {
      changed_.notify_all();
    }
  }
}

void office_pool::restart_dead() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto dead = std::find_if(slots_.begin(), slots_.end(),
                             [](const office_slot& each) { return each.state == slot_state::dead; });
    if (dead == slots_.end()) {
      changed_.wait(lock);
      continue;
    }
    dead->state = slot_state::starting;
    auto old = std::move(dead->process);
    lock.unlock();
    if (old) {
      stop(*old);
    }
    auto fresh = launch();
    if (fresh) {
      if (auto connected = connect(*fresh.value(), steady_clock::now() + options_.start_timeout); !connected) {
        stop(*fresh.value());
        fresh = connected.error();
      }
    }
    lock.lock();
    dead->exited = false;
    dead->timed_out = false;
    if (fresh) {
      dead->process = std::move(fresh).value();
      dead->state = slot_state::idle;
      changed_.notify_all();
    } else {
      // A failed start (the machine out of memory, say) is retried, not given up on; a pause keeps it from spinning.
      dead->state = slot_state::dead;
      changed_.wait_for(lock, 1s, [&] { return stopping_.load(); });
    }
  }
}

folio::result<office_lease> office_pool::acquire(steady_clock::time_point wait_until) {
  std::unique_lock lock(mutex_);
  std::size_t chosen = slots_.size();
  const bool found = changed_.wait_until(lock, wait_until, [&] {
    for (std::size_t index = 0; index < slots_.size(); ++index) {
      if (slots_[index].state == slot_state::idle) {
        chosen = index;
        return true;
      }
    }
    return stopping_.load();
  });
  if (stopping_) {
    return folio::fail(folio::errc::shutting_down, "the libreoffice pool is shutting down");
  }
  if (!found || chosen == slots_.size()) {
    return folio::fail(folio::errc::conversion_timeout, "no soffice process became free before the deadline");
  }
  auto& slot = slots_[chosen];
  slot.state = slot_state::busy;
  // Between a lease's jobs the office waits for its holder, not on a job: no deadline applies.
  slot.deadline = steady_clock::time_point::max();
  return office_lease(*this, chosen);
}

folio::result<void> office_pool::run(steady_clock::time_point deadline, const job& work) {
  auto lease = acquire(deadline);
  if (!lease) {
    return lease.error();
  }
  return lease.value().run(deadline, work);
}

office_lease::office_lease(office_lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), slot_(other.slot_) {}

office_lease::~office_lease() {
  if (pool_ == nullptr) {
    return;
  }
  const std::scoped_lock lock(pool_->mutex_);
  auto& slot = pool_->slots_[slot_];
  slot.state = slot.exited ? office_pool::slot_state::dead : office_pool::slot_state::idle;
  pool_->changed_.notify_all();
}

folio::result<void> office_lease::run(steady_clock::time_point deadline, const job& work) {
  if (pool_ == nullptr) {
    return folio::fail(folio::errc::converter_crashed, "the soffice process holding this document was lost");
  }
  std::unique_lock lock(pool_->mutex_);
  auto* slot = &pool_->slots_[slot_];
  if (slot->exited) {
    slot->state = office_pool::slot_state::dead;
    pool_->changed_.notify_all();
    pool_ = nullptr;
    return folio::fail(folio::errc::converter_crashed, "the soffice process holding this document died");
  }
  slot->deadline = deadline;
  job_context context{slot->process->desktop};
  lock.unlock();

  auto outcome = work(context);

  lock.lock();
  slot->deadline = steady_clock::time_point::max();
  const bool timed_out = slot->timed_out;
  const bool lost = timed_out || slot->exited || context.office_lost;
  if (lost) {
    // An office whose bridge broke is of no further use, whether or not its process is still there.
    kill_group(slot->process->pid);
    slot->state = office_pool::slot_state::dead;
    pool_->changed_.notify_all();
    pool_ = nullptr;
  }
  if (outcome && !context.office_lost) {
    return outcome;
  }
  if (timed_out) {
    return folio::fail(folio::errc::conversion_timeout,
                       "the job overran its deadline; the soffice process was killed and is being replaced");
  }
  if (lost) {
    return folio::fail(folio::errc::converter_crashed, "soffice died during the job and is being replaced" +
                                                           (outcome ? std::string() : ": " + outcome.error().message));
  }
  return outcome;
}

} // namespace folio_libreoffice

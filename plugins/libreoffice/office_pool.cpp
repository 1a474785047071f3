#include "office_pool.hpp"

#include "office_document.hpp"
#include "process_table.hpp"

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
#include <deque>
#include <fstream>
#include <rtl/bootstrap.hxx>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

extern char** environ; // NOLINT: POSIX declares it nowhere

namespace folio_libreoffice {

struct office_pool::office {
  office() = default;
  office(const office&) = delete;
  office& operator=(const office&) = delete;
  ~office() {
    if (lifeline >= 0) {
      ::close(lifeline);
    }
  }

  pid_t pid = -1;    // folio-office-guard (which runs oosplash, which runs soffice.bin), leader of the office's group
  pid_t worker = -1; // soffice.bin, which holds the documents and so nearly all of the memory
  // The write end of the guard's lifeline: closed by the kernel when this process ends, however it ends, and then
  // the guard kills the office (office_guard.cpp).
  int lifeline = -1;
  // soffice.bin runs in a network namespace of its own.
  bool network_isolated = false;
  std::string pipe_name;
  std::filesystem::path profile;
  css::uno::Reference<css::frame::XDesktop2> desktop;
  // Documents left open for a later lease, oldest first. They live in this process: forgotten with it, and never
  // closed through UNO once it is dead or being stopped.
  struct kept_document {
    std::string key;
    css::uno::Reference<css::lang::XComponent> document;
  };
  std::deque<kept_document> kept;
};

namespace {

using namespace std::chrono_literals;

// What office_guard.cpp and the pool agree on: the lifeline's descriptor in the guard, and its exit code when the
// system refuses the network namespace that network_isolation "required" asks for.
constexpr int guard_lifeline = 3;
constexpr int guard_isolation_refused = 121;

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

// soffice.bin in the office's process group: oosplash starts it from one of its threads, so no children list shows
// it; /proc/PID/stat's process group field does.
pid_t office_worker(pid_t leader) {
  for (const auto& member : processes_in_group(leader)) {
    if (member.command == "soffice.bin" && member.state != 'Z') {
      return member.pid;
    }
  }
  return -1;
}

// Whether a process's network namespace is another than this one's.
bool in_another_network(pid_t pid) {
  std::error_code failure;
  const auto theirs = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/net", failure);
  const auto ours = std::filesystem::read_symlink("/proc/self/ns/net", failure);
  return !failure && theirs != ours;
}

// The profile's settings, written before the office first starts with it: documents' links to content elsewhere
// (images, media, templates by URL) are not followed (the referer check refuses every link a document makes, as no
// location is trusted), links are never updated on load, and macros never run. Each setting stands on its own:
// the network namespace is the other layer.
constexpr std::string_view refusing_settings =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>1</value></prop></item>
</oor:items>
)";

std::uint64_t resident_bytes(pid_t pid) {
  if (pid <= 0) {
    return 0;
  }
  std::istringstream statm(read_proc_file("/proc/" + std::to_string(pid) + "/statm"));
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  if (!(statm >> size >> resident)) {
    return 0;
  }
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

} // namespace

office_pool::office_pool(pool_options options) : options_(std::move(options)), slots_(options_.processes) {}

folio::result<std::unique_ptr<office_pool::office>> office_pool::launch_and_connect() const {
  auto fresh = launch();
  if (!fresh) {
    return fresh;
  }
  if (auto connected = connect(*fresh.value(), steady_clock::now() + options_.start_timeout); !connected) {
    stop(*fresh.value());
    return connected.error();
  }
  return fresh;
}

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
  pool->restarter_ = std::jthread([raw = pool.get()] { raw->replace_offices(); });
  pool->finisher_ = std::jthread([raw = pool.get()] { raw->finish_leases(); });
  return pool;
}

office_pool::~office_pool() {
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (finisher_.joinable()) {
    finisher_.join();
  }
  // Leases never finished go back now, before the offices they hold are stopped.
  unfinished_.clear();
  if (watchdog_.joinable()) {
    watchdog_.join();
  }
  if (restarter_.joinable()) {
    restarter_.join();
  }
  for (auto& old : retired_) {
    retire(*old);
  }
  for (auto& slot : slots_) {
    if (slot.successor) {
      retire(*slot.successor);
    }
    if (slot.process) {
      if (slot.state == slot_state::idle && !slot.exited) {
        // Parked documents are closed first: an open document could keep the office from terminating.
        for (auto& parked : slot.process->kept) {
          const document_closer closer(parked.document);
        }
        slot.process->kept.clear();
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
  // The office's temporary files go inside its profile, so they go with it even when the office is killed.
  const auto temporary = process->profile / "tmp";
  std::error_code made_error;
  std::filesystem::create_directory(temporary, made_error);
  if (options_.block_external_content) {
    std::filesystem::create_directory(process->profile / "user", made_error);
    std::ofstream(process->profile / "user" / "registrymodifications.xcu") << refusing_settings;
  }
  std::vector<std::string> environment{"TMPDIR=" + temporary.string()};
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (!std::string_view(*variable).starts_with("TMPDIR=")) {
      environment.emplace_back(*variable);
    }
  }
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (auto& variable : environment) {
    envp.push_back(variable.data());
  }
  envp.push_back(nullptr);

  std::vector<std::string> arguments{options_.guard.string(),
                                     options_.network_isolation,
                                     profile,
                                     "--",
                                     (options_.program_dir / "soffice").string(),
                                     "--headless",
                                     "--invisible",
                                     "--nologo",
                                     "--norestore",
                                     "--nodefault",
                                     "--nolockcheck",
                                     "-env:UserInstallation=file://" + profile,
                                     "--accept=pipe,name=" + process->pipe_name + ";urp;StarOffice.ComponentContext"};
  std::vector<char*> argv;
  argv.reserve(arguments.size() + 1);
  for (auto& argument : arguments) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);

  // The lifeline: the guard reads it as descriptor 3; only this process holds the write end (close-on-exec keeps it
  // from every other program this process starts).
  int lifeline[2] = {-1, -1};
  if (::pipe2(lifeline, O_CLOEXEC) != 0) {
    std::filesystem::remove_all(process->profile);
    return folio::fail(folio::errc::converter_crashed,
                       "cannot make the office's lifeline: " + std::system_category().message(errno));
  }
  process->lifeline = lifeline[1];

  // posix_spawn rather than fork: the host is multi-threaded. setsid gives the office its own process group, so
  // the guard, oosplash, soffice.bin and whatever they start die together; the host's blocked signals must not be
  // inherited.
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
  posix_spawn_file_actions_adddup2(&files, lifeline[0], guard_lifeline);
  const int spawned = ::posix_spawn(&process->pid, argv.front(), &files, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  ::close(lifeline[0]);
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
        // soffice.bin answers on the pipe, so it exists by now.
        process.worker = office_worker(process.pid);
        process.network_isolated = process.worker > 0 && in_another_network(process.worker);
        return folio::success();
      } catch (const css::connection::NoConnectException&) {
        // The office has not opened its pipe yet: it takes a few seconds, more on a first start with a new profile.
      }
      if (has_exited(process.pid)) {
        siginfo_t ended{};
        ::waitid(P_PID, static_cast<id_t>(process.pid), &ended, WEXITED | WNOHANG | WNOWAIT);
        if (ended.si_code == CLD_EXITED && ended.si_status == guard_isolation_refused) {
          return folio::fail(folio::errc::converter_crashed,
                             "the office could not be started without network access (the system refused a network "
                             "namespace); set the libreoffice plugin's network_isolation to \"auto\" or \"off\"");
        }
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
  process.kept.clear();
  process.desktop.clear();
  kill_group(process.pid);
  int status = 0;
  ::waitpid(process.pid, &status, 0);
  std::error_code ignored;
  std::filesystem::remove_all(process.profile, ignored);
}

// SIGTERM lets soffice shut down as if its user quit; a kill follows after the grace if it does not.
void office_pool::retire(office& process) const {
  process.kept.clear();
  process.desktop.clear();
  ::kill(-process.pid, SIGTERM);
  const auto until = steady_clock::now() + options_.stop_grace;
  while (!has_exited(process.pid) && steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  stop(process);
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
        crashes_ += slot.timed_out ? 0U : 1U;
        if (slot.state == slot_state::idle) {
          slot.state = slot_state::dead;
        }
      } else if (slot.state == slot_state::busy && now >= slot.deadline && !slot.timed_out) {
        // The blocked UNO call returns with a disposed bridge once the pipe closes.
        slot.timed_out = true;
        ++timeouts_;
        kill_group(slot.process->pid);
      }
    }
    if (any_died) {
      changed_.notify_all();
    }
  }
}

// One thread does every replacement, in order of urgency: a dead office leaves the pool short, a worn-out one still
// serves, and a retired one only holds memory.
void office_pool::replace_offices() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto dead = std::find_if(slots_.begin(), slots_.end(),
                             [](const office_slot& each) { return each.state == slot_state::dead; });
    if (dead != slots_.end() && dead->successor) {
      // The successor started for a worn-out office takes the place of the dead one: no start to wait for.
      hand_over(*dead);
      changed_.notify_all();
      continue;
    }
    if (dead != slots_.end()) {
      dead->state = slot_state::starting;
      auto old = std::move(dead->process);
      lock.unlock();
      if (old) {
        stop(*old);
      }
      auto fresh = launch_and_connect();
      lock.lock();
      dead->exited = false;
      dead->timed_out = false;
      dead->jobs = 0;
      dead->rss_bytes = 0;
      dead->worn_out = false;
      if (fresh) {
        dead->process = std::move(fresh).value();
        dead->state = slot_state::idle;
        changed_.notify_all();
      } else {
        // A failed start (the machine out of memory, say) is retried, not given up on; a pause keeps it from
        // spinning.
        dead->state = slot_state::dead;
        changed_.wait_for(lock, 1s, [&] { return stopping_.load(); });
      }
      continue;
    }
    if (start_successor(lock)) {
      continue;
    }
    if (!retired_.empty()) {
      auto old = std::move(retired_.back());
      retired_.pop_back();
      lock.unlock();
      retire(*old);
      lock.lock();
      continue;
    }
    changed_.wait(lock);
  }
}

// Starts the successor of one worn-out office, if any wants one, while the office goes on serving. Returns whether it
// did anything. Only this thread starts offices, so the slot cannot be picked twice while its successor starts.
bool office_pool::start_successor(std::unique_lock<std::mutex>& lock) {
  auto worn = std::find_if(slots_.begin(), slots_.end(), [](const office_slot& each) {
    return each.worn_out && !each.successor && each.state != slot_state::starting && each.state != slot_state::dead;
  });
  if (worn == slots_.end()) {
    return false;
  }
  lock.unlock();
  auto fresh = launch_and_connect();
  lock.lock();
  if (!fresh) {
    changed_.wait_for(lock, 1s, [&] { return stopping_.load(); });
    return true;
  }
  worn->successor = std::move(fresh).value();
  // A busy office finishes its job (or its lease) first; release() hands over then.
  if (worn->state == slot_state::idle) {
    hand_over(*worn);
  }
  changed_.notify_all();
  return true;
}

// The slot's successor takes its place; the office it replaces is stopped later, off every caller's path.
void office_pool::hand_over(office_slot& slot) {
  if (slot.state == slot_state::idle) {
    ++recycled_;
  }
  retired_.push_back(std::move(slot.process));
  slot.process = std::move(slot.successor);
  slot.state = slot_state::idle;
  slot.exited = false;
  slot.timed_out = false;
  slot.jobs = 0;
  slot.rss_bytes = 0;
  slot.worn_out = false;
}

void office_pool::release(std::size_t index) {
  // The slot is busy, so its office stays in place while it is measured outside the lock.
  const auto& process = *slots_[index].process;
  const auto rss = resident_bytes(process.pid) + resident_bytes(process.worker);
  const std::scoped_lock lock(mutex_);
  auto& slot = slots_[index];
  ++jobs_done_;
  ++slot.jobs;
  slot.rss_bytes = rss;
  if (slot.exited) {
    slot.state = slot_state::dead;
  } else {
    slot.state = slot_state::idle;
    slot.worn_out = slot.worn_out || slot.jobs >= options_.max_jobs || rss > options_.max_rss_bytes;
    if (slot.successor) {
      hand_over(slot);
    }
  }
  changed_.notify_all();
}

pool_stats office_pool::stats() {
  const std::scoped_lock lock(mutex_);
  pool_stats counted;
  counted.processes = slots_.size();
  for (const auto& slot : slots_) {
    counted.ready += slot.state == slot_state::idle ? 1U : 0U;
    counted.busy += slot.state == slot_state::busy ? 1U : 0U;
    counted.starting += (slot.state == slot_state::starting ? 1U : 0U) + (slot.worn_out && !slot.successor ? 1U : 0U);
    if (slot.state == slot_state::idle || slot.state == slot_state::busy) {
      counted.rss_bytes += slot.rss_bytes;
      counted.network_isolated += slot.process->network_isolated ? 1U : 0U;
      counted.pids.push_back(slot.process->worker);
      counted.kept += slot.process->kept.size();
    }
  }
  counted.queued = waiting_;
  counted.jobs_done = jobs_done_;
  counted.recycled = recycled_;
  counted.crashes = crashes_;
  counted.timeouts = timeouts_;
  counted.rejected = rejected_;
  counted.kept_hits = kept_hits_;
  counted.kept_misses = kept_misses_;
  return counted;
}

folio::result<office_lease> office_pool::acquire(steady_clock::time_point wait_until) {
  std::unique_lock lock(mutex_);
  // A worn-out office is chosen last: the fewer jobs it takes while its successor starts, the less it grows. Among
  // the others, the one keeping the fewest documents, so that a parked document waits longest before it is pushed out.
  const auto rank = [&](std::size_t index) {
    const auto& slot = slots_[index];
    return std::pair{slot.worn_out, slot.process->kept.size()};
  };
  const auto free_office = [&] {
    auto chosen = slots_.size();
    for (std::size_t index = 0; index < slots_.size(); ++index) {
      if (slots_[index].state == slot_state::idle && (chosen == slots_.size() || rank(index) < rank(chosen))) {
        chosen = index;
      }
    }
    return chosen;
  };
  auto chosen = free_office();
  if (chosen == slots_.size() && !stopping_) {
    if (waiting_ >= options_.queue_limit) {
      ++rejected_;
      return folio::fail(folio::errc::queue_full, "the conversion queue is full");
    }
    ++waiting_;
    changed_.wait_until(lock, wait_until, [&] {
      chosen = free_office();
      return chosen != slots_.size() || stopping_.load();
    });
    --waiting_;
  }
  if (stopping_) {
    return folio::fail(folio::errc::shutting_down, "the libreoffice pool is shutting down");
  }
  if (chosen == slots_.size()) {
    return folio::fail(folio::errc::conversion_timeout, "no soffice process became free before the deadline");
  }
  auto& slot = slots_[chosen];
  slot.state = slot_state::busy;
  // Between a lease's jobs the office waits for its holder, not on a job: no deadline applies.
  slot.deadline = steady_clock::time_point::max();
  return office_lease(*this, chosen);
}

std::optional<office_pool::kept_lease> office_pool::take_kept(const std::string& key) {
  const std::scoped_lock lock(mutex_);
  if (stopping_) {
    return std::nullopt;
  }
  for (std::size_t index = 0; index < slots_.size(); ++index) {
    auto& slot = slots_[index];
    if (slot.state != slot_state::idle || slot.exited) {
      continue;
    }
    auto& kept = slot.process->kept;
    const auto found =
        std::find_if(kept.begin(), kept.end(), [&](const office::kept_document& each) { return each.key == key; });
    if (found == kept.end()) {
      continue;
    }
    auto document = found->document;
    kept.erase(found);
    slot.state = slot_state::busy;
    slot.deadline = steady_clock::time_point::max();
    return kept_lease{office_lease(*this, index), document};
  }
  return std::nullopt;
}

void office_pool::finish_later(office_lease lease, std::function<void(office_lease&)> work) {
  {
    const std::scoped_lock lock(mutex_);
    if (!stopping_) {
      unfinished_.emplace_back(std::move(lease), std::move(work));
    }
  }
  changed_.notify_all();
}

// Runs the work handed over with finish_later(), oldest first, each lease given back as soon as its work is done. The
// watchdog still guards every job the work runs on its lease.
void office_pool::finish_leases() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (unfinished_.empty()) {
      changed_.wait(lock);
      continue;
    }
    auto next = std::move(unfinished_.front());
    unfinished_.pop_front();
    lock.unlock();
    next.second(next.first);
    { const auto finished = std::move(next.first); }
    lock.lock();
  }
}

void office_pool::count_kept(bool hit) {
  const std::scoped_lock lock(mutex_);
  ++(hit ? kept_hits_ : kept_misses_);
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
  if (pool_ != nullptr) {
    pool_->release(slot_);
  }
}

std::vector<css::uno::Reference<css::lang::XComponent>>
office_lease::park(std::string key, css::uno::Reference<css::lang::XComponent> document, std::size_t capacity) {
  std::vector<css::uno::Reference<css::lang::XComponent>> to_close;
  if (pool_ == nullptr) {
    return to_close;
  }
  const std::scoped_lock lock(pool_->mutex_);
  auto& slot = pool_->slots_[slot_];
  if (capacity == 0 || slot.exited || slot.timed_out || slot.worn_out || pool_->stopping_) {
    to_close.push_back(std::move(document));
    return to_close;
  }
  auto& kept = slot.process->kept;
  // The same bytes parked twice would be two copies of one document: the older one goes.
  for (auto each = kept.begin(); each != kept.end();) {
    if (each->key == key) {
      to_close.push_back(std::move(each->document));
      each = kept.erase(each);
    } else {
      ++each;
    }
  }
  kept.push_back({std::move(key), document});
  while (kept.size() > capacity) {
    to_close.push_back(std::move(kept.front().document));
    kept.pop_front();
  }
  return to_close;
}

css::uno::Reference<css::lang::XComponent> office_lease::take_kept(const std::string& key) {
  if (pool_ == nullptr) {
    return {};
  }
  const std::scoped_lock lock(pool_->mutex_);
  auto& kept = pool_->slots_[slot_].process->kept;
  const auto found = std::find_if(kept.begin(), kept.end(),
                                  [&](const office_pool::office::kept_document& each) { return each.key == key; });
  if (found == kept.end()) {
    return {};
  }
  auto document = found->document;
  kept.erase(found);
  return document;
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
    // An office whose bridge broke is of no further use, whether or not its process is still there. The watchdog
    // counted it already if it saw the process go.
    pool_->crashes_ += timed_out || slot->exited ? 0U : 1U;
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

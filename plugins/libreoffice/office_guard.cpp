// folio-office-guard: runs one office for the office pool, cut off from the network, and never outlives its host.
//
//   folio-office-guard NETWORK PROFILE_DIR -- PROGRAM ARGUMENT...
//
// The pool starts the guard as the leader of a new process group; the guard starts PROGRAM (soffice) in that group.
//
// NETWORK is "required", "auto" or "off": whether PROGRAM runs in a network namespace of its own, which has no
// interface at all (no address is reachable from it, loopback included), so nothing a document names can be fetched.
// The UNO pipe the host talks over is a socket in the file system (/tmp/OSL_PIPE_<uid>_<name>), which a network
// namespace does not hide. As root the namespace is made directly; otherwise inside a user namespace that maps the
// user to itself (the pipe's name carries the uid, so the host must see the same one). "required" exits with
// isolation_refused when the system allows neither; "auto" goes on without.
//
// File descriptor 3 is the lifeline: the read end of a pipe whose write end only the host holds. When the host ends,
// however it ends (kill -9 included), the kernel closes that end; the guard then kills every other process of its
// group, removes PROFILE_DIR and exits. Otherwise it exits when PROGRAM does, with its status.
#include "process_table.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr int lifeline = 3;
constexpr int usage_error = 2;
constexpr int isolation_refused = 121;
constexpr int start_failed = 127;

bool write_file(const char* path, const std::string& text) {
  const int file = ::open(path, O_WRONLY | O_CLOEXEC);
  if (file < 0) {
    return false;
  }
  const bool written = ::write(file, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(file);
  return written;
}

bool isolate_network() {
  if (::unshare(CLONE_NEWNET) == 0) {
    return true;
  }
  const auto user = std::to_string(::geteuid());
  const auto group = std::to_string(::getegid());
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
    return false;
  }
  // The kernel asks for setgroups to be denied before an unprivileged process may write its group map.
  return write_file("/proc/self/setgroups", "deny") && write_file("/proc/self/uid_map", user + " " + user + " 1") &&
         write_file("/proc/self/gid_map", group + " " + group + " 1");
}

// The other living processes of this guard's process group (a zombie is already dead: it waits only for a parent to
// read its status).
std::vector<pid_t> rest_of_group() {
  std::vector<pid_t> found;
  for (const auto& member : folio_libreoffice::processes_in_group(::getpgrp())) {
    if (member.pid != ::getpid() && member.state != 'Z') {
      found.push_back(member.pid);
    }
  }
  return found;
}

// The host is gone: the office goes, then its profile (nothing writes to it any more).
int end_office(const std::filesystem::path& profile) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  for (auto members = rest_of_group(); !members.empty() && std::chrono::steady_clock::now() < deadline;
       members = rest_of_group()) {
    for (const pid_t member : members) {
      ::kill(member, SIGKILL);
    }
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  std::error_code ignored;
  std::filesystem::remove_all(profile, ignored);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 5 || std::string_view(argv[3]) != "--") {
    std::fputs("usage: folio-office-guard required|auto|off PROFILE_DIR -- PROGRAM ARGUMENT...\n", stderr);
    return usage_error;
  }
  const std::string_view network = argv[1];
  const std::filesystem::path profile = argv[2];
  if (network != "off" && !isolate_network() && network == "required") {
    return isolation_refused;
  }
  // The pool's SIGTERM to the group asks the office to quit; the guard stays until the office has.
  std::signal(SIGTERM, SIG_IGN);
  const pid_t office = ::fork();
  if (office == 0) {
    std::signal(SIGTERM, SIG_DFL);
    ::close(lifeline);
    ::execv(argv[4], argv + 4);
    ::_exit(start_failed);
  }
  if (office < 0) {
    return start_failed;
  }
  while (true) {
    pollfd watched{lifeline, POLLIN, 0};
    if (::poll(&watched, 1, 100) > 0) {
      char byte = 0;
      if (::read(lifeline, &byte, 1) <= 0) {
        return end_office(profile);
      }
    }
    int status = 0;
    if (::waitpid(office, &status, WNOHANG) == office) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
}

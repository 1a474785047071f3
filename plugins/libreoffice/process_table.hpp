// The processes of this machine as /proc shows them, for the office pool and the guard: which process group each is
// in, its state and its command, read from /proc/PID/stat ("pid (comm) state ppid pgrp …", where the command may hold
// spaces and parentheses, so the fields count from the last ')').
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace folio_libreoffice {

struct process_entry {
  pid_t pid = -1;
  std::string command; // as the kernel keeps it: at most 15 bytes ("soffice.bin")
  char state = '?';    // 'Z' for a zombie, dead and waiting for its parent
  pid_t group = -1;
};

// A small file of /proc, whole; empty when it cannot be read (the process has gone).
inline std::string read_proc_file(const std::filesystem::path& path) {
  std::string text;
  const int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) {
    return text;
  }
  char buffer[1024];
  for (ssize_t read = 0; (read = ::read(file, buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(read));
  }
  ::close(file);
  return text;
}

// Every process of the process group `group`.
inline std::vector<process_entry> processes_in_group(pid_t group) {
  std::vector<process_entry> found;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto stat = read_proc_file(entry.path() / "stat");
    const auto start_of_command = stat.find('(');
    const auto end_of_command = stat.rfind(')');
    if (start_of_command == std::string::npos || end_of_command == std::string::npos) {
      continue;
    }
    std::istringstream fields(stat.substr(end_of_command + 1));
    process_entry process;
    long parent = 0;
    long member_group = 0;
    if (fields >> process.state >> parent >> member_group && member_group == group) {
      process.pid = static_cast<pid_t>(std::stol(name));
      process.command = stat.substr(start_of_command + 1, end_of_command - start_of_command - 1);
      process.group = static_cast<pid_t>(member_group);
      found.push_back(std::move(process));
    }
  }
  return found;
}

} // namespace folio_libreoffice

#include <folio/digest.hpp>
#include <folio/file_blob_store.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

FOLIO_BEGIN_NAMESPACE

namespace {

namespace fs = std::filesystem;

bool is_hash(const std::string& hash) {
  return hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
}

error io_failure(const std::string& what, const fs::path& where, int code = errno) {
  return error{errc::storage_error, what + " " + where.string() + ": " + std::generic_category().message(code)};
}

// fsync of a directory makes a rename or unlink in it durable.
result<void> sync_directory(const fs::path& directory) {
  const int handle = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (handle < 0) {
    return io_failure("cannot open directory", directory);
  }
  const int synced = ::fsync(handle);
  const int saved = errno;
  ::close(handle);
  if (synced != 0) {
    return io_failure("cannot sync directory", directory, saved);
  }
  return success();
}

result<void> write_durably(const fs::path& file, std::string_view bytes) {
  const int handle = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (handle < 0) {
    return io_failure("cannot create", file);
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    const auto count = ::write(handle, bytes.data() + written, bytes.size() - written);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count < 0) {
      const int saved = errno;
      ::close(handle);
      return io_failure("cannot write", file, saved);
    }
    written += static_cast<std::size_t>(count);
  }
  const int synced = ::fsync(handle);
  const int saved = errno;
  ::close(handle);
  if (synced != 0) {
    return io_failure("cannot sync", file, saved);
  }
  return success();
}

std::atomic<std::uint64_t> temporary_counter{0};

} // namespace

result<std::unique_ptr<file_blob_store>> file_blob_store::open(const fs::path& directory) {
  std::error_code failure;
  fs::create_directories(directory / "tmp", failure);
  if (failure) {
    return error{errc::storage_error, "cannot create blob directory " + directory.string() + ": " + failure.message()};
  }
  // Half-written temporaries of a crashed process are never referenced: they are only removed.
  for (const auto& leftover : fs::directory_iterator(directory / "tmp", failure)) {
    fs::remove(leftover.path(), failure);
  }
  return std::unique_ptr<file_blob_store>(new file_blob_store(directory));
}

fs::path file_blob_store::path_of(const std::string& hash) const {
  return directory_ / hash.substr(0, 2) / hash;
}

result<std::string> file_blob_store::put(std::string_view bytes) {
  auto hash = sha256_hex(bytes);
  const auto target = path_of(hash);
  std::error_code failure;
  if (fs::exists(target, failure)) {
    return hash;
  }
  const auto temporary =
      directory_ / "tmp" / (hash + "." + std::to_string(::getpid()) + "." + std::to_string(++temporary_counter));
  if (auto written = write_durably(temporary, bytes); !written) {
    fs::remove(temporary, failure);
    return written.error();
  }
  fs::create_directories(target.parent_path(), failure);
  if (failure || ::rename(temporary.c_str(), target.c_str()) != 0) {
    const int saved = failure ? failure.value() : errno;
    fs::remove(temporary, failure);
    return io_failure("cannot place blob", target, saved);
  }
  if (auto synced = sync_directory(target.parent_path()); !synced) {
    return synced.error();
  }
  return hash;
}

result<std::string> file_blob_store::get(const std::string& hash) {
  if (!is_hash(hash)) {
    return fail(errc::not_found, "no blob " + hash);
  }
  const auto file = path_of(hash);
  const int handle = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (handle < 0) {
    return errno == ENOENT ? fail(errc::not_found, "no blob " + hash) : io_failure("cannot open", file);
  }
  // Read into a string of the file's size, without a stream: a turn reads its run's document every time.
  struct stat status {};
  std::string content;
  if (::fstat(handle, &status) == 0) {
    content.resize(static_cast<std::size_t>(status.st_size));
  }
  std::size_t filled = 0;
  while (true) {
    if (filled == content.size()) {
      content.resize(filled + 4096);
    }
    const auto count = ::read(handle, content.data() + filled, content.size() - filled);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count < 0) {
      const int saved = errno;
      ::close(handle);
      return io_failure("cannot read", file, saved);
    }
    if (count == 0) {
      break;
    }
    filled += static_cast<std::size_t>(count);
  }
  ::close(handle);
  content.resize(filled);
  return content;
}

result<bool> file_blob_store::contains(const std::string& hash) {
  std::error_code failure;
  return is_hash(hash) && fs::exists(path_of(hash), failure);
}

result<void> file_blob_store::remove(const std::string& hash) {
  if (!is_hash(hash)) {
    return success();
  }
  std::error_code failure;
  fs::remove(path_of(hash), failure);
  if (failure) {
    return error{errc::storage_error, "cannot remove blob " + hash + ": " + failure.message()};
  }
  return success();
}

result<std::vector<blob_info>> file_blob_store::list() {
  std::vector<blob_info> hashes;
  std::error_code failure;
  for (const auto& fan : fs::directory_iterator(directory_, failure)) {
    if (!fan.is_directory() || fan.path().filename() == "tmp") {
      continue;
    }
    for (const auto& blob : fs::directory_iterator(fan.path(), failure)) {
      auto name = blob.path().filename().string();
      if (!is_hash(name)) {
        continue;
      }
      const auto written = fs::last_write_time(blob.path(), failure);
      const auto when =
          std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::file_clock::to_sys(written));
      hashes.push_back({std::move(name), when});
    }
  }
  if (failure) {
    return error{errc::storage_error, "cannot list blobs: " + failure.message()};
  }
  return hashes;
}

FOLIO_END_NAMESPACE

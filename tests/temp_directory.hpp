// A fresh directory for one test, removed with everything in it when the test ends.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace folio_test {

class temp_directory {
public:
  temp_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "folio-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  temp_directory(const temp_directory&) = delete;
  temp_directory& operator=(const temp_directory&) = delete;
  ~temp_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace folio_test

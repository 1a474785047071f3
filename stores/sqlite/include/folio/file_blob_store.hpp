// Blobs as files named by their SHA-256 under a directory (blobs/ab/cdef…): written to a temporary file, fsynced,
// renamed into place and the directory fsynced, so a blob that put() returned survives a crash or power loss.
#pragma once

#include <folio/blob_store.hpp>

#include <filesystem>

FOLIO_BEGIN_NAMESPACE

class file_blob_store final : public blob_store {
public:
  // Creates the directory if needed; leftovers of writes interrupted by a crash are removed.
  static result<std::unique_ptr<file_blob_store>> open(const std::filesystem::path& directory);

  result<std::string> put(std::string_view bytes) override;
  result<std::string> get(const std::string& hash) override;
  result<bool> contains(const std::string& hash) override;
  result<void> remove(const std::string& hash) override;
  result<std::vector<blob_info>> list() override;

  [[nodiscard]] std::filesystem::path path_of(const std::string& hash) const;

private:
  explicit file_blob_store(std::filesystem::path directory) : directory_(std::move(directory)) {}
  std::filesystem::path directory_;
};

FOLIO_END_NAMESPACE

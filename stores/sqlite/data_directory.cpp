#include <folio/data_directory.hpp>

#include <system_error>

FOLIO_BEGIN_NAMESPACE

result<data_directory> open_data_directory(const std::filesystem::path& root, const clock& time_source,
                                           store_limits limits) {
  std::error_code failure;
  std::filesystem::create_directories(root, failure);
  if (failure) {
    return fail(errc::storage_error, "cannot create data directory " + root.string() + ": " + failure.message());
  }
  auto metadata = open_sqlite_store(root / "folio.db", time_source, limits);
  if (!metadata) {
    return metadata.error();
  }
  auto blobs = file_blob_store::open(root / "blobs");
  if (!blobs) {
    return blobs.error();
  }
  return data_directory{std::move(metadata).value(), std::move(blobs).value()};
}

FOLIO_END_NAMESPACE

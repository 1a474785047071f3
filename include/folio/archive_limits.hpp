// Limits on an OOXML document's zip archive, checked from its central directory before any office opens it: how many
// entries, how many bytes they unpack to in all and each against its packed size, and what they are named. A zip bomb
// (a 600 KB docx whose document.xml unpacks to 400 MB) is refused in microseconds instead of costing an office its
// memory on every load. The sizes checked are the ones the archive declares; an archive that lies about them is
// another matter, for whoever inflates it.
#pragma once

#include <folio/errors.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

struct archive_limits {
  std::size_t max_entries = 10'000;
  // All entries unpacked together.
  std::uint64_t max_unpacked_bytes = std::uint64_t{512} << 20U;
  // An entry unpacking to more than ratio_floor_bytes may be at most this many times its packed size. XML packs
  // 5 to 30 times smaller; only content made to be a bomb packs hundreds of times smaller.
  std::uint64_t max_ratio = 100;
  std::uint64_t ratio_floor_bytes = std::uint64_t{16} << 20U;
};

struct archive_summary {
  std::size_t entries = 0;
  std::uint64_t packed_bytes = 0;
  std::uint64_t unpacked_bytes = 0;
};

namespace detail {

inline std::uint64_t little_endian(std::string_view bytes, std::size_t at, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t index = width; index > 0; --index) {
    value = (value << 8U) | static_cast<unsigned char>(bytes[at + index - 1]);
  }
  return value;
}

// An entry name an archive may hold: relative, without "..", without backslashes or control characters.
inline bool safe_entry_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || (name.size() > 1 && name[1] == ':')) {
    return false;
  }
  for (const char symbol : name) {
    if (static_cast<unsigned char>(symbol) < 0x20U || symbol == '\\') {
      return false;
    }
  }
  for (std::size_t start = 0; start <= name.size();) {
    const auto end = name.find('/', start);
    const auto part = name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part == "..") {
      return false;
    }
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return true;
}

} // namespace detail

// The archive's counts when it is within `limits`. document_too_large when it would unpack beyond them (naming the
// limit and the entry), document_unreadable when it is no zip archive a reader could walk (no end of central
// directory, entries beyond the bytes) or names an entry outside itself ("../", "/etc/…", "C:…").
inline result<archive_summary> check_archive(std::string_view bytes, const archive_limits& limits = {}) {
  constexpr std::size_t end_record_size = 22;
  constexpr std::size_t entry_header_size = 46;
  constexpr std::uint64_t unknown = 0xFFFFFFFFU;
  const auto unreadable = [](const std::string& why) {
    return fail(errc::document_unreadable, "the document is not a readable zip archive: " + why);
  };
  // The end of central directory record is in the last 22 + 65535 bytes (its comment is at most 65535 long).
  if (bytes.size() < end_record_size) {
    return unreadable("it is too short");
  }
  std::size_t end_record = std::string_view::npos;
  const std::size_t lowest = bytes.size() > end_record_size + 0xFFFFU ? bytes.size() - end_record_size - 0xFFFFU : 0;
  for (std::size_t at = bytes.size() - end_record_size + 1; at-- > lowest;) {
    if (bytes.substr(at, 4) == std::string_view("PK\x05\x06", 4)) {
      end_record = at;
      break;
    }
  }
  if (end_record == std::string_view::npos) {
    return unreadable("it has no end of central directory");
  }
  std::uint64_t count = detail::little_endian(bytes, end_record + 10, 2);
  std::uint64_t offset = detail::little_endian(bytes, end_record + 16, 4);
  // Zip64: the record just before points at the zip64 end of central directory, which holds the real numbers.
  if ((count == 0xFFFFU || offset == unknown) && end_record >= 20 &&
      bytes.substr(end_record - 20, 4) == std::string_view("PK\x06\x07", 4)) {
    const auto zip64_end = detail::little_endian(bytes, end_record - 20 + 8, 8);
    if (bytes.size() < 56 || zip64_end > bytes.size() - 56 ||
        bytes.substr(zip64_end, 4) != std::string_view("PK\x06\x06", 4)) {
      return unreadable("its zip64 end of central directory is missing");
    }
    count = detail::little_endian(bytes, zip64_end + 32, 8);
    offset = detail::little_endian(bytes, zip64_end + 48, 8);
  }
  if (count > limits.max_entries) {
    return fail(errc::document_too_large, "the document's archive holds " + std::to_string(count) +
                                              " entries, more than " + std::to_string(limits.max_entries));
  }
  archive_summary summary;
  auto at = static_cast<std::size_t>(offset);
  for (std::uint64_t index = 0; index < count; ++index) {
    if (at > bytes.size() || bytes.size() - at < entry_header_size ||
        bytes.substr(at, 4) != std::string_view("PK\x01\x02", 4)) {
      return unreadable("its central directory ends before entry " + std::to_string(index + 1) + " of " +
                        std::to_string(count));
    }
    std::uint64_t packed = detail::little_endian(bytes, at + 20, 4);
    std::uint64_t unpacked = detail::little_endian(bytes, at + 24, 4);
    const auto name_length = detail::little_endian(bytes, at + 28, 2);
    const auto extra_length = detail::little_endian(bytes, at + 30, 2);
    const auto comment_length = detail::little_endian(bytes, at + 32, 2);
    if (bytes.size() - at - entry_header_size < name_length + extra_length + comment_length) {
      return unreadable("entry " + std::to_string(index + 1) + " runs past the end of the file");
    }
    const auto name = bytes.substr(at + entry_header_size, name_length);
    // A zip64 extra field holds the sizes the header marks as unknown, unpacked first.
    const std::size_t extra_end = at + entry_header_size + name_length + extra_length;
    for (std::size_t field = at + entry_header_size + name_length; field + 4 <= extra_end;) {
      const auto id = detail::little_endian(bytes, field, 2);
      const auto size = detail::little_endian(bytes, field + 2, 2);
      if (id == 1) {
        std::size_t value = field + 4;
        const std::size_t field_end = std::min<std::size_t>(field + 4 + size, extra_end);
        if (unpacked == unknown && value + 8 <= field_end) {
          unpacked = detail::little_endian(bytes, value, 8);
          value += 8;
        }
        if (packed == unknown && value + 8 <= field_end) {
          packed = detail::little_endian(bytes, value, 8);
        }
      }
      field += 4 + size;
    }
    if (!detail::safe_entry_name(name)) {
      return fail(errc::document_unreadable,
                  "the document's archive names an entry outside itself: '" + std::string(name.substr(0, 200)) + "'");
    }
    summary.unpacked_bytes += unpacked;
    summary.packed_bytes += packed;
    if (summary.unpacked_bytes > limits.max_unpacked_bytes) {
      return fail(errc::document_too_large,
                  "the document unpacks to more than " + std::to_string(limits.max_unpacked_bytes >> 20U) + " MiB");
    }
    if (unpacked > limits.ratio_floor_bytes && unpacked / limits.max_ratio > packed) {
      return fail(errc::document_too_large, "the document's part " + std::string(name.substr(0, 200)) + " unpacks to " +
                                                std::to_string(unpacked >> 20U) + " MiB from " +
                                                std::to_string(packed >> 10U) + " KiB, more than " +
                                                std::to_string(limits.max_ratio) + " times its packed size");
    }
    ++summary.entries;
    at += entry_header_size + name_length + extra_length + comment_length;
  }
  return summary;
}

FOLIO_END_NAMESPACE

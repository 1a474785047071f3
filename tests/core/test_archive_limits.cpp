// Zip archives as attackers make them, checked from their central directory: bombs by total size and by ratio, too
// many entries, entries named outside the archive, zip64 sizes, and archives whose directory lies beyond the bytes.
#include <folio/archive_limits.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace {

struct entry {
  std::string name;
  std::uint64_t packed = 10;
  std::uint64_t unpacked = 10;
  bool zip64 = false;
};

void put(std::string& out, std::uint64_t value, int width) {
  for (int index = 0; index < width; ++index) {
    out += static_cast<char>((value >> (8 * index)) & 0xFFU);
  }
}

// A zip whose entries hold `packed` bytes each and declare `unpacked` ones (nothing here inflates them).
std::string zip(const std::vector<entry>& entries) {
  std::string out;
  std::string directory;
  for (const auto& item : entries) {
    const auto offset = out.size();
    out += std::string("PK\x03\x04", 4);
    put(out, 20, 2);
    put(out, 0, 2);
    put(out, 8, 2); // deflate
    put(out, 0, 4);
    put(out, 0, 4);
    put(out, item.zip64 ? 0xFFFFFFFFU : item.packed, 4);
    put(out, item.zip64 ? 0xFFFFFFFFU : item.unpacked, 4);
    put(out, item.name.size(), 2);
    put(out, 0, 2);
    out += item.name;
    out += std::string(item.packed, '\0');

    directory += std::string("PK\x01\x02", 4);
    put(directory, 45, 2);
    put(directory, 20, 2);
    put(directory, 0, 2);
    put(directory, 8, 2);
    put(directory, 0, 4);
    put(directory, 0, 4);
    put(directory, item.zip64 ? 0xFFFFFFFFU : item.packed, 4);
    put(directory, item.zip64 ? 0xFFFFFFFFU : item.unpacked, 4);
    put(directory, item.name.size(), 2);
    put(directory, item.zip64 ? 20 : 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 4);
    put(directory, offset, 4);
    directory += item.name;
    if (item.zip64) {
      put(directory, 1, 2);
      put(directory, 16, 2);
      put(directory, item.unpacked, 8);
      put(directory, item.packed, 8);
    }
  }
  const auto directory_offset = out.size();
  out += directory;
  out += std::string("PK\x05\x06", 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, entries.size(), 2);
  put(out, entries.size(), 2);
  put(out, directory.size(), 4);
  put(out, directory_offset, 4);
  put(out, 0, 2);
  return out;
}

folio::errc refusal(const std::string& archive) {
  const auto checked = folio::check_archive(archive);
  REQUIRE_FALSE(checked);
  return checked.error().code;
}

} // namespace

TEST_CASE("counts the entries and sizes of an ordinary document", "[archive]") {
  const auto checked = folio::check_archive(
      zip({{"[Content_Types].xml", 300, 1200}, {"word/document.xml", 4000, 40000}, {"word/media/", 0, 0}}));
  REQUIRE(checked);
  CHECK(checked.value().entries == 3);
  CHECK(checked.value().packed_bytes == 4300);
  CHECK(checked.value().unpacked_bytes == 41200);
}

TEST_CASE("refuses a part that unpacks hundreds of times larger than it is packed", "[archive]") {
  // The bomb: 600 KB that unpack to 400 MB.
  const auto bomb = zip({{"word/document.xml", 600 << 10, std::uint64_t{400} << 20U}});
  CHECK(refusal(bomb) == folio::errc::document_too_large);
  CHECK(folio::check_archive(bomb).error().message.find("word/document.xml") != std::string::npos);
  // The same ratio below the floor is ordinary (a small sheet of repeated cells).
  CHECK(folio::check_archive(zip({{"xl/sharedStrings.xml", 10 << 10, 5 << 20}})));
}

TEST_CASE("refuses an archive that unpacks beyond the total, or holds too many entries", "[archive]") {
  // Six parts of 100 MiB, each only five times its packed size: the total stops them, not the ratio.
  folio::archive_limits small;
  small.max_unpacked_bytes = 500;
  small.ratio_floor_bytes = 50;
  std::vector<entry> parts;
  for (int index = 0; index < 6; ++index) {
    parts.push_back({"xl/media/image" + std::to_string(index) + ".png", 20, 100});
  }
  const auto total = folio::check_archive(zip(parts), small);
  REQUIRE_FALSE(total);
  CHECK(total.error().code == folio::errc::document_too_large);
  parts.pop_back();
  CHECK(folio::check_archive(zip(parts), small));

  folio::archive_limits few;
  few.max_entries = 3;
  const auto four = zip({{"a.xml"}, {"b.xml"}, {"c.xml"}, {"d.xml"}});
  const auto checked = folio::check_archive(four, few);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == folio::errc::document_too_large);
  CHECK(folio::check_archive(four));
}

TEST_CASE("reads zip64 sizes from the extra field", "[archive]") {
  CHECK(refusal(zip({{"word/document.xml", 1 << 20, std::uint64_t{6} << 30U, true}})) ==
        folio::errc::document_too_large);
  CHECK(folio::check_archive(zip({{"word/document.xml", 1 << 20, 8 << 20, true}})));
}

TEST_CASE("refuses entries named outside the archive", "[archive]") {
  for (const auto& name : {std::string("../evil.xml"), std::string("word/../../etc/passwd"), std::string("/etc/passwd"),
                           std::string("C:/x.xml"), std::string("word\\x.xml"), std::string("word/x\0.xml", 11)}) {
    INFO(name);
    CHECK(refusal(zip({{name}})) == folio::errc::document_unreadable);
  }
  CHECK(folio::check_archive(zip({{"word/..x/a.xml"}, {"word/x..xml"}})));
}

TEST_CASE("refuses what is no zip a reader could walk", "[archive]") {
  CHECK(refusal("PK\x03\x04 not really") == folio::errc::document_unreadable);
  auto cut = zip({{"word/document.xml"}, {"word/styles.xml"}});
  // The directory says it starts past the end of the file.
  cut[cut.size() - 6] = '\x7F';
  CHECK(refusal(cut) == folio::errc::document_unreadable);
  CHECK(refusal(std::string(100, 'x')) == folio::errc::document_unreadable);
}

// Conditional requests on content-addressed files: a client that holds the bytes gets 304, a resumed download gets
// the rest of the same bytes only.
#include <folio/entity_tag.hpp>

#include <catch2/catch.hpp>
#include <string>

namespace {
const std::string hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const std::string tag = folio::entity_tag_for(hash);
} // namespace

TEST_CASE("tags a file with its quoted content hash", "[entity_tag]") {
  CHECK(tag == "\"" + hash + "\"");
}

TEST_CASE("If-None-Match holds for the same tag, a list naming it, a weak form of it and a star", "[entity_tag]") {
  CHECK(folio::if_none_match_holds(tag, tag));
  CHECK(folio::if_none_match_holds("\"other\", " + tag, tag));
  CHECK(folio::if_none_match_holds("\"other\"," + tag + ",\"third\"", tag));
  CHECK(folio::if_none_match_holds("W/" + tag, tag));
  CHECK(folio::if_none_match_holds("*", tag));
  CHECK(folio::if_none_match_holds(" * ", tag) == false); // only a bare "*" is the wildcard
}

TEST_CASE("If-None-Match fails for other tags, an unquoted hash and a malformed list", "[entity_tag]") {
  CHECK_FALSE(folio::if_none_match_holds("", tag));
  CHECK_FALSE(folio::if_none_match_holds("\"other\"", tag));
  CHECK_FALSE(folio::if_none_match_holds(hash, tag));
  CHECK_FALSE(folio::if_none_match_holds("\"" + hash, tag));
  CHECK_FALSE(folio::if_none_match_holds("\"a,b\"", tag));
  CHECK_FALSE(folio::if_none_match_holds("garbage, " + tag, tag));
}

TEST_CASE("If-Range allows a partial answer only for the same strong tag", "[entity_tag]") {
  CHECK(folio::if_range_allows_partial("", tag));
  CHECK(folio::if_range_allows_partial(tag, tag));
  CHECK(folio::if_range_allows_partial(" " + tag + " ", tag));
  CHECK_FALSE(folio::if_range_allows_partial("W/" + tag, tag));
  CHECK_FALSE(folio::if_range_allows_partial("\"other\"", tag));
  CHECK_FALSE(folio::if_range_allows_partial("Wed, 21 Oct 2015 07:28:00 GMT", tag));
  CHECK_FALSE(folio::if_range_allows_partial(tag + ", \"other\"", tag));
}

// Keyset pagination as the API shows it: newest first, and next_cursor is the id of the page's last item. The next
// page is the items with smaller ids under the same filters, so rows inserted meanwhile never shift a page.
#pragma once

#include <folio/errors.hpp>

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

FOLIO_BEGIN_NAMESPACE

inline constexpr std::size_t default_page_limit = 20;
inline constexpr std::size_t max_page_limit = 100;

template <class Id>
struct page_request {
  std::size_t limit = default_page_limit;
  // Items strictly older than this id; none for the first page.
  std::optional<Id> before;
};

template <class T>
struct page {
  std::vector<T> items;
  // Null on the last page.
  std::optional<std::string> next_cursor;
};

// Reads the `limit` and `cursor` query parameters. A cursor must be an id of the listed kind: a malformed one is an
// error, never a silently wrong page.
template <class Id>
result<page_request<Id>> parse_page_request(std::optional<std::string_view> limit,
                                            std::optional<std::string_view> cursor) {
  page_request<Id> request;
  if (limit) {
    std::size_t value = 0;
    const auto* end = limit->data() + limit->size();
    const auto parsed = std::from_chars(limit->data(), end, value);
    if (limit->empty() || parsed.ec != std::errc{} || parsed.ptr != end || value < 1 || value > max_page_limit) {
      return fail(errc::invalid_limit, "limit is a whole number from 1 to 100", "limit");
    }
    request.limit = value;
  }
  if (cursor) {
    auto id = Id::parse(*cursor);
    if (!id) {
      return fail(errc::invalid_cursor, "cursor is the next_cursor of a previous page", "cursor");
    }
    request.before = std::move(id).value();
  }
  return request;
}

// Builds a page from up to limit+1 items already filtered and sorted newest first: the extra item only tells
// whether a next page exists, so next_cursor is null exactly on the last page.
template <class T, class IdOf>
page<T> make_page(std::vector<T> newest_first, std::size_t limit, IdOf id_of) {
  page<T> result_page;
  const bool more = newest_first.size() > limit;
  if (more) {
    newest_first.resize(limit);
  }
  result_page.items = std::move(newest_first);
  if (more && !result_page.items.empty()) {
    result_page.next_cursor = id_of(result_page.items.back()).str();
  }
  return result_page;
}

FOLIO_END_NAMESPACE

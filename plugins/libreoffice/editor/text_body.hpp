// The body of a text document as the text tools see it: an ordered list of blocks (paragraphs and tables), the
// headings among them, the sections they open, and the places new content can go. A section is a heading and
// everything after it up to the next heading of the same or a higher level (a smaller or equal level number), so
// a section holds its subsections.
#pragma once

#include "document_tools.hpp"

#include <com/sun/star/container/XNameAccess.hpp>
#include <com/sun/star/text/XText.hpp>
#include <com/sun/star/text/XTextContent.hpp>
#include <com/sun/star/text/XTextCursor.hpp>
#include <com/sun/star/text/XTextRange.hpp>
#include <com/sun/star/text/XTextTable.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace folio_libreoffice {

struct body_block {
  css::uno::Reference<css::text::XTextContent> content;
  css::uno::Reference<css::text::XTextRange> paragraph; // set for paragraphs
  css::uno::Reference<css::text::XTextTable> table;     // set for tables
  int heading_level = 0;                                // 1…10 for a heading, 0 otherwise
  std::string text;                                     // a paragraph's text
};

class text_body {
public:
  explicit text_body(const document_ref& document);

  [[nodiscard]] const css::uno::Reference<css::text::XText>& text() const { return text_; }
  [[nodiscard]] const std::vector<body_block>& blocks() const { return blocks_; }

  // The heading block whose text is `heading` (the first, if several), if any.
  [[nodiscard]] std::optional<std::size_t> find_heading(std::string_view heading) const;
  // One past the last block of the section `heading` opens.
  [[nodiscard]] std::size_t section_end(std::size_t heading) const;
  // The innermost heading at or before block `index`, if any.
  [[nodiscard]] std::optional<std::size_t> heading_of(std::size_t index) const;
  // The text of that heading, or null before the first heading.
  [[nodiscard]] nlohmann::json section_name(std::size_t index) const;
  // The paragraph block holding `range` (a bookmark's or an object's anchor), if it lies in the body.
  [[nodiscard]] std::optional<std::size_t> block_of(const css::uno::Reference<css::text::XTextRange>& range) const;
  // "'Introduction', 'Results'", or "none", for messages that list what exists.
  [[nodiscard]] std::string heading_list() const;

private:
  css::uno::Reference<css::text::XText> text_;
  std::vector<body_block> blocks_;
};

// Where new content goes: after block `after`. `location` is {"at": "end"}, {"after_heading": text} (the end of that
// section) or {"at_bookmark": name} (right after the paragraph holding the bookmark); `pointer` names it in errors.
folio::result<std::size_t> resolve_location(const document_ref& document, const text_body& body,
                                            const nlohmann::json& location, const std::string& pointer);

// A new empty paragraph of the default style right after block `after` (the document's trailing empty paragraph
// itself when `after` is it), and a cursor in it.
css::uno::Reference<css::text::XTextCursor> open_paragraph(const document_ref& document, const text_body& body,
                                                           std::size_t after);

// Whether a paragraph holds nothing at all: no text, no bookmark, no object anchored as a character.
bool is_blank(const css::uno::Reference<css::text::XTextRange>& paragraph);

// Removes blocks [first, last) from the body, keeping the block that follows them as it is.
void remove_blocks(const text_body& body, std::size_t first, std::size_t last);

// A docx keeps no names of tables or charts, so each also has a hidden bookmark (Word hides names starting with
// "_"), which both Word and LibreOffice keep: "_table_<name>" in the table's first cell, "_chart_<name>" in the
// chart's paragraph. restore_names gives a reopened document's tables and charts their names back from them.
inline constexpr std::string_view table_mark = "_table_";
inline constexpr std::string_view chart_mark = "_chart_";
void add_mark(const document_ref& document, const css::uno::Reference<css::text::XTextRange>& at,
              const std::string& name);
void restore_names(const document_ref& document);

// The document's bookmarks, tables and embedded objects, by name.
css::uno::Reference<css::container::XNameAccess> bookmarks_of(const document_ref& document);
css::uno::Reference<css::container::XNameAccess> tables_of(const document_ref& document);
css::uno::Reference<css::container::XNameAccess> embedded_objects_of(const document_ref& document);

// "'a', 'b'" or "none".
std::string quoted_list(const css::uno::Sequence<OUString>& names);

} // namespace folio_libreoffice

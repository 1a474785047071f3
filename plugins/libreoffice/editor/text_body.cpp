#include "text_body.hpp"

#include <com/sun/star/beans/XPropertySet.hpp>
#include <com/sun/star/beans/XPropertyState.hpp>
#include <com/sun/star/container/XEnumeration.hpp>
#include <com/sun/star/container/XEnumerationAccess.hpp>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/lang/IllegalArgumentException.hpp>
#include <com/sun/star/lang/XMultiServiceFactory.hpp>
#include <com/sun/star/lang/XServiceInfo.hpp>
#include <com/sun/star/text/ControlCharacter.hpp>
#include <com/sun/star/text/XBookmarksSupplier.hpp>
#include <com/sun/star/text/XRelativeTextContentInsert.hpp>
#include <com/sun/star/text/XTextDocument.hpp>
#include <com/sun/star/text/XTextEmbeddedObjectsSupplier.hpp>
#include <com/sun/star/text/XTextRangeCompare.hpp>
#include <com/sun/star/text/XTextTablesSupplier.hpp>

namespace folio_libreoffice {
namespace {

using css::uno::Reference;
using css::uno::UNO_QUERY;
using css::uno::UNO_QUERY_THROW;

// Paragraph attributes a new paragraph must not inherit from the one it was split from; the page break stays with
// a reused paragraph, which may have been made to start a page.
void reset_paragraph(const Reference<css::text::XTextCursor>& cursor, bool keep_break) {
  const Reference<css::beans::XPropertySet> properties(cursor, UNO_QUERY_THROW);
  properties->setPropertyValue("ParaStyleName", css::uno::Any(OUString("Standard")));
  const Reference<css::beans::XPropertyState> state(cursor, UNO_QUERY_THROW);
  // The default of the numbering attribute is the one split from the paragraph before: only an empty name ends it.
  properties->setPropertyValue("NumberingStyleName", css::uno::Any(OUString()));
  if (!keep_break) {
    state->setPropertyToDefault("BreakType");
    state->setPropertyToDefault("PageDescName");
  }
}

} // namespace

text_body::text_body(const document_ref& document) {
  const Reference<css::text::XTextDocument> text_document(document, UNO_QUERY_THROW);
  text_ = text_document->getText();
  const Reference<css::container::XEnumerationAccess> access(text_, UNO_QUERY_THROW);
  const auto elements = access->createEnumeration();
  while (elements->hasMoreElements()) {
    body_block block;
    block.content.set(elements->nextElement(), UNO_QUERY_THROW);
    const Reference<css::lang::XServiceInfo> info(block.content, UNO_QUERY_THROW);
    if (info->supportsService("com.sun.star.text.TextTable")) {
      block.table.set(block.content, UNO_QUERY_THROW);
    } else {
      block.paragraph.set(block.content, UNO_QUERY_THROW);
      block.text = to_utf8(block.paragraph->getString());
      const Reference<css::beans::XPropertySet> properties(block.content, UNO_QUERY_THROW);
      sal_Int16 level = 0;
      properties->getPropertyValue("OutlineLevel") >>= level;
      // An empty heading names nothing an agent could refer to: it is an empty paragraph.
      block.heading_level = block.text.empty() ? 0 : level;
    }
    blocks_.push_back(std::move(block));
  }
}

std::optional<std::size_t> text_body::find_heading(std::string_view heading) const {
  for (std::size_t index = 0; index < blocks_.size(); ++index) {
    if (blocks_[index].heading_level > 0 && blocks_[index].text == heading) {
      return index;
    }
  }
  return std::nullopt;
}

std::size_t text_body::section_end(std::size_t heading) const {
  const int level = blocks_[heading].heading_level;
  for (std::size_t index = heading + 1; index < blocks_.size(); ++index) {
    if (blocks_[index].heading_level > 0 && blocks_[index].heading_level <= level) {
      return index;
    }
  }
  return blocks_.size();
}

std::optional<std::size_t> text_body::heading_of(std::size_t index) const {
  for (std::size_t each = index + 1; each-- > 0;) {
    if (blocks_[each].heading_level > 0) {
      return each;
    }
  }
  return std::nullopt;
}

nlohmann::json text_body::section_name(std::size_t index) const {
  const auto heading = heading_of(index);
  return heading ? nlohmann::json(blocks_[*heading].text) : nlohmann::json(nullptr);
}

std::optional<std::size_t> text_body::block_of(const Reference<css::text::XTextRange>& range) const {
  if (range->getText() != text_) {
    return std::nullopt;
  }
  const Reference<css::text::XTextRangeCompare> compare(text_, UNO_QUERY_THROW);
  std::optional<std::size_t> found;
  for (std::size_t index = 0; index < blocks_.size(); ++index) {
    if (!blocks_[index].paragraph.is()) {
      continue;
    }
    // 1: the paragraph starts before the range, 0: at it, -1: after it.
    if (compare->compareRegionStarts(blocks_[index].paragraph, range) < 0) {
      break;
    }
    found = index;
  }
  return found;
}

std::string text_body::heading_list() const {
  std::string listed;
  for (const auto& block : blocks_) {
    if (block.heading_level > 0) {
      listed += (listed.empty() ? "'" : ", '") + block.text + "'";
    }
  }
  return listed.empty() ? "none" : listed;
}

std::string quoted_list(const css::uno::Sequence<OUString>& names) {
  std::string listed;
  for (const auto& name : names) {
    listed += (listed.empty() ? "'" : ", '") + to_utf8(name) + "'";
  }
  return listed.empty() ? "none" : listed;
}

Reference<css::container::XNameAccess> bookmarks_of(const document_ref& document) {
  const Reference<css::text::XBookmarksSupplier> supplier(document, UNO_QUERY_THROW);
  return supplier->getBookmarks();
}

Reference<css::container::XNameAccess> tables_of(const document_ref& document) {
  const Reference<css::text::XTextTablesSupplier> supplier(document, UNO_QUERY_THROW);
  return supplier->getTextTables();
}

Reference<css::container::XNameAccess> embedded_objects_of(const document_ref& document) {
  const Reference<css::text::XTextEmbeddedObjectsSupplier> supplier(document, UNO_QUERY_THROW);
  return supplier->getEmbeddedObjects();
}

folio::result<std::size_t> resolve_location(const document_ref& document, const text_body& body,
                                            const nlohmann::json& location, const std::string& pointer) {
  const auto last = body.blocks().size() - 1;
  if (location.contains("after_heading")) {
    const auto heading = location["after_heading"].get<std::string>();
    const auto found = body.find_heading(heading);
    if (!found) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "the document has no heading '" + heading + "'; its headings are " + body.heading_list(),
                         pointer + "/after_heading");
    }
    return body.section_end(*found) - 1;
  }
  if (location.contains("at_bookmark")) {
    const auto name = location["at_bookmark"].get<std::string>();
    const auto bookmarks = bookmarks_of(document);
    if (!bookmarks->hasByName(to_ustring(name))) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "the document has no bookmark '" + name + "'; its bookmarks are " +
                             quoted_list(bookmarks->getElementNames()),
                         pointer + "/at_bookmark");
    }
    const Reference<css::text::XTextContent> bookmark(bookmarks->getByName(to_ustring(name)), UNO_QUERY_THROW);
    const auto found = body.block_of(bookmark->getAnchor());
    if (!found) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "the bookmark '" + name + "' lies in a table, frame or header, not in the body text",
                         pointer + "/at_bookmark");
    }
    return *found;
  }
  return last;
}

bool is_blank(const Reference<css::text::XTextRange>& paragraph) {
  if (!paragraph->getString().isEmpty()) {
    return false;
  }
  const Reference<css::container::XEnumerationAccess> access(paragraph, UNO_QUERY_THROW);
  const auto portions = access->createEnumeration();
  while (portions->hasMoreElements()) {
    const Reference<css::beans::XPropertySet> portion(portions->nextElement(), UNO_QUERY_THROW);
    OUString type;
    portion->getPropertyValue("TextPortionType") >>= type;
    if (type != "Text" && type != "SoftPageBreak") {
      return false;
    }
  }
  return true;
}

Reference<css::text::XTextCursor> open_paragraph(const document_ref& document, const text_body& body,
                                                 std::size_t after) {
  const auto& block = body.blocks()[after];
  const auto& text = body.text();
  if (block.table.is()) {
    const Reference<css::lang::XMultiServiceFactory> factory(document, UNO_QUERY_THROW);
    const Reference<css::text::XTextContent> paragraph(factory->createInstance("com.sun.star.text.Paragraph"),
                                                       UNO_QUERY_THROW);
    const Reference<css::text::XRelativeTextContentInsert> insert(text, UNO_QUERY_THROW);
    // Deprecated in the IDL, yet the one call that puts a paragraph right after a table: no text position lies
    // between a table and what follows it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    insert->insertTextContentAfter(paragraph, block.content);
#pragma GCC diagnostic pop
    const Reference<css::text::XTextRange> range(paragraph, UNO_QUERY_THROW);
    auto cursor = text->createTextCursorByRange(range->getStart());
    reset_paragraph(cursor, false);
    return cursor;
  }
  if (after + 1 == body.blocks().size() && block.heading_level == 0 && is_blank(block.paragraph)) {
    auto cursor = text->createTextCursorByRange(block.paragraph->getStart());
    reset_paragraph(cursor, true);
    return cursor;
  }
  auto cursor = text->createTextCursorByRange(block.paragraph->getEnd());
  text->insertControlCharacter(cursor.get(), css::text::ControlCharacter::PARAGRAPH_BREAK, false);
  reset_paragraph(cursor, false);
  return cursor;
}

void remove_blocks(const text_body& body, std::size_t first, std::size_t last) {
  const auto& blocks = body.blocks();
  const auto& text = body.text();
  std::optional<std::size_t> first_paragraph;
  std::optional<std::size_t> last_paragraph;
  for (std::size_t index = first; index < last; ++index) {
    if (blocks[index].table.is()) {
      blocks[index].table->dispose();
    } else {
      first_paragraph = first_paragraph.value_or(index);
      last_paragraph = index;
    }
  }
  if (!first_paragraph) {
    return;
  }
  // Writer keeps the attributes of the paragraph a deletion starts in, unless it starts at a paragraph's start and
  // ends in a paragraph with text, whose attributes are then kept: each case below keeps a paragraph outside the
  // range as it was.
  if (first > 0 && blocks[first - 1].paragraph.is()) {
    const auto cursor = text->createTextCursorByRange(blocks[first - 1].paragraph->getEnd());
    cursor->gotoRange(blocks[*last_paragraph].paragraph->getEnd(), true);
    cursor->setString(OUString());
    return;
  }
  if (last < blocks.size() && blocks[last].paragraph.is() && !blocks[last].text.empty()) {
    const auto cursor = text->createTextCursorByRange(blocks[*first_paragraph].paragraph->getStart());
    cursor->gotoRange(blocks[last].paragraph->getStart(), true);
    cursor->setString(OUString());
    return;
  }
  // Nothing to join with: one empty paragraph of the default style remains.
  const auto cursor = text->createTextCursorByRange(blocks[*first_paragraph].paragraph->getStart());
  cursor->gotoRange(blocks[*last_paragraph].paragraph->getEnd(), true);
  cursor->setString(OUString());
  reset_paragraph(cursor, false);
}

void add_mark(const document_ref& document, const Reference<css::text::XTextRange>& at, const std::string& name) {
  const Reference<css::lang::XMultiServiceFactory> factory(document, UNO_QUERY_THROW);
  const Reference<css::text::XTextContent> bookmark(factory->createInstance("com.sun.star.text.Bookmark"),
                                                    UNO_QUERY_THROW);
  const Reference<css::container::XNamed> named(bookmark, UNO_QUERY_THROW);
  named->setName(to_ustring(name));
  at->getText()->insertTextContent(at->getStart(), bookmark, false);
}

void restore_names(const document_ref& document) {
  const auto bookmarks = bookmarks_of(document);
  const auto tables = tables_of(document);
  const auto objects = embedded_objects_of(document);
  std::optional<text_body> body;
  for (const auto& mark : bookmarks->getElementNames()) {
    const auto mark_name = to_utf8(mark);
    const auto is_table = mark_name.starts_with(table_mark);
    const auto is_chart = mark_name.starts_with(chart_mark);
    if (!is_table && !is_chart) {
      continue;
    }
    const auto wanted = to_ustring(mark_name.substr(is_table ? table_mark.size() : chart_mark.size()));
    if ((is_table && tables->hasByName(wanted)) || (is_chart && objects->hasByName(wanted))) {
      continue;
    }
    const Reference<css::text::XTextContent> bookmark(bookmarks->getByName(mark), UNO_QUERY_THROW);
    const auto anchor = bookmark->getAnchor();
    if (is_table) {
      const Reference<css::beans::XPropertySet> position(anchor, UNO_QUERY_THROW);
      const Reference<css::container::XNamed> table(position->getPropertyValue("TextTable"), UNO_QUERY);
      if (table.is()) {
        table->setName(wanted);
      }
      continue;
    }
    if (!body) {
      body.emplace(document);
    }
    const auto paragraph = body->block_of(anchor);
    if (!paragraph) {
      continue;
    }
    for (const auto& name : objects->getElementNames()) {
      const Reference<css::text::XTextContent> object(objects->getByName(name), UNO_QUERY_THROW);
      if (body->block_of(object->getAnchor()) == paragraph) {
        const Reference<css::container::XNamed> named(object, UNO_QUERY_THROW);
        named->setName(wanted);
        break;
      }
    }
  }
}

} // namespace folio_libreoffice

// The text document (docx) tools; the outline is in text_outline.hpp.
//
// Locations: every tool that adds content takes an optional "location" (default {"at": "end"}):
//   {"at": "end"}                 the end of the document;
//   {"after_heading": "<text>"}   the end of that heading's section, before the next heading of the same or higher
//                                 level;
//   {"at_bookmark": "<name>"}     right after the paragraph holding the bookmark.
// Names an agent refers to later: headings by their text (unique in the document), tables, charts and bookmarks by
// the name the tool was given or answered with.
#include "text_body.hpp"
#include "text_charts.hpp"
#include "text_outline.hpp"

#include <charconv>
#include <com/sun/star/awt/FontSlant.hpp>
#include <com/sun/star/awt/FontWeight.hpp>
#include <com/sun/star/awt/Size.hpp>
#include <com/sun/star/beans/XPropertyState.hpp>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/datatransfer/XTransferableSupplier.hpp>
#include <com/sun/star/document/XEmbeddedObjectSupplier.hpp>
#include <com/sun/star/frame/XController.hpp>
#include <com/sun/star/frame/XModel.hpp>
#include <com/sun/star/lang/XMultiServiceFactory.hpp>
#include <com/sun/star/style/BreakType.hpp>
#include <com/sun/star/table/XCellRange.hpp>
#include <com/sun/star/table/XTableColumns.hpp>
#include <com/sun/star/table/XTableRows.hpp>
#include <com/sun/star/text/ControlCharacter.hpp>
#include <com/sun/star/text/TextContentAnchorType.hpp>
#include <com/sun/star/text/XParagraphCursor.hpp>
#include <com/sun/star/text/XTextViewCursor.hpp>
#include <com/sun/star/text/XTextViewCursorSupplier.hpp>
#include <com/sun/star/view/XSelectionSupplier.hpp>

namespace folio_libreoffice {
namespace {

using css::uno::Any;
using css::uno::Reference;
using css::uno::UNO_QUERY_THROW;
using nlohmann::json;

const json& location_of(const json& arguments) {
  static const json end = {{"at", "end"}};
  return arguments.contains("location") ? arguments["location"] : end;
}

// Names a docx keeps as they are: Word's bookmark rule (a letter first, then letters, digits and underscores).
bool is_plain_name(std::string_view name) {
  if (name.empty() || std::isalpha(static_cast<unsigned char>(name.front())) == 0) {
    return false;
  }
  for (const char each : name) {
    if (std::isalnum(static_cast<unsigned char>(each)) == 0 && each != '_') {
      return false;
    }
  }
  return true;
}

folio::result<void> check_plain_name(std::string_view name, const char* what, const char* pointer) {
  if (is_plain_name(name)) {
    return folio::success();
  }
  return folio::fail(folio::errc::tool_arguments_invalid,
                     "a " + std::string(what) +
                         " name starts with a letter and holds only letters, digits and "
                         "underscores (as Word requires); '" +
                         std::string(name) + "' does not",
                     pointer);
}

folio::result<void> check_new_heading(const text_body& body, const std::string& text) {
  if (text.find_first_of("\r\n") != std::string::npos) {
    return folio::fail(folio::errc::tool_arguments_invalid, "a heading is one line: its text holds no line breaks",
                       "/text");
  }
  if (body.find_heading(text)) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the document already has a heading '" + text +
                           "'; headings name sections, so each must be unique. The headings are " + body.heading_list(),
                       "/text");
  }
  return folio::success();
}

// Writes `text` into the empty paragraph at `cursor` and selects it, so that character attributes can follow.
void fill_paragraph(const text_body& body, const Reference<css::text::XTextCursor>& cursor, const std::string& text) {
  body.text()->insertString(cursor.get(), to_ustring(text), false);
  const Reference<css::text::XParagraphCursor> paragraph(cursor, UNO_QUERY_THROW);
  paragraph->gotoStartOfParagraph(true);
}

void set(const Reference<css::uno::XInterface>& object, const char* name, const Any& value) {
  const Reference<css::beans::XPropertySet> properties(object, UNO_QUERY_THROW);
  properties->setPropertyValue(OUString::createFromAscii(name), value);
}

// Character attributes of a heading or list item come from its style, never from the paragraph it was split from.
void use_style_characters(const Reference<css::text::XTextCursor>& cursor) {
  const Reference<css::beans::XPropertyState> state(cursor, UNO_QUERY_THROW);
  state->setPropertyToDefault("CharWeight");
  state->setPropertyToDefault("CharPosture");
}

std::size_t headings_through(const text_body& body, std::size_t index) {
  std::size_t count = 0;
  for (std::size_t each = 0; each <= index && each < body.blocks().size(); ++each) {
    count += body.blocks()[each].heading_level > 0 ? 1U : 0U;
  }
  return count;
}

folio::result<json> add_heading(const document_ref& document, const json& arguments) {
  const text_body body(document);
  const auto text = arguments["text"].get<std::string>();
  const int level = arguments["level"].get<int>();
  if (auto fresh = check_new_heading(body, text); !fresh) {
    return fresh.error();
  }
  auto after = resolve_location(document, body, location_of(arguments), "/location");
  if (!after) {
    return after.error();
  }
  const auto cursor = open_paragraph(document, body, after.value());
  fill_paragraph(body, cursor, text);
  set(cursor, "ParaStyleName", Any(to_ustring("Heading " + std::to_string(level))));
  use_style_characters(cursor);
  return json{{"heading", text}, {"level", level}, {"order", headings_through(body, after.value()) + 1}};
}

folio::result<json> add_paragraph(const document_ref& document, const json& arguments) {
  const text_body body(document);
  auto after = resolve_location(document, body, location_of(arguments), "/location");
  if (!after) {
    return after.error();
  }
  const auto cursor = open_paragraph(document, body, after.value());
  fill_paragraph(body, cursor, arguments["text"].get<std::string>());
  const bool bold = arguments.value("bold", false);
  const bool italic = arguments.value("italic", false);
  set(cursor, "CharWeight", Any(bold ? css::awt::FontWeight::BOLD : css::awt::FontWeight::NORMAL));
  set(cursor, "CharPosture", Any(italic ? css::awt::FontSlant_ITALIC : css::awt::FontSlant_NONE));
  return json{{"paragraph", arguments["text"]}, {"section", body.section_name(after.value())}};
}

folio::result<json> add_bullet_list(const document_ref& document, const json& arguments) {
  const text_body body(document);
  auto after = resolve_location(document, body, location_of(arguments), "/location");
  if (!after) {
    return after.error();
  }
  const bool numbered = arguments.value("numbered", false);
  const auto cursor = open_paragraph(document, body, after.value());
  const Reference<css::text::XParagraphCursor> paragraphs(cursor, UNO_QUERY_THROW);
  bool first = true;
  for (const auto& item : arguments["items"]) {
    if (!first) {
      paragraphs->gotoEndOfParagraph(false);
      body.text()->insertControlCharacter(cursor.get(), css::text::ControlCharacter::PARAGRAPH_BREAK, false);
    }
    fill_paragraph(body, cursor, item.get<std::string>());
    set(cursor, "ParaStyleName", Any(OUString::createFromAscii(numbered ? "Numbering 1" : "List 1")));
    set(cursor, "NumberingStyleName", Any(OUString::createFromAscii(numbered ? "Numbering 123" : "List 1")));
    use_style_characters(cursor);
    if (first && numbered) {
      set(cursor, "ParaIsNumberingRestart", Any(true));
    }
    first = false;
  }
  return json{{"list", numbered ? "numbered" : "bulleted"},
              {"items", arguments["items"].size()},
              {"section", body.section_name(after.value())}};
}

std::string cell_text(const json& cell) {
  return cell.is_string() ? cell.get<std::string>() : cell.dump();
}

// Whether new content after block `after` would come right after a table: after the table itself, or in the empty
// paragraph that ends the body behind one.
bool follows_table(const text_body& body, std::size_t after) {
  const auto& blocks = body.blocks();
  if (blocks[after].table.is()) {
    return true;
  }
  return after > 0 && after + 1 == blocks.size() && blocks[after - 1].table.is() && is_blank(blocks[after].paragraph);
}

folio::result<json> add_table(const document_ref& document, const json& arguments) {
  const auto& rows = arguments["rows"];
  const auto columns = rows[0].size();
  for (std::size_t row = 1; row < rows.size(); ++row) {
    if (rows[row].size() != columns) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "every row has as many cells as the header row (" + std::to_string(columns) + "); row " +
                             std::to_string(row) + " has " + std::to_string(rows[row].size()),
                         "/rows/" + std::to_string(row));
    }
  }
  const auto tables = tables_of(document);
  std::string name;
  if (arguments.contains("name")) {
    name = arguments["name"].get<std::string>();
    if (auto plain = check_plain_name(name, "table", "/name"); !plain) {
      return plain.error();
    }
    if (tables->hasByName(to_ustring(name))) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "the document already has a table named '" + name + "'; its tables are " +
                             quoted_list(tables->getElementNames()),
                         "/name");
    }
  } else {
    for (int number = tables->getElementNames().getLength() + 1; name.empty(); ++number) {
      const auto candidate = "Table" + std::to_string(number);
      if (!tables->hasByName(to_ustring(candidate))) {
        name = candidate;
      }
    }
  }
  const text_body body(document);
  auto after = resolve_location(document, body, location_of(arguments), "/location");
  if (!after) {
    return after.error();
  }
  const Reference<css::lang::XMultiServiceFactory> factory(document, UNO_QUERY_THROW);
  const Reference<css::text::XTextTable> table(factory->createInstance("com.sun.star.text.TextTable"), UNO_QUERY_THROW);
  table->initialize(static_cast<sal_Int32>(rows.size()), static_cast<sal_Int32>(columns));
  const Reference<css::container::XNamed> named(table, UNO_QUERY_THROW);
  named->setName(to_ustring(name));
  const auto cursor = open_paragraph(document, body, after.value());
  if (follows_table(body, after.value())) {
    // Tables with nothing between them are one table to Word: an empty paragraph keeps them apart.
    body.text()->insertControlCharacter(cursor.get(), css::text::ControlCharacter::PARAGRAPH_BREAK, false);
  }
  // The table goes in before the empty paragraph the cursor is in.
  body.text()->insertTextContent(cursor.get(), table.get(), false);
  set(table, "RepeatHeadline", Any(true));
  set(table, "HeaderRowCount", Any(sal_Int32{1}));
  const Reference<css::table::XCellRange> cells(table, UNO_QUERY_THROW);
  for (std::size_t row = 0; row < rows.size(); ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const Reference<css::text::XText> cell(
          cells->getCellByPosition(static_cast<sal_Int32>(column), static_cast<sal_Int32>(row)), UNO_QUERY_THROW);
      cell->setString(to_ustring(cell_text(rows[row][column])));
    }
  }
  const Reference<css::text::XText> first_cell(cells->getCellByPosition(0, 0), UNO_QUERY_THROW);
  add_mark(document, first_cell->getStart(), std::string(table_mark) + name);
  // The empty paragraph left behind the table stays only where the body needs one: at its end.
  const text_body after_insert(document);
  const auto& blocks = after_insert.blocks();
  for (std::size_t index = 0; index + 2 < blocks.size(); ++index) {
    if (blocks[index].table.is() && blocks[index].table == table && blocks[index + 1].paragraph.is() &&
        blocks[index + 2].paragraph.is() && is_blank(blocks[index + 1].paragraph)) {
      remove_blocks(after_insert, index + 1, index + 2);
      break;
    }
  }
  return json{
      {"table", name}, {"rows", rows.size()}, {"columns", columns}, {"section", body.section_name(after.value())}};
}

folio::result<json> add_bookmark(const document_ref& document, const json& arguments) {
  const auto name = arguments["name"].get<std::string>();
  if (auto plain = check_plain_name(name, "bookmark", "/name"); !plain) {
    return plain.error();
  }
  const auto bookmarks = bookmarks_of(document);
  if (bookmarks->hasByName(to_ustring(name))) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the document already has a bookmark named '" + name + "'; its bookmarks are " +
                           quoted_list(bookmarks->getElementNames()),
                       "/name");
  }
  const text_body body(document);
  const auto& location = arguments["location"];
  Reference<css::text::XTextRange> range;
  std::size_t block = 0;
  if (location.contains("heading")) {
    const auto heading = location["heading"].get<std::string>();
    const auto found = body.find_heading(heading);
    if (!found) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "the document has no heading '" + heading + "'; its headings are " + body.heading_list(),
                         "/location/heading");
    }
    block = *found;
    range = body.text()->createTextCursorByRange(body.blocks()[block].paragraph).get();
  } else {
    auto after = resolve_location(document, body, location, "/location");
    if (!after) {
      return after.error();
    }
    block = after.value();
    const auto& anchor = body.blocks()[block];
    range = anchor.paragraph.is() ? anchor.paragraph->getEnd()
                                  : Reference<css::text::XTextRange>(open_paragraph(document, body, block).get());
  }
  const Reference<css::lang::XMultiServiceFactory> factory(document, UNO_QUERY_THROW);
  const Reference<css::text::XTextContent> bookmark(factory->createInstance("com.sun.star.text.Bookmark"),
                                                    UNO_QUERY_THROW);
  const Reference<css::container::XNamed> named(bookmark, UNO_QUERY_THROW);
  named->setName(to_ustring(name));
  // Absorbing a range makes the bookmark span it; the text stays.
  body.text()->insertTextContent(range, bookmark, true);
  return json{{"bookmark", name}, {"section", body.section_name(block)}};
}

folio::result<json> add_page_break(const document_ref& document, const json& arguments) {
  const text_body body(document);
  auto after = resolve_location(document, body, location_of(arguments), "/location");
  if (!after) {
    return after.error();
  }
  const auto cursor = open_paragraph(document, body, after.value());
  set(cursor, "BreakType", Any(css::style::BreakType_PAGE_BEFORE));
  return json{{"page_break", true}, {"section", body.section_name(after.value())}};
}

std::string chart_list(const Reference<css::container::XNameAccess>& objects) {
  std::string listed;
  for (const auto& name : objects->getElementNames()) {
    const Reference<css::beans::XPropertySet> object(objects->getByName(name), UNO_QUERY_THROW);
    if (is_chart(object)) {
      listed += (listed.empty() ? "'" : ", '") + to_utf8(name) + "'";
    }
  }
  return listed.empty() ? "none" : listed;
}

double cell_number(const std::string& text, bool& ok) {
  std::string digits;
  for (const char each : text) {
    if (each != ',' && each != ' ') {
      digits += each;
    }
  }
  double value = 0;
  const auto* end = digits.data() + digits.size();
  const auto parsed = std::from_chars(digits.data(), end, value);
  ok = !digits.empty() && parsed.ec == std::errc() && parsed.ptr == end;
  return value;
}

folio::error not_a_number(const std::string& table, const std::string& text, sal_Int32 row, sal_Int32 column) {
  return folio::fail(folio::errc::tool_arguments_invalid,
                     "table '" + table + "' has '" + text + "' in row " + std::to_string(row + 1) + ", column " +
                         std::to_string(column + 1) + ", where a chart needs a number",
                     "/data/table");
}

// A table's first row names the series (its first cell labels the categories), its first column the categories.
folio::result<chart_content> chart_data_from_table(const document_ref& document, const std::string& name) {
  const auto tables = tables_of(document);
  if (!tables->hasByName(to_ustring(name))) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the document has no table named '" + name + "'; its tables are " +
                           quoted_list(tables->getElementNames()),
                       "/data/table");
  }
  const Reference<css::text::XTextTable> table(tables->getByName(to_ustring(name)), UNO_QUERY_THROW);
  const auto rows = table->getRows()->getCount();
  const auto columns = table->getColumns()->getCount();
  if (rows < 2 || columns < 2) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "a chart needs a table with a header row and a category column, and at least one row and "
                       "column of figures; table '" +
                           name + "' has " + std::to_string(rows) + " rows and " + std::to_string(columns) + " columns",
                       "/data/table");
  }
  const Reference<css::table::XCellRange> cells(table, UNO_QUERY_THROW);
  const auto text_at = [&](sal_Int32 column, sal_Int32 row) {
    const Reference<css::text::XText> cell(cells->getCellByPosition(column, row), UNO_QUERY_THROW);
    return to_utf8(cell->getString());
  };
  chart_content content;
  for (sal_Int32 column = 1; column < columns; ++column) {
    content.series.push_back(text_at(column, 0));
  }
  for (sal_Int32 row = 1; row < rows; ++row) {
    content.categories.push_back(text_at(0, row));
    std::vector<double> values;
    for (sal_Int32 column = 1; column < columns; ++column) {
      const auto text = text_at(column, row);
      bool ok = false;
      values.push_back(cell_number(text, ok));
      if (!ok) {
        return not_a_number(name, text, row, column);
      }
    }
    content.values.push_back(std::move(values));
  }
  return content;
}

folio::result<chart_content> inline_chart_data(const json& data) {
  chart_content content;
  content.categories = data["categories"].get<std::vector<std::string>>();
  content.values.assign(content.categories.size(), {});
  for (std::size_t index = 0; index < data["series"].size(); ++index) {
    const auto& series = data["series"][index];
    if (series["values"].size() != content.categories.size()) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "each series has one value per category (" + std::to_string(content.categories.size()) +
                             "); series '" + series["name"].get<std::string>() + "' has " +
                             std::to_string(series["values"].size()),
                         "/data/series/" + std::to_string(index) + "/values");
    }
    content.series.push_back(series["name"].get<std::string>());
    for (std::size_t category = 0; category < content.categories.size(); ++category) {
      content.values[category].push_back(series["values"][category].get<double>());
    }
  }
  return content;
}

// At the paragraph's start, where no later split of the paragraph's end carries the mark away from the chart.
void mark_chart(const document_ref& document, const Reference<css::text::XTextCursor>& cursor,
                const std::string& name) {
  const Reference<css::text::XParagraphCursor> paragraph(cursor, UNO_QUERY_THROW);
  paragraph->gotoStartOfParagraph(false);
  add_mark(document, cursor.get(), std::string(chart_mark) + name);
}

// A chart named `name` of `size` (1/100 mm) in the empty paragraph at `cursor`, anchored as a character.
void insert_chart(const document_ref& document, const Reference<css::text::XTextCursor>& cursor,
                  const std::string& name, const chart_content& content, css::awt::Size size) {
  const Reference<css::lang::XMultiServiceFactory> factory(document, UNO_QUERY_THROW);
  const Reference<css::text::XTextContent> object(factory->createInstance("com.sun.star.text.TextEmbeddedObject"),
                                                  UNO_QUERY_THROW);
  set(object, "CLSID", Any(to_ustring(chart_class_id)));
  set(object, "AnchorType", Any(css::text::TextContentAnchorType_AS_CHARACTER));
  set(object, "Width", Any(size.Width));
  set(object, "Height", Any(size.Height));
  cursor->getText()->insertTextContent(cursor.get(), object, false);
  const Reference<css::container::XNamed> named(object, UNO_QUERY_THROW);
  named->setName(to_ustring(name));
  mark_chart(document, cursor, name);
  write_chart(object, content);
}

folio::result<json> add_chart(const document_ref& document, const json& arguments) {
  const auto name = arguments["name"].get<std::string>();
  if (auto plain = check_plain_name(name, "chart", "/name"); !plain) {
    return plain.error();
  }
  const auto objects = embedded_objects_of(document);
  if (objects->hasByName(to_ustring(name))) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the document already has an object named '" + name + "'; its charts are " + chart_list(objects),
                       "/name");
  }
  const auto& data = arguments["data"];
  auto content = data.contains("table") ? chart_data_from_table(document, data["table"].get<std::string>())
                                        : inline_chart_data(data);
  if (!content) {
    return content.error();
  }
  content.value().kind = arguments["kind"].get<std::string>();
  content.value().title = arguments["title"].get<std::string>();
  const text_body body(document);
  auto after = resolve_location(document, body, location_of(arguments), "/location");
  if (!after) {
    return after.error();
  }
  const auto cursor = open_paragraph(document, body, after.value());
  // 16 × 9 cm: the width of a page's text area at a readable aspect.
  insert_chart(document, cursor, name, content.value(), {16000, 9000});
  return json{{"chart", name},
              {"kind", content.value().kind},
              {"title", content.value().title},
              {"section", body.section_name(after.value())}};
}

// Whether the location names something inside blocks [first, last): a section cannot move into itself.
bool points_into(const document_ref& document, const text_body& body, const json& location, std::size_t first,
                 std::size_t last) {
  if (location.contains("at")) {
    return false;
  }
  const auto target = resolve_location(document, body, location, "");
  return target && target.value() >= first && target.value() < last;
}

folio::result<json> move_section(const document_ref& document, const json& arguments) {
  const auto heading = arguments["heading"].get<std::string>();
  const auto& to = arguments["to"];
  const text_body body(document);
  const auto found = body.find_heading(heading);
  if (!found) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the document has no heading '" + heading + "'; its headings are " + body.heading_list(),
                       "/heading");
  }
  if (auto target = resolve_location(document, body, to, "/to"); !target) {
    return target.error();
  }
  const auto first = *found;
  const auto last = body.section_end(first);
  if (points_into(document, body, to, first, last)) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "section '" + heading + "' cannot move to a place inside itself", "/to");
  }
  const auto& blocks = body.blocks();
  // The selection ends at the start of the block after the section, so every paragraph of it, its mark included,
  // travels whole with its style; a section running to the document's end first gets an empty paragraph to end at.
  std::optional<text_body> extended;
  if (last == blocks.size()) {
    const auto end = body.text()->createTextCursorByRange(body.text()->getEnd());
    body.text()->insertControlCharacter(end.get(), css::text::ControlCharacter::PARAGRAPH_BREAK, false);
    extended.emplace(document);
  }
  const auto& source = extended ? *extended : body;
  const auto selection = source.text()->createTextCursorByRange(source.blocks()[first].paragraph->getStart());
  selection->gotoRange(source.blocks()[last].paragraph->getStart(), true);
  const Reference<css::frame::XModel> model(document, UNO_QUERY_THROW);
  const auto controller = model->getCurrentController();
  const Reference<css::view::XSelectionSupplier> selecting(controller, UNO_QUERY_THROW);
  selecting->select(Any(Reference<css::text::XTextRange>(selection.get())));
  const Reference<css::datatransfer::XTransferableSupplier> transfer(controller, UNO_QUERY_THROW);
  const auto moved = transfer->getTransferable();
  // Bookmarks at the section's edges would outlive its removal and make the pasted ones take other names.
  const auto bookmarks = bookmarks_of(document);
  for (const auto& mark : bookmarks->getElementNames()) {
    const Reference<css::text::XTextContent> bookmark(bookmarks->getByName(mark), UNO_QUERY_THROW);
    const auto block = source.block_of(bookmark->getAnchor());
    if (block && *block >= first && *block < last) {
      bookmark->dispose();
    }
  }
  // Removed before it is pasted, so that its tables, charts and bookmarks keep their names in the new place.
  remove_blocks(source, first, last);
  const text_body remaining(document);
  auto target = resolve_location(document, remaining, to, "/to");
  if (!target) {
    return target.error();
  }
  const auto cursor = open_paragraph(document, remaining, target.value());
  const Reference<css::text::XTextViewCursorSupplier> views(controller, UNO_QUERY_THROW);
  views->getViewCursor()->gotoRange(cursor.get(), false);
  transfer->insertTransferable(moved);
  // The paragraph the section was pasted into remains, empty, after it.
  const text_body pasted(document);
  const auto heading_now = pasted.find_heading(heading);
  if (heading_now) {
    const auto end = pasted.section_end(*heading_now);
    const auto& now = pasted.blocks();
    if (end - 1 > *heading_now && now[end - 1].paragraph.is() && is_blank(now[end - 1].paragraph)) {
      remove_blocks(pasted, end - 1, end);
    }
  }
  const text_body result(document);
  const auto placed = result.find_heading(heading);
  return json{{"section", heading},
              {"order", placed ? headings_through(result, *placed) : 0},
              {"after", placed && *placed > 0 ? result.section_name(*placed - 1) : json(nullptr)}};
}

folio::result<json> move_chart(const document_ref& document, const json& arguments) {
  const auto name = arguments["name"].get<std::string>();
  const auto objects = embedded_objects_of(document);
  if (!objects->hasByName(to_ustring(name)) ||
      !is_chart(Reference<css::beans::XPropertySet>(objects->getByName(to_ustring(name)), UNO_QUERY_THROW))) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the document has no chart named '" + name + "'; its charts are " + chart_list(objects),
                       "/name");
  }
  const Reference<css::text::XTextContent> object(objects->getByName(to_ustring(name)), UNO_QUERY_THROW);
  const text_body body(document);
  auto target = resolve_location(document, body, arguments["to"], "/to");
  if (!target) {
    return target.error();
  }
  const auto home = body.block_of(object->getAnchor());
  if (home && *home == target.value()) {
    return json{{"chart", name}, {"section", body.section_name(*home)}};
  }
  // Writer moves an object anchored as a character only by cut and paste, which renames it: the chart is built
  // anew in its new place from what it shows, under its name, and the old one removed.
  const auto content = read_chart(object);
  const Reference<css::beans::XPropertySet> properties(object, UNO_QUERY_THROW);
  css::awt::Size size{16000, 9000};
  properties->getPropertyValue("Width") >>= size.Width;
  properties->getPropertyValue("Height") >>= size.Height;
  const auto cursor = open_paragraph(document, body, target.value());
  const auto bookmarks = bookmarks_of(document);
  const auto mark = to_ustring(std::string(chart_mark) + name);
  if (bookmarks->hasByName(mark)) {
    const Reference<css::text::XTextContent> old_mark(bookmarks->getByName(mark), UNO_QUERY_THROW);
    old_mark->dispose();
  }
  object->dispose();
  insert_chart(document, cursor, name, content, size);
  if (home) {
    const auto old_paragraph = body.blocks()[*home].paragraph;
    const text_body moved(document);
    const auto& blocks = moved.blocks();
    for (std::size_t index = 0; index < blocks.size(); ++index) {
      if (blocks[index].paragraph.is() && blocks[index].paragraph == old_paragraph &&
          is_blank(blocks[index].paragraph)) {
        remove_blocks(moved, index, index + 1);
        break;
      }
    }
  }
  const text_body result(document);
  const Reference<css::text::XTextContent> placed(embedded_objects_of(document)->getByName(to_ustring(name)),
                                                  UNO_QUERY_THROW);
  const auto now = result.block_of(placed->getAnchor());
  return json{{"chart", name}, {"section", now ? result.section_name(*now) : json(nullptr)}};
}

json location_schema(const char* description) {
  return json{
      {"description", description},
      {"anyOf",
       json::array({json::parse(R"({"type": "object", "properties": {"at": {"type": "string", "enum": ["end"],
              "description": "The end of the document."}}, "required": ["at"], "additionalProperties": false})"),
                    json::parse(R"({"type": "object", "properties": {"after_heading": {"type": "string", "minLength": 1,
              "description": "The text of a heading: the end of its section, before the next heading of the same or a higher level."}},
              "required": ["after_heading"], "additionalProperties": false})"),
                    json::parse(R"({"type": "object", "properties": {"at_bookmark": {"type": "string", "minLength": 1,
              "description": "The name of a bookmark: right after the paragraph holding it."}},
              "required": ["at_bookmark"], "additionalProperties": false})")})}};
}

const char* const where = "Where the content goes; the end of the document when left out.";

json object_schema(json properties, json required) {
  return json{{"type", "object"},
              {"properties", std::move(properties)},
              {"required", std::move(required)},
              {"additionalProperties", false}};
}

document_tools make_tools() {
  document_tools made{"docx", "private:factory/swriter", "MS Word 2007 XML", {}, {}};
  made.tools.push_back(
      {"add_heading",
       "Adds a heading (Heading 1 to Heading 6 style), which opens a section. Heading texts are unique: later calls "
       "refer to the section by its heading's text.",
       object_schema(
           {{"text", {{"type", "string"}, {"minLength", 1}, {"maxLength", 300}, {"description", "The heading text."}}},
            {"level",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", 6},
              {"description", "1 for a top-level section, 2 for a subsection, and so on."}}},
            {"location", location_schema(where)}},
           json::array({"text", "level"})),
       add_heading});
  made.tools.push_back(
      {"add_paragraph", "Adds a paragraph of body text.",
       object_schema({{"text", {{"type", "string"}, {"minLength", 1}, {"description", "The paragraph's text."}}},
                      {"bold", {{"type", "boolean"}, {"description", "Whether the whole paragraph is bold."}}},
                      {"italic", {{"type", "boolean"}, {"description", "Whether the whole paragraph is italic."}}},
                      {"location", location_schema(where)}},
                     json::array({"text"})),
       add_paragraph});
  made.tools.push_back(
      {"add_bullet_list", "Adds a list, one paragraph per item: bulleted, or numbered from 1.",
       object_schema(
           {{"items",
             {{"type", "array"},
              {"minItems", 1},
              {"maxItems", 200},
              {"items", {{"type", "string"}, {"minLength", 1}}},
              {"description", "The items' texts, in order."}}},
            {"numbered", {{"type", "boolean"}, {"description", "true for 1., 2., 3. …; bullets when left out."}}},
            {"location", location_schema(where)}},
           json::array({"items"})),
       add_bullet_list});
  made.tools.push_back(
      {"add_table",
       "Adds a table whose first row is its header row (repeated on each page). Returns the table's name, which "
       "add_chart can take its data from.",
       object_schema({{"rows",
                       {{"type", "array"},
                        {"minItems", 1},
                        {"maxItems", 1000},
                        {"items",
                         {{"type", "array"},
                          {"minItems", 1},
                          {"maxItems", 50},
                          {"items", {{"type", json::array({"string", "number"})}}}}},
                        {"description", "The rows, header first; every row has as many cells as the header."}}},
                      {"name",
                       {{"type", "string"},
                        {"minLength", 1},
                        {"maxLength", 32},
                        {"description",
                         "A name for the table, unique in the document: a letter, then letters, digits or underscores. "
                         "Table1, Table2 … when left out."}}},
                      {"location", location_schema(where)}},
                     json::array({"rows"})),
       add_table});
  made.tools.push_back(
      {"add_bookmark",
       "Adds a named bookmark: on a heading, at the end of a section or at the end of the document. Content can "
       "later be added at it with the location {\"at_bookmark\": name}.",
       object_schema(
           {{"name",
             {{"type", "string"},
              {"minLength", 1},
              {"maxLength", 40},
              {"description", "Unique in the document: a letter, then letters, digits or underscores."}}},
            {"location",
             {{"description", "What the bookmark marks."},
              {"anyOf", json::array({json::parse(R"({"type": "object", "properties": {"heading": {"type": "string",
                              "minLength": 1, "description": "The text of the heading the bookmark spans."}},
                              "required": ["heading"], "additionalProperties": false})"),
                                     location_schema("")["anyOf"][0], location_schema("")["anyOf"][1]})}}}},
           json::array({"name", "location"})),
       add_bookmark});
  made.tools.push_back(
      {"add_chart",
       "Adds a named chart in a paragraph of its own, with its data taken from a table of the document (first row: "
       "series names; first column: categories) or given here. A pie chart shows the first series.",
       object_schema(
           {{"name",
             {{"type", "string"},
              {"minLength", 1},
              {"maxLength", 32},
              {"description",
               "A name for the chart, unique in the document: a letter, then letters, digits or underscores, e.g. "
               "\"revenue_chart\"."}}},
            {"kind", {{"type", "string"}, {"enum", json::array({"column", "bar", "line", "pie"})}}},
            {"title", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}},
            {"data",
             {{"description", "Either {\"table\": name} or {\"categories\": [...], \"series\": [...]}."},
              {"anyOf",
               json::array({json::parse(R"({"type": "object", "properties": {"table": {"type": "string", "minLength": 1,
                      "description": "The name of a table of the document."}}, "required": ["table"],
                      "additionalProperties": false})"),
                            json::parse(R"({"type": "object", "properties": {
                      "categories": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"type": "string"},
                                     "description": "The labels along the axis (the slices of a pie)."},
                      "series": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"type": "object",
                        "properties": {"name": {"type": "string", "minLength": 1},
                                       "values": {"type": "array", "items": {"type": "number"},
                                                  "description": "One value per category."}},
                        "required": ["name", "values"], "additionalProperties": false}}},
                      "required": ["categories", "series"], "additionalProperties": false})")})}}},
            {"location", location_schema(where)}},
           json::array({"name", "kind", "title", "data"})),
       add_chart});
  made.tools.push_back({"add_page_break", "Starts a new page at the location: what follows it begins the next page.",
                        object_schema({{"location", location_schema(where)}}, json::array()), add_page_break});
  made.tools.push_back(
      {"move_section",
       "Moves a section (its heading and everything up to the next heading of the same or a higher level, "
       "subsections, tables and charts included) to another place. Names stay as they were.",
       object_schema(
           {{"heading", {{"type", "string"}, {"minLength", 1}, {"description", "The text of the section's heading."}}},
            {"to", location_schema("Where the section goes.")}},
           json::array({"heading", "to"})),
       move_section});
  made.tools.push_back(
      {"move_chart",
       "Moves a chart, keeping its name, kind, title and data, e.g. to the end of another section with "
       "{\"after_heading\": \"Executive Summary\"}.",
       object_schema({{"name", {{"type", "string"}, {"minLength", 1}, {"description", "The chart's name."}}},
                      {"to", location_schema("Where the chart goes.")}},
                     json::array({"name", "to"})),
       move_chart});
  for (auto& tool : made.tools) {
    tool.run = [run = std::move(tool.run)](const document_ref& document, const json& arguments) {
      restore_names(document);
      return run(document, arguments);
    };
  }
  made.outline = [](const document_ref& document) {
    restore_names(document);
    return text_outline(document);
  };
  return made;
}

} // namespace

const document_tools& text_tools() {
  static const document_tools tools = make_tools();
  return tools;
}

} // namespace folio_libreoffice

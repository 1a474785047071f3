#include "text_outline.hpp"

#include "text_body.hpp"
#include "text_charts.hpp"

#include <com/sun/star/beans/XPropertySet.hpp>
#include <com/sun/star/container/XIndexAccess.hpp>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/style/BreakType.hpp>
#include <com/sun/star/style/NumberingType.hpp>
#include <com/sun/star/table/XCellRange.hpp>
#include <com/sun/star/table/XTableColumns.hpp>
#include <com/sun/star/table/XTableRows.hpp>
#include <com/sun/star/text/XTextGraphicObjectsSupplier.hpp>

namespace folio_libreoffice {
namespace {

using css::uno::Reference;
using css::uno::UNO_QUERY;
using css::uno::UNO_QUERY_THROW;
using nlohmann::json;

std::string list_kind(const Reference<css::beans::XPropertySet>& paragraph) {
  Reference<css::container::XIndexAccess> rules;
  paragraph->getPropertyValue("NumberingRules") >>= rules;
  sal_Int16 level = 0;
  paragraph->getPropertyValue("NumberingLevel") >>= level;
  if (!rules.is() || level < 0 || level >= rules->getCount()) {
    return "bulleted";
  }
  css::uno::Sequence<css::beans::PropertyValue> settings;
  rules->getByIndex(level) >>= settings;
  for (const auto& setting : settings) {
    if (setting.Name == "NumberingType") {
      sal_Int16 type = 0;
      setting.Value >>= type;
      return type == css::style::NumberingType::CHAR_SPECIAL || type == css::style::NumberingType::BITMAP ? "bulleted"
                                                                                                          : "numbered";
    }
  }
  return "bulleted";
}

json section_entry(const json& heading, int level) {
  return json{{"heading", heading}, {"level", level},          {"paragraphs", 0},
              {"list_items", 0},    {"tables", json::array()}, {"charts", json::array()}};
}

void place_in_section(json& sections, const text_body& body, std::optional<std::size_t> block, const char* key,
                      const std::string& name) {
  const auto name_of_section = block ? body.section_name(*block) : json(nullptr);
  for (auto& section : sections) {
    if (section["heading"] == name_of_section) {
      section[key].push_back(name);
      return;
    }
  }
}

} // namespace

folio::result<json> text_outline(const document_ref& document) {
  const text_body body(document);
  const auto& blocks = body.blocks();
  json headings = json::array();
  json sections = json::array();
  json lists = json::array();
  json page_breaks = json::array();
  std::size_t paragraph_count = 0;
  bool in_list = false;
  for (std::size_t index = 0; index < blocks.size(); ++index) {
    const auto& block = blocks[index];
    if (block.heading_level > 0) {
      headings.push_back({{"text", block.text}, {"level", block.heading_level}, {"order", headings.size() + 1}});
      sections.push_back(section_entry(block.text, block.heading_level));
      in_list = false;
      continue;
    }
    if (sections.empty()) {
      sections.push_back(section_entry(nullptr, 0));
    }
    if (block.table.is()) {
      in_list = false;
      continue;
    }
    const Reference<css::beans::XPropertySet> properties(block.paragraph, UNO_QUERY_THROW);
    css::style::BreakType page_break = css::style::BreakType_NONE;
    properties->getPropertyValue("BreakType") >>= page_break;
    if (page_break == css::style::BreakType_PAGE_BEFORE || page_break == css::style::BreakType_PAGE_AFTER) {
      page_breaks.push_back({{"section", body.section_name(index)}});
    }
    if (block.text.empty()) {
      in_list = false;
      continue;
    }
    ++paragraph_count;
    auto& section = sections.back();
    section["paragraphs"] = section["paragraphs"].get<int>() + 1;
    bool is_item = false;
    properties->getPropertyValue("NumberingIsNumber") >>= is_item;
    if (!is_item) {
      in_list = false;
      continue;
    }
    section["list_items"] = section["list_items"].get<int>() + 1;
    const auto kind = list_kind(properties);
    if (!in_list || lists.back()["kind"] != kind) {
      lists.push_back({{"section", body.section_name(index)}, {"kind", kind}, {"items", json::array()}});
    }
    lists.back()["items"].push_back(block.text);
    in_list = true;
  }

  json bookmarks = json::array();
  const auto bookmark_names = bookmarks_of(document);
  for (const auto& name : bookmark_names->getElementNames()) {
    if (name.startsWith("_")) {
      continue; // hidden: Word's own (_GoBack, _Toc…) and the names of tables and charts
    }
    const Reference<css::text::XTextContent> bookmark(bookmark_names->getByName(name), UNO_QUERY_THROW);
    const auto anchor = bookmark->getAnchor();
    const auto block = body.block_of(anchor);
    bookmarks.push_back({{"name", to_utf8(name)},
                         {"section", block ? body.section_name(*block) : json(nullptr)},
                         {"text", to_utf8(anchor->getString())}});
  }

  json tables = json::array();
  for (std::size_t index = 0; index < blocks.size(); ++index) {
    if (!blocks[index].table.is()) {
      continue;
    }
    const auto& table = blocks[index].table;
    const Reference<css::container::XNamed> named(table, UNO_QUERY_THROW);
    const auto columns = table->getColumns()->getCount();
    json header = json::array();
    const Reference<css::table::XCellRange> cells(table, UNO_QUERY_THROW);
    for (sal_Int32 column = 0; column < columns; ++column) {
      const Reference<css::text::XText> cell(cells->getCellByPosition(column, 0), UNO_QUERY);
      header.push_back(cell.is() ? to_utf8(cell->getString()) : std::string());
    }
    const auto name = to_utf8(named->getName());
    tables.push_back({{"name", name},
                      {"rows", table->getRows()->getCount()},
                      {"columns", columns},
                      {"header", header},
                      {"section", body.section_name(index)}});
    place_in_section(sections, body, index, "tables", name);
  }

  json charts = json::array();
  json objects = json::array();
  const auto embedded = embedded_objects_of(document);
  for (const auto& name : embedded->getElementNames()) {
    const Reference<css::text::XTextContent> object(embedded->getByName(name), UNO_QUERY_THROW);
    const auto block = body.block_of(object->getAnchor());
    const auto section = block ? body.section_name(*block) : json(nullptr);
    if (!is_chart(Reference<css::beans::XPropertySet>(object, UNO_QUERY_THROW))) {
      objects.push_back({{"name", to_utf8(name)}, {"section", section}});
      continue;
    }
    const auto content = read_chart(object);
    charts.push_back({{"name", to_utf8(name)},
                      {"kind", content.kind},
                      {"title", content.title},
                      {"categories", content.categories},
                      {"series", content.series},
                      {"section", section}});
    place_in_section(sections, body, block, "charts", to_utf8(name));
  }

  json images = json::array();
  const Reference<css::text::XTextGraphicObjectsSupplier> graphics(document, UNO_QUERY_THROW);
  const auto graphic_names = graphics->getGraphicObjects();
  for (const auto& name : graphic_names->getElementNames()) {
    const Reference<css::text::XTextContent> image(graphic_names->getByName(name), UNO_QUERY_THROW);
    const auto block = body.block_of(image->getAnchor());
    images.push_back({{"name", to_utf8(name)}, {"section", block ? body.section_name(*block) : json(nullptr)}});
  }

  return json{{"headings", headings},
              {"sections", sections},
              {"paragraph_count", paragraph_count},
              {"lists", lists},
              {"bookmarks", bookmarks},
              {"tables", tables},
              {"charts", charts},
              {"images", images},
              {"objects", objects},
              {"page_breaks", page_breaks}};
}

} // namespace folio_libreoffice

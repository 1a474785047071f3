#include "presentation_model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <com/sun/star/awt/Point.hpp>
#include <com/sun/star/awt/Size.hpp>
#include <com/sun/star/beans/Property.hpp>
#include <com/sun/star/beans/PropertyAttribute.hpp>
#include <com/sun/star/beans/XPropertyContainer.hpp>
#include <com/sun/star/beans/XPropertySet.hpp>
#include <com/sun/star/beans/XPropertySetInfo.hpp>
#include <com/sun/star/chart/ChartDataRowSource.hpp>
#include <com/sun/star/chart/XChartDataArray.hpp>
#include <com/sun/star/chart/XChartDocument.hpp>
#include <com/sun/star/chart/XDiagram.hpp>
#include <com/sun/star/container/XEnumeration.hpp>
#include <com/sun/star/container/XEnumerationAccess.hpp>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/document/XDocumentProperties.hpp>
#include <com/sun/star/document/XDocumentPropertiesSupplier.hpp>
#include <com/sun/star/drawing/XDrawPagesSupplier.hpp>
#include <com/sun/star/drawing/XShapes.hpp>
#include <com/sun/star/lang/XMultiServiceFactory.hpp>
#include <com/sun/star/presentation/XPresentationPage.hpp>
#include <com/sun/star/table/XCell.hpp>
#include <com/sun/star/table/XCellRange.hpp>
#include <com/sun/star/table/XColumnRowRange.hpp>
#include <com/sun/star/table/XTableColumns.hpp>
#include <com/sun/star/table/XTableRows.hpp>
#include <com/sun/star/text/XText.hpp>
#include <com/sun/star/text/XTextRange.hpp>
#include <map>

namespace folio_libreoffice::presentation {
namespace {

using css::uno::Reference;
using css::uno::UNO_QUERY;
using css::uno::UNO_QUERY_THROW;

constexpr const char* chart_clsid = "12dcae26-281f-416f-a234-c3086127382e";

// LibreOffice's AutoLayout numbers (xmloff/autolayout.hxx) of the layouts the tools offer.
constexpr std::array<std::pair<const char*, sal_Int16>, 4> layouts{
    {{"title", 0}, {"title_content", 1}, {"title_only", 19}, {"blank", 20}}};

Reference<css::beans::XPropertySet> properties_of(const css::uno::Reference<css::uno::XInterface>& object) {
  return {object, UNO_QUERY_THROW};
}

// The service a shape was made as: what tells a title placeholder from a body, and what a copy is made as. UNO marks
// XShapeDescriptor deprecated without a successor that answers this.
std::string shape_type(const shape_ref& shape) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return to_utf8(shape->getShapeType());
#pragma GCC diagnostic pop
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has_property(const Reference<css::beans::XPropertySet>& object, const char* name) {
  const auto info = object->getPropertySetInfo();
  return info.is() && info->hasPropertyByName(OUString::createFromAscii(name));
}

Reference<css::lang::XMultiServiceFactory> factory_of(const document_ref& document) {
  return {document, UNO_QUERY_THROW};
}

shape_ref new_shape(const document_ref& document, const page_ref& slide, const std::string& service) {
  const shape_ref shape(factory_of(document)->createInstance(to_ustring(service)), UNO_QUERY_THROW);
  const Reference<css::drawing::XShapes> shapes(slide, UNO_QUERY_THROW);
  shapes->add(shape);
  return shape;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char each) { return std::tolower(each); });
  return text;
}

Reference<css::chart::XChartDocument> chart_of(const shape_ref& shape) {
  return {properties_of(shape)->getPropertyValue(OUString("Model")), UNO_QUERY};
}

Reference<css::table::XColumnRowRange> table_of(const shape_ref& shape) {
  return {properties_of(shape)->getPropertyValue(OUString("Model")), UNO_QUERY_THROW};
}

void copy_properties(const shape_ref& from, const shape_ref& to) {
  const auto source = properties_of(from);
  const auto target = properties_of(to);
  const auto target_info = target->getPropertySetInfo();
  for (const auto& each : source->getPropertySetInfo()->getProperties()) {
    // The z-order and the embedded model belong to the shape's place and kind, not to its look.
    if ((each.Attributes & css::beans::PropertyAttribute::READONLY) != 0 || each.Name == "ZOrder" ||
        each.Name == "Model" || !target_info->hasPropertyByName(each.Name)) {
      continue;
    }
    try {
      target->setPropertyValue(each.Name, source->getPropertyValue(each.Name));
    } catch (const css::uno::Exception&) {
      // A property the new shape refuses (one that only makes sense where the original stood) keeps its default.
    }
  }
}

} // namespace

css::uno::Reference<css::drawing::XDrawPages> slides_of(const document_ref& document) {
  const Reference<css::drawing::XDrawPagesSupplier> supplier(document, UNO_QUERY_THROW);
  return supplier->getDrawPages();
}

std::vector<page_ref> slide_list(const document_ref& document) {
  const auto pages = slides_of(document);
  const auto count = pages->getCount();
  std::vector<page_ref> slides;
  slides.reserve(static_cast<std::size_t>(count));
  for (sal_Int32 index = 0; index < count; ++index) {
    slides.emplace_back(pages->getByIndex(index), UNO_QUERY_THROW);
  }
  return slides;
}

std::string slide_name(const page_ref& slide) {
  return to_utf8(Reference<css::container::XNamed>(slide, UNO_QUERY_THROW)->getName());
}

void name_slide(const page_ref& slide, const std::string& name) {
  Reference<css::container::XNamed>(slide, UNO_QUERY_THROW)->setName(to_ustring(name));
}

bool is_reserved_slide_name(const std::string& name) {
  if (name.starts_with("Slide ")) {
    return true;
  }
  return name.size() > 4 && name.starts_with("page") &&
         std::all_of(name.begin() + 4, name.end(), [](unsigned char each) { return std::isdigit(each) != 0; });
}

std::string layout_name(const page_ref& slide) {
  const bool title = find_placeholder(slide, placeholder::title).is();
  const bool body = find_placeholder(slide, placeholder::body).is();
  const bool subtitle = find_placeholder(slide, placeholder::subtitle).is();
  if (title && body) {
    return "title_content";
  }
  if (title && subtitle) {
    return "title";
  }
  if (title) {
    return "title_only";
  }
  return body || subtitle ? "other" : "blank";
}

void set_layout(const page_ref& slide, const std::string& layout) {
  for (const auto& [name, number] : layouts) {
    if (layout == name) {
      properties_of(slide)->setPropertyValue(OUString("Layout"), css::uno::Any(number));
    }
  }
}

placeholder placeholder_of(const shape_ref& shape) {
  const auto type = shape_type(shape);
  if (type == "com.sun.star.presentation.TitleTextShape") {
    return placeholder::title;
  }
  if (type == "com.sun.star.presentation.OutlinerShape") {
    return placeholder::body;
  }
  if (type == "com.sun.star.presentation.SubtitleShape") {
    return placeholder::subtitle;
  }
  for (const char* field :
       {"DateTimeShape", "FooterShape", "HeaderShape", "SlideNumberShape", "NotesShape", "PageShape", "HandoutShape"}) {
    if (type == std::string("com.sun.star.presentation.") + field) {
      return placeholder::other;
    }
  }
  return placeholder::none;
}

shape_kind kind_of(const shape_ref& shape) {
  const auto type = shape_type(shape);
  if (ends_with(type, "TableShape")) {
    return shape_kind::table;
  }
  if (ends_with(type, "OLE2Shape") || ends_with(type, "ChartShape")) {
    OUString clsid;
    properties_of(shape)->getPropertyValue(OUString("CLSID")) >>= clsid;
    return lowercase(to_utf8(clsid)) == chart_clsid ? shape_kind::chart : shape_kind::other;
  }
  if (ends_with(type, "GraphicObjectShape")) {
    return shape_kind::picture;
  }
  if (ends_with(type, "TextShape") || placeholder_of(shape) == placeholder::body ||
      placeholder_of(shape) == placeholder::subtitle) {
    return shape_kind::text;
  }
  // PowerPoint's text boxes come back from pptx as custom shapes: what they hold decides.
  if (ends_with(type, "CustomShape") && !read_text(shape).empty()) {
    return shape_kind::text;
  }
  return shape_kind::other;
}

const char* kind_name(shape_kind kind) {
  switch (kind) {
  case shape_kind::text: return "text";
  case shape_kind::table: return "table";
  case shape_kind::chart: return "chart";
  case shape_kind::picture: return "picture";
  case shape_kind::other: return "other";
  }
  return "other";
}

std::string shape_name(const shape_ref& shape) {
  const Reference<css::container::XNamed> named(shape, UNO_QUERY);
  return named.is() ? to_utf8(named->getName()) : std::string();
}

void name_shape(const shape_ref& shape, const std::string& name) {
  Reference<css::container::XNamed>(shape, UNO_QUERY_THROW)->setName(to_ustring(name));
}

std::vector<shape_ref> shapes_on(const page_ref& slide) {
  const auto count = slide->getCount();
  std::vector<shape_ref> shapes;
  shapes.reserve(static_cast<std::size_t>(count));
  for (sal_Int32 index = 0; index < count; ++index) {
    shapes.emplace_back(slide->getByIndex(index), UNO_QUERY_THROW);
  }
  return shapes;
}

shape_ref find_placeholder(const page_ref& slide, placeholder role) {
  for (const auto& shape : shapes_on(slide)) {
    if (placeholder_of(shape) == role) {
      return shape;
    }
  }
  return {};
}

std::vector<text_line> read_lines(const shape_ref& shape) {
  std::vector<text_line> lines;
  const Reference<css::container::XEnumerationAccess> paragraphs(shape, UNO_QUERY);
  if (!paragraphs.is()) {
    return lines;
  }
  const auto enumeration = paragraphs->createEnumeration();
  while (enumeration->hasMoreElements()) {
    const Reference<css::text::XTextRange> paragraph(enumeration->nextElement(), UNO_QUERY_THROW);
    text_line line{to_utf8(paragraph->getString()), 0};
    const Reference<css::beans::XPropertySet> paragraph_properties(paragraph, UNO_QUERY);
    sal_Int16 level = 0;
    if (paragraph_properties.is() && has_property(paragraph_properties, "NumberingLevel") &&
        (paragraph_properties->getPropertyValue(OUString("NumberingLevel")) >>= level)) {
      line.level = level;
    }
    lines.push_back(std::move(line));
  }
  // An empty shape still holds one empty paragraph: it has no lines.
  if (lines.size() == 1 && lines.front().text.empty()) {
    lines.clear();
  }
  return lines;
}

void write_lines(const shape_ref& shape, const std::vector<text_line>& lines) {
  std::string joined;
  for (std::size_t index = 0; index < lines.size(); ++index) {
    joined += (index == 0 ? "" : "\n") + lines[index].text;
  }
  write_text(shape, joined);
  const Reference<css::container::XEnumerationAccess> paragraphs(shape, UNO_QUERY_THROW);
  const auto enumeration = paragraphs->createEnumeration();
  for (const auto& line : lines) {
    if (!enumeration->hasMoreElements()) {
      break;
    }
    const Reference<css::beans::XPropertySet> paragraph(enumeration->nextElement(), UNO_QUERY_THROW);
    paragraph->setPropertyValue(OUString("NumberingLevel"), css::uno::Any(static_cast<sal_Int16>(line.level)));
  }
}

std::string read_text(const shape_ref& shape) {
  const Reference<css::text::XTextRange> text(shape, UNO_QUERY);
  return text.is() ? to_utf8(text->getString()) : std::string();
}

void write_text(const shape_ref& shape, const std::string& text) {
  Reference<css::text::XTextRange>(shape, UNO_QUERY_THROW)->setString(to_ustring(text));
}

namespace {

shape_ref notes_shape(const page_ref& slide) {
  const Reference<css::presentation::XPresentationPage> presentation_page(slide, UNO_QUERY_THROW);
  const auto notes_page = presentation_page->getNotesPage();
  for (const auto& shape : shapes_on(notes_page)) {
    if (shape_type(shape) == "com.sun.star.presentation.NotesShape") {
      return shape;
    }
  }
  return {};
}

} // namespace

std::string notes_of(const page_ref& slide) {
  const auto shape = notes_shape(slide);
  return shape.is() ? read_text(shape) : std::string();
}

void set_notes(const document_ref& document, const page_ref& slide, const std::string& text) {
  auto shape = notes_shape(slide);
  if (!shape.is()) {
    const Reference<css::presentation::XPresentationPage> presentation_page(slide, UNO_QUERY_THROW);
    const auto notes_page = presentation_page->getNotesPage();
    shape = new_shape(document, notes_page, "com.sun.star.presentation.NotesShape");
    const auto page = slide_size(notes_page);
    place(shape, {page.width / 10, page.height / 2, page.width * 8 / 10, page.height * 4 / 10});
  }
  write_text(shape, text);
}

rectangle bounds_of(const shape_ref& shape) {
  const auto position = shape->getPosition();
  const auto size = shape->getSize();
  return {position.X, position.Y, size.Width, size.Height};
}

void place(const shape_ref& shape, const rectangle& bounds) {
  shape->setPosition(css::awt::Point(bounds.x, bounds.y));
  shape->setSize(css::awt::Size(bounds.width, bounds.height));
}

rectangle slide_size(const page_ref& slide) {
  const auto page = properties_of(slide);
  rectangle size;
  page->getPropertyValue(OUString("Width")) >>= size.width;
  page->getPropertyValue(OUString("Height")) >>= size.height;
  return size;
}

shape_ref add_chart(const document_ref& document, const page_ref& slide, const rectangle& bounds,
                    const chart_data& data) {
  const auto shape = new_shape(document, slide, "com.sun.star.drawing.OLE2Shape");
  place(shape, bounds);
  // Setting the class id is what embeds a new chart object in the shape.
  properties_of(shape)->setPropertyValue(OUString("CLSID"), css::uno::Any(OUString::createFromAscii(chart_clsid)));
  const auto chart = chart_of(shape);
  if (!chart.is()) {
    throw css::uno::RuntimeException(OUString("LibreOffice embedded no chart in the shape"));
  }
  const Reference<css::lang::XMultiServiceFactory> chart_factory(chart, UNO_QUERY_THROW);
  const char* diagram_service = data.kind == "line"  ? "com.sun.star.chart.LineDiagram"
                                : data.kind == "pie" ? "com.sun.star.chart.PieDiagram"
                                                     : "com.sun.star.chart.BarDiagram";
  const Reference<css::chart::XDiagram> diagram(
      chart_factory->createInstance(OUString::createFromAscii(diagram_service)), UNO_QUERY_THROW);
  chart->setDiagram(diagram);

  const Reference<css::chart::XChartDataArray> table(chart->getData(), UNO_QUERY_THROW);
  css::uno::Sequence<css::uno::Sequence<double>> rows(static_cast<sal_Int32>(data.values.size()));
  for (std::size_t row = 0; row < data.values.size(); ++row) {
    rows.getArray()[row] =
        css::uno::Sequence<double>(data.values[row].data(), static_cast<sal_Int32>(data.values[row].size()));
  }
  table->setData(rows);
  css::uno::Sequence<OUString> categories(static_cast<sal_Int32>(data.categories.size()));
  for (std::size_t index = 0; index < data.categories.size(); ++index) {
    categories.getArray()[index] = to_ustring(data.categories[index]);
  }
  table->setRowDescriptions(categories);
  css::uno::Sequence<OUString> series(static_cast<sal_Int32>(data.series_names.size()));
  for (std::size_t index = 0; index < data.series_names.size(); ++index) {
    series.getArray()[index] = to_ustring(data.series_names[index]);
  }
  table->setColumnDescriptions(series);

  const auto diagram_properties = properties_of(chart->getDiagram());
  diagram_properties->setPropertyValue(OUString("DataRowSource"),
                                       css::uno::Any(css::chart::ChartDataRowSource_COLUMNS));
  if (data.kind == "bar" || data.kind == "column") {
    // A "vertical" bar diagram is one whose category axis stands upright: horizontal bars.
    diagram_properties->setPropertyValue(OUString("Vertical"), css::uno::Any(data.kind == "bar"));
  }
  const auto chart_properties = properties_of(chart);
  chart_properties->setPropertyValue(OUString("HasLegend"), css::uno::Any(true));
  chart_properties->setPropertyValue(OUString("HasMainTitle"), css::uno::Any(!data.title.empty()));
  if (!data.title.empty()) {
    properties_of(chart->getTitle())->setPropertyValue(OUString("String"), css::uno::Any(to_ustring(data.title)));
  }
  return shape;
}

chart_data read_chart(const shape_ref& shape) {
  chart_data data;
  const auto chart = chart_of(shape);
  if (!chart.is()) {
    data.kind = "unknown";
    return data;
  }
  const auto diagram = chart->getDiagram();
  const auto type = to_utf8(diagram->getDiagramType());
  if (type == "com.sun.star.chart.BarDiagram") {
    bool horizontal = false;
    properties_of(diagram)->getPropertyValue(OUString("Vertical")) >>= horizontal;
    data.kind = horizontal ? "bar" : "column";
  } else if (type == "com.sun.star.chart.LineDiagram") {
    data.kind = "line";
  } else if (type == "com.sun.star.chart.PieDiagram") {
    data.kind = "pie";
  } else {
    // Other chart types by their diagram's name: "com.sun.star.chart.AreaDiagram" is "area".
    const auto dot = type.rfind('.');
    auto kind = type.substr(dot == std::string::npos ? 0 : dot + 1);
    if (ends_with(kind, "Diagram")) {
      kind.resize(kind.size() - std::string_view("Diagram").size());
    }
    data.kind = lowercase(kind);
  }
  bool has_title = false;
  properties_of(chart)->getPropertyValue(OUString("HasMainTitle")) >>= has_title;
  if (has_title) {
    OUString title;
    properties_of(chart->getTitle())->getPropertyValue(OUString("String")) >>= title;
    data.title = to_utf8(title);
  }
  const Reference<css::chart::XChartDataArray> table(chart->getData(), UNO_QUERY);
  if (!table.is()) {
    return data;
  }
  for (const auto& each : table->getRowDescriptions()) {
    data.categories.push_back(to_utf8(each));
  }
  for (const auto& each : table->getColumnDescriptions()) {
    data.series_names.push_back(to_utf8(each));
  }
  for (const auto& row : table->getData()) {
    data.values.emplace_back(row.begin(), row.end());
  }
  return data;
}

shape_ref add_table(const document_ref& document, const page_ref& slide, const rectangle& bounds,
                    const table_cells& cells) {
  const auto shape = new_shape(document, slide, "com.sun.star.drawing.TableShape");
  std::size_t columns = 1;
  for (const auto& row : cells) {
    columns = std::max(columns, row.size());
  }
  const auto table = table_of(shape);
  const auto rows = table->getRows();
  const auto wanted_rows = static_cast<sal_Int32>(std::max<std::size_t>(cells.size(), 1));
  if (rows->getCount() < wanted_rows) {
    rows->insertByIndex(rows->getCount(), wanted_rows - rows->getCount());
  }
  const auto table_columns = table->getColumns();
  const auto wanted_columns = static_cast<sal_Int32>(columns);
  if (table_columns->getCount() < wanted_columns) {
    table_columns->insertByIndex(table_columns->getCount(), wanted_columns - table_columns->getCount());
  }
  const Reference<css::table::XCellRange> range(table, UNO_QUERY_THROW);
  for (std::size_t row = 0; row < cells.size(); ++row) {
    for (std::size_t column = 0; column < cells[row].size(); ++column) {
      const Reference<css::text::XTextRange> cell(
          range->getCellByPosition(static_cast<sal_Int32>(column), static_cast<sal_Int32>(row)), UNO_QUERY_THROW);
      cell->setString(to_ustring(cells[row][column]));
    }
  }
  place(shape, bounds);
  return shape;
}

table_cells read_table(const shape_ref& shape) {
  const auto table = table_of(shape);
  const auto rows = table->getRows()->getCount();
  const auto columns = table->getColumns()->getCount();
  const Reference<css::table::XCellRange> range(table, UNO_QUERY_THROW);
  table_cells cells(static_cast<std::size_t>(rows));
  for (sal_Int32 row = 0; row < rows; ++row) {
    for (sal_Int32 column = 0; column < columns; ++column) {
      const Reference<css::text::XTextRange> cell(range->getCellByPosition(column, row), UNO_QUERY_THROW);
      cells[static_cast<std::size_t>(row)].push_back(to_utf8(cell->getString()));
    }
  }
  return cells;
}

shape_ref copy_shape(const document_ref& document, const shape_ref& shape, const page_ref& slide) {
  const auto bounds = bounds_of(shape);
  shape_ref copy;
  switch (kind_of(shape)) {
  case shape_kind::chart: copy = add_chart(document, slide, bounds, read_chart(shape)); break;
  case shape_kind::table: copy = add_table(document, slide, bounds, read_table(shape)); break;
  default:
    copy = new_shape(document, slide, shape_type(shape));
    copy_properties(shape, copy);
    if (const Reference<css::text::XTextRange> text(shape, UNO_QUERY); text.is()) {
      write_lines(copy, read_lines(shape));
    }
    place(copy, bounds);
    break;
  }
  name_shape(copy, shape_name(shape));
  return copy;
}

namespace {

constexpr const char* names_property = "folio.slide_names";

std::string title_of(const page_ref& slide) {
  const auto title = find_placeholder(slide, placeholder::title);
  return title.is() ? read_text(title) : std::string();
}

Reference<css::beans::XPropertyContainer> user_properties(const document_ref& document) {
  const Reference<css::document::XDocumentPropertiesSupplier> supplier(document, UNO_QUERY_THROW);
  return supplier->getDocumentProperties()->getUserDefinedProperties();
}

} // namespace

void record_slide_names(const document_ref& document) {
  auto recorded = nlohmann::json::array();
  for (const auto& slide : slide_list(document)) {
    recorded.push_back({{"name", slide_name(slide)}, {"title", title_of(slide)}});
  }
  const auto container = user_properties(document);
  const Reference<css::beans::XPropertySet> values(container, UNO_QUERY_THROW);
  const auto value = css::uno::Any(to_ustring(recorded.dump()));
  if (has_property(values, names_property)) {
    values->setPropertyValue(OUString::createFromAscii(names_property), value);
  } else {
    container->addProperty(OUString::createFromAscii(names_property), css::beans::PropertyAttribute::REMOVABLE, value);
  }
}

void restore_slide_names(const document_ref& document) {
  const Reference<css::beans::XPropertySet> values(user_properties(document), UNO_QUERY_THROW);
  if (!has_property(values, names_property)) {
    return;
  }
  OUString text;
  values->getPropertyValue(OUString::createFromAscii(names_property)) >>= text;
  auto recorded = nlohmann::json::parse(to_utf8(text), nullptr, false);
  if (!recorded.is_array()) {
    return;
  }
  for (const auto& slide : slide_list(document)) {
    const auto title = title_of(slide);
    for (auto& entry : recorded) {
      if (entry.is_object() && entry.value("title", std::string()) == title && entry.contains("name") &&
          entry["name"].is_string()) {
        if (const auto name = entry["name"].get<std::string>(); name != slide_name(slide)) {
          name_slide(slide, name);
        }
        entry = nullptr;
        break;
      }
    }
  }
}

void copy_slide(const document_ref& document, const page_ref& source, const page_ref& target) {
  if (const auto layout = layout_name(source); layout != "other") {
    set_layout(target, layout);
  } else {
    properties_of(target)->setPropertyValue(OUString("Layout"),
                                            properties_of(source)->getPropertyValue(OUString("Layout")));
  }
  // A layout may carry several placeholders of one role (two bodies): the n-th is filled from the n-th.
  std::map<placeholder, std::vector<shape_ref>> free_placeholders;
  for (const auto& shape : shapes_on(target)) {
    free_placeholders[placeholder_of(shape)].push_back(shape);
  }
  for (const auto& shape : shapes_on(source)) {
    const auto role = placeholder_of(shape);
    if (role == placeholder::other) {
      continue;
    }
    auto& candidates = free_placeholders[role];
    if (role != placeholder::none && !candidates.empty()) {
      const auto filled = candidates.front();
      candidates.erase(candidates.begin());
      write_lines(filled, read_lines(shape));
      place(filled, bounds_of(shape));
      continue;
    }
    copy_shape(document, shape, target);
  }
  if (const auto notes = notes_of(source); !notes.empty()) {
    set_notes(document, target, notes);
  }
  if (const auto name = slide_name(source); !is_reserved_slide_name(name)) {
    name_slide(target, name);
  }
}

} // namespace folio_libreoffice::presentation

// The chart tools. A chart is bound to its data range (LibreOffice's table charts read the cells, so a change in a
// cell changes the chart, and the xlsx stores the range in c:f). An agent knows a chart by the name it chose, which
// is the drawing object's name: the xlsx keeps it (xdr:cNvPr), where the name LibreOffice files the chart's object
// under is renamed on import ("Object 1").
#include "spreadsheet_tool_sets.hpp"

#include <cmath>
#include <com/sun/star/awt/Point.hpp>
#include <com/sun/star/awt/Rectangle.hpp>
#include <com/sun/star/awt/Size.hpp>
#include <com/sun/star/beans/XPropertySet.hpp>
#include <com/sun/star/chart/ChartDataRowSource.hpp>
#include <com/sun/star/chart/XChartDocument.hpp>
#include <com/sun/star/chart/XDiagram.hpp>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/document/XEmbeddedObjectSupplier.hpp>
#include <com/sun/star/drawing/XDrawPage.hpp>
#include <com/sun/star/drawing/XDrawPagesSupplier.hpp>
#include <com/sun/star/drawing/XShape.hpp>
#include <com/sun/star/lang/DisposedException.hpp>
#include <com/sun/star/lang/XMultiServiceFactory.hpp>
#include <com/sun/star/lang/XServiceInfo.hpp>
#include <com/sun/star/table/XColumnRowRange.hpp>
#include <com/sun/star/table/XTableChart.hpp>
#include <com/sun/star/table/XTableCharts.hpp>
#include <com/sun/star/table/XTableChartsSupplier.hpp>
#include <com/sun/star/table/XTableColumns.hpp>
#include <com/sun/star/table/XTableRows.hpp>

namespace folio_libreoffice {
namespace {

constexpr double hundredths_mm_per_cm = 1000.0;
constexpr std::string_view diagram_prefix = "com.sun.star.chart.";

struct placed_chart {
  sheet_ref sheet;
  std::string name;    // the agent's name for it
  std::string persist; // LibreOffice's name for its embedded object, which the table charts go by
  css::uno::Reference<css::drawing::XShape> shape;
  css::uno::Reference<css::table::XTableChart> table_chart;
};

css::uno::Reference<css::table::XTableCharts> table_charts_of(const sheet_ref& sheet) {
  const css::uno::Reference<css::table::XTableChartsSupplier> supplier(sheet.sheet, css::uno::UNO_QUERY_THROW);
  return supplier->getCharts();
}

std::vector<placed_chart> charts_on(const document_ref& document, const sheet_ref& sheet) {
  const auto charts = table_charts_of(sheet);
  const css::uno::Reference<css::drawing::XDrawPagesSupplier> pages(document, css::uno::UNO_QUERY_THROW);
  const css::uno::Reference<css::drawing::XDrawPage> page(pages->getDrawPages()->getByIndex(sheet.index),
                                                          css::uno::UNO_QUERY_THROW);
  std::vector<placed_chart> found;
  for (sal_Int32 index = 0; index < page->getCount(); ++index) {
    const css::uno::Reference<css::drawing::XShape> shape(page->getByIndex(index), css::uno::UNO_QUERY);
    const css::uno::Reference<css::lang::XServiceInfo> service(shape, css::uno::UNO_QUERY);
    if (!service.is() || !service->supportsService(OUString("com.sun.star.drawing.OLE2Shape"))) {
      continue;
    }
    OUString persist;
    css::uno::Reference<css::beans::XPropertySet>(shape, css::uno::UNO_QUERY_THROW)
        ->getPropertyValue(OUString("PersistName")) >>= persist;
    if (!charts->hasByName(persist)) {
      continue;
    }
    const css::uno::Reference<css::table::XTableChart> chart(charts->getByName(persist), css::uno::UNO_QUERY_THROW);
    auto name = to_utf8(css::uno::Reference<css::container::XNamed>(shape, css::uno::UNO_QUERY_THROW)->getName());
    if (name.empty()) {
      name = to_utf8(persist);
    }
    found.push_back({sheet, name, to_utf8(persist), shape, chart});
  }
  return found;
}

std::vector<placed_chart> all_charts(const document_ref& document) {
  std::vector<placed_chart> found;
  const auto count = static_cast<sal_Int16>(sheet_names(document).size());
  for (sal_Int16 index = 0; index < count; ++index) {
    auto on_sheet = charts_on(document, sheet_at(document, index));
    found.insert(found.end(), on_sheet.begin(), on_sheet.end());
  }
  return found;
}

std::string chart_names(const std::vector<placed_chart>& charts) {
  std::vector<std::string> names;
  names.reserve(charts.size());
  for (const auto& chart : charts) {
    names.push_back(chart.name + " (on " + chart.sheet.name + ")");
  }
  return listed(names);
}

folio::result<placed_chart> find_chart(const document_ref& document, const std::string& name,
                                       const std::string& param) {
  const auto charts = all_charts(document);
  for (const auto& chart : charts) {
    if (chart.name == name) {
      return chart;
    }
  }
  return folio::fail(folio::errc::tool_arguments_invalid,
                     "the workbook has no chart named '" + name + "'; its charts are " + chart_names(charts), param);
}

css::uno::Reference<css::chart::XChartDocument> chart_document(const placed_chart& chart) {
  const css::uno::Reference<css::document::XEmbeddedObjectSupplier> supplier(chart.table_chart,
                                                                             css::uno::UNO_QUERY_THROW);
  return {supplier->getEmbeddedObject(), css::uno::UNO_QUERY_THROW};
}

// Everything a chart is re-created from when it moves to another sheet.
struct chart_design {
  std::string name;
  std::string persist;
  std::string diagram; // the service of its diagram: "com.sun.star.chart.BarDiagram"
  bool horizontal_bars = false;
  bool series_in_rows = false;
  std::string title;
  css::uno::Sequence<css::table::CellRangeAddress> ranges;
  bool column_headers = true;
  bool row_headers = true;
};

std::string kind_of(const chart_design& design) {
  if (design.diagram == "com.sun.star.chart.BarDiagram") {
    return design.horizontal_bars ? "bar" : "column";
  }
  auto kind =
      design.diagram.starts_with(diagram_prefix) ? design.diagram.substr(diagram_prefix.size()) : design.diagram;
  if (kind.ends_with("Diagram")) {
    kind.resize(kind.size() - std::string_view("Diagram").size());
  }
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char each) { return static_cast<char>(std::tolower(each)); });
  return kind;
}

std::string diagram_of(const std::string& kind) {
  if (kind == "line") {
    return "com.sun.star.chart.LineDiagram";
  }
  if (kind == "pie") {
    return "com.sun.star.chart.PieDiagram";
  }
  return "com.sun.star.chart.BarDiagram";
}

chart_design design_of(const placed_chart& chart) {
  chart_design design;
  design.name = chart.name;
  design.persist = chart.persist;
  const auto document = chart_document(chart);
  const auto diagram = document->getDiagram();
  design.diagram = to_utf8(diagram->getDiagramType());
  const css::uno::Reference<css::beans::XPropertySet> diagram_properties(diagram, css::uno::UNO_QUERY_THROW);
  if (design.diagram == "com.sun.star.chart.BarDiagram") {
    diagram_properties->getPropertyValue(OUString("Vertical")) >>= design.horizontal_bars;
  }
  css::chart::ChartDataRowSource source = css::chart::ChartDataRowSource_COLUMNS;
  diagram_properties->getPropertyValue(OUString("DataRowSource")) >>= source;
  design.series_in_rows = source == css::chart::ChartDataRowSource_ROWS;
  bool has_title = false;
  css::uno::Reference<css::beans::XPropertySet>(document, css::uno::UNO_QUERY_THROW)
      ->getPropertyValue(OUString("HasMainTitle")) >>= has_title;
  if (has_title) {
    OUString title;
    css::uno::Reference<css::beans::XPropertySet>(document->getTitle(), css::uno::UNO_QUERY_THROW)
        ->getPropertyValue(OUString("String")) >>= title;
    design.title = to_utf8(title);
  }
  design.ranges = chart.table_chart->getRanges();
  design.column_headers = chart.table_chart->getHasColumnHeaders();
  design.row_headers = chart.table_chart->getHasRowHeaders();
  return design;
}

// The last index whose start lies at or before `coordinate`, among `count` columns or rows.
sal_Int32 last_starting_before(sal_Int32 count, sal_Int32 coordinate,
                               const std::function<sal_Int32(sal_Int32)>& start) {
  // Imported positions round to 1/100 mm differently from the cells' own; half a millimetre absorbs that.
  constexpr sal_Int32 slack = 50;
  sal_Int32 low = 0;
  sal_Int32 high = count - 1;
  while (low < high) {
    const auto middle = low + (high - low + 1) / 2;
    if (start(middle) <= coordinate + slack) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return low;
}

css::awt::Point position_of(const sheet_ref& sheet, sal_Int32 column, sal_Int32 row) {
  const css::uno::Reference<css::beans::XPropertySet> cell(sheet.sheet->getCellByPosition(column, row),
                                                           css::uno::UNO_QUERY_THROW);
  css::awt::Point point;
  cell->getPropertyValue(OUString("Position")) >>= point;
  return point;
}

std::string anchor_of(const placed_chart& chart) {
  const auto at = chart.shape->getPosition();
  const css::uno::Reference<css::table::XColumnRowRange> whole(chart.sheet.sheet, css::uno::UNO_QUERY_THROW);
  const auto column = last_starting_before(whole->getColumns()->getCount(), at.X,
                                           [&](sal_Int32 index) { return position_of(chart.sheet, index, 0).X; });
  const auto row = last_starting_before(whole->getRows()->getCount(), at.Y,
                                        [&](sal_Int32 index) { return position_of(chart.sheet, 0, index).Y; });
  return sheet_prefix(chart.sheet.name) + cell_name(column, row);
}

double centimetres(sal_Int32 hundredths_mm) {
  return std::round(hundredths_mm / hundredths_mm_per_cm * 100.0) / 100.0;
}

nlohmann::json describe(const document_ref& document, const placed_chart& chart) {
  const auto design = design_of(chart);
  auto ranges = nlohmann::json::array();
  for (const auto& range : design.ranges) {
    ranges.push_back(qualified_name(sheet_at(document, range.Sheet).name, area_of(range)));
  }
  const auto size = chart.shape->getSize();
  return {{"name", chart.name},
          {"sheet", chart.sheet.name},
          {"kind", kind_of(design)},
          {"title", design.title},
          {"data_ranges", ranges},
          {"series_in", design.series_in_rows ? "rows" : "columns"},
          {"anchor", anchor_of(chart)},
          {"size_cm", {{"width", centimetres(size.Width)}, {"height", centimetres(size.Height)}}}};
}

// Places a chart of `design` on `sheet` in `frame` (1/100 mm), under the agent's name.
placed_chart create_chart(const document_ref& document, const sheet_ref& sheet, const chart_design& design,
                          const css::awt::Rectangle& frame) {
  const auto charts = table_charts_of(sheet);
  charts->addNewByName(to_ustring(design.persist), frame, design.ranges, design.column_headers, design.row_headers);
  placed_chart made{sheet, design.name, design.persist, {}, {}};
  made.table_chart.set(charts->getByName(to_ustring(design.persist)), css::uno::UNO_QUERY_THROW);
  const auto chart = chart_document(made);
  const css::uno::Reference<css::lang::XMultiServiceFactory> factory(chart, css::uno::UNO_QUERY_THROW);
  const css::uno::Reference<css::chart::XDiagram> diagram(factory->createInstance(to_ustring(design.diagram)),
                                                          css::uno::UNO_QUERY_THROW);
  chart->setDiagram(diagram);
  const css::uno::Reference<css::beans::XPropertySet> diagram_properties(diagram, css::uno::UNO_QUERY_THROW);
  if (design.diagram == "com.sun.star.chart.BarDiagram") {
    diagram_properties->setPropertyValue(OUString("Vertical"), css::uno::Any(design.horizontal_bars));
  }
  diagram_properties->setPropertyValue(OUString("DataRowSource"),
                                       css::uno::Any(design.series_in_rows ? css::chart::ChartDataRowSource_ROWS
                                                                           : css::chart::ChartDataRowSource_COLUMNS));
  const css::uno::Reference<css::beans::XPropertySet> document_properties(chart, css::uno::UNO_QUERY_THROW);
  document_properties->setPropertyValue(OUString("HasMainTitle"), css::uno::Any(!design.title.empty()));
  if (!design.title.empty()) {
    css::uno::Reference<css::beans::XPropertySet>(chart->getTitle(), css::uno::UNO_QUERY_THROW)
        ->setPropertyValue(OUString("String"), css::uno::Any(to_ustring(design.title)));
  }
  for (auto& each : charts_on(document, sheet)) {
    if (each.persist == design.persist) {
      css::uno::Reference<css::container::XNamed>(each.shape, css::uno::UNO_QUERY_THROW)
          ->setName(to_ustring(design.name));
      made.shape = each.shape;
    }
  }
  return made;
}

css::awt::Rectangle frame_at(const sheet_ref& sheet, const cell_area& anchor, sal_Int32 width, sal_Int32 height) {
  const auto corner = position_of(sheet, anchor.first_column, anchor.first_row);
  return {corner.X, corner.Y, width, height};
}

// An object name no chart of the workbook files under yet.
std::string free_persist_name(const document_ref& document, const std::string& wanted) {
  const auto count = static_cast<sal_Int16>(sheet_names(document).size());
  const auto taken = [&](const std::string& name) {
    for (sal_Int16 index = 0; index < count; ++index) {
      if (table_charts_of(sheet_at(document, index))->hasByName(to_ustring(name))) {
        return true;
      }
    }
    return false;
  };
  auto name = wanted;
  for (int suffix = 2; taken(name); ++suffix) {
    name = wanted + " " + std::to_string(suffix);
  }
  return name;
}

folio::result<nlohmann::json> add_chart(const document_ref& document, const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  const auto name = arguments["name"].get<std::string>();
  const auto charts = all_charts(document);
  for (const auto& chart : charts) {
    if (same_ignoring_case(chart.name, name)) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "the workbook already has a chart named '" + chart.name + "'; its charts are " +
                             chart_names(charts),
                         "/name");
    }
  }
  auto data = find_area(document, arguments["data_range"].get<std::string>(), sheet.value(), "/data_range");
  if (!data) {
    return data.error();
  }
  const auto& [data_sheet, data_area] = data.value();
  if (data_area.columns() < 2 || data_area.rows() < 2) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + arguments["data_range"].get<std::string>() +
                           "' needs at least two rows and two columns: labels in the first row and column, then data",
                       "/data_range");
  }
  auto anchor = area_on(sheet.value(), arguments["anchor"].get<std::string>(), "/anchor");
  if (!anchor) {
    return anchor.error();
  }
  chart_design design;
  design.name = name;
  design.persist = free_persist_name(document, name);
  const auto kind = arguments["kind"].get<std::string>();
  design.diagram = diagram_of(kind);
  design.horizontal_bars = kind == "bar";
  design.series_in_rows = arguments.value("series_in", "columns") == "rows";
  design.title = arguments.value("title", "");
  const auto data_address = address_of(data_sheet, data_area);
  design.ranges = css::uno::Sequence<css::table::CellRangeAddress>(&data_address, 1);
  const auto width = static_cast<sal_Int32>(arguments.value("width_cm", 16.0) * hundredths_mm_per_cm);
  const auto height = static_cast<sal_Int32>(arguments.value("height_cm", 9.0) * hundredths_mm_per_cm);
  const auto made =
      create_chart(document, sheet.value(), design, frame_at(sheet.value(), anchor.value(), width, height));
  return describe(document, made);
}

folio::result<nlohmann::json> move_chart(const document_ref& document, const nlohmann::json& arguments) {
  auto chart = find_chart(document, arguments["chart"].get<std::string>(), "/chart");
  if (!chart) {
    return chart.error();
  }
  auto target = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!target) {
    return target.error();
  }
  auto anchor = area_on(target.value(), arguments["anchor"].get<std::string>(), "/anchor");
  if (!anchor) {
    return anchor.error();
  }
  const auto size = chart.value().shape->getSize();
  const auto frame = frame_at(target.value(), anchor.value(), size.Width, size.Height);
  const auto from = chart.value().sheet.name;
  auto moved = chart.value();
  if (target.value().index == chart.value().sheet.index) {
    moved.shape->setPosition(css::awt::Point(frame.X, frame.Y));
  } else {
    // A chart cannot change sheets in LibreOffice: it is made again there from everything that defines it.
    const auto design = design_of(chart.value());
    table_charts_of(chart.value().sheet)->removeByName(to_ustring(design.persist));
    moved = create_chart(document, target.value(), design, frame);
  }
  auto answer = describe(document, moved);
  answer["moved_from"] = from;
  return answer;
}

folio::result<nlohmann::json> delete_chart(const document_ref& document, const nlohmann::json& arguments) {
  auto chart = find_chart(document, arguments["chart"].get<std::string>(), "/chart");
  if (!chart) {
    return chart.error();
  }
  table_charts_of(chart.value().sheet)->removeByName(to_ustring(chart.value().persist));
  return nlohmann::json{{"deleted", chart.value().name}, {"sheet", chart.value().sheet.name}};
}

} // namespace

nlohmann::json describe_charts(const document_ref& document, const sheet_ref& sheet) {
  auto described = nlohmann::json::array();
  for (const auto& chart : charts_on(document, sheet)) {
    try {
      described.push_back(describe(document, chart));
    } catch (const css::lang::DisposedException&) {
      throw;
    } catch (const css::uno::RuntimeException&) {
      // A chart whose object LibreOffice cannot load still has a name and a sheet the agent must know of.
      described.push_back({{"name", chart.name}, {"sheet", chart.sheet.name}, {"kind", "unreadable"}});
    }
  }
  return described;
}

std::vector<document_tool> chart_tools() {
  std::vector<document_tool> made;
  made.push_back(
      {"add_chart",
       "Adds a chart bound to a data range: the range's first row holds the series names and its first column the "
       "categories (or the other way round with series_in \"rows\"). Editing those cells changes the chart. Answers "
       "the chart's name, kind, title, data range and anchor.",
       nlohmann::json::parse(R"({"type": "object", "properties": {
         "sheet": {"type": "string", "minLength": 1, "description": "The sheet the chart is placed on."},
         "name": {"type": "string", "minLength": 1, "maxLength": 100,
                  "description": "A name unique among the workbook's charts, used to move or delete it later, such as \"Revenue by quarter\"."},
         "kind": {"type": "string", "enum": ["column", "bar", "line", "pie"],
                  "description": "column: vertical bars; bar: horizontal bars; line; pie (uses the first series)."},
         "data_range": {"type": "string", "minLength": 4,
                        "description": "The data with its labels, such as \"A1:E5\" on the chart's sheet or \"Sales!A1:E5\" on another."},
         "title": {"type": "string", "maxLength": 255, "description": "The chart's title; none when empty or left out."},
         "anchor": {"type": "string", "minLength": 2, "description": "The cell the chart's top-left corner sits on, such as \"G2\"."},
         "series_in": {"type": "string", "enum": ["columns", "rows"],
                       "description": "Whether each column (default) or each row of the data is one series."},
         "width_cm": {"type": "number", "minimum": 2, "maximum": 60, "description": "Default 16."},
         "height_cm": {"type": "number", "minimum": 2, "maximum": 60, "description": "Default 9."}},
         "required": ["sheet", "name", "kind", "data_range", "anchor"], "additionalProperties": false})"),
       add_chart});
  made.push_back(
      {"move_chart",
       "Moves a chart to a cell of the same or another sheet. It keeps its name, kind, title, data range and size.",
       nlohmann::json::parse(R"({"type": "object", "properties": {
         "chart": {"type": "string", "minLength": 1, "description": "The chart's name."},
         "sheet": {"type": "string", "minLength": 1, "description": "The sheet to move it to (may be its own)."},
         "anchor": {"type": "string", "minLength": 2, "description": "The cell its top-left corner goes to, such as \"B2\"."}},
         "required": ["chart", "sheet", "anchor"], "additionalProperties": false})"),
       move_chart});
  made.push_back({"delete_chart", "Deletes a chart; its data stays.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "chart": {"type": "string", "minLength": 1, "description": "The chart's name."}},
                    "required": ["chart"], "additionalProperties": false})"),
                  delete_chart});
  return made;
}

} // namespace folio_libreoffice

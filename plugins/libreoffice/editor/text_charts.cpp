#include "text_charts.hpp"

#include <com/sun/star/chart/XChartDataArray.hpp>
#include <com/sun/star/chart/XChartDocument.hpp>
#include <com/sun/star/chart/XDiagram.hpp>
#include <com/sun/star/document/XEmbeddedObjectSupplier.hpp>
#include <com/sun/star/lang/XMultiServiceFactory.hpp>

namespace folio_libreoffice {
namespace {

using css::uno::Reference;
using css::uno::UNO_QUERY;
using css::uno::UNO_QUERY_THROW;

Reference<css::chart::XChartDocument> chart_of(const Reference<css::uno::XInterface>& object) {
  const Reference<css::document::XEmbeddedObjectSupplier> supplier(object, UNO_QUERY_THROW);
  return {supplier->getEmbeddedObject(), UNO_QUERY_THROW};
}

css::uno::Sequence<OUString> ustrings(const std::vector<std::string>& texts) {
  css::uno::Sequence<OUString> made(static_cast<sal_Int32>(texts.size()));
  auto* out = made.getArray();
  for (const auto& text : texts) {
    *out++ = to_ustring(text);
  }
  return made;
}

std::vector<std::string> strings(const css::uno::Sequence<OUString>& texts) {
  std::vector<std::string> made;
  made.reserve(static_cast<std::size_t>(texts.getLength()));
  for (const auto& text : texts) {
    made.push_back(to_utf8(text));
  }
  return made;
}

} // namespace

bool is_chart(const Reference<css::beans::XPropertySet>& object) {
  OUString class_id;
  object->getPropertyValue("CLSID") >>= class_id;
  return class_id.equalsIgnoreAsciiCase(to_ustring(chart_class_id));
}

void write_chart(const Reference<css::uno::XInterface>& object, const chart_content& content) {
  const auto chart = chart_of(object);
  const Reference<css::lang::XMultiServiceFactory> factory(chart, UNO_QUERY_THROW);
  const char* diagram = content.kind == "line"  ? "com.sun.star.chart.LineDiagram"
                        : content.kind == "pie" ? "com.sun.star.chart.PieDiagram"
                                                : "com.sun.star.chart.BarDiagram";
  chart->setDiagram({factory->createInstance(OUString::createFromAscii(diagram)), UNO_QUERY_THROW});
  const Reference<css::chart::XChartDataArray> data(chart->getData(), UNO_QUERY_THROW);
  css::uno::Sequence<css::uno::Sequence<double>> rows(static_cast<sal_Int32>(content.values.size()));
  auto* row = rows.getArray();
  for (const auto& values : content.values) {
    *row++ = css::uno::Sequence<double>(values.data(), static_cast<sal_Int32>(values.size()));
  }
  data->setData(rows);
  data->setRowDescriptions(ustrings(content.categories));
  data->setColumnDescriptions(ustrings(content.series));
  if (content.kind == "bar" || content.kind == "column") {
    // A bar chart is a column chart turned on its side.
    const Reference<css::beans::XPropertySet> diagram_properties(chart->getDiagram(), UNO_QUERY_THROW);
    diagram_properties->setPropertyValue("Vertical", css::uno::Any(content.kind == "bar"));
  }
  const Reference<css::beans::XPropertySet> chart_properties(chart, UNO_QUERY_THROW);
  chart_properties->setPropertyValue("HasMainTitle", css::uno::Any(true));
  chart_properties->setPropertyValue("HasLegend", css::uno::Any(true));
  const Reference<css::beans::XPropertySet> title(chart->getTitle(), UNO_QUERY_THROW);
  title->setPropertyValue("String", css::uno::Any(to_ustring(content.title)));
}

chart_content read_chart(const Reference<css::uno::XInterface>& object) {
  const auto chart = chart_of(object);
  chart_content content;
  const auto type = chart->getDiagram()->getDiagramType();
  if (type.endsWith("LineDiagram")) {
    content.kind = "line";
  } else if (type.endsWith("PieDiagram") || type.endsWith("DonutDiagram")) {
    content.kind = "pie";
  } else if (type.endsWith("BarDiagram")) {
    const Reference<css::beans::XPropertySet> diagram(chart->getDiagram(), UNO_QUERY_THROW);
    bool sideways = false;
    diagram->getPropertyValue("Vertical") >>= sideways;
    content.kind = sideways ? "bar" : "column";
  } else {
    content.kind = to_utf8(type.copy(type.lastIndexOf('.') + 1));
  }
  const Reference<css::beans::XPropertySet> chart_properties(chart, UNO_QUERY_THROW);
  bool has_title = false;
  chart_properties->getPropertyValue("HasMainTitle") >>= has_title;
  if (has_title) {
    const Reference<css::beans::XPropertySet> title(chart->getTitle(), UNO_QUERY);
    OUString text;
    if (title.is()) {
      title->getPropertyValue("String") >>= text;
    }
    content.title = to_utf8(text);
  }
  const Reference<css::chart::XChartDataArray> data(chart->getData(), UNO_QUERY);
  if (data.is()) {
    content.categories = strings(data->getRowDescriptions());
    content.series = strings(data->getColumnDescriptions());
    for (const auto& row : data->getData()) {
      content.values.emplace_back(row.begin(), row.end());
    }
  }
  return content;
}

} // namespace folio_libreoffice

// Charts in a text document: each is an embedded object of the chart class, named, anchored as a character in a
// paragraph of its own, whose data lives inside it (no link to a table, so moving or editing the table later never
// breaks it).
#pragma once

#include "document_tools.hpp"

#include <com/sun/star/beans/XPropertySet.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace folio_libreoffice {

inline constexpr std::string_view chart_class_id = "12dcae26-281f-416f-a234-c3086127382e";

struct chart_content {
  std::string kind; // column, bar, line, pie
  std::string title;
  std::vector<std::string> categories;
  std::vector<std::string> series;
  std::vector<std::vector<double>> values; // values[category][series]
};

// Whether an embedded object (its property set) is a chart.
bool is_chart(const css::uno::Reference<css::beans::XPropertySet>& object);

// Gives the chart inside the embedded object its kind, title and data.
void write_chart(const css::uno::Reference<css::uno::XInterface>& object, const chart_content& content);

// What the chart inside the embedded object shows.
chart_content read_chart(const css::uno::Reference<css::uno::XInterface>& object);

} // namespace folio_libreoffice

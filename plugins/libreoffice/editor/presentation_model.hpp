// The presentation as the presentation tools see it: slides (Impress draw pages) found by name, their shapes sorted
// into the kinds an agent reasons about (text, table, chart, picture, other), placeholder text read and written as
// lines with outline levels, and charts and tables read and built through UNO. Lengths are UNO's 1/100 mm.
#pragma once

#include "document_tools.hpp"

#include <com/sun/star/drawing/XDrawPage.hpp>
#include <com/sun/star/drawing/XDrawPages.hpp>
#include <com/sun/star/drawing/XShape.hpp>
#include <string>
#include <vector>

namespace folio_libreoffice::presentation {

using page_ref = css::uno::Reference<css::drawing::XDrawPage>;
using shape_ref = css::uno::Reference<css::drawing::XShape>;

css::uno::Reference<css::drawing::XDrawPages> slides_of(const document_ref& document);
std::vector<page_ref> slide_list(const document_ref& document);
std::string slide_name(const page_ref& slide);
void name_slide(const page_ref& slide, const std::string& name);
// A name LibreOffice keeps for itself ("page3", "Slide 3"): it would store the slide unnamed.
bool is_reserved_slide_name(const std::string& name);
// A slide's layout as its placeholders show it (title, title_content, title_only, blank, or other): what an
// AutoLayout number becomes after a pptx round trip depends on LibreOffice's mapping, the placeholders do not.
std::string layout_name(const page_ref& slide);
void set_layout(const page_ref& slide, const std::string& layout);

// Slide names survive a pptx round trip only through the document's own properties: LibreOffice 7.4 neither writes
// a slide's name (p:cSld@name) nor reads one, and names reopened slides after their titles. So every change records
// each slide's name beside its title in a user-defined document property, and the next use of the document restores
// them. A recorded slide is recognised by its title (in order among slides of one title), so slides reordered,
// retitled or added in another program keep their names or fall back to LibreOffice's, never take another's.
void record_slide_names(const document_ref& document);
void restore_slide_names(const document_ref& document);

// The roles of an Impress layout's placeholders that carry the slide's text.
enum class placeholder { none, title, body, subtitle, other };
enum class shape_kind { text, table, chart, picture, other };

placeholder placeholder_of(const shape_ref& shape);
shape_kind kind_of(const shape_ref& shape);
const char* kind_name(shape_kind kind);
std::string shape_name(const shape_ref& shape);
void name_shape(const shape_ref& shape, const std::string& name);
std::vector<shape_ref> shapes_on(const page_ref& slide);
shape_ref find_placeholder(const page_ref& slide, placeholder role);

struct text_line {
  std::string text;
  int level = 0; // 0 for a top-level bullet
};
std::vector<text_line> read_lines(const shape_ref& shape);
void write_lines(const shape_ref& shape, const std::vector<text_line>& lines);
std::string read_text(const shape_ref& shape);
void write_text(const shape_ref& shape, const std::string& text);

std::string notes_of(const page_ref& slide);
void set_notes(const document_ref& document, const page_ref& slide, const std::string& text);

struct rectangle {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};
rectangle bounds_of(const shape_ref& shape);
void place(const shape_ref& shape, const rectangle& bounds);
rectangle slide_size(const page_ref& slide);

struct chart_data {
  std::string kind; // column, bar, line, pie
  std::string title;
  std::vector<std::string> categories;
  std::vector<std::string> series_names;
  std::vector<std::vector<double>> values; // one row per category, one column per series
};
shape_ref add_chart(const document_ref& document, const page_ref& slide, const rectangle& bounds,
                    const chart_data& data);
chart_data read_chart(const shape_ref& shape);

using table_cells = std::vector<std::vector<std::string>>;
shape_ref add_table(const document_ref& document, const page_ref& slide, const rectangle& bounds,
                    const table_cells& cells);
table_cells read_table(const shape_ref& shape);

// Puts a copy of `shape` on `slide` with its bounds and name: charts with their data, tables with their cells, other
// shapes with their type, properties and text. UNO cannot hand a shape from one page to another, so moving is
// copying, then removing the original.
shape_ref copy_shape(const document_ref& document, const shape_ref& shape, const page_ref& slide);
// Fills the empty `target` with what `source` holds: layout, placeholder text, shapes, notes and name.
void copy_slide(const document_ref& document, const page_ref& source, const page_ref& target);

} // namespace folio_libreoffice::presentation

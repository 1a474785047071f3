// The outline of a text document: everything an agent needs to rebuild its memory of it, growing with the document.
//
// Its keys (stable):
//   headings:        [{text, level, order}], in document order, order counting from 1;
//   sections:        [{heading, level, paragraphs, list_items, tables, charts}], one per heading (and one with heading
//                    null for content before the first heading, if any); the counts and names are the section's own
//                    content, up to the next heading of any level;
//   paragraph_count: paragraphs with content in the body that are not headings (list items included);
//   lists:           [{section, kind: bulleted|numbered, items: [text]}], runs of list paragraphs;
//   bookmarks:       [{name, section, text}];
//   tables:          [{name, rows, columns, header: [text], section}];
//   charts:          [{name, kind: column|bar|line|pie, title, categories, series: [name], section}];
//   images:          [{name, section}];
//   objects:         [{name, section}], embedded objects that are not charts;
//   page_breaks:     [{section}].
// "section" is the text of the innermost heading before the thing, or null before the first heading.
#pragma once

#include "document_tools.hpp"

namespace folio_libreoffice {

folio::result<nlohmann::json> text_outline(const document_ref& document);

} // namespace folio_libreoffice

// What the editor offers for one kind of document: its tools (name, description, JSON Schema of the arguments, and
// the code that applies a call to the open document) and its outline. Each format's set lives in its own file
// (spreadsheet_tools.cpp, text_tools.cpp, presentation_tools.cpp); office_editor supplies everything around them:
// the held office, argument validation, deadlines, saving.
//
// A tool runs inside an office job. It receives arguments already checked against its schema, so it only checks
// what a schema cannot say (that a named sheet exists, that a range lies inside the sheet) and answers those with
// tool_arguments_invalid, naming the argument and what the document does have. Its result is JSON the caller (an
// agent, a model) uses to refer to what it made: names, ranges, ids. It may let UNO exceptions escape:
// office_editor maps them (a lost office to converter_crashed, an argument UNO refused to tool_arguments_invalid).
#pragma once

#include "../uno_text.hpp"

#include <folio/errors.hpp>

#include <com/sun/star/lang/XComponent.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace folio_libreoffice {

using document_ref = css::uno::Reference<css::lang::XComponent>;

struct document_tool {
  std::string name;
  std::string description;
  nlohmann::json parameters; // a JSON Schema of an object
  std::function<folio::result<nlohmann::json>(const document_ref& document, const nlohmann::json& arguments)> run;
};

struct document_tools {
  std::string_view source;           // "xlsx", "docx", "pptx"
  std::string_view new_document_url; // what a new, empty document is loaded from
  std::string_view export_filter;    // the OOXML filter save() stores with
  std::vector<document_tool> tools;
  // The full inspection: everything an agent would need to rebuild its memory of the document.
  std::function<folio::result<nlohmann::json>(const document_ref& document)> outline;
};

const document_tools& spreadsheet_tools();
const document_tools& text_tools();
const document_tools& presentation_tools();

} // namespace folio_libreoffice

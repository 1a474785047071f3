#include "document_tools.hpp"

#include <com/sun/star/container/XIndexAccess.hpp>
#include <com/sun/star/sheet/XSpreadsheetDocument.hpp>
#include <com/sun/star/sheet/XSpreadsheets.hpp>

namespace folio_libreoffice {
namespace {

css::uno::Reference<css::sheet::XSpreadsheets> sheets_of(const document_ref& document) {
  const css::uno::Reference<css::sheet::XSpreadsheetDocument> workbook(document, css::uno::UNO_QUERY_THROW);
  return workbook->getSheets();
}

folio::result<nlohmann::json> add_sheet(const document_ref& document, const nlohmann::json& arguments) {
  const auto sheets = sheets_of(document);
  const auto name = arguments["name"].get<std::string>();
  if (sheets->hasByName(to_ustring(name))) {
    return folio::fail(folio::errc::tool_arguments_invalid, "the workbook already has a sheet named '" + name + "'",
                       "/name");
  }
  const auto count = static_cast<sal_Int16>(sheets->getElementNames().getLength());
  sheets->insertNewByName(to_ustring(name), count);
  return nlohmann::json{{"sheet", name}, {"position", count + 1}};
}

folio::result<nlohmann::json> outline(const document_ref& document) {
  auto sheets = nlohmann::json::array();
  const auto names = sheets_of(document)->getElementNames();
  for (sal_Int32 index = 0; index < names.getLength(); ++index) {
    sheets.push_back({{"name", to_utf8(names[index])}, {"position", index + 1}});
  }
  return nlohmann::json{{"sheets", sheets}};
}

document_tools make_tools() {
  document_tools made{"xlsx", "private:factory/scalc", "Calc MS Excel 2007 XML", {}, outline};
  made.tools.push_back({"add_sheet", "Adds an empty sheet after the last one.",
                        nlohmann::json::parse(R"({"type": "object",
                          "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 31,
                                                  "description": "The new sheet's name, unique in the workbook."}},
                          "required": ["name"], "additionalProperties": false})"),
                        add_sheet});
  return made;
}

} // namespace

const document_tools& spreadsheet_tools() {
  static const document_tools tools = make_tools();
  return tools;
}

} // namespace folio_libreoffice

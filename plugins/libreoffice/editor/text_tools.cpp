#include "document_tools.hpp"

namespace folio_libreoffice {
namespace {

folio::result<nlohmann::json> outline(const document_ref&) {
  return nlohmann::json::object();
}

} // namespace

const document_tools& text_tools() {
  static const document_tools tools{"docx", "private:factory/swriter", "MS Word 2007 XML", {}, outline};
  return tools;
}

} // namespace folio_libreoffice

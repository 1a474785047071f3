#include "document_tools.hpp"

namespace folio_libreoffice {
namespace {

folio::result<nlohmann::json> outline(const document_ref&) {
  return nlohmann::json::object();
}

} // namespace

const document_tools& presentation_tools() {
  static const document_tools tools{"pptx", "private:factory/simpress", "Impress MS PowerPoint 2007 XML", {}, outline};
  return tools;
}

} // namespace folio_libreoffice

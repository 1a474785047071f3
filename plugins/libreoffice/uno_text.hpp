// Conversions between the UTF-8 strings folio speaks and UNO's UTF-16 OUString, and the property lists UNO calls
// take: every UNO call site of the plugin needs them.
#pragma once

#include <com/sun/star/beans/PropertyValue.hpp>
#include <com/sun/star/uno/Sequence.hxx>
#include <rtl/ustring.hxx>
#include <string>
#include <string_view>
#include <vector>

namespace folio_libreoffice {

namespace css = com::sun::star;
using rtl::OString;
using rtl::OUString;

inline OUString to_ustring(std::string_view text) {
  return {text.data(), static_cast<sal_Int32>(text.size()), RTL_TEXTENCODING_UTF8};
}

inline std::string to_utf8(const OUString& text) {
  const OString bytes = OUStringToOString(text, RTL_TEXTENCODING_UTF8);
  return {bytes.getStr(), static_cast<std::size_t>(bytes.getLength())};
}

inline css::beans::PropertyValue property(const char* name, const css::uno::Any& value) {
  css::beans::PropertyValue made;
  made.Name = OUString::createFromAscii(name);
  made.Value = value;
  return made;
}

// The SDK's Sequence takes no initializer list outside LibreOffice's own build.
inline css::uno::Sequence<css::beans::PropertyValue> properties(const std::vector<css::beans::PropertyValue>& values) {
  return {values.data(), static_cast<sal_Int32>(values.size())};
}

} // namespace folio_libreoffice

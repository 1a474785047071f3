#include "office_document.hpp"

#include <folio/archive_limits.hpp>

#include <com/sun/star/document/MacroExecMode.hpp>
#include <com/sun/star/document/UpdateDocMode.hpp>
#include <com/sun/star/lang/DisposedException.hpp>
#include <com/sun/star/lang/XServiceInfo.hpp>
#include <com/sun/star/util/XCloseable.hpp>
#include <cstdlib>
#include <system_error>

namespace folio_libreoffice {
namespace {

// The import filter is named, not detected: bytes that are not the declared type fail to load instead of being
// opened as something else (any file opens as plain text in Writer).
std::string_view import_filter(std::string_view source) {
  if (source == "xlsx") {
    return "Calc MS Excel 2007 XML";
  }
  if (source == "docx") {
    return "MS Word 2007 XML";
  }
  return "Impress MS PowerPoint 2007 XML";
}

} // namespace

// OOXML is a zip. An encrypted OOXML file is instead an OLE2 compound file holding the streams EncryptionInfo and
// EncryptedPackage (MS-OFFCRYPTO); an OLE2 file without them is a legacy binary document under the wrong name.
folio::result<void> check_container(std::string_view bytes, std::string_view source) {
  if (bytes.starts_with(std::string_view("PK\x03\x04", 4))) {
    // Zip entry names are stored uncompressed. Every producer puts the parts under the folder the standard's
    // examples use; without it the package is another kind (LibreOffice would open a docx named .pptx as an empty
    // presentation).
    const std::string folder = source == "xlsx" ? "xl/" : source == "docx" ? "word/" : "ppt/";
    if (bytes.find(folder) == std::string_view::npos) {
      return folio::fail(folio::errc::document_unreadable,
                         "the document is not a " + std::string(source) + " file (it has no " + folder + " parts)");
    }
    // A zip bomb or an entry named outside the archive never reaches an office.
    if (auto archive = folio::check_archive(bytes); !archive) {
      return archive.error();
    }
    return folio::success();
  }
  if (bytes.starts_with(std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))) {
    constexpr std::string_view encrypted_package{"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0", 32};
    if (bytes.find(encrypted_package) != std::string_view::npos) {
      return folio::fail(folio::errc::document_encrypted,
                         "the " + std::string(source) + " document is encrypted with a password");
    }
    return folio::fail(folio::errc::document_unreadable,
                       "the document is a legacy binary Office file, not " + std::string(source));
  }
  return folio::fail(folio::errc::document_unreadable,
                     "the document is not a " + std::string(source) + " file (it is not a zip archive)");
}

// The service a loaded document must offer: LibreOffice's type detection may open a file as another kind of
// document than the filter asked for (a docx renamed .pptx opens in Writer).
const char* document_service(std::string_view source) {
  if (source == "xlsx") {
    return "com.sun.star.sheet.SpreadsheetDocument";
  }
  if (source == "docx") {
    return "com.sun.star.text.TextDocument";
  }
  return "com.sun.star.presentation.PresentationDocument";
}

folio::result<temporary_directory> temporary_directory::make() {
  std::string path = (std::filesystem::temp_directory_path() / "folio-lo-job-XXXXXX").string();
  if (::mkdtemp(path.data()) == nullptr) {
    return folio::fail(folio::errc::internal, "cannot create a temporary directory");
  }
  return temporary_directory(path);
}

temporary_directory::~temporary_directory() {
  if (!path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
}

document_closer::~document_closer() {
  try {
    const css::uno::Reference<css::util::XCloseable> closeable(document_, css::uno::UNO_QUERY);
    if (closeable.is()) {
      closeable->close(true);
    } else if (document_.is()) {
      document_->dispose();
    }
  } catch (const css::uno::Exception&) {
    // A dead office (the watchdog's doing) cannot close anything; its process and documents go together.
  }
}

folio::result<css::uno::Reference<css::lang::XComponent>>
load_document(const css::uno::Reference<css::frame::XDesktop2>& desktop, const std::filesystem::path& file,
              std::string_view source, load_mode mode) {
  const auto unreadable = "LibreOffice cannot read this " + std::string(source) + " document";
  css::uno::Reference<css::lang::XComponent> document;
  try {
    const auto load_properties = properties({
        property("Hidden", css::uno::Any(true)),
        property("ReadOnly", css::uno::Any(mode == load_mode::read_only)),
        property("MacroExecutionMode", css::uno::Any(css::document::MacroExecMode::NEVER_EXECUTE)),
        property("UpdateDocMode", css::uno::Any(css::document::UpdateDocMode::NO_UPDATE)),
        property("FilterName", css::uno::Any(to_ustring(import_filter(source)))),
    });
    document =
        desktop->loadComponentFromURL(to_ustring("file://" + file.string()), OUString("_blank"), 0, load_properties);
  } catch (const css::lang::DisposedException&) {
    throw;
  } catch (const css::uno::Exception& failure) {
    return folio::fail(folio::errc::document_unreadable, unreadable + ": " + to_utf8(failure.Message));
  }
  if (!document.is()) {
    return folio::fail(folio::errc::document_unreadable, unreadable);
  }
  const css::uno::Reference<css::lang::XServiceInfo> service(document, css::uno::UNO_QUERY);
  if (!service.is() || !service->supportsService(OUString::createFromAscii(document_service(source)))) {
    const document_closer closer(document);
    return folio::fail(folio::errc::document_unreadable,
                       "the document is not a " + std::string(source) + " file but another kind of document");
  }
  return document;
}

} // namespace folio_libreoffice

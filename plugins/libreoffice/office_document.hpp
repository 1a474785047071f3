// An office document as the plugin handles it: bytes checked before LibreOffice sees them, a file in a private
// temporary directory, loaded hidden with macros and links disabled, and closed whatever happens.
#pragma once

#include "uno_text.hpp"

#include <folio/errors.hpp>

#include <com/sun/star/frame/XDesktop2.hpp>
#include <com/sun/star/lang/XComponent.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace folio_libreoffice {

// Whether `bytes` can be a `source` ("xlsx", "docx", "pptx") document: document_encrypted for a password-protected
// OOXML file, document_unreadable for anything else that is not one.
folio::result<void> check_container(std::string_view bytes, std::string_view source);

// The UNO service a document of `source` type offers once loaded.
const char* document_service(std::string_view source);

class temporary_directory {
public:
  static folio::result<temporary_directory> make();
  temporary_directory(temporary_directory&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  temporary_directory& operator=(temporary_directory&&) = delete;
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;
  ~temporary_directory();
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
  explicit temporary_directory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Closes a loaded document whatever happens to the job: an open document holds the office's memory.
class document_closer {
public:
  explicit document_closer(css::uno::Reference<css::lang::XComponent> document) : document_(std::move(document)) {}
  document_closer(const document_closer&) = delete;
  document_closer& operator=(const document_closer&) = delete;
  ~document_closer();

private:
  css::uno::Reference<css::lang::XComponent> document_;
};

enum class load_mode { read_only, editable };

// Loads the `source` document at `file` hidden: macros never run and links are never updated, because the document
// is untrusted input. The import filter is named, not detected, and the loaded document must be of the declared
// kind, so bytes of another type fail with document_unreadable instead of opening as something else. UNO exceptions
// other than a disposed bridge become document_unreadable; a disposed bridge propagates as DisposedException.
folio::result<css::uno::Reference<css::lang::XComponent>>
load_document(const css::uno::Reference<css::frame::XDesktop2>& desktop, const std::filesystem::path& file,
              std::string_view source, load_mode mode);

} // namespace folio_libreoffice

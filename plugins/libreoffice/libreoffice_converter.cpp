// The "libreoffice" converter plugin: OOXML documents to PDF, HTML, CSV, text and OpenDocument through a pool of
// warm soffice processes (see office_pool.hpp). Config: {"processes": N (default: one per core), "deadline_ms": cap
// on any job's deadline (default 60000)}.
#include "office_pool.hpp"

#include <folio/plugin.hpp>

#include <algorithm>
#include <array>
#include <com/sun/star/beans/PropertyValue.hpp>
#include <com/sun/star/document/MacroExecMode.hpp>
#include <com/sun/star/document/UpdateDocMode.hpp>
#include <com/sun/star/frame/XStorable.hpp>
#include <com/sun/star/lang/DisposedException.hpp>
#include <com/sun/star/lang/XComponent.hpp>
#include <com/sun/star/lang/XServiceInfo.hpp>
#include <com/sun/star/sheet/XSpreadsheetDocument.hpp>
#include <com/sun/star/sheet/XSpreadsheets.hpp>
#include <com/sun/star/util/XCloseable.hpp>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace folio_libreoffice {
namespace {

// Bumped whenever the output for the same input and LibreOffice version would change (filters, options).
constexpr std::string_view converter_revision = "1";

struct target_format {
  std::string_view source;
  std::string_view target;
  std::string_view export_filter;
  std::string_view filter_options;
  std::string_view media_type;
};

// CSV: comma, double quotes, UTF-8 (76), from the first line. Text: UTF-8 with LF line ends.
constexpr std::array<target_format, 9> formats{{
    {"xlsx", "pdf", "calc_pdf_Export", "", "application/pdf"},
    {"xlsx", "csv", "Text - txt - csv (StarCalc)", "44,34,76,1", "text/csv; charset=utf-8"},
    {"xlsx", "html", "HTML (StarCalc)", "", "text/html"},
    {"docx", "pdf", "writer_pdf_Export", "", "application/pdf"},
    {"docx", "html", "HTML (StarWriter)", "", "text/html"},
    {"docx", "txt", "Text", "UTF8,LF", "text/plain; charset=utf-8"},
    {"docx", "odt", "writer8", "", "application/vnd.oasis.opendocument.text"},
    {"pptx", "pdf", "impress_pdf_Export", "", "application/pdf"},
    {"pptx", "odp", "impress8", "", "application/vnd.oasis.opendocument.presentation"},
}};

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

OUString to_ustring(std::string_view text) {
  return {text.data(), static_cast<sal_Int32>(text.size()), RTL_TEXTENCODING_UTF8};
}

std::string to_utf8(const OUString& text) {
  const OString bytes = OUStringToOString(text, RTL_TEXTENCODING_UTF8);
  return {bytes.getStr(), static_cast<std::size_t>(bytes.getLength())};
}

css::beans::PropertyValue property(const char* name, const css::uno::Any& value) {
  css::beans::PropertyValue made;
  made.Name = OUString::createFromAscii(name);
  made.Value = value;
  return made;
}

// The SDK's Sequence takes no initializer list outside LibreOffice's own build.
css::uno::Sequence<css::beans::PropertyValue> properties(const std::vector<css::beans::PropertyValue>& values) {
  return {values.data(), static_cast<sal_Int32>(values.size())};
}

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

// Page objects are "/Type /Page" (spaces optional), unlike the tree nodes "/Type /Pages". LibreOffice writes no
// object streams, so every page object is visible in the file.
int count_pdf_pages(std::string_view pdf) {
  int pages = 0;
  for (auto at = pdf.find("/Type"); at != std::string_view::npos; at = pdf.find("/Type", at + 1)) {
    auto next = at + 5;
    while (next < pdf.size() && (pdf[next] == ' ' || pdf[next] == '\r' || pdf[next] == '\n')) {
      ++next;
    }
    if (pdf.substr(next, 5) == "/Page") {
      const auto after = next + 5;
      const bool longer_name = after < pdf.size() && std::isalnum(static_cast<unsigned char>(pdf[after])) != 0;
      pages += longer_name ? 0 : 1;
    }
  }
  return pages;
}

class temporary_directory {
public:
  static folio::result<temporary_directory> make() {
    std::string path = (std::filesystem::temp_directory_path() / "folio-lo-job-XXXXXX").string();
    if (::mkdtemp(path.data()) == nullptr) {
      return folio::fail(folio::errc::internal, "cannot create a temporary directory");
    }
    return temporary_directory(path);
  }
  temporary_directory(temporary_directory&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  temporary_directory& operator=(temporary_directory&&) = delete;
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;
  ~temporary_directory() {
    if (!path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
  explicit temporary_directory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Closes a loaded document whatever happens to the conversion: an open document holds the office's memory.
class document_closer {
public:
  explicit document_closer(css::uno::Reference<css::lang::XComponent> document) : document_(std::move(document)) {}
  document_closer(const document_closer&) = delete;
  document_closer& operator=(const document_closer&) = delete;
  ~document_closer() {
    try {
      const css::uno::Reference<css::util::XCloseable> closeable(document_, css::uno::UNO_QUERY);
      if (closeable.is()) {
        closeable->close(true);
      } else {
        document_->dispose();
      }
    } catch (const css::uno::Exception&) {
      // A dead office (the watchdog's doing) cannot close anything; its process and documents go together.
    }
  }

private:
  css::uno::Reference<css::lang::XComponent> document_;
};

// The 1-based position of the sheet to export as CSV: the first unless `wanted` names another.
folio::result<int> sheet_position(const css::uno::Reference<css::lang::XComponent>& document,
                                  const std::optional<std::string>& wanted) {
  const css::uno::Reference<css::sheet::XSpreadsheetDocument> workbook(document, css::uno::UNO_QUERY_THROW);
  const auto names = workbook->getSheets()->getElementNames();
  if (!wanted) {
    return 1;
  }
  std::string known;
  for (sal_Int32 index = 0; index < names.getLength(); ++index) {
    if (to_utf8(names[index]) == *wanted) {
      return index + 1;
    }
    known += (known.empty() ? "'" : ", '") + to_utf8(names[index]) + "'";
  }
  return folio::fail(folio::errc::invalid_argument,
                     "the workbook has no sheet named '" + *wanted + "'; its sheets are " + known, "sheet");
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

class libreoffice_converter final : public folio::converter {
public:
  libreoffice_converter(std::unique_ptr<office_pool> pool, folio::duration deadline_cap)
      : pool_(std::move(pool)), deadline_cap_(deadline_cap) {}

  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override {
    std::vector<folio::conversion_pair> all;
    for (const auto& format : formats) {
      all.push_back({std::string(format.source), std::string(format.target)});
    }
    return all;
  }

  [[nodiscard]] std::string version() const override {
    return "libreoffice-" FOLIO_LIBREOFFICE_VERSION "/" + std::string(converter_revision);
  }

  folio::result<folio::conversion_output> convert(const folio::conversion_request& request) override {
    const auto* format = std::find_if(formats.begin(), formats.end(), [&](const target_format& each) {
      return each.source == request.pair.source && each.target == request.pair.target;
    });
    if (format == formats.end()) {
      return unsupported(request.pair);
    }
    std::optional<std::string> sheet;
    if (request.options.contains("sheet")) {
      if (format->target != "csv" || !request.options["sheet"].is_string()) {
        return folio::fail(folio::errc::invalid_argument, "option 'sheet' is a sheet name, for xlsx to csv only",
                           "sheet");
      }
      sheet = request.options["sheet"].get<std::string>();
    }
    if (auto container = check_container(request.bytes, format->source); !container) {
      return container.error();
    }

    auto directory = temporary_directory::make();
    if (!directory) {
      return directory.error();
    }
    const auto input = directory.value().path() / ("input." + std::string(format->source));
    const auto output = directory.value().path() / ("output." + std::string(format->target));
    {
      std::ofstream file(input, std::ios::binary);
      file.write(request.bytes.data(), static_cast<std::streamsize>(request.bytes.size()));
      if (!file) {
        return folio::fail(folio::errc::internal, "cannot write the document to " + input.string());
      }
    }

    const auto deadline = std::chrono::steady_clock::now() + std::min(request.deadline, deadline_cap_);
    const auto attempt = [&] {
      return pool_->run(deadline, [&](job_context& context) -> folio::result<void> {
        return convert_in_office(context, *format, input, output, sheet);
      });
    };
    auto converted = attempt();
    if (!converted && converted.error().code == folio::errc::converter_crashed) {
      // Once more on another (or the replaced) office: the office may have died before this job, between the
      // watchdog's looks. A document that crashes LibreOffice itself fails twice.
      converted = attempt();
    }
    if (!converted) {
      return converted.error();
    }

    const auto produced = produced_file(directory.value().path(), output);
    std::error_code size_error;
    const auto size = std::filesystem::file_size(produced, size_error);
    std::ifstream file(produced, std::ios::binary);
    if (size_error || !file) {
      return folio::fail(folio::errc::document_unreadable, "LibreOffice produced no " + std::string(format->target));
    }
    folio::conversion_output result;
    result.bytes.resize(size);
    file.read(result.bytes.data(), static_cast<std::streamsize>(size));
    result.media_type = format->media_type;
    if (format->target == "pdf") {
      result.page_count = count_pdf_pages(result.bytes);
    }
    return result;
  }

private:
  // CSV export of one chosen sheet names its file after the sheet ("output-Sheet1.csv"), with whatever LibreOffice
  // makes of the name's characters; the job's directory holds nothing else that starts with "output".
  static std::filesystem::path produced_file(const std::filesystem::path& directory,
                                             const std::filesystem::path& expected) {
    if (std::filesystem::exists(expected)) {
      return expected;
    }
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ignored)) {
      if (entry.path().stem().string().starts_with(expected.stem().string()) &&
          entry.path().extension() == expected.extension()) {
        return entry.path();
      }
    }
    return expected;
  }

  static folio::error unsupported(const folio::conversion_pair& pair) {
    std::string allowed;
    for (const auto& each : formats) {
      if (each.source == pair.source) {
        allowed += (allowed.empty() ? "" : ", ") + std::string(each.target);
      }
    }
    if (allowed.empty()) {
      return folio::fail(folio::errc::unsupported_conversion,
                         "the libreoffice converter reads xlsx, docx and pptx, not " + pair.source);
    }
    return folio::fail(folio::errc::unsupported_conversion,
                       "the libreoffice converter turns " + pair.source + " into " + allowed + ", not " + pair.target);
  }

  static folio::result<void> convert_in_office(job_context& context, const target_format& format,
                                               const std::filesystem::path& input, const std::filesystem::path& output,
                                               const std::optional<std::string>& sheet) {
    bool loaded = false;
    try {
      // Hidden and read-only, macros never run, links never updated: the document is untrusted input.
      const auto load_properties = properties({
          property("Hidden", css::uno::Any(true)),
          property("ReadOnly", css::uno::Any(true)),
          property("MacroExecutionMode", css::uno::Any(css::document::MacroExecMode::NEVER_EXECUTE)),
          property("UpdateDocMode", css::uno::Any(css::document::UpdateDocMode::NO_UPDATE)),
          property("FilterName", css::uno::Any(to_ustring(import_filter(format.source)))),
      });
      const auto document = context.desktop->loadComponentFromURL(to_ustring("file://" + input.string()),
                                                                  OUString("_blank"), 0, load_properties);
      if (!document.is()) {
        return folio::fail(folio::errc::document_unreadable,
                           "LibreOffice cannot read this " + std::string(format.source) + " document");
      }
      loaded = true;
      const document_closer closer(document);
      const css::uno::Reference<css::lang::XServiceInfo> service(document, css::uno::UNO_QUERY_THROW);
      if (!service->supportsService(OUString::createFromAscii(document_service(format.source)))) {
        return folio::fail(folio::errc::document_unreadable, "the document is not a " + std::string(format.source) +
                                                                 " file but another kind of document");
      }
      std::string filter_options(format.filter_options);
      if (format.target == "csv") {
        // CSV export writes one sheet, chosen by the filter options' twelfth token (LibreOffice 7.2 and later);
        // tokens 5 to 11 keep their export defaults.
        const auto position = sheet_position(document, sheet);
        if (!position) {
          return position.error();
        }
        filter_options += ",,0,false,true,true,false,false," + std::to_string(position.value());
      }
      std::vector<css::beans::PropertyValue> store_properties{
          property("FilterName", css::uno::Any(to_ustring(format.export_filter))),
          property("Overwrite", css::uno::Any(true)),
      };
      if (!filter_options.empty()) {
        store_properties.push_back(property("FilterOptions", css::uno::Any(to_ustring(filter_options))));
      }
      const css::uno::Reference<css::frame::XStorable> storable(document, css::uno::UNO_QUERY_THROW);
      storable->storeToURL(to_ustring("file://" + output.string()), properties(store_properties));
      return folio::success();
    } catch (const css::lang::DisposedException& failure) {
      context.office_lost = true;
      return folio::fail(folio::errc::converter_crashed, to_utf8(failure.Message));
    } catch (const css::uno::Exception& failure) {
      if (!loaded) {
        return folio::fail(folio::errc::document_unreadable, "LibreOffice cannot read this " +
                                                                 std::string(format.source) +
                                                                 " document: " + to_utf8(failure.Message));
      }
      return folio::fail(folio::errc::document_unreadable,
                         "LibreOffice cannot convert this " + std::string(format.source) + " document to " +
                             std::string(format.target) + ": " + to_utf8(failure.Message));
    }
  }

  std::unique_ptr<office_pool> pool_;
  folio::duration deadline_cap_;
};

folio::result<std::unique_ptr<folio::converter>> make_converter(const nlohmann::json& config) {
  pool_options options;
  options.program_dir = FOLIO_LIBREOFFICE_PROGRAM_DIR;
  options.processes = std::max(1U, std::thread::hardware_concurrency());
  folio::duration deadline_cap{60'000};
  if (config.contains("processes")) {
    if (!config["processes"].is_number_integer() || config["processes"].get<std::int64_t>() <= 0) {
      return folio::fail(folio::errc::invalid_argument, "'processes' is a positive integer", "processes");
    }
    options.processes = config["processes"].get<std::size_t>();
  }
  if (config.contains("deadline_ms")) {
    if (!config["deadline_ms"].is_number_integer() || config["deadline_ms"].get<std::int64_t>() <= 0) {
      return folio::fail(folio::errc::invalid_argument, "'deadline_ms' is a positive integer", "deadline_ms");
    }
    deadline_cap = folio::duration{config["deadline_ms"].get<std::int64_t>()};
  }
  auto pool = office_pool::start(std::move(options));
  if (!pool) {
    return pool.error();
  }
  return std::make_unique<libreoffice_converter>(std::move(pool).value(), deadline_cap);
}

const folio::plugin_descriptor& describe_libreoffice() {
  static const folio::plugin_descriptor descriptor{
      "libreoffice", "1.0.0", folio::plugin_kind::converter, {}, make_converter, {},
  };
  return descriptor;
}

} // namespace
} // namespace folio_libreoffice

FOLIO_PLUGIN(folio_libreoffice::describe_libreoffice);

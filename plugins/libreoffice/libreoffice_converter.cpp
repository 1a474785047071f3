#include "libreoffice_converter.hpp"

#include "office_document.hpp"

#include <algorithm>
#include <array>
#include <com/sun/star/frame/XStorable.hpp>
#include <com/sun/star/lang/DisposedException.hpp>
#include <com/sun/star/sheet/XSpreadsheetDocument.hpp>
#include <com/sun/star/sheet/XSpreadsheets.hpp>
#include <fstream>

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

class libreoffice_converter final : public folio::converter {
public:
  libreoffice_converter(std::shared_ptr<office_pool> pool, folio::duration deadline_cap)
      : pool_(std::move(pool)), deadline_cap_(deadline_cap) {}

  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override {
    std::vector<folio::conversion_pair> all;
    all.reserve(formats.size());
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
    try {
      auto loaded = load_document(context.desktop, input, format.source, load_mode::read_only);
      if (!loaded) {
        return loaded.error();
      }
      const document_closer closer(loaded.value());
      std::string filter_options(format.filter_options);
      if (format.target == "csv") {
        // CSV export writes one sheet, chosen by the filter options' twelfth token (LibreOffice 7.2 and later);
        // tokens 5 to 11 keep their export defaults.
        const auto position = sheet_position(loaded.value(), sheet);
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
      const css::uno::Reference<css::frame::XStorable> storable(loaded.value(), css::uno::UNO_QUERY_THROW);
      storable->storeToURL(to_ustring("file://" + output.string()), properties(store_properties));
      return folio::success();
    } catch (const css::lang::DisposedException& failure) {
      context.office_lost = true;
      return folio::fail(folio::errc::converter_crashed, to_utf8(failure.Message));
    } catch (const css::uno::Exception& failure) {
      return folio::fail(folio::errc::document_unreadable,
                         "LibreOffice cannot convert this " + std::string(format.source) + " document to " +
                             std::string(format.target) + ": " + to_utf8(failure.Message));
    }
  }

  std::shared_ptr<office_pool> pool_;
  folio::duration deadline_cap_;
};

} // namespace

folio::result<std::unique_ptr<folio::converter>> make_libreoffice_converter(std::shared_ptr<office_pool> pool,
                                                                            const nlohmann::json& config) {
  folio::duration deadline_cap{60'000};
  if (config.contains("deadline_ms")) {
    if (!config["deadline_ms"].is_number_integer() || config["deadline_ms"].get<std::int64_t>() <= 0) {
      return folio::fail(folio::errc::invalid_argument, "'deadline_ms' is a positive integer", "deadline_ms");
    }
    deadline_cap = folio::duration{config["deadline_ms"].get<std::int64_t>()};
  }
  return std::make_unique<libreoffice_converter>(std::move(pool), deadline_cap);
}

} // namespace folio_libreoffice

// The "vips" converter plugin: one page of a PDF as a PNG of a given width, rendered by libvips' pdfload (poppler).
// Options: page (1-based, default 1), width (pixels, 16 to 8192, default 1280); the height follows the page's aspect.
// Config: {"deadline_ms": cap on any job's deadline (default 60000)}.
#include <folio/plugin.hpp>

#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace folio_vips {
namespace {

using steady_clock = std::chrono::steady_clock;

// Bumped whenever the output for the same input and library versions would change (scaling, PNG settings).
constexpr std::string_view converter_revision = "1";

constexpr int default_page = 1;
constexpr int default_width = 1280;
constexpr int min_width = 16;
constexpr int max_width = 8192;
// A tall page at a large width would need gigabytes for one frame; a page taller than this is refused instead.
constexpr int max_height = 16384;

struct object_unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using image_ptr = std::unique_ptr<VipsImage, object_unref>;

// libvips is started once per process and never shut down: it is process-wide state that other code may share, and
// the library is marked NODELETE, so it outlives this plugin's unloading. The operation cache is turned off because
// buffer loaders are cached by the buffer's address, which a later document may reuse; exports have their own cache.
folio::result<void> start_vips() {
  static const std::string failure = []() -> std::string {
    if (VIPS_INIT("folio") != 0) {
      char* reason = vips_error_buffer_copy();
      std::string message = "libvips cannot start: " + std::string(reason);
      g_free(reason);
      return message;
    }
    vips_cache_set_max(0);
    if (vips_type_find("VipsOperation", "pdfload_buffer") == 0) {
      return "libvips was built without PDF support (pdfload, from its poppler module)";
    }
    return {};
  }();
  if (!failure.empty()) {
    return folio::fail(folio::errc::plugin_error, failure);
  }
  return folio::success();
}

// libvips keeps one error buffer per process; this takes what is in it and clears it.
std::string take_vips_error() {
  char* text = vips_error_buffer_copy();
  std::string message(text);
  g_free(text);
  while (!message.empty() && message.back() == '\n') {
    message.pop_back();
  }
  return message;
}

struct render_options {
  int page = default_page;
  int width = default_width;
};

folio::result<render_options> parse_options(const nlohmann::json& options) {
  if (!options.is_object()) {
    return folio::fail(folio::errc::invalid_argument, "the options of a png export are an object: page, width",
                       "options");
  }
  render_options parsed;
  for (const auto& [name, value] : options.items()) {
    const bool whole = value.is_number_integer();
    const auto number = whole ? value.get<std::int64_t>() : 0;
    if (name == "page") {
      if (!whole || number < 1 || number > INT32_MAX) {
        return folio::fail(folio::errc::invalid_argument, "option 'page' is a page number, counted from 1", "page");
      }
      parsed.page = static_cast<int>(number);
    } else if (name == "width") {
      if (!whole || number < min_width || number > max_width) {
        return folio::fail(folio::errc::invalid_argument,
                           "option 'width' is a whole number of pixels from " + std::to_string(min_width) + " to " +
                               std::to_string(max_width),
                           "width");
      }
      parsed.width = static_cast<int>(number);
    } else {
      return folio::fail(folio::errc::invalid_argument,
                         "unknown option '" + name + "' for a png export; its options are page and width", name);
    }
  }
  return parsed;
}

// A PDF's header may follow up to 1024 bytes of other data (PDF 1.7, annex H.3), and readers accept that.
bool looks_like_pdf(std::string_view bytes) {
  return bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos;
}

class pdf_document {
public:
  explicit pdf_document(std::string_view bytes) : bytes_(bytes) {}

  // The page's image, not yet rendered: libvips reads the header here and renders the pixels when they are asked
  // for. The image refers to the document's bytes, which the caller keeps alive for as long as it.
  [[nodiscard]] folio::result<image_ptr> page(int index, double scale) const {
    VipsImage* loaded = nullptr;
    // pdfload_buffer takes a non-const pointer in its C signature but only reads the buffer.
    void* data = const_cast<char*>(bytes_.data());
    if (vips_pdfload_buffer(data, bytes_.size(), &loaded, "page", index, "scale", scale, nullptr) != 0) {
      return folio::fail(folio::errc::document_unreadable, take_vips_error());
    }
    return image_ptr(loaded);
  }

  // Why a document that does not open cannot be read, for the caller: the bytes, not libvips' wording, decide.
  [[nodiscard]] folio::error unreadable(const std::string& reason) const {
    if (bytes_.find("/Encrypt") != std::string_view::npos) {
      return {folio::errc::document_encrypted, "the PDF is encrypted with a password"};
    }
    return {folio::errc::document_unreadable, "the PDF cannot be read: " + reason};
  }

private:
  std::string_view bytes_;
};

// Called by libvips as the rendering progresses; setting "kill" makes it stop at the next tile. A single tile that
// poppler takes long over still runs to its end: that is the finest grain libvips offers.
void stop_past_deadline(VipsImage* image, VipsProgress* /*progress*/, void* deadline) {
  if (steady_clock::now() > *static_cast<const steady_clock::time_point*>(deadline)) {
    vips_image_set_kill(image, TRUE);
  }
}

std::string pages_text(int pages) {
  return std::to_string(pages) + (pages == 1 ? " page" : " pages");
}

class vips_converter final : public folio::converter {
public:
  explicit vips_converter(folio::duration deadline_cap) : deadline_cap_(deadline_cap) {}

  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override { return {{"pdf", "png"}}; }

  [[nodiscard]] std::string version() const override {
    return "vips-" + std::string(vips_version_string()) + "+poppler-" FOLIO_POPPLER_VERSION "/" +
           std::string(converter_revision);
  }

  folio::result<folio::conversion_output> convert(const folio::conversion_request& request) override {
    if (request.pair.source != "pdf" || request.pair.target != "png") {
      return folio::fail(folio::errc::unsupported_conversion, "the vips converter turns pdf into png, not " +
                                                                  request.pair.source + " into " + request.pair.target);
    }
    const auto options = parse_options(request.options);
    if (!options) {
      return options.error();
    }
    if (!looks_like_pdf(request.bytes)) {
      return folio::fail(folio::errc::document_unreadable, "the document is not a PDF (it has no %PDF- header)");
    }
    // Not const: libvips hands the progress callback a plain pointer to it.
    auto deadline = steady_clock::now() + std::min(request.deadline, deadline_cap_);
    const pdf_document document(request.bytes);
    const int index = options.value().page - 1;

    auto natural = document.page(index, 1.0);
    if (!natural) {
      // pdfload refuses a page past the end like any other failure; the first page tells which it was.
      if (auto first = document.page(0, 1.0)) {
        const int pages = vips_image_get_n_pages(first.value().get());
        if (options.value().page > pages) {
          return folio::fail(folio::errc::invalid_argument,
                             "page " + std::to_string(options.value().page) + " is out of range: the document has " +
                                 pages_text(pages) + " (page counts from 1)",
                             "page");
        }
      }
      return document.unreadable(natural.error().message);
    }
    const int page_count = vips_image_get_n_pages(natural.value().get());

    auto scaled = render_at_width(document, index, *natural.value(), options.value().width);
    if (!scaled) {
      return scaled.error();
    }
    if (steady_clock::now() > deadline) {
      return timed_out();
    }

    VipsImage* flat = nullptr;
    {
      // Pages are drawn on white; the PNG is opaque RGB, a quarter smaller than RGBA.
      std::array<double, 3> white{255.0, 255.0, 255.0};
      VipsArrayDouble* background = vips_array_double_new(white.data(), static_cast<int>(white.size()));
      const int flattened = vips_flatten(scaled.value().get(), &flat, "background", background, nullptr);
      vips_area_unref(VIPS_AREA(background));
      if (flattened != 0) {
        return folio::fail(folio::errc::internal, "libvips cannot flatten the page: " + take_vips_error());
      }
    }
    const image_ptr opaque(flat);

    vips_image_set_progress(opaque.get(), TRUE);
    g_signal_connect_data(opaque.get(), "eval", reinterpret_cast<GCallback>(&stop_past_deadline), &deadline, nullptr,
                          static_cast<GConnectFlags>(0));
    void* png = nullptr;
    std::size_t png_size = 0;
    if (vips_pngsave_buffer(opaque.get(), &png, &png_size, nullptr) != 0) {
      const auto reason = take_vips_error();
      if (steady_clock::now() > deadline) {
        return timed_out();
      }
      return document.unreadable(reason);
    }
    folio::conversion_output output;
    output.bytes.assign(static_cast<const char*>(png), png_size);
    g_free(png);
    output.media_type = "image/png";
    output.page_count = page_count;
    return output;
  }

private:
  // pdfload sizes a page as its width in points times the scale, rounded; the width in points is rarely whole
  // (A4 is 595.304 pt), so the scale is taken from the width measured at a scale where the page spans about 65536
  // pixels. The rounding error left is then under a tenth of a pixel at any allowed size, and the PNG is exactly
  // as wide as asked, rendered from the vectors rather than resampled.
  [[nodiscard]] folio::result<image_ptr> render_at_width(const pdf_document& document, int index,
                                                         const VipsImage& natural, int width) const {
    constexpr double measuring_span = 65536.0;
    const int natural_extent = std::max(natural.Xsize, natural.Ysize);
    if (natural.Xsize < 1 || natural.Ysize < 1) {
      return folio::fail(folio::errc::document_unreadable, "the page has no area");
    }
    const double measuring_scale = measuring_span / natural_extent;
    auto measured = document.page(index, measuring_scale);
    if (!measured) {
      return document.unreadable(measured.error().message);
    }
    const double page_width = measured.value()->Xsize / measuring_scale;
    auto scaled = document.page(index, width / page_width);
    if (!scaled) {
      return document.unreadable(scaled.error().message);
    }
    if (scaled.value()->Ysize > max_height) {
      const auto widest = static_cast<int>(width * static_cast<double>(max_height) / scaled.value()->Ysize);
      return folio::fail(folio::errc::invalid_argument,
                         "at a width of " + std::to_string(width) + " pixels this page would be " +
                             std::to_string(scaled.value()->Ysize) + " pixels tall, above the limit of " +
                             std::to_string(max_height) + "; ask for a width of at most " + std::to_string(widest),
                         "width");
    }
    if (scaled.value()->Xsize != width) {
      return folio::fail(folio::errc::internal, "libvips sized the page " + std::to_string(scaled.value()->Xsize) +
                                                    " pixels wide instead of " + std::to_string(width));
    }
    return scaled;
  }

  static folio::error timed_out() {
    return {folio::errc::conversion_timeout, "rendering the page to png took longer than its deadline"};
  }

  folio::duration deadline_cap_;
};

folio::result<std::unique_ptr<folio::converter>> make_converter(const nlohmann::json& config) {
  folio::duration deadline_cap{60'000};
  if (!config.is_object() && !config.is_null()) {
    return folio::fail(folio::errc::invalid_argument, "the vips converter's config is an object", "config");
  }
  for (const auto& [name, value] : config.items()) {
    if (name != "deadline_ms") {
      return folio::fail(folio::errc::invalid_argument,
                         "unknown setting '" + name + "' for the vips converter; it takes deadline_ms", name);
    }
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) {
      return folio::fail(folio::errc::invalid_argument, "'deadline_ms' is a positive integer", "deadline_ms");
    }
    deadline_cap = folio::duration{value.get<std::int64_t>()};
  }
  if (auto started = start_vips(); !started) {
    return started.error();
  }
  return std::make_unique<vips_converter>(deadline_cap);
}

const folio::plugin_descriptor& describe_vips() {
  static const folio::plugin_descriptor descriptor{
      "vips", "1.0.0", folio::plugin_kind::converter, {}, make_converter, {},
  };
  return descriptor;
}

} // namespace
} // namespace folio_vips

FOLIO_PLUGIN(folio_vips::describe_vips);

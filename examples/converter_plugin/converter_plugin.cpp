// A minimal converter plugin: plain text to an HTML page. A converter declares its (source, target) pairs and a
// version that changes whenever its output would; the host caches exports under that version.
#include <folio/plugin.hpp>

namespace {

class text_to_html_converter final : public folio::converter {
public:
  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override { return {{"txt", "html"}}; }
  [[nodiscard]] std::string version() const override { return "text-to-html-1"; }

  folio::result<folio::conversion_output> convert(const folio::conversion_request& request) override {
    if (request.pair != folio::conversion_pair{"txt", "html"}) {
      return folio::fail(folio::errc::unsupported_conversion,
                         "converts txt to html, not " + request.pair.source + " to " + request.pair.target);
    }
    folio::conversion_output output;
    output.media_type = "text/html; charset=utf-8";
    output.bytes = "<!doctype html>\n<meta charset=\"utf-8\">\n<pre>";
    for (const char symbol : request.bytes) {
      switch (symbol) {
      case '<': output.bytes += "&lt;"; break;
      case '>': output.bytes += "&gt;"; break;
      case '&': output.bytes += "&amp;"; break;
      default: output.bytes += symbol;
      }
    }
    output.bytes += "</pre>\n";
    return output;
  }
};

const folio::plugin_descriptor& describe_text_to_html() {
  static const folio::plugin_descriptor descriptor{
      "example_text_to_html",
      "1.0.0",
      folio::plugin_kind::converter,
      {},
      [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::converter>> {
        return std::make_unique<text_to_html_converter>();
      },
      {},
  };
  return descriptor;
}

} // namespace

FOLIO_PLUGIN(describe_text_to_html);

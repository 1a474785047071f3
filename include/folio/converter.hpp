// Converters turn a document's bytes into another format (xlsx → pdf, pdf → png …). Exports chain them.
#pragma once

#include <folio/clock.hpp>
#include <folio/errors.hpp>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

FOLIO_BEGIN_NAMESPACE

struct conversion_pair {
  std::string source; // file type: "xlsx", "pdf" …
  std::string target; // "pdf", "png", "csv" …

  friend bool operator==(const conversion_pair&, const conversion_pair&) = default;
};

struct conversion_request {
  std::string_view bytes;
  conversion_pair pair;
  // page (png, 1-based), width (png pixels), sheet (csv): validated by the converter.
  nlohmann::json options = nlohmann::json::object();
  duration deadline = std::chrono::seconds{60};
};

struct conversion_output {
  std::string bytes;
  std::string media_type;
  std::optional<int> page_count;
};

class converter {
public:
  virtual ~converter() = default;
  [[nodiscard]] virtual std::vector<conversion_pair> pairs() const = 0;
  // Part of every export cache key: a new converter version never serves an old result.
  [[nodiscard]] virtual std::string version() const = 0;
  virtual result<conversion_output> convert(const conversion_request& request) = 0;
};

FOLIO_END_NAMESPACE

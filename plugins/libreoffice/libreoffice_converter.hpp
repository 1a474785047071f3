// The "libreoffice" converter: OOXML documents to PDF, HTML, CSV, text and OpenDocument on the plugin's office pool.
// Config: {"deadline_ms": cap on any job's deadline (default 60000)} and the pool's keys (see plugin.cpp).
#pragma once

#include "office_pool.hpp"

#include <folio/converter.hpp>

#include <memory>
#include <nlohmann/json.hpp>

namespace folio_libreoffice {

folio::result<std::unique_ptr<folio::converter>> make_libreoffice_converter(std::shared_ptr<office_pool> pool,
                                                                            const nlohmann::json& config);

} // namespace folio_libreoffice

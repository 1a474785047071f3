// GET /openapi.json: the whole HTTP contract of API.md as an OpenAPI 3.1 document. Its source is
// server/web/openapi.json, compiled in; a test compares its paths with the router's routes both ways.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace folio_server::web {

// The document as written, with this build's version in info.version.
nlohmann::json openapi_document();

// The document's operations as "METHOD /path/{param}" (upper-case method), for comparing with a route table.
std::vector<std::string> openapi_operations(const nlohmann::json& document);

} // namespace folio_server::web

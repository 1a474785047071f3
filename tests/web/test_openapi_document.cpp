#include "web/openapi_document.hpp"

#include <folio/version.hpp>

#include <catch2/catch.hpp>
#include <set>
#include <string>

TEST_CASE("the OpenAPI document is OpenAPI 3.1 with this build's version", "[openapi]") {
  const auto document = folio_server::web::openapi_document();
  CHECK(document.at("openapi") == "3.1.0");
  CHECK(document.at("info").at("version") == FOLIO_VERSION_STRING);
  CHECK(document.at("components").at("securitySchemes").at("apiKey").at("scheme") == "bearer");
}

TEST_CASE("every reference in the OpenAPI document names a schema it defines", "[openapi]") {
  const auto document = folio_server::web::openapi_document();
  const auto& schemas = document.at("components").at("schemas");
  std::set<std::string> missing;
  const auto walk = [&](const auto& self, const nlohmann::json& node) -> void {
    if (node.is_object()) {
      if (const auto found = node.find("$ref"); found != node.end()) {
        const auto name = found->template get<std::string>().substr(std::string("#/components/schemas/").size());
        if (!schemas.contains(name)) {
          missing.insert(name);
        }
      }
      for (const auto& [key, child] : node.items()) {
        self(self, child);
      }
    } else if (node.is_array()) {
      for (const auto& child : node) {
        self(self, child);
      }
    }
  };
  walk(walk, document);
  CHECK(missing.empty());
}

TEST_CASE("the OpenAPI document names API.md's routes, errors and webhooks", "[openapi]") {
  const auto document = folio_server::web::openapi_document();
  const auto operations = folio_server::web::openapi_operations(document);
  const std::set<std::string> listed(operations.begin(), operations.end());
  for (const auto* expected :
       {"POST /excel/generate", "POST /word/generate", "POST /powerpoint/generate", "GET /tasks/{task_id}",
        "POST /tasks/{task_id}/cancel", "GET /tasks/{task_id}/events", "GET /runs", "GET /runs/{run_id}",
        "GET /runs/{run_id}/tasks", "GET /runs/{run_id}/download", "PUT /runs/{run_id}/document",
        "DELETE /runs/{run_id}", "POST /runs/{run_id}/export", "GET /healthz", "GET /readyz", "GET /metrics",
        "GET /openapi.json"}) {
    INFO(expected);
    CHECK(listed.contains(expected));
  }
  const auto& error = document.at("components").at("schemas").at("Error").at("properties").at("error");
  for (const auto* field : {"type", "code", "message", "param", "request_id"}) {
    CHECK(error.at("properties").contains(field));
  }
  for (const auto* event : {"task.completed", "task.failed", "task.cancelled"}) {
    CHECK(document.at("webhooks").contains(event));
  }
  const auto& generate = document.at("paths").at("/excel/generate").at("post");
  CHECK(generate.at("responses").contains("429"));
  CHECK(document.at("components").at("schemas").at("GenerateRequest").at("additionalProperties") == false);
}

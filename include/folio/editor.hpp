// The document tools an agent edits with: the same catalog, as JSON Schemas, that an LLM is given. An editor holds
// one open document; the LibreOffice plugin implements it over UNO.
#pragma once

#include <folio/document_format.hpp>
#include <folio/errors.hpp>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

class editor {
public:
  virtual ~editor() = default;
  // [{"name": …, "description": …, "parameters": {JSON Schema}}, …]
  [[nodiscard]] virtual nlohmann::json tool_catalog() const = 0;
  // Arguments are validated against the tool's schema: tool_unknown or tool_arguments_invalid, naming the problem.
  virtual result<nlohmann::json> call_tool(std::string_view name, const nlohmann::json& arguments) = 0;
  // The full, expensive inspection of the document's structure; its size grows with the document.
  virtual result<nlohmann::json> outline() = 0;
  // The document as OOXML bytes of its format.
  virtual result<std::string> save() = 0;
};

class editor_factory {
public:
  virtual ~editor_factory() = default;
  // A new empty document when `bytes` is empty, otherwise that document (document_unreadable / document_encrypted).
  virtual result<std::unique_ptr<editor>> open(document_format format, std::string_view bytes) = 0;
};

FOLIO_END_NAMESPACE

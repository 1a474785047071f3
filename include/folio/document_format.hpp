// The three document formats a run can hold, under the names the API uses for each.
#pragma once

#include <folio/errors.hpp>

#include <array>
#include <optional>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

enum class document_format { excel, word, powerpoint };

inline constexpr std::array all_document_formats{document_format::excel, document_format::word,
                                                 document_format::powerpoint};

// "excel": the run's format in URLs (/excel/generate) and listings.
constexpr std::string_view to_string(document_format format) noexcept {
  switch (format) {
  case document_format::excel: return "excel";
  case document_format::word: return "word";
  case document_format::powerpoint: return "powerpoint";
  }
  return "";
}

// "xlsx": the file type, as converters and exports name sources.
constexpr std::string_view file_extension(document_format format) noexcept {
  switch (format) {
  case document_format::excel: return "xlsx";
  case document_format::word: return "docx";
  case document_format::powerpoint: return "pptx";
  }
  return "";
}

constexpr std::string_view media_type(document_format format) noexcept {
  switch (format) {
  case document_format::excel: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  case document_format::word: return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  case document_format::powerpoint: return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
  }
  return "";
}

constexpr std::string_view default_file_name(document_format format) noexcept {
  switch (format) {
  case document_format::excel: return "workbook.xlsx";
  case document_format::word: return "document.docx";
  case document_format::powerpoint: return "presentation.pptx";
  }
  return "";
}

inline std::optional<document_format> parse_document_format(std::string_view name) noexcept {
  for (const auto format : all_document_formats) {
    if (name == to_string(format) || name == file_extension(format)) {
      return format;
    }
  }
  return std::nullopt;
}

FOLIO_END_NAMESPACE

#include "dto.hpp"

#include <folio/document_format.hpp>
#include <folio/time_format.hpp>

namespace folio_server {
namespace {

nlohmann::json optional_time(const std::optional<folio::timestamp>& when) {
  return when ? nlohmann::json(folio::format_rfc3339(*when)) : nlohmann::json();
}

template <class Number>
nlohmann::json optional_number(const std::optional<Number>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

} // namespace

folio::result<version_hashes> written_versions(server_app& app, const folio::org_id& org, const folio::run_id& run) {
  auto versions = app.store().list_versions(org, run);
  if (!versions) {
    return versions.error();
  }
  version_hashes hashes;
  for (const auto& version : versions.value()) {
    if (version.written_by) {
      hashes[*version.written_by] = version.hash;
    }
  }
  return hashes;
}

nlohmann::json task_error_json(const folio::task& subject) {
  if (!subject.failure) {
    return nullptr;
  }
  return {{"code", folio::to_string(subject.failure->code)},
          {"message", subject.failure->message},
          {"param", subject.failure->param.empty() ? nlohmann::json() : nlohmann::json(subject.failure->param)}};
}

// Answers are built field by field: an initializer list first builds a [name, value] array per field, which took
// twice the time, and a listing builds many answers.
nlohmann::json task_json(const server_app& app, const folio::task& subject, const std::optional<std::string>& hash,
                         const std::string& file_name, folio::timestamp now) {
  nlohmann::json shown(nlohmann::json::value_t::object);
  shown["task_id"] = subject.id.str();
  shown["run_id"] = subject.run.str();
  shown["status"] = folio::to_string(subject.status);
  shown["phase"] = folio::to_string(subject.phase);
  shown["turn_index"] = subject.turn_index;
  shown["progress"] = subject.progress;
  shown["prompt"] = subject.prompt;
  shown["created_at"] = folio::format_rfc3339(subject.created_at);
  shown["updated_at"] = folio::format_rfc3339(subject.updated_at);
  shown["started_at"] = optional_time(subject.started_at);
  shown["finished_at"] = optional_time(subject.finished_at);
  shown["credits_used"] = optional_number(subject.credits_used);
  shown["duration_ms"] = optional_number(subject.duration_ms());
  shown["error"] = task_error_json(subject);
  shown["download_url"] = hash && subject.status == folio::task_status::completed
                              ? nlohmann::json(app.file_url(*hash, file_name, now))
                              : nlohmann::json();
  return shown;
}

nlohmann::json task_with_document_json(const server_app& app, const folio::task_with_document& read,
                                       folio::timestamp now) {
  const bool stored = read.owner.status != folio::run_status::expired;
  return task_json(app, read.subject, stored ? read.document_hash : std::nullopt, read.owner.file_name, now);
}

folio::result<nlohmann::json> present_task(server_app& app, const folio::task& subject) {
  const auto now = app.clock().now();
  if (subject.status != folio::task_status::completed) {
    return task_json(app, subject, std::nullopt, {}, now);
  }
  auto read = app.store().get_task_with_document(subject.org, subject.id, now);
  if (!read) {
    return read.error();
  }
  read.value().subject = subject;
  return task_with_document_json(app, read.value(), now);
}

nlohmann::json run_summary_json(const folio::run& subject) {
  nlohmann::json shown(nlohmann::json::value_t::object);
  shown["run_id"] = subject.id.str();
  shown["format"] = folio::to_string(subject.format);
  shown["status"] = folio::to_string(subject.status);
  shown["prompt"] = subject.first_prompt;
  shown["credits_used"] = subject.credits_used;
  shown["duration_ms"] = subject.duration_ms;
  shown["created_at"] = folio::format_rfc3339(subject.created_at);
  shown["updated_at"] = folio::format_rfc3339(subject.updated_at);
  shown["file_name"] = subject.file_name;
  return shown;
}

nlohmann::json run_detail_json(const server_app& app, const folio::run& subject, folio::timestamp now) {
  auto detail = run_summary_json(subject);
  const bool downloadable = !subject.document_hash.empty() && subject.status != folio::run_status::expired;
  detail["download_url"] =
      downloadable ? nlohmann::json(app.file_url(subject.document_hash, subject.file_name, now)) : nlohmann::json();
  detail["edit_url"] = app.edit_url(subject.id, now);
  detail["expires_at"] = folio::format_rfc3339(subject.expires_at);
  detail["turns"] = subject.turns;
  detail["metadata"] = subject.metadata;
  return detail;
}

} // namespace folio_server

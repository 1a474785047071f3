// The JSON the API answers with, field for field as API.md names them: tasks, runs and the sync generate answer.
// Fields that do not apply yet are null, never missing.
#pragma once

#include "app.hpp"

#include <folio/run.hpp>
#include <folio/store.hpp>
#include <folio/task.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace folio_server {

// Where each completed task's document version is: task id to blob hash, from one read of the run's versions.
using version_hashes = std::map<folio::task_id, std::string>;
folio::result<version_hashes> written_versions(server_app& app, const folio::org_id& org, const folio::run_id& run);

// {code, message, param} of a failed task, or null.
nlohmann::json task_error_json(const folio::task& subject);

// GET /tasks/{id}: download_url is the version this task wrote (null unless completed and still stored).
nlohmann::json task_json(const server_app& app, const folio::task& subject, const std::optional<std::string>& hash,
                         const std::string& file_name, folio::timestamp now);

// The task as GET /tasks/{id} answers it, from one read of the task with its run and version.
nlohmann::json task_with_document_json(const server_app& app, const folio::task_with_document& read,
                                       folio::timestamp now);

// Reads what task_json needs (the run's file name and the task's version) and answers the task as GET /tasks/{id}
// does, as the given snapshot shows it.
folio::result<nlohmann::json> present_task(server_app& app, const folio::task& subject);

// An item of GET /runs.
nlohmann::json run_summary_json(const folio::run& subject);

// GET /runs/{id}: the summary, download_url (signed, 24 h; null until a version exists or once expired), edit_url,
// expires_at, turns and metadata.
nlohmann::json run_detail_json(const server_app& app, const folio::run& subject, folio::timestamp now);

} // namespace folio_server

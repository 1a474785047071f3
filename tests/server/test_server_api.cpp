// folio-server end to end: the real binary on a port of its own, a SQLite data directory, the scripted agent and the
// LibreOffice editors, driven over HTTP as a client would. One server is shared by the cases that only add runs of
// their own; cases that need other settings, a restart or a signal start their own.
#include "server_process.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace {

// The harness of tests/server: server_process, http_connection and the API call helpers.
using namespace folio_server_test;

server_process& shared_server() {
  static server_process server(server_process::environment{{"FOLIO_WORKERS", "2"}, {"FOLIO_OFFICE_PROCESSES", "1"}});
  return server;
}

// While it lives, an exception that ends the test (a connection cut in the middle of an answer, say) is reported with
// the server's output: its request log and anything it printed before exiting.
class server_output_on_exception {
public:
  explicit server_output_on_exception(const server_process& server) : server_(server) {}
  server_output_on_exception(const server_output_on_exception&) = delete;
  server_output_on_exception& operator=(const server_output_on_exception&) = delete;
  ~server_output_on_exception() {
    if (std::uncaught_exceptions() > exceptions_) {
      UNSCOPED_INFO("folio-server's output:\n" << server_.output());
    }
  }

private:
  const server_process& server_;
  int exceptions_ = std::uncaught_exceptions();
};

// Polls a task until it ends, checking on the way that progress never goes back.
nlohmann::json poll_until_ended(http_connection& client, const std::string& key, const std::string& task_id) {
  int last_progress = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes{3};
  while (std::chrono::steady_clock::now() < deadline) {
    const auto answer = client.request("GET", "/tasks/" + task_id, auth(key));
    REQUIRE(answer.status == 200);
    const auto task = answer.json();
    CHECK(task["progress"].get<int>() >= last_progress);
    last_progress = task["progress"].get<int>();
    const auto status = task["status"].get<std::string>();
    if (status == "completed" || status == "failed" || status == "cancelled") {
      return task;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  FAIL("task " << task_id << " did not end within 3 minutes");
  return {};
}

// The sheet names of a stored xlsx, read by openpyxl from the data directory's blob (its download_url names it).
std::string sheet_names(const server_process& server, const std::string& download_url) {
  const std::regex hash_in_url(R"(/files/([0-9a-f]{64})/)");
  std::smatch found;
  REQUIRE(std::regex_search(download_url, found, hash_in_url));
  const std::string hash = found[1];
  const auto blob = server.data_dir() / "blobs" / hash.substr(0, 2) / hash;
  REQUIRE(std::filesystem::exists(blob));
  const std::string print_sheet_names =
      "/usr/bin/python3 -c 'import sys, openpyxl; print(\"|\".join(openpyxl.load_workbook(open(sys.argv[1], \"rb\"))"
      ".sheetnames))' ";
  return run_command(print_sheet_names + blob.string()).first;
}

bool is_id(const nlohmann::json& value, const std::string& prefix) {
  return value.is_string() && std::regex_match(value.get<std::string>(), std::regex(prefix + "[0-9A-HJKMNP-TV-Z]{26}"));
}

} // namespace

TEST_CASE("the seed's flow: create, resume, async and poll, list with cursor paging", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  REQUIRE_FALSE(key.empty());
  auto client = server.connect();

  // Creating a run: the first call without a run_id, sync.
  const auto created = post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}});
  INFO(created.body);
  REQUIRE(created.status == 200);
  const auto first = created.json();
  CHECK(is_id(first["run_id"], "run_"));
  CHECK(is_id(first["task_id"], "task_"));
  CHECK(first["status"] == "completed");
  CHECK(first["download_url"].get<std::string>().starts_with(server.base_url() + "/files/"));
  CHECK(first["edit_url"].get<std::string>().starts_with(server.base_url() + "/web/runs/" +
                                                         first["run_id"].get<std::string>() + "?expires="));
  CHECK(first["credits_used"].get<int>() > 0);
  CHECK(first["duration_ms"].get<int>() >= 0);
  CHECK(sheet_names(server, first["download_url"]).find("Q3 Sales") != std::string::npos);
  CHECK_FALSE(created.header("x-request-id").empty());

  // Resuming it: same run, a new turn that builds on what the first made.
  const auto resumed = post_json(*client, "/excel/generate", key,
                                 {{"run_id", first["run_id"]}, {"prompt", "Now add a forecast tab for FY26"}});
  INFO(resumed.body);
  REQUIRE(resumed.status == 200);
  const auto second = resumed.json();
  CHECK(second["run_id"] == first["run_id"]);
  CHECK(second["task_id"] != first["task_id"]);
  CHECK(second["status"] == "completed");
  CHECK(second["credits_used"].get<int>() > 0);
  const auto sheets = sheet_names(server, second["download_url"]);
  CHECK(sheets.find("Q3 Sales") != std::string::npos);
  CHECK(sheets.find("Forecast FY26") != std::string::npos);

  // The run: both turns, its links, its expiry.
  const auto run = client->request("GET", "/runs/" + first["run_id"].get<std::string>(), auth(key));
  REQUIRE(run.status == 200);
  const auto detail = run.json();
  CHECK(detail["status"] == "completed");
  CHECK(detail["turns"] == 2);
  CHECK(detail["format"] == "excel");
  CHECK(detail["file_name"] == "workbook.xlsx");
  CHECK(detail["prompt"] == "Create a Q3 sales report");
  CHECK(detail["credits_used"].get<int>() == first["credits_used"].get<int>() + second["credits_used"].get<int>());
  // The same document (the link's path), signed afresh.
  const auto link_path = [](const nlohmann::json& url) {
    const auto text = url.get<std::string>();
    return text.substr(0, text.find('?'));
  };
  CHECK(link_path(detail["download_url"]) == link_path(second["download_url"]));
  CHECK(detail["metadata"].is_object());
  CHECK(detail["expires_at"].is_string());

  // Its turn history, newest first.
  const auto history = client->request("GET", "/runs/" + first["run_id"].get<std::string>() + "/tasks", auth(key));
  REQUIRE(history.status == 200);
  const auto turns = history.json()["items"];
  REQUIRE(turns.size() == 2);
  CHECK(turns[0]["task_id"] == second["task_id"]);
  CHECK(turns[0]["turn_index"] == 2);
  CHECK(turns[1]["turn_index"] == 1);
  CHECK(turns[1]["download_url"].is_string());

  // Async, then polling.
  const auto queued =
      post_json(*client, "/excel/generate", key, {{"prompt", "Build a 3-statement financial model"}, {"async", true}});
  INFO(queued.body);
  REQUIRE(queued.status == 202);
  const auto accepted = queued.json();
  CHECK(accepted["status"] == "queued");
  CHECK(accepted.size() == 3);
  CHECK(queued.header("location") == "/tasks/" + accepted["task_id"].get<std::string>());
  const auto ended = poll_until_ended(*client, key, accepted["task_id"]);
  CHECK(ended["status"] == "completed");
  CHECK(ended["phase"] == "done");
  CHECK(ended["progress"] == 100);
  CHECK(ended["turn_index"] == 1);
  CHECK(ended["run_id"] == accepted["run_id"]);
  CHECK(ended["prompt"] == "Build a 3-statement financial model");
  for (const auto* field : {"created_at", "updated_at", "started_at", "finished_at"}) {
    CHECK(std::regex_match(ended[field].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")));
  }
  CHECK(ended["error"].is_null());
  CHECK(sheet_names(server, ended["download_url"]).find("Balance Sheet") != std::string::npos);

  // Listing with cursor paging: one run a page, newest first, every run once, the same filters repeated.
  std::vector<std::string> listed;
  std::string cursor;
  for (int page = 0; page < 50; ++page) {
    const auto answer = client->request(
        "GET", "/runs?limit=1&format=excel&status=completed" + (cursor.empty() ? "" : "&cursor=" + cursor), auth(key));
    REQUIRE(answer.status == 200);
    const auto body = answer.json();
    REQUIRE(body["items"].size() <= 1);
    for (const auto& item : body["items"]) {
      CHECK(item["format"] == "excel");
      CHECK(item["status"] == "completed");
      listed.push_back(item["run_id"]);
    }
    if (body["next_cursor"].is_null()) {
      break;
    }
    cursor = body["next_cursor"];
    CHECK(cursor == listed.back());
  }
  CHECK(std::set<std::string>(listed.begin(), listed.end()).size() == listed.size());
  CHECK(std::is_sorted(listed.rbegin(), listed.rend()));
  const auto seed_runs = std::set<std::string>{first["run_id"], accepted["run_id"]};
  CHECK(std::count_if(listed.begin(), listed.end(), [&](const auto& id) { return seed_runs.contains(id); }) == 2);
  // Every request went over one kept-alive connection, though none asked for it.
  CHECK(client->connections_opened() == 1);
}

TEST_CASE("events of a task: one per change with increasing ids, ending after the terminal one; Last-Event-ID "
          "resumes",
          "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const auto queued =
      post_json(*client, "/powerpoint/generate", key, {{"prompt", "Create a pitch deck"}, {"async", true}});
  REQUIRE(queued.status == 202);
  const std::string task = queued.json()["task_id"];

  auto stream = server.connect();
  const auto events = stream->request("GET", "/tasks/" + task + "/events", auth(key));
  REQUIRE(events.status == 200);
  CHECK(events.header("content-type").starts_with("text/event-stream"));
  const std::regex event(R"(id: (\d+)\nevent: ([a-z.]+)\ndata: (.*)\n\n)");
  std::vector<int> ids;
  std::vector<std::string> names;
  int last_progress = -1;
  std::string last_data;
  for (auto found = std::sregex_iterator(events.body.begin(), events.body.end(), event);
       found != std::sregex_iterator(); ++found) {
    ids.push_back(std::stoi((*found)[1]));
    names.push_back((*found)[2]);
    const auto data = nlohmann::json::parse((*found)[3].str());
    CHECK(data["task_id"] == task);
    CHECK(data["progress"].get<int>() >= last_progress);
    last_progress = data["progress"];
    last_data = (*found)[3];
  }
  REQUIRE(ids.size() >= 2);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::set<int>(ids.begin(), ids.end()).size() == ids.size());
  CHECK(names.back() == "task.completed");
  CHECK(std::all_of(names.begin(), names.end() - 1, [](const auto& name) { return name == "task.updated"; }));
  CHECK(nlohmann::json::parse(last_data)["status"] == "completed");
  CHECK(last_progress == 100);

  // Reconnecting after the second event replays only what came after it.
  const auto resumed = stream->request("GET", "/tasks/" + task + "/events",
                                       {{"Authorization", "Bearer " + key}, {"Last-Event-ID", std::to_string(ids[1])}});
  REQUIRE(resumed.status == 200);
  std::vector<int> resumed_ids;
  for (auto found = std::sregex_iterator(resumed.body.begin(), resumed.body.end(), event);
       found != std::sregex_iterator(); ++found) {
    resumed_ids.push_back(std::stoi((*found)[1]));
  }
  CHECK(resumed_ids == std::vector<int>(ids.begin() + 2, ids.end()));

  // After the terminal event there is nothing more: the stream ends at once, empty.
  const auto after_end =
      stream->request("GET", "/tasks/" + task + "/events",
                      {{"Authorization", "Bearer " + key}, {"Last-Event-ID", std::to_string(ids.back())}});
  CHECK(after_end.status == 200);
  CHECK(after_end.body.empty());
}

TEST_CASE("every refusal has API.md's error shape, a stable code and its status, and creates nothing",
          "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const auto runs_before = client->request("GET", "/runs?limit=100", auth(key)).json()["items"].size();

  const auto refused = [&](const http_response& answer, int status, const std::string& code,
                           const std::string& param = {}) {
    INFO(answer.body);
    CHECK(answer.status == status);
    const auto body = answer.json();
    REQUIRE(body.contains("error"));
    CHECK(body["error"]["code"] == code);
    CHECK(body["error"]["message"].is_string());
    CHECK(body["error"]["type"].is_string());
    CHECK(body["error"]["request_id"] == answer.header("x-request-id"));
    CHECK(is_id(body["error"]["request_id"], "req_"));
    if (!param.empty()) {
      CHECK(body["error"]["param"] == param);
    }
  };

  // Credentials.
  refused(client->request("GET", "/runs"), 401, "unauthenticated", "Authorization");
  refused(client->request("GET", "/runs", auth("folio_" + std::string(48, '0'))), 401, "unauthenticated");
  refused(client->request("GET", "/runs", {{"Authorization", "Basic abc"}}), 401, "unauthenticated");
  refused(client->request("POST", "/excel/generate", {{"Content-Type", "application/json"}},
                          R"({"prompt":"Create a Q3 sales report"})"),
          401, "unauthenticated");

  // Bodies.
  refused(client->request("POST", "/excel/generate", auth(key), R"({"prompt":"Create a Q3 sales report"})"), 415,
          "unsupported_media_type", "Content-Type");
  refused(client->request("POST", "/excel/generate",
                          {{"Authorization", "Bearer " + key}, {"Content-Type", "text/plain"}},
                          R"({"prompt":"Create a Q3 sales report"})"),
          415, "unsupported_media_type");
  refused(client->request("POST", "/excel/generate", json_headers(key), "{\"prompt\": "), 400, "invalid_json");
  refused(client->request("POST", "/excel/generate", json_headers(key), "[1, 2]"), 400, "invalid_json");
  refused(post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}, {"asynk", true}}), 400,
          "unknown_field", "asynk");
  refused(post_json(*client, "/excel/generate", key, nlohmann::json::object()), 400, "prompt_missing", "prompt");
  refused(post_json(*client, "/excel/generate", key, {{"prompt", ""}}), 400, "prompt_missing", "prompt");
  refused(post_json(*client, "/excel/generate", key, {{"prompt", std::string(32769, 'a')}}), 400, "prompt_too_long",
          "prompt");
  refused(post_json(*client, "/excel/generate", key, {{"prompt", 42}}), 400, "invalid_argument", "prompt");
  refused(post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}, {"async", "yes"}}), 400,
          "invalid_argument", "async");
  refused(
      post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}, {"metadata", {{"a", 1}}}}),
      400, "metadata_invalid", "metadata");
  refused(post_json(*client, "/excel/generate", key,
                    {{"prompt", "Create a Q3 sales report"}, {"file_name", "report.docx"}}),
          400, "file_name_invalid", "file_name");
  refused(post_json(*client, "/excel/generate", key,
                    {{"prompt", "Create a Q3 sales report"}, {"webhook_url", "ftp://example.com"}}),
          400, "invalid_argument", "webhook_url");
  refused(post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}},
                    {{"Idempotency-Key", std::string(256, 'k')}}),
          400, "invalid_argument", "Idempotency-Key");
  // Over the server's body limit (1 MiB by default), still answered by folio-server in its own shape.
  refused(post_json(*client, "/excel/generate", key, {{"prompt", std::string((1U << 20U) + 10, 'a')}}), 413,
          "body_too_large");

  // Ids and runs.
  refused(post_json(*client, "/excel/generate", key,
                    {{"prompt", "Add a sheet named Notes"}, {"run_id", "run_01HXYZ00000000000000000000"}}),
          404, "not_found", "run_id");
  refused(post_json(*client, "/excel/generate", key, {{"prompt", "Add a sheet named Notes"}, {"run_id", "nonsense"}}),
          404, "not_found", "run_id");
  const auto excel = post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}});
  REQUIRE(excel.status == 200);
  const std::string run = excel.json()["run_id"];
  const std::string task = excel.json()["task_id"];
  refused(post_json(*client, "/word/generate", key, {{"prompt", "Add a section called Risks"}, {"run_id", run}}), 422,
          "format_mismatch", "run_id");
  refused(client->request("GET", "/runs/run_01HXYZ00000000000000000000", auth(key)), 404, "not_found");
  refused(client->request("GET", "/runs/nonsense", auth(key)), 404, "not_found");
  refused(client->request("GET", "/tasks/task_01HXYZ00000000000000000000", auth(key)), 404, "not_found");
  refused(client->request("POST", "/tasks/task_01HXYZ00000000000000000000/cancel", auth(key)), 404, "not_found");
  refused(client->request("GET", "/tasks/task_01HXYZ00000000000000000000/events", auth(key)), 404, "not_found");
  refused(client->request("POST", "/tasks/" + task + "/cancel", auth(key)), 409, "task_finished");
  refused(client->request("GET", "/tasks/" + task + "/events",
                          {{"Authorization", "Bearer " + key}, {"Last-Event-ID", "x"}}),
          400, "invalid_argument", "Last-Event-ID");

  // Listing parameters.
  refused(client->request("GET", "/runs?cursor=garbage", auth(key)), 400, "invalid_cursor", "cursor");
  refused(client->request("GET", "/runs?cursor=" + task, auth(key)), 400, "invalid_cursor", "cursor");
  refused(client->request("GET", "/runs?limit=0", auth(key)), 400, "invalid_limit", "limit");
  refused(client->request("GET", "/runs?limit=101", auth(key)), 400, "invalid_limit", "limit");
  refused(client->request("GET", "/runs?format=pdf", auth(key)), 400, "invalid_argument", "format");
  refused(client->request("GET", "/runs?status=done", auth(key)), 400, "invalid_argument", "status");
  refused(client->request("GET", "/runs/" + run + "/tasks?cursor=" + run, auth(key)), 400, "invalid_cursor");
  CHECK(client->request("GET", "/runs?limit=100", auth(key)).status == 200);

  // Routes.
  refused(client->request("GET", "/nowhere", auth(key)), 404, "route_not_found");
  refused(client->request("DELETE", "/tasks/" + task, auth(key)), 405, "method_not_allowed");

  // A prompt the agent does not understand: the call worked, the task failed, and says why.
  const auto not_understood = post_json(*client, "/excel/generate", key, {{"prompt", "Sing me a song"}});
  REQUIRE(not_understood.status == 200);
  CHECK(not_understood.json()["status"] == "failed");
  CHECK(not_understood.json()["error"]["code"] == "prompt_not_understood");

  // Idempotency: the same key and body answer the first call again; another body under the key is refused.
  const header_list idempotent{{"Idempotency-Key", "order-4711"}};
  const auto once = post_json(*client, "/excel/generate", key, {{"prompt", "Create a marketing budget"}}, idempotent);
  REQUIRE(once.status == 200);
  const auto again = post_json(*client, "/excel/generate", key, {{"prompt", "Create a marketing budget"}}, idempotent);
  REQUIRE(again.status == 200);
  CHECK(again.json()["task_id"] == once.json()["task_id"]);
  CHECK(again.json()["credits_used"] == once.json()["credits_used"]);
  refused(post_json(*client, "/excel/generate", key, {{"prompt", "Create a sales budget"}}, idempotent), 422,
          "idempotency_key_reused", "Idempotency-Key");

  // What was refused created nothing: the runs are the ones made here (two excel runs, the failed one, the budget).
  const auto runs_after = client->request("GET", "/runs?limit=100", auth(key)).json()["items"].size();
  CHECK(runs_after == runs_before + 3);
}

TEST_CASE("another organization's runs and tasks answer 404 on every route, exactly like unknown ones",
          "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const auto made =
      post_json(*client, "/word/generate", key, {{"prompt", "Write a project proposal for a new data platform"}});
  REQUIRE(made.status == 200);
  const std::string run = made.json()["run_id"];
  const std::string task = made.json()["task_id"];

  const auto [printed, code] = server.admin("keys create --org other-company");
  INFO(printed);
  REQUIRE(code == 0);
  std::smatch found;
  REQUIRE(std::regex_search(printed, found, std::regex(R"(folio_[0-9a-f]{48})")));
  const std::string other = found[0];

  const auto hidden = [&](const http_response& answer) {
    INFO(answer.body);
    CHECK(answer.status == 404);
    CHECK(answer.error_code() == "not_found");
  };
  hidden(client->request("GET", "/runs/" + run, auth(other)));
  hidden(client->request("GET", "/runs/" + run + "/tasks", auth(other)));
  hidden(client->request("GET", "/tasks/" + task, auth(other)));
  hidden(client->request("POST", "/tasks/" + task + "/cancel", auth(other)));
  hidden(client->request("GET", "/tasks/" + task + "/events", auth(other)));
  hidden(post_json(*client, "/word/generate", other, {{"prompt", "Add a section called Risks"}, {"run_id", run}}));
  const auto listed = client->request("GET", "/runs?limit=100", auth(other));
  REQUIRE(listed.status == 200);
  CHECK(listed.json()["items"].empty());
  // The owner still sees it all.
  CHECK(client->request("GET", "/runs/" + run, auth(key)).status == 200);

  // An operator extends the organization's retention: its runs' expiry moves with it.
  const std::string expires_before = client->request("GET", "/runs/" + run, auth(key)).json()["expires_at"];
  const auto [set_output, set_code] = server.admin("orgs set default --retention 90d --purge-after 60d");
  INFO(set_output);
  CHECK(set_code == 0);
  const std::string expires_after = client->request("GET", "/runs/" + run, auth(key)).json()["expires_at"];
  CHECK(expires_after > expires_before);
  CHECK(server.admin("orgs set default --retention soon").second == 1);

  // A revoked key is refused from then on.
  const auto [listing, listed_code] = server.admin("keys list");
  REQUIRE(listed_code == 0);
  REQUIRE(std::regex_search(listing, found, std::regex(R"((key_[0-9A-Z]{26})\tother-company)")));
  const auto [revoked, revoke_code] = server.admin("keys revoke " + found[1].str());
  INFO(revoked);
  REQUIRE(revoke_code == 0);
  CHECK(client->request("GET", "/runs", auth(other)).status == 401);
  CHECK(server.admin("keys list").first.find("revoked") != std::string::npos);
  CHECK(listing.find(other) == std::string::npos);
}

// The answers of GET /tasks/{id} and the run reads are kept and sent again while nothing changed (answer_cache.hpp):
// what matters to a caller is that a kept answer is never one the route would no longer give.
TEST_CASE("kept answers of reads are sent again only while nothing changed: a polled task, the listing, a key revoked "
          "by another process, another organization, the next second's links",
          "[server][e2e]") {
  server_process server(server_process::environment{{"FOLIO_WORKERS", "1"}, {"FOLIO_OFFICE_PROCESSES", "1"}});
  const auto key = server.first_key();
  auto client = server.connect();
  const auto reused = [&] {
    const auto metrics = client->request("GET", "/metrics").body;
    std::smatch found;
    REQUIRE(
        std::regex_search(metrics, found, std::regex(R"(folio_answer_cache_lookups_total\{outcome="hit"\} (\d+))")));
    return std::stoi(found[1].str());
  };
  const auto made = post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}});
  REQUIRE(made.status == 200);
  const std::string run = made.json()["run_id"];

  // A follow-up polled on one connection while its events stream on another: the moment the stream has the terminal
  // change, the next poll answers it.
  const auto queued = post_json(*client, "/excel/generate", key,
                                {{"prompt", "Now add a forecast tab for FY26"}, {"run_id", run}, {"async", true}});
  REQUIRE(queued.status == 202);
  const std::string task = queued.json()["task_id"];
  const auto hits_before_polling = reused();
  http_response streamed;
  std::thread following([&] {
    auto stream = server.connect();
    streamed = stream->request("GET", "/tasks/" + task + "/events", auth(key));
  });
  // The poller goes on until it sees the task completed, for at most two minutes.
  std::set<std::string> polled;
  std::thread polling([&] {
    auto poller = server.connect();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes{2};
    while (!polled.contains("completed") && std::chrono::steady_clock::now() < deadline) {
      const auto answer = poller->request("GET", "/tasks/" + task, auth(key));
      if (answer.status != 200) {
        break;
      }
      polled.insert(answer.json()["status"].get<std::string>());
    }
  });
  following.join();
  const auto after_stream = client->request("GET", "/tasks/" + task, auth(key));
  polling.join();
  REQUIRE(streamed.status == 200);
  REQUIRE(streamed.body.find("event: task.completed") != std::string::npos);
  INFO(after_stream.body);
  CHECK(after_stream.json()["status"] == "completed");
  CHECK(after_stream.json()["download_url"].is_string());
  CHECK(polled.contains("completed"));
  CHECK_FALSE(polled.contains("failed"));
  // Polling a task whose status stays the same for a while is answered from kept answers.
  CHECK(reused() > hits_before_polling);

  // The listing: kept while nothing changes, a new run at its head as soon as it exists.
  const auto listed = client->request("GET", "/runs?limit=5", auth(key));
  REQUIRE(listed.status == 200);
  const auto hits_before_listing = reused();
  const auto listed_again = client->request("GET", "/runs?limit=5", auth(key));
  CHECK(listed_again.body == listed.body);
  CHECK(reused() == hits_before_listing + 1);
  const auto newer = post_json(*client, "/word/generate", key, {{"prompt", "Write a project proposal"}});
  REQUIRE(newer.status == 200);
  const auto listed_after = client->request("GET", "/runs?limit=5", auth(key));
  REQUIRE(listed_after.status == 200);
  CHECK(listed_after.json()["items"][0]["run_id"] == newer.json()["run_id"]);

  // Another organization's key on the same path gets its own answer, never the one kept for this key.
  const auto [rival_printed, rival_code] = server.admin("keys create --org rival");
  REQUIRE(rival_code == 0);
  std::smatch found;
  REQUIRE(std::regex_search(rival_printed, found, std::regex(R"(folio_[0-9a-f]{48})")));
  const std::string rival = found[0];
  REQUIRE(client->request("GET", "/tasks/" + task, auth(key)).status == 200);
  CHECK(client->request("GET", "/tasks/" + task, auth(rival)).status == 404);
  CHECK(client->request("GET", "/runs?limit=5", auth(rival)).json()["items"].empty());

  // A key revoked by the admin command, another process writing the same database, is refused at once although its
  // answer was just kept.
  const auto [second_printed, second_code] = server.admin("keys create --org default");
  REQUIRE(second_code == 0);
  REQUIRE(std::regex_search(second_printed, found, std::regex(R"(folio_[0-9a-f]{48})")));
  const std::string second = found[0];
  REQUIRE(client->request("GET", "/tasks/" + task, auth(second)).status == 200);
  const auto hits_before_revoking = reused();
  REQUIRE(client->request("GET", "/tasks/" + task, auth(second)).status == 200);
  CHECK(reused() == hits_before_revoking + 1);
  const auto [keys, keys_code] = server.admin("keys list");
  REQUIRE(keys_code == 0);
  const auto prefix = second.substr(0, 12);
  std::istringstream key_lines(keys);
  std::string revoked_id;
  for (std::string line; std::getline(key_lines, line);) {
    if (line.find(prefix) != std::string::npos) {
      revoked_id = line.substr(0, line.find('\t'));
    }
  }
  REQUIRE(revoked_id.starts_with("key_"));
  REQUIRE(server.admin("keys revoke " + revoked_id).second == 0);
  CHECK(client->request("GET", "/tasks/" + task, auth(second)).status == 401);
  CHECK(client->request("GET", "/tasks/" + task, auth(key)).status == 200);

  // A signed link is made for the second it is asked in: a second later the same task shows a link that lives as
  // long from then, though nothing changed.
  const std::string link = client->request("GET", "/tasks/" + task, auth(key)).json()["download_url"];
  std::this_thread::sleep_for(std::chrono::milliseconds{1100});
  const std::string later_link = client->request("GET", "/tasks/" + task, auth(key)).json()["download_url"];
  CHECK(later_link != link);
  const auto expiry = [](const std::string& url) { return std::stoll(url.substr(url.find("expires=") + 8)); };
  CHECK(expiry(later_link) > expiry(link));
}

TEST_CASE("with no worker to run them: sync calls answer 202 at the sync limit, in-flight keys 409, a full queue "
          "429 with Retry-After, and cancelled tasks never run",
          "[server][e2e]") {
  server_process server(server_process::environment{{"FOLIO_WORKERS", "0"},
                                                    {"FOLIO_OFFICE_PROCESSES", "1"},
                                                    {"FOLIO_SYNC_TIMEOUT", "1s"},
                                                    {"FOLIO_MAX_QUEUED_TASKS", "2"}});
  const auto& key = server.first_key();
  auto client = server.connect();

  const header_list idempotent{{"Idempotency-Key", "slow-one"}};
  const auto waited = post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}}, idempotent);
  INFO(waited.body);
  REQUIRE(waited.status == 202);
  const auto task = waited.json();
  CHECK(task["status"] == "queued");
  CHECK(task["phase"] == "queued");
  CHECK(task["progress"] == 0);
  CHECK(task["download_url"].is_null());
  CHECK(waited.header("location") == "/tasks/" + task["task_id"].get<std::string>());

  const auto in_flight =
      post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}}, idempotent);
  CHECK(in_flight.status == 409);
  CHECK(in_flight.error_code() == "idempotency_key_in_flight");

  const auto second = post_json(*client, "/excel/generate", key, {{"prompt", "Create a budget"}, {"async", true}});
  REQUIRE(second.status == 202);
  const auto full = post_json(*client, "/excel/generate", key, {{"prompt", "Create a budget"}, {"async", true}});
  CHECK(full.status == 429);
  CHECK(full.error_code() == "queue_full");
  CHECK(full.header("retry-after") == "5");
  CHECK(client->request("GET", "/runs?limit=100", auth(key)).json()["items"].size() == 2);

  // Cancelling a queued task: at once, and again answers the same.
  const std::string second_id = second.json()["task_id"];
  const auto cancelled = client->request("POST", "/tasks/" + second_id + "/cancel", auth(key));
  REQUIRE(cancelled.status == 200);
  CHECK(cancelled.json()["status"] == "cancelled");
  CHECK(cancelled.json()["progress"] == 100);
  const auto twice = client->request("POST", "/tasks/" + second_id + "/cancel", auth(key));
  CHECK(twice.status == 200);
  CHECK(twice.json()["status"] == "cancelled");
  // Its events: queued, then cancelled, and the stream ends.
  const auto events = client->request("GET", "/tasks/" + second_id + "/events", auth(key));
  CHECK(events.status == 200);
  CHECK(events.body.find("event: task.cancelled") != std::string::npos);
  // The queue has room again.
  CHECK(post_json(*client, "/excel/generate", key, {{"prompt", "Create a budget"}, {"async", true}}).status == 202);
}

TEST_CASE("kill -9 during a turn: after a restart the task completes once and is charged once", "[server][e2e]") {
  folio_test::temp_directory data;
  const server_process::environment settings{{"FOLIO_WORKERS", "1"}, {"FOLIO_OFFICE_PROCESSES", "1"}};
  auto server = std::make_unique<server_process>(settings, data.path() / "data");
  const auto key = server->first_key();
  std::string task;
  std::string run;
  {
    auto client = server->connect();
    const auto queued = post_json(*client, "/excel/generate", key,
                                  {{"prompt", "Build a 3-statement financial model"}, {"async", true}});
    REQUIRE(queued.status == 202);
    task = queued.json()["task_id"];
    run = queued.json()["run_id"];
    // Wait until the turn is under way, then kill the server in the middle of it.
    std::string status = "queued";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes{1};
    while (status == "queued" && std::chrono::steady_clock::now() < deadline) {
      status = client->request("GET", "/tasks/" + task, auth(key)).json()["status"];
    }
    REQUIRE(status == "running");
  }
  CHECK(server->stop(SIGKILL) == 128 + SIGKILL);

  server->start();
  auto client = server->connect();
  const auto ended = poll_until_ended(*client, key, task);
  CHECK(ended["status"] == "completed");
  CHECK(ended["turn_index"] == 1);
  const auto detail = client->request("GET", "/runs/" + run, auth(key)).json();
  CHECK(detail["turns"] == 1);
  CHECK(detail["credits_used"] == ended["credits_used"]);
  const auto history = client->request("GET", "/runs/" + run + "/tasks", auth(key)).json()["items"];
  CHECK(history.size() == 1);
  CHECK(sheet_names(*server, ended["download_url"]).find("Balance Sheet") != std::string::npos);
}

TEST_CASE("SIGTERM: a waiting sync call gets its answer, then the server exits 0", "[server][e2e]") {
  server_process server(server_process::environment{
      {"FOLIO_WORKERS", "0"}, {"FOLIO_OFFICE_PROCESSES", "1"}, {"FOLIO_SHUTDOWN_GRACE", "1s"}});
  const auto key = server.first_key();
  http_response answer;
  std::thread waiting([&] {
    auto client = server.connect();
    answer = post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}});
  });
  // The call is waiting once its task is listed.
  auto client = server.connect();
  while (client->request("GET", "/runs", auth(key)).json()["items"].empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  CHECK(server.stop(SIGTERM) == 0);
  waiting.join();
  CHECK(answer.status == 202);
  CHECK(answer.json()["status"] == "queued");
  const auto output = server.output();
  CHECK(output.find(R"("event":"stopped")") != std::string::npos);
}

TEST_CASE("the first start prints a key and a curl command that works as printed; the log has a JSON line per "
          "request and never a key",
          "[server][e2e]") {
  auto& server = shared_server();
  const auto output = server.output();
  std::smatch found;
  REQUIRE(std::regex_search(output, found, std::regex(R"(curl [^\n]+)")));
  const auto command = found[0].str();
  CHECK(command.find("/excel/generate") != std::string::npos);
  CHECK(command.find(R"("prompt": "Create a Q3 sales report")") != std::string::npos);
  const auto [printed, exit_code] = run_command(command);
  CHECK(exit_code == 0);
  INFO(printed);
  const auto answer = nlohmann::json::parse(printed, nullptr, false);
  CHECK(answer["status"] == "completed");
  CHECK(is_id(answer["run_id"], "run_"));

  // The log after the first start's message: one JSON object a line, with what happened and nothing secret.
  const auto log = server.output();
  const auto requests_start = log.find(R"({"event":"listening")");
  REQUIRE(requests_start != std::string::npos);
  std::istringstream lines(log.substr(requests_start));
  std::string line;
  int request_lines = 0;
  while (std::getline(lines, line)) {
    CHECK(line.find(server.first_key()) == std::string::npos);
    CHECK(line.find("sig=") == std::string::npos);
    // LibreOffice's processes share the server's output and may print their own lines.
    if (!line.starts_with("{")) {
      continue;
    }
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_FALSE(entry.is_discarded());
    if (entry.contains("request_id")) {
      ++request_lines;
      CHECK(entry["route"].is_string());
      CHECK(entry["status"].is_number_integer());
      CHECK(entry["duration_ms"].is_number());
    }
  }
  CHECK(request_lines >= 1);
}

TEST_CASE("retention from FOLIO_RETENTION: an expired run still resolves as expired, and resuming it is 410",
          "[server][e2e]") {
  server_process server(server_process::environment{{"FOLIO_WORKERS", "1"},
                                                    {"FOLIO_OFFICE_PROCESSES", "1"},
                                                    {"FOLIO_RETENTION", "2s"},
                                                    {"FOLIO_PURGE_AFTER", "1h"},
                                                    {"FOLIO_SWEEP_INTERVAL", "1s"}});
  const auto key = server.first_key();
  auto client = server.connect();
  const auto made = post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}});
  REQUIRE(made.status == 200);
  const std::string run = made.json()["run_id"];
  std::string status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (status != "expired" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
    status = client->request("GET", "/runs/" + run, auth(key)).json()["status"];
  }
  REQUIRE(status == "expired");
  CHECK(client->request("GET", "/runs/" + run, auth(key)).json()["download_url"].is_null());
  const auto resumed =
      post_json(*client, "/excel/generate", key, {{"prompt", "Add a sheet named Notes"}, {"run_id", run}});
  CHECK(resumed.status == 410);
  CHECK(resumed.error_code() == "run_expired");
}

TEST_CASE("200 sync calls waiting and 50 event streams open hold no I/O thread: other requests are answered; at "
          "SIGTERM every waiting call gets 202, every stream ends, and the server exits 0",
          "[server][e2e]") {
  server_process server(server_process::environment{
      {"FOLIO_WORKERS", "0"}, {"FOLIO_OFFICE_PROCESSES", "1"}, {"FOLIO_SHUTDOWN_GRACE", "1s"}});
  const server_output_on_exception report(server);
  const auto key = server.first_key();
  std::vector<std::unique_ptr<http_connection>> waiting;
  for (int call = 0; call < 200; ++call) {
    waiting.push_back(server.connect());
    waiting.back()->send("POST", "/excel/generate", json_headers(key),
                         nlohmann::json{{"prompt", "Create a Q3 sales report"}}.dump());
  }
  auto client = server.connect();
  // Every call is waiting once its run is listed.
  const auto listed_runs = [&] {
    std::vector<std::string> runs;
    std::string cursor;
    do {
      const auto page =
          client->request("GET", "/runs?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor), auth(key)).json();
      for (const auto& run : page["items"]) {
        runs.push_back(run["run_id"]);
      }
      cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    } while (!cursor.empty());
    return runs;
  };
  auto runs = listed_runs();
  while (runs.size() < 200) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    runs = listed_runs();
  }
  std::vector<std::string> tasks;
  for (const auto& run : runs) {
    const auto history = client->request("GET", "/runs/" + run + "/tasks", auth(key));
    REQUIRE(history.status == 200);
    tasks.push_back(history.json()["items"][0]["task_id"]);
  }
  std::vector<std::unique_ptr<http_connection>> streams;
  for (int stream = 0; stream < 50; ++stream) {
    streams.push_back(server.connect());
    streams.back()->send("GET", "/tasks/" + tasks[static_cast<std::size_t>(stream)] + "/events", auth(key));
  }
  // Every stream is open once the server has begun it (and logged its 200): a request still waiting in the accept
  // queue or for its I/O thread at SIGTERM would be cut, not ended.
  const auto streams_begun = [&] {
    const auto output = server.output();
    std::size_t begun = 0;
    for (auto at = output.find(R"("route":"/tasks/{task_id}/events","status":200)"); at != std::string::npos;
         at = output.find(R"("route":"/tasks/{task_id}/events","status":200)", at + 1)) {
      ++begun;
    }
    return begun;
  };
  const auto streams_deadline = std::chrono::steady_clock::now() + std::chrono::minutes{1};
  while (streams_begun() < streams.size() && std::chrono::steady_clock::now() < streams_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  REQUIRE(streams_begun() == streams.size());
  // With every sync call and stream still open, the API answers.
  for (const auto& task : tasks) {
    const auto answer = client->request("GET", "/tasks/" + task, auth(key));
    REQUIRE(answer.status == 200);
    CHECK(answer.json()["status"] == "queued");
  }
  CHECK(client->request("GET", "/healthz").status == 200);

  CHECK(server.stop(SIGTERM) == 0);
  for (const auto& connection : waiting) {
    const auto answer = connection->receive();
    CHECK(answer.status == 202);
    CHECK(answer.json()["status"] == "queued");
  }
  for (const auto& connection : streams) {
    const auto answer = connection->receive();
    CHECK(answer.status == 200);
    CHECK(answer.body.find("event: task.updated") != std::string::npos);
  }
}

TEST_CASE("SIGTERM while an export converts: the export is answered with its file, not told to retry; a stream begun "
          "during the drain ends; queued work runs after the restart",
          "[server][e2e]") {
  folio_test::temp_directory data;
  // Two offices: the turn running at SIGTERM does not wait for the export's, so the drain reaches the waiting calls
  // and streams while the export still converts.
  const server_process::environment settings{
      {"FOLIO_WORKERS", "1"}, {"FOLIO_OFFICE_PROCESSES", "2"}, {"FOLIO_SHUTDOWN_GRACE", "120s"}};
  auto server = std::make_unique<server_process>(settings, data.path() / "data");
  const server_output_on_exception server_output(*server);
  const auto key = server->first_key();
  auto client = server->connect();

  // A document of 300 pages, so that its conversion to PDF outlasts the start of the drain.
  const auto long_document = data.path() / "long.docx";
  const auto [written, written_status] = run_command(
      "/usr/bin/python3 -c 'import sys, docx\nd = docx.Document()\nfor n in range(300):\n"
      "    d.add_heading(\"Chapter %d\" % (n + 1), 1)\n    d.add_paragraph(\"Lorem ipsum dolor sit amet. \" * 40)\n"
      "    d.add_page_break()\nd.save(sys.argv[1])' " +
      long_document.string());
  INFO(written);
  REQUIRE(written_status == 0);
  const auto report_run = post_json(*client, "/word/generate", key, {{"prompt", "Create a quarterly business review"}});
  REQUIRE(report_run.status == 200);
  const std::string report = report_run.json()["run_id"];
  header_list as_docx = auth(key);
  as_docx.emplace_back("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  REQUIRE(client->request("PUT", "/runs/" + report + "/document", as_docx, read_text(long_document)).status == 200);

  // A run with a line of follow-ups: one worker takes them one at a time, so most are still queued at SIGTERM.
  const auto sales_run = post_json(*client, "/excel/generate", key, {{"prompt", "Create a Q3 sales report"}});
  REQUIRE(sales_run.status == 200);
  const std::string sales = sales_run.json()["run_id"];
  std::vector<std::string> follow_ups;
  for (int sheet = 1; sheet <= 10; ++sheet) {
    const auto queued =
        post_json(*client, "/excel/generate", key,
                  {{"run_id", sales}, {"prompt", "Add a sheet named Notes" + std::to_string(sheet)}, {"async", true}});
    REQUIRE(queued.status == 202);
    follow_ups.push_back(queued.json()["task_id"]);
  }
  auto waiting = server->connect();
  waiting->send("POST", "/excel/generate", json_headers(key),
                nlohmann::json{{"run_id", sales}, {"prompt", "Add a sheet named Last"}}.dump());

  auto exporting = server->connect();
  exporting->send("POST", "/runs/" + report + "/export", json_headers(key), R"({"format": "pdf"})");
  // The export has begun converting once /metrics counts its cache miss.
  const auto export_begun = [&] {
    return client->request("GET", "/metrics").body.find(R"(folio_export_cache_misses_total{target="pdf"} 1)") !=
           std::string::npos;
  };
  const auto export_deadline = std::chrono::steady_clock::now() + std::chrono::minutes{1};
  while (!export_begun() && std::chrono::steady_clock::now() < export_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  REQUIRE(export_begun());

  int exit_code = -1;
  // Joined even when a check below throws, so the failure is reported rather than aborting the program.
  std::jthread stopping([&] { exit_code = server->stop(SIGTERM); });
  // The waiting sync call is answered when the drain closes what waits: from then on, what begins is closed at once.
  const auto waited = waiting->receive();
  CHECK(waited.status == 202);
  CHECK(waited.json()["status"] == "queued");
  // Every answer during the drain asks the client to close its connection.
  CHECK(std::regex_match(waited.header("connection"), std::regex("close", std::regex::icase)));
  const std::string last_task = waited.json()["task_id"];
  // A connection opened before SIGTERM still carries requests; a stream of a queued task begun now ends at once
  // instead of being cut when the server exits.
  const auto stream = client->request("GET", "/tasks/" + follow_ups.back() + "/events", auth(key));
  CHECK(stream.status == 200);
  CHECK(std::regex_match(stream.header("connection"), std::regex("close", std::regex::icase)));
  // The conversion finishes within the grace period, and its caller gets the file.
  const auto exported = exporting->receive();
  INFO(exported.body);
  CHECK(exported.status == 200);
  CHECK(exported.json()["format"] == "pdf");
  stopping.join();
  CHECK(exit_code == 0);

  // After a restart the export is in the cache (nothing converts again) and the queued turns run, each once.
  server->start();
  client = server->connect();
  const auto again = post_json(*client, "/runs/" + report + "/export", key, {{"format", "pdf"}});
  REQUIRE(again.status == 200);
  CHECK(again.header("x-export-cache") == "hit");
  const std::string pdf_url = again.json()["download_url"];
  const auto pdf = client->request("GET", pdf_url.substr(server->base_url().size()));
  REQUIRE(pdf.status == 200);
  const auto pdf_path = data.path() / "long.pdf";
  std::ofstream(pdf_path, std::ios::binary) << pdf.body;
  CHECK(pdf_pages(pdf_path.string()) >= 300);
  for (const auto& task : follow_ups) {
    CHECK(poll_until_ended(*client, key, task)["status"] == "completed");
  }
  CHECK(poll_until_ended(*client, key, last_task)["status"] == "completed");
  const auto history = client->request("GET", "/runs/" + sales + "/tasks?limit=100", auth(key)).json()["items"];
  CHECK(history.size() == 12);
}

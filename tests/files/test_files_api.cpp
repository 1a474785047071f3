// folio-server's files end to end: downloads through signed links (302 and direct, tampered and expired links, Range
// and ETag), exports of every pair API.md allows checked by independent readers (pdfinfo, pdftotext, python3's zip
// and openpyxl/python-docx, the PNG header), the export cache seen over HTTP, uploads of edited documents and deletes.
// The real binary, the build's plugins (scripted agent, LibreOffice, vips), a SQLite data directory, over HTTP.
#include "server_process.hpp"

#include <folio/conversion_route.hpp>
#include <folio/digest.hpp>
#include <folio/signed_url.hpp>
#include <folio/time_format.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

// The harness of tests/server: server_process, http_connection and the API call helpers.
using namespace folio_server_test;

server_process& shared_server() {
  static server_process server(server_process::environment{{"FOLIO_WORKERS", "2"}, {"FOLIO_OFFICE_PROCESSES", "2"}});
  return server;
}

// "http://127.0.0.1:PORT/files/…?…" → "/files/…?…"
std::string target_of(const server_process& server, const std::string& url) {
  REQUIRE(url.starts_with(server.base_url()));
  return url.substr(server.base_url().size());
}

// What a command printed, standard output and error together.
std::string printed_by(const std::string& command) {
  return run_command(command).first;
}

// Writes bytes to a file of the scratch directory and answers its path.
std::string saved(const folio_test::temp_directory& scratch, const std::string& name, const std::string& bytes) {
  const auto path = scratch.path() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

// A run made by a sync generate call that completed.
struct made_run {
  std::string id;
  std::string download_url;
};

made_run generate(http_connection& client, const std::string& key, const std::string& endpoint, nlohmann::json body) {
  const auto answer = post_json(client, endpoint, key, body);
  INFO(answer.body);
  REQUIRE(answer.status == 200);
  REQUIRE(answer.json()["status"] == "completed");
  return {answer.json()["run_id"], answer.json()["download_url"]};
}

http_response fetch(http_connection& client, const server_process& server, const std::string& url,
                    const header_list& headers = {}) {
  return client.request("GET", target_of(server, url), headers);
}

http_response export_run(http_connection& client, const std::string& key, const std::string& run,
                         const nlohmann::json& body) {
  return post_json(client, "/runs/" + run + "/export", key, body);
}

std::string quoted_hash(const std::string& bytes) {
  return "\"" + folio::sha256_hex(bytes) + "\"";
}

std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& bytes) {
  REQUIRE(bytes.size() > 24);
  REQUIRE(bytes.starts_with("\x89PNG\r\n\x1a\n"));
  const auto word = [&](std::size_t at) {
    return (std::uint32_t{static_cast<unsigned char>(bytes[at])} << 24U) |
           (std::uint32_t{static_cast<unsigned char>(bytes[at + 1])} << 16U) |
           (std::uint32_t{static_cast<unsigned char>(bytes[at + 2])} << 8U) |
           std::uint32_t{static_cast<unsigned char>(bytes[at + 3])};
  };
  return {word(16), word(20)};
}

// The text of an OpenDocument file's content.xml, tags removed.
std::string open_document_text(const std::string& path) {
  return printed_by("/usr/bin/python3 -c 'import sys, re, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                    "print(z.read(\"mimetype\").decode()); "
                    "print(re.sub(\"<[^>]+>\", \"\", z.read(\"content.xml\").decode()))' " +
                    path);
}

std::string docx_text(const std::string& path) {
  return printed_by("/usr/bin/python3 -c 'import sys, docx; "
                    "print(\"\\n\".join(p.text for p in docx.Document(sys.argv[1]).paragraphs))' " +
                    path);
}

std::string xlsx_sheets(const std::string& path) {
  return printed_by("/usr/bin/python3 -c 'import sys, openpyxl; "
                    "print(\"|\".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))' " +
                    path);
}

// One run of each format, made once for the cases that only read them.
struct sample_runs {
  made_run workbook;
  made_run document;
  made_run deck;
};

const sample_runs& samples() {
  static const sample_runs made = [] {
    auto& server = shared_server();
    auto client = server.connect();
    const auto& key = server.first_key();
    return sample_runs{
        generate(*client, key, "/excel/generate", {{"prompt", "Create a Q3 sales report"}}),
        generate(*client, key, "/word/generate", {{"prompt", "Write a project proposal for a new data platform"}}),
        generate(*client, key, "/powerpoint/generate", {{"prompt", "Create a pitch deck for Acme"}}),
    };
  }();
  return made;
}

const std::vector<std::string> every_format{"pdf", "csv",  "png",  "html", "txt", "odt",
                                            "odp", "xlsx", "docx", "pptx", "jpg"};

} // namespace

TEST_CASE("downloads a run's document through its signed link and through the 302", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const folio_test::temp_directory scratch;
  const auto& run = samples().workbook;

  const auto direct = fetch(*client, server, run.download_url);
  REQUIRE(direct.status == 200);
  CHECK(direct.header("content-type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  CHECK(direct.header("content-disposition") == "attachment; filename=\"workbook.xlsx\"");
  CHECK(direct.header("content-length") == std::to_string(direct.body.size()));
  CHECK(direct.header("etag") == quoted_hash(direct.body));
  CHECK(direct.header("accept-ranges") == "bytes");
  CHECK(xlsx_sheets(saved(scratch, "direct.xlsx", direct.body)).find("Q3 Sales") != std::string::npos);

  const auto redirect = client->request("GET", "/runs/" + run.id + "/download", auth(key));
  REQUIRE(redirect.status == 302);
  CHECK(redirect.header("cache-control") == "no-store");
  const auto location = redirect.header("location");
  CHECK(location.starts_with(server.base_url() + "/files/"));
  const auto followed = fetch(*client, server, location);
  REQUIRE(followed.status == 200);
  CHECK(followed.body == direct.body);

  // The run's own file name, with characters a header cannot carry as they are.
  const auto named = generate(*client, key, "/excel/generate",
                              {{"prompt", "Create a Q3 sales report"}, {"file_name", "Q3 résumé (final).xlsx"}});
  const auto by_name = fetch(*client, server, named.download_url);
  REQUIRE(by_name.status == 200);
  CHECK(by_name.header("content-disposition") ==
        "attachment; filename=\"Q3 r_sum_ (final).xlsx\"; filename*=UTF-8''Q3%20r%C3%A9sum%C3%A9%20%28final%29.xlsx");

  // Without a key, another organization's key, or an unknown run: like any run route.
  CHECK(client->request("GET", "/runs/" + run.id + "/download").status == 401);
  CHECK(client->request("GET", "/runs/run_01ARYZ6S41TSV4RRFFQ69G5FAV/download", auth(key)).status == 404);
}

TEST_CASE("refuses a tampered link with 403 and an expired one with 410", "[server][e2e]") {
  auto& server = shared_server();
  auto client = server.connect();
  const auto target = target_of(server, samples().workbook.download_url);
  const std::regex parts(R"(^(/files/[0-9a-f]{64}/[^?]+)\?expires=([0-9]+)&sig=([0-9a-f]{64})$)");
  std::smatch found;
  REQUIRE(std::regex_match(target, found, parts));
  const std::string path = found[1];
  const std::string expires = found[2];
  const std::string signature = found[3];
  const auto flipped = [](std::string text, std::size_t at) {
    text[at] = text[at] == '0' ? '1' : '0';
    return text;
  };

  for (const auto& tampered : {path + "?expires=" + expires + "&sig=" + flipped(signature, 10),
                               path + "?expires=" + std::to_string(std::stoll(expires) + 3600) + "&sig=" + signature,
                               flipped(path, 10) + "?expires=" + expires + "&sig=" + signature,
                               path + "x?expires=" + expires + "&sig=" + signature, path + "?expires=" + expires,
                               path + "?sig=" + signature, path}) {
    INFO(tampered);
    const auto answer = client->request("GET", tampered);
    CHECK(answer.status == 403);
    CHECK(answer.error_code() == "link_tampered");
    CHECK(answer.header("content-disposition").empty());
  }

  // A link the server signed itself, whose time has passed: the secret is the data directory's.
  std::string secret;
  std::getline(std::ifstream(server.data_dir() / "link-secret"), secret);
  const folio::url_signer signer(secret);
  const auto an_hour_ago =
      std::chrono::time_point_cast<folio::duration>(std::chrono::system_clock::now()) - std::chrono::hours{1};
  const auto expired = client->request("GET", signer.sign("GET", path, an_hour_ago).target());
  CHECK(expired.status == 410);
  CHECK(expired.error_code() == "link_expired");
  // The same path signed for the future is served: only its time was wrong.
  const auto fresh = client->request("GET", signer.sign("GET", path, an_hour_ago + std::chrono::hours{2}).target());
  CHECK(fresh.status == 200);
}

TEST_CASE("serves single ranges and answers 304 to a client holding the same bytes", "[server][e2e]") {
  auto& server = shared_server();
  auto client = server.connect();
  const auto& url = samples().deck.download_url;
  const auto whole = fetch(*client, server, url);
  REQUIRE(whole.status == 200);
  const auto size = whole.body.size();
  REQUIRE(size > 1000);
  const auto tag = whole.header("etag");

  const auto head = fetch(*client, server, url, {{"Range", "bytes=0-99"}});
  CHECK(head.status == 206);
  CHECK(head.header("content-range") == "bytes 0-99/" + std::to_string(size));
  CHECK(head.header("content-length") == "100");
  CHECK(head.body == whole.body.substr(0, 100));
  CHECK(head.header("etag") == tag);

  const auto tail = fetch(*client, server, url, {{"Range", "bytes=-50"}});
  CHECK(tail.status == 206);
  CHECK(tail.body == whole.body.substr(size - 50));
  const auto rest = fetch(*client, server, url, {{"Range", "bytes=1000-"}});
  CHECK(rest.status == 206);
  CHECK(rest.body == whole.body.substr(1000));
  CHECK(rest.header("content-range") == "bytes 1000-" + std::to_string(size - 1) + "/" + std::to_string(size));

  const auto past = fetch(*client, server, url, {{"Range", "bytes=" + std::to_string(size) + "-"}});
  CHECK(past.status == 416);
  CHECK(past.header("content-range") == "bytes */" + std::to_string(size));

  const auto several = fetch(*client, server, url, {{"Range", "bytes=0-9,20-29"}});
  CHECK(several.status == 200);
  CHECK(several.body == whole.body);

  // A resumed download continues only the same bytes.
  CHECK(fetch(*client, server, url, {{"Range", "bytes=0-9"}, {"If-Range", tag}}).status == 206);
  const auto changed = fetch(*client, server, url, {{"Range", "bytes=0-9"}, {"If-Range", "\"other\""}});
  CHECK(changed.status == 200);
  CHECK(changed.body == whole.body);

  const auto cached = fetch(*client, server, url, {{"If-None-Match", tag}});
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());
  CHECK(cached.header("etag") == tag);
  CHECK(fetch(*client, server, url, {{"If-None-Match", "\"other\", " + tag}}).status == 304);
  CHECK(fetch(*client, server, url, {{"If-None-Match", "\"other\""}}).status == 200);
}

TEST_CASE("exports every pair API.md allows, each one readable as its format", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const folio_test::temp_directory scratch;
  struct source {
    std::string type;
    const made_run& run;
    std::string name_stem;
    // Words the document's text holds, which each export must keep.
    std::string text;
  };
  const std::vector<source> sources{{"xlsx", samples().workbook, "workbook", "North"},
                                    {"docx", samples().document, "document", "Executive Summary"},
                                    {"pptx", samples().deck, "presentation", "The Problem"}};
  for (const auto& from : sources) {
    for (const auto target : folio::allowed_targets(from.type)) {
      const std::string to(target);
      INFO(from.type << " -> " << to);
      const auto answer = export_run(*client, key, from.run.id, {{"format", to}});
      INFO(answer.body);
      REQUIRE(answer.status == 200);
      const auto body = answer.json();
      CHECK(body["format"] == to);
      CHECK(body.size() == 3);
      const auto expires = folio::parse_rfc3339(body["expires_at"].get<std::string>());
      REQUIRE(expires);
      CHECK(expires.value() > std::chrono::system_clock::now() + std::chrono::hours{23});
      CHECK(body["download_url"].get<std::string>().find(
                "expires=" +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(expires.value().time_since_epoch()).count())) !=
            std::string::npos);

      const auto file = fetch(*client, server, body["download_url"]);
      REQUIRE(file.status == 200);
      CHECK(file.header("content-disposition") == "attachment; filename=\"" + from.name_stem + "." + to + "\"");
      CHECK(file.header("etag") == quoted_hash(file.body));
      const auto path = saved(scratch, from.type + "." + to, file.body);
      if (to == "pdf") {
        CHECK(file.header("content-type") == "application/pdf");
        CHECK(pdf_pages(path) > 0);
        CHECK(printed_by("pdftotext " + path + " -").find(from.text) != std::string::npos);
      } else if (to == "png") {
        CHECK(file.header("content-type") == "image/png");
        const auto [width, height] = png_size(file.body);
        CHECK(width == 1280);
        CHECK(height > 100);
      } else if (to == "csv") {
        CHECK(file.header("content-type") == "text/csv; charset=utf-8");
        CHECK(std::count(file.body.begin(), file.body.end(), '\n') >= 4);
        CHECK(file.body.find(from.text) != std::string::npos);
      } else if (to == "html") {
        CHECK(file.header("content-type") == "text/html; charset=utf-8");
        CHECK(file.body.find("<html") != std::string::npos);
        CHECK(file.body.find(from.text) != std::string::npos);
      } else if (to == "txt") {
        CHECK(file.header("content-type") == "text/plain; charset=utf-8");
        CHECK(file.body.find(from.text) != std::string::npos);
      } else {
        const auto text = open_document_text(path);
        CHECK(text.starts_with("application/vnd.oasis.opendocument." +
                               std::string(to == "odt" ? "text" : "presentation")));
        CHECK(text.find(from.text) != std::string::npos);
      }
    }
  }
}

TEST_CASE("exports a png of the page and width asked, from the body or the query", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const auto& deck = samples().deck;
  const auto second = export_run(*client, key, deck.id, {{"format", "png"}, {"page", 2}, {"width", 400}});
  REQUIRE(second.status == 200);
  const auto second_png = fetch(*client, server, second.json()["download_url"]);
  CHECK(png_size(second_png.body).first == 400);
  CHECK(second_png.header("content-disposition") == "attachment; filename=\"presentation-page-2.png\"");

  const auto first = client->request("POST", "/runs/" + deck.id + "/export?format=png&width=400", auth(key));
  INFO(first.body);
  REQUIRE(first.status == 200);
  const auto first_png = fetch(*client, server, first.json()["download_url"]);
  CHECK(png_size(first_png.body).first == 400);
  CHECK(first_png.body != second_png.body);

  // The query and the body ask the same export.
  const auto again = client->request("POST", "/runs/" + deck.id + "/export?page=2&width=400", json_headers(key),
                                     nlohmann::json{{"format", "png"}}.dump());
  REQUIRE(again.status == 200);
  CHECK(again.header("x-export-cache") == "hit");

  const auto sheet = export_run(*client, key, samples().workbook.id, {{"format", "csv"}, {"sheet", "Q3 Sales"}});
  REQUIRE(sheet.status == 200);
  CHECK(fetch(*client, server, sheet.json()["download_url"]).body.find("North") != std::string::npos);
  const auto no_sheet = export_run(*client, key, samples().workbook.id, {{"format", "csv"}, {"sheet", "Nope"}});
  CHECK(no_sheet.status == 400);
  CHECK(no_sheet.error_code() == "invalid_argument");
}

TEST_CASE("refuses every pair API.md does not allow with 422 naming the allowed targets", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  for (const auto& [type, run] : {std::pair<std::string, const made_run*>{"xlsx", &samples().workbook},
                                  {"docx", &samples().document},
                                  {"pptx", &samples().deck}}) {
    std::string allowed;
    for (const auto target : folio::allowed_targets(type)) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(target);
    }
    for (const auto& target : every_format) {
      if (folio::is_allowed_conversion(type, target)) {
        continue;
      }
      INFO(type << " -> " << target);
      const auto answer = export_run(*client, key, run->id, {{"format", target}});
      CHECK(answer.status == 422);
      CHECK(answer.error_code() == "unsupported_conversion");
      CHECK(answer.json()["error"]["message"] == type + " exports to " + allowed + ", not " + target);
      CHECK(answer.json()["error"]["param"] == "format");
    }
  }
}

TEST_CASE("converts an export once: the second call and concurrent calls share it", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const auto& run = samples().document;

  const auto first = export_run(*client, key, run.id, {{"format", "odt"}});
  REQUIRE(first.status == 200);
  const auto second = export_run(*client, key, run.id, {{"format", "odt"}});
  REQUIRE(second.status == 200);
  CHECK(second.header("x-export-cache") == "hit");
  const std::regex hash_in_url(R"(/files/([0-9a-f]{64})/)");
  std::smatch first_hash;
  std::smatch second_hash;
  const auto first_url = first.json()["download_url"].get<std::string>();
  const auto second_url = second.json()["download_url"].get<std::string>();
  REQUIRE(std::regex_search(first_url, first_hash, hash_in_url));
  REQUIRE(std::regex_search(second_url, second_hash, hash_in_url));
  CHECK(first_hash[1] == second_hash[1]);

  // Six clients ask together for an export nobody has made yet: one conversion, one file.
  std::vector<std::future<http_response>> asked;
  for (int index = 0; index < 6; ++index) {
    asked.push_back(std::async(std::launch::async, [&] {
      auto own = server.connect();
      return export_run(*own, key, samples().deck.id, {{"format", "png"}, {"page", 3}, {"width", 320}});
    }));
  }
  int misses = 0;
  std::set<std::string> files;
  for (auto& each : asked) {
    const auto answer = each.get();
    REQUIRE(answer.status == 200);
    misses += answer.header("x-export-cache") == "miss" ? 1 : 0;
    const auto url = answer.json()["download_url"].get<std::string>();
    std::smatch found;
    REQUIRE(std::regex_search(url, found, hash_in_url));
    files.insert(found[1]);
  }
  CHECK(misses == 1);
  CHECK(files.size() == 1);
}

TEST_CASE("refuses exports it cannot make with the error API.md names", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const auto& run = samples().workbook;

  const auto missing = export_run(*client, key, run.id, nlohmann::json::object());
  CHECK(missing.status == 400);
  CHECK(missing.json()["error"]["param"] == "format");
  const auto unknown_field = export_run(*client, key, run.id, {{"format", "pdf"}, {"pages", 2}});
  CHECK(unknown_field.status == 400);
  CHECK(unknown_field.error_code() == "unknown_field");
  const auto foreign_option = export_run(*client, key, run.id, {{"format", "pdf"}, {"page", 2}});
  CHECK(foreign_option.status == 400);
  CHECK(foreign_option.json()["error"]["param"] == "page");
  const auto bad_width = export_run(*client, key, run.id, {{"format", "png"}, {"width", "wide"}});
  CHECK(bad_width.status == 400);
  CHECK(bad_width.json()["error"]["param"] == "width");
  const auto twice = client->request("POST", "/runs/" + run.id + "/export?format=csv", json_headers(key),
                                     nlohmann::json{{"format", "pdf"}}.dump());
  CHECK(twice.status == 400);
  CHECK(export_run(*client, key, "run_01ARYZ6S41TSV4RRFFQ69G5FAV", {{"format", "pdf"}}).status == 404);
  CHECK(client->request("POST", "/runs/" + run.id + "/export?format=pdf").status == 401);

  // A run whose only turn failed has nothing to export or download.
  const auto failed = client->request("POST", "/excel/generate", json_headers(key),
                                      nlohmann::json{{"prompt", "sing me a song"}}.dump());
  REQUIRE(failed.status == 200);
  REQUIRE(failed.json()["status"] == "failed");
  const auto nothing = export_run(*client, key, failed.json()["run_id"], {{"format", "pdf"}});
  CHECK(nothing.status == 409);
  CHECK(nothing.error_code() == "no_output");
  const auto no_download =
      client->request("GET", "/runs/" + failed.json()["run_id"].get<std::string>() + "/download", auth(key));
  CHECK(no_download.status == 409);
  CHECK(no_download.error_code() == "no_output");
}

TEST_CASE("stores an edited document, and the next turn starts from it", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const folio_test::temp_directory scratch;
  const auto run = generate(*client, key, "/word/generate", {{"prompt", "Create a quarterly business review"}});
  const auto original = fetch(*client, server, run.download_url).body;
  const auto path = saved(scratch, "original.docx", original);
  const auto edited_path = (scratch.path() / "edited.docx").string();
  const auto edit_output = printed_by("/usr/bin/python3 -c 'import sys, docx; d = docx.Document(sys.argv[1]); "
                                      "d.add_paragraph(\"Appendix Zeta\"); d.add_paragraph(\"Edited by a person.\"); "
                                      "d.save(sys.argv[2])' " +
                                      path + " " + edited_path);
  INFO(edit_output);
  const auto edited = folio_server_test::read_text(edited_path);
  REQUIRE(edited.size() > 1000);
  const std::string docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  const auto document_url = "/runs/" + run.id + "/document";
  header_list as_docx = auth(key);
  as_docx.emplace_back("Content-Type", docx_type);

  // Refused, each leaving the run's document as it was.
  header_list as_json = auth(key);
  as_json.emplace_back("Content-Type", "application/json");
  const auto wrong_type = client->request("PUT", document_url, as_json, edited);
  CHECK(wrong_type.status == 415);
  CHECK(wrong_type.error_code() == "unsupported_media_type");
  const auto garbage = client->request("PUT", document_url, as_docx, std::string(4000, 'x'));
  CHECK(garbage.status == 422);
  CHECK(garbage.error_code() == "document_unreadable");
  const auto workbook = fetch(*client, server, samples().workbook.download_url).body;
  const auto other_kind = client->request("PUT", document_url, as_docx, workbook);
  CHECK(other_kind.status == 422);
  CHECK(other_kind.error_code() == "document_unreadable");
  CHECK(client->request("PUT", document_url, as_docx, "").status == 422);
  const auto unchanged = client->request("GET", "/runs/" + run.id + "/download", auth(key));
  CHECK(fetch(*client, server, unchanged.header("location")).body == original);

  const auto stored = client->request("PUT", document_url, as_docx, edited);
  INFO(stored.body);
  REQUIRE(stored.status == 200);
  CHECK(stored.json()["run_id"] == run.id);
  const auto now = client->request("GET", "/runs/" + run.id + "/download", auth(key));
  CHECK(fetch(*client, server, now.header("location")).body == edited);

  const auto follow_up =
      generate(*client, key, "/word/generate",
               {{"run_id", run.id}, {"prompt", "Add a section called Risks saying \"Supply is thin\""}});
  const auto after = docx_text(saved(scratch, "after.docx", fetch(*client, server, follow_up.download_url).body));
  CHECK(after.find("Appendix Zeta") != std::string::npos);
  CHECK(after.find("Edited by a person.") != std::string::npos);
  CHECK(after.find("Supply is thin") != std::string::npos);
  CHECK(after.find("Revenue") != std::string::npos);
}

TEST_CASE("deletes a run's bytes at once; the run stays listed as expired", "[server][e2e]") {
  auto& server = shared_server();
  const auto& key = server.first_key();
  auto client = server.connect();
  const auto run = generate(*client, key, "/powerpoint/generate", {{"prompt", "Create a quarterly review deck"}});
  const auto exported = export_run(*client, key, run.id, {{"format", "pdf"}});
  REQUIRE(exported.status == 200);
  REQUIRE(fetch(*client, server, run.download_url).status == 200);

  const auto deleted = client->request("DELETE", "/runs/" + run.id, auth(key));
  INFO(deleted.body);
  REQUIRE(deleted.status == 200);
  CHECK(deleted.json()["status"] == "expired");
  CHECK(client->request("GET", "/runs/" + run.id, auth(key)).json()["status"] == "expired");
  const auto listed = client->request("GET", "/runs?limit=100&status=expired", auth(key)).json();
  CHECK(std::any_of(listed["items"].begin(), listed["items"].end(),
                    [&](const nlohmann::json& item) { return item["run_id"] == run.id; }));

  const auto download = client->request("GET", "/runs/" + run.id + "/download", auth(key));
  CHECK(download.status == 410);
  CHECK(download.error_code() == "run_expired");
  const auto export_again = export_run(*client, key, run.id, {{"format", "pdf"}});
  CHECK(export_again.status == 410);
  CHECK(export_again.error_code() == "run_expired");
  const auto resume =
      client->request("POST", "/powerpoint/generate", json_headers(key),
                      nlohmann::json{{"run_id", run.id}, {"prompt", "Add a slide about hiring"}}.dump());
  CHECK(resume.status == 410);
  CHECK(resume.error_code() == "run_expired");
  // Links handed out before the delete no longer serve the bytes.
  const auto old_link = fetch(*client, server, run.download_url);
  CHECK(old_link.status == 410);
  CHECK(old_link.body.find("PK") != 0);
  CHECK(fetch(*client, server, exported.json()["download_url"]).status == 410);
  // Deleting again changes nothing and says the same.
  CHECK(client->request("DELETE", "/runs/" + run.id, auth(key)).status == 200);
  CHECK(client->request("DELETE", "/runs/run_01ARYZ6S41TSV4RRFFQ69G5FAV", auth(key)).status == 404);
}

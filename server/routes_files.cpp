// GET /files/{hash}/{name}: signed links to stored bytes (documents and exports), with ETag, If-None-Match and single
// Range requests; and GET /runs/{run_id}/download, the 302 to a freshly signed link of the run's current document.
#include "routes.hpp"

#include <folio/byte_range.hpp>
#include <folio/content_disposition.hpp>
#include <folio/entity_tag.hpp>
#include <folio/file_blob_store.hpp>
#include <folio/file_link.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>

namespace folio_server {
namespace {

using Pistache::Http::Code;

// A stored file's bytes, read as a range asks: only the part when the blob store keeps files, so a resumed download
// of a large document never reads what it does not send.
class blob_reader {
public:
  blob_reader(folio::blob_store& blobs, std::string hash) : blobs_(blobs), hash_(std::move(hash)) {}

  // not_found once the bytes are gone (the run was deleted or purged).
  folio::result<std::uint64_t> size() {
    if (const auto* files = dynamic_cast<folio::file_blob_store*>(&blobs_)) {
      struct stat status {};
      if (::stat(files->path_of(hash_).c_str(), &status) != 0) {
        return gone();
      }
      return static_cast<std::uint64_t>(status.st_size);
    }
    auto loaded = load();
    if (!loaded) {
      return loaded.error();
    }
    return static_cast<std::uint64_t>(whole_->size());
  }

  folio::result<std::string> read(const folio::byte_range& range) {
    if (const auto* files = dynamic_cast<folio::file_blob_store*>(&blobs_)) {
      const int descriptor = ::open(files->path_of(hash_).c_str(), O_RDONLY | O_CLOEXEC);
      if (descriptor < 0) {
        return gone();
      }
      std::string part(range.length(), '\0');
      std::size_t done = 0;
      while (done < part.size()) {
        const auto got =
            ::pread(descriptor, part.data() + done, part.size() - done, static_cast<off_t>(range.first + done));
        if (got <= 0) {
          break;
        }
        done += static_cast<std::size_t>(got);
      }
      ::close(descriptor);
      if (done != part.size()) {
        return folio::fail(folio::errc::storage_error, "the stored file ended before the range did");
      }
      return part;
    }
    auto loaded = load();
    if (!loaded) {
      return loaded.error();
    }
    return whole_->substr(range.first, range.length());
  }

  folio::result<std::string> read_all() {
    if (whole_) {
      return *whole_;
    }
    auto read = blobs_.get(hash_);
    if (!read && read.error() == folio::errc::not_found) {
      return gone();
    }
    return read;
  }

private:
  static folio::error gone() {
    return {folio::errc::run_expired, "this file is gone: the run it belonged to was deleted or has expired"};
  }

  folio::result<void> load() {
    if (!whole_) {
      auto read = read_all();
      if (!read) {
        return read.error();
      }
      whole_ = std::move(read).value();
    }
    return folio::success();
  }

  folio::blob_store& blobs_;
  std::string hash_;
  std::optional<std::string> whole_;
};

void serve_file(server_app& app, const request_context& request, const responder_ptr& answer) {
  const auto expires = request.query_value("expires");
  const auto signature = request.query_value("sig");
  if (!expires || !signature) {
    answer->error({folio::errc::link_tampered, "this link is not signed: it needs expires and sig", "sig"});
    return;
  }
  if (auto verified = app.signer().verify("GET", request.path, *expires, *signature, app.clock().now()); !verified) {
    answer->error(verified.error());
    return;
  }
  auto address = folio::file_address::parse(request.path);
  if (!address) {
    answer->error(address.error());
    return;
  }
  const auto& file = address.value();
  const auto tag = folio::entity_tag_for(file.hash);
  const auto content_type = folio::media_type_of_file_name(file.file_name);
  header_list headers{{"ETag", tag},
                      {"Content-Disposition", folio::attachment_disposition(file.file_name)},
                      {"Accept-Ranges", "bytes"},
                      // The bytes behind a link never change, but the link itself expires: caches keep it privately.
                      {"Cache-Control", "private, max-age=86400"}};

  blob_reader reader(app.blobs(), file.hash);
  auto size = reader.size();
  if (!size) {
    answer->error(size.error());
    return;
  }
  if (folio::if_none_match_holds(request.header("if-none-match").value_or(""), tag)) {
    answer->send(Code::Not_Modified, "", content_type, headers);
    return;
  }
  auto decision = folio::evaluate_range(request.header("range").value_or(""), size.value());
  if (!folio::if_range_allows_partial(request.header("if-range").value_or(""), tag)) {
    decision = {};
  }
  switch (decision.outcome) {
  case folio::range_outcome::unsatisfiable: {
    headers.emplace_back("Content-Range", folio::unsatisfied_content_range(size.value()));
    const folio::error failure{folio::errc::invalid_argument,
                               "the range starts past the end of the file (" + std::to_string(size.value()) + " bytes)",
                               "Range"};
    answer->send(Code::Requested_Range_Not_Satisfiable, error_body(failure, answer->request_id()).dump() + "\n",
                 "application/json; charset=utf-8", headers);
    return;
  }
  case folio::range_outcome::partial: {
    auto part = reader.read(decision.range);
    if (!part) {
      answer->error(part.error());
      return;
    }
    headers.emplace_back("Content-Range", decision.range.content_range(size.value()));
    answer->send(Code::Partial_Content, part.value(), content_type, headers);
    return;
  }
  case folio::range_outcome::whole: break;
  }
  auto bytes = reader.read_all();
  if (!bytes) {
    answer->error(bytes.error());
    return;
  }
  answer->send(Code::Ok, bytes.value(), content_type, headers);
}

void download_run(server_app& app, const request_context& request, const responder_ptr& answer) {
  auto id = path_id<folio::run_id>(request, "run_id");
  if (!id) {
    answer->error(id.error());
    return;
  }
  const auto now = app.clock().now();
  auto found = app.store().get_run_summary(request.org_id(), id.value(), now);
  if (!found) {
    answer->error(found.error());
    return;
  }
  const auto& subject = found.value();
  if (subject.status == folio::run_status::expired) {
    answer->error({folio::errc::run_expired, "the run has expired: its document is gone", "run_id"});
    return;
  }
  if (subject.document_hash.empty()) {
    answer->error({folio::errc::no_output, "the run has no document yet: no turn has completed", "run_id"});
    return;
  }
  // Each redirect signs anew, so the link it names always has its full lifetime; nobody may cache the redirect.
  answer->send(
      Code::Found, "", "",
      {{"Location", app.file_url(subject.document_hash, subject.file_name, now)}, {"Cache-Control", "no-store"}});
}

} // namespace

void add_file_routes(router& routes, server_app& app) {
  routes.add(Pistache::Http::Method::Get, "/files/{hash}/{file_name}", access::open,
             [&app](request_context& request, const responder_ptr& answer) { serve_file(app, request, answer); });
  routes.add(Pistache::Http::Method::Get, "/runs/{run_id}/download", access::api_key,
             [&app](request_context& request, const responder_ptr& answer) { download_run(app, request, answer); });
}

} // namespace folio_server

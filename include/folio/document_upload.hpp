// A human-edited document replacing a run's: sent as the run's format (its media type), and bytes the run's editor
// actually opens, so the next turn never starts from a file it cannot read. The quick checks (the run, the media
// type) come first; opening the document takes an office, so it is a second step a server runs off its I/O threads.
#pragma once

#include <folio/archive_limits.hpp>
#include <folio/clock.hpp>
#include <folio/document_format.hpp>
#include <folio/editor.hpp>
#include <folio/engine.hpp>
#include <folio/errors.hpp>
#include <folio/ids.hpp>
#include <folio/run.hpp>
#include <folio/store.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

// unsupported_media_type unless `content_type` (parameters ignored, any case) is the format's media type.
inline result<void> check_upload_media_type(document_format format, std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
    media.remove_suffix(1);
  }
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
    media.remove_prefix(1);
  }
  const auto expected = media_type(format);
  const bool same = media.size() == expected.size() &&
                    std::equal(media.begin(), media.end(), expected.begin(),
                               [](char lhs, char rhs) { return std::tolower(static_cast<unsigned char>(lhs)) == rhs; });
  if (!same) {
    return fail(errc::unsupported_media_type,
                "a " + std::string(file_extension(format)) +
                    " run takes its document as Content-Type: " + std::string(expected),
                "Content-Type");
  }
  return success();
}

class document_uploads {
public:
  document_uploads(store& metadata, engine& tasks, editor_factory& editors, const clock& time_source)
      : store_(metadata), engine_(tasks), editors_(editors), clock_(time_source) {}

  // The quick checks: not_found, run_expired, unsupported_media_type, document_unreadable for an empty body,
  // document_too_large for an archive beyond archive_limits.
  result<run> check(const org_id& org, const run_id& id, std::string_view content_type, std::string_view bytes) {
    auto found = store_.get_run(org, id, clock_.now());
    if (!found) {
      return found.error();
    }
    return check(std::move(found).value(), content_type, bytes);
  }

  // The same checks for a run already loaded, its owner checked by the caller.
  static result<run> check(run found, std::string_view content_type, std::string_view bytes) {
    if (found.status == run_status::expired) {
      return fail(errc::run_expired, "the run has expired; start a new run", "run_id");
    }
    if (auto typed = check_upload_media_type(found.format, content_type); !typed) {
      return typed.error();
    }
    if (bytes.empty()) {
      return fail(errc::document_unreadable, "the body is empty: send the document's bytes");
    }
    // A zip bomb is refused here, before any office; what is no zip at all (an encrypted document) is for the
    // editor's own checks to name.
    if (bytes.starts_with(std::string_view("PK\x03\x04", 4))) {
      if (auto archive = check_archive(bytes); !archive) {
        return archive.error();
      }
    }
    return found;
  }

  // Opens the bytes as the run's format (document_unreadable, document_encrypted), then stores them as the run's new
  // version (run_busy while a task is unfinished). Takes an office for as long as the load does.
  result<run> upload(const org_id& org, const run& target, std::string_view bytes) {
    auto opened = editors_.open(target.format, bytes);
    if (!opened) {
      return opened.error();
    }
    opened.value().reset();
    return engine_.upload(org, target.id, bytes);
  }

private:
  store& store_;
  engine& engine_;
  editor_factory& editors_;
  const clock& clock_;
};

FOLIO_END_NAMESPACE

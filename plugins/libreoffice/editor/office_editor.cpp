#include "office_editor.hpp"

#include "../office_document.hpp"
#include "document_tools.hpp"

#include <folio/clock.hpp>
#include <folio/digest.hpp>
#include <folio/json_schema.hpp>

#include <com/sun/star/container/NoSuchElementException.hpp>
#include <com/sun/star/frame/XModel.hpp>
#include <com/sun/star/frame/XStorable.hpp>
#include <com/sun/star/lang/DisposedException.hpp>
#include <com/sun/star/lang/IllegalArgumentException.hpp>
#include <com/sun/star/lang/IndexOutOfBoundsException.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace folio_libreoffice {
namespace {

using namespace std::chrono_literals;

const document_tools& tools_for(folio::document_format format) {
  switch (format) {
  case folio::document_format::excel: return spreadsheet_tools();
  case folio::document_format::word: return text_tools();
  case folio::document_format::powerpoint: return presentation_tools();
  }
  return spreadsheet_tools();
}

// What a parked document is found by: the exact bytes it was saved as, and their format.
std::string kept_key(std::string_view bytes, std::string_view source) {
  return folio::sha256_hex(bytes) + "." + std::string(source);
}

folio::duration positive_milliseconds(const nlohmann::json& config, const char* key, folio::duration fallback,
                                      std::optional<folio::error>& problem) {
  if (!config.contains(key)) {
    return fallback;
  }
  if (!config[key].is_number_integer() || config[key].get<std::int64_t>() <= 0) {
    problem = folio::fail(folio::errc::invalid_argument, "'" + std::string(key) + "' is a positive integer", key);
    return fallback;
  }
  return folio::duration{config[key].get<std::int64_t>()};
}

// Runs `body` as a job on the held office, turning what UNO throws into folio errors: the office lost (its bridge
// disposed) marks the job so the pool replaces it; an argument UNO refused is the caller's to fix.
template <class Body>
folio::result<void> run_guarded(office_lease& lease, folio::duration deadline, Body&& body) {
  return lease.run(steady_clock::now() + deadline, [&](job_context& context) -> folio::result<void> {
    try {
      return body(context);
    } catch (const css::lang::DisposedException& failure) {
      context.office_lost = true;
      return folio::fail(folio::errc::converter_crashed, to_utf8(failure.Message));
    } catch (const css::lang::IllegalArgumentException& failure) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "LibreOffice refused an argument: " + to_utf8(failure.Message));
    } catch (const css::lang::IndexOutOfBoundsException& failure) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "a position lies outside the document: " + to_utf8(failure.Message));
    } catch (const css::container::NoSuchElementException& failure) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "the document has no such element: " + to_utf8(failure.Message));
    } catch (const css::uno::Exception& failure) {
      return folio::fail(folio::errc::plugin_error, "LibreOffice failed: " + to_utf8(failure.Message));
    }
  });
}

class office_editor final : public folio::editor {
public:
  office_editor(std::shared_ptr<office_pool> pool, office_lease lease, temporary_directory directory,
                const document_tools& tools, folio::duration deadline, std::size_t keep_documents,
                const document_ref& document = {})
      : pool_(std::move(pool)), lease_(std::move(lease)), directory_(std::move(directory)), tools_(tools),
        deadline_(deadline), keep_documents_(keep_documents), document_(document) {}

  office_editor(const office_editor&) = delete;
  office_editor& operator=(const office_editor&) = delete;

  ~office_editor() override {
    if (!document_.is()) {
      return;
    }
    // The document lives in the office, not here: it must be closed there, or the office keeps its memory.
    (void)run_guarded(lease_, 10s, [&](job_context&) -> folio::result<void> {
      const document_closer closer(document_);
      return folio::success();
    });
    if (!saved_key_.empty() && !lease_.lost()) {
      park_saved();
    }
  }

  // Takes over a document the office kept parked: the office must still answer for it (it may have died since
  // without the pool having seen it yet). A live document always answers getURL(), so any failure means a broken
  // office, which the pool then replaces.
  folio::result<void> check_kept() {
    return lease_.run(steady_clock::now() + deadline_, [&](job_context& context) -> folio::result<void> {
      try {
        const css::uno::Reference<css::frame::XModel> model(document_, css::uno::UNO_QUERY_THROW);
        (void)model->getURL();
        return folio::success();
      } catch (const css::uno::Exception& failure) {
        context.office_lost = true;
        return folio::fail(folio::errc::converter_crashed, to_utf8(failure.Message));
      }
    });
  }

  folio::result<void> load(std::string_view bytes) {
    return run_guarded(lease_, deadline_, [&](job_context& context) -> folio::result<void> {
      if (bytes.empty()) {
        const auto created =
            context.desktop->loadComponentFromURL(to_ustring(tools_.new_document_url), OUString("_blank"), 0,
                                                  properties({property("Hidden", css::uno::Any(true))}));
        if (!created.is()) {
          return folio::fail(folio::errc::plugin_error,
                             "LibreOffice cannot create a new " + std::string(tools_.source));
        }
        document_ = created;
        return folio::success();
      }
      const auto input = directory_.path() / ("input." + std::string(tools_.source));
      {
        std::ofstream file(input, std::ios::binary);
        file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!file) {
          return folio::fail(folio::errc::internal, "cannot write the document to " + input.string());
        }
      }
      auto loaded = load_document(context.desktop, input, tools_.source, load_mode::editable);
      if (!loaded) {
        return loaded.error();
      }
      document_ = std::move(loaded).value();
      return folio::success();
    });
  }

  [[nodiscard]] nlohmann::json tool_catalog() const override {
    auto catalog = nlohmann::json::array();
    for (const auto& tool : tools_.tools) {
      catalog.push_back({{"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}});
    }
    return catalog;
  }

  folio::result<nlohmann::json> call_tool(std::string_view name, const nlohmann::json& arguments) override {
    const auto* tool = find_tool(name);
    if (tool == nullptr) {
      std::string known;
      for (const auto& each : tools_.tools) {
        known += (known.empty() ? "" : ", ") + each.name;
      }
      return folio::fail(
          folio::errc::tool_unknown,
          "no tool '" + std::string(name) + "' for " + std::string(tools_.source) + "; the tools are " + known, "name");
    }
    if (auto valid = folio::validate_json(tool->parameters, arguments); !valid) {
      auto problem = valid.error();
      problem.message = tool->name + ": " + problem.message;
      return problem;
    }
    // From here the document may differ from the bytes save() returned, so it may no longer be parked under them.
    saved_key_.clear();
    nlohmann::json answer;
    auto ran = run_guarded(lease_, deadline_, [&](job_context&) -> folio::result<void> {
      auto outcome = tool->run(document_, arguments);
      if (!outcome) {
        return outcome.error();
      }
      answer = std::move(outcome).value();
      return folio::success();
    });
    if (!ran) {
      return ran.error();
    }
    return answer;
  }

  folio::result<nlohmann::json> outline() override {
    nlohmann::json answer;
    auto ran = run_guarded(lease_, deadline_, [&](job_context&) -> folio::result<void> {
      auto outcome = tools_.outline(document_);
      if (!outcome) {
        return outcome.error();
      }
      answer = std::move(outcome).value();
      return folio::success();
    });
    if (!ran) {
      return ran.error();
    }
    return answer;
  }

  folio::result<std::string> save() override {
    const auto output = directory_.path() / ("saved." + std::string(tools_.source));
    auto stored = run_guarded(lease_, deadline_, [&](job_context&) -> folio::result<void> {
      const css::uno::Reference<css::frame::XStorable> storable(document_, css::uno::UNO_QUERY_THROW);
      storable->storeToURL(to_ustring("file://" + output.string()),
                           properties({property("FilterName", css::uno::Any(to_ustring(tools_.export_filter))),
                                       property("Overwrite", css::uno::Any(true))}));
      return folio::success();
    });
    if (!stored) {
      return stored.error();
    }
    std::ifstream file(output, std::ios::binary);
    std::ostringstream bytes;
    bytes << file.rdbuf();
    if (!file) {
      return folio::fail(folio::errc::plugin_error, "LibreOffice wrote no " + std::string(tools_.source));
    }
    auto saved = std::move(bytes).str();
    if (keep_documents_ > 0) {
      saved_key_ = kept_key(saved, tools_.source);
    }
    return saved;
  }

private:
  // Loads the bytes save() last wrote, exactly as open() would load them, and parks the loaded document in the held
  // office for the open of those bytes, on the pool's thread: the caller's turn does not wait for the load. Parking
  // the edited document itself would be quicker but not the same: an export and import normalise what they carry
  // (numbers to 15 digits, names given to unnamed shapes, list styles), so the next turn would see other content
  // than the bytes say.
  void park_saved() {
    auto directory = std::make_shared<temporary_directory>(std::move(directory_));
    auto file = directory->path() / ("saved." + std::string(tools_.source));
    pool_->finish_later(std::move(lease_),
                        [directory = std::move(directory), file = std::move(file), key = saved_key_, &tools = tools_,
                         deadline = deadline_, capacity = keep_documents_](office_lease& lease) {
                          document_ref loaded;
                          auto ran = run_guarded(lease, deadline, [&](job_context& context) -> folio::result<void> {
                            auto outcome = load_document(context.desktop, file, tools.source, load_mode::editable);
                            if (!outcome) {
                              return outcome.error();
                            }
                            loaded = std::move(outcome).value();
                            return folio::success();
                          });
                          if (!ran || !loaded.is()) {
                            return;
                          }
                          auto to_close = lease.park(key, loaded, capacity);
                          if (!to_close.empty()) {
                            (void)run_guarded(lease, 10s, [&](job_context&) -> folio::result<void> {
                              for (auto& each : to_close) {
                                const document_closer closer(each);
                              }
                              return folio::success();
                            });
                          }
                        });
  }

  [[nodiscard]] const document_tool* find_tool(std::string_view name) const {
    for (const auto& each : tools_.tools) {
      if (each.name == name) {
        return &each;
      }
    }
    return nullptr;
  }

  std::shared_ptr<office_pool> pool_;
  office_lease lease_;
  temporary_directory directory_;
  const document_tools& tools_;
  folio::duration deadline_;
  std::size_t keep_documents_;
  document_ref document_;
  std::string saved_key_; // set by a save() with no tool call since: the saved file is what the document is
};

class office_editor_factory final : public folio::editor_factory {
public:
  office_editor_factory(std::shared_ptr<office_pool> pool, folio::duration deadline, folio::duration open_wait,
                        std::size_t keep_documents)
      : pool_(std::move(pool)), deadline_(deadline), open_wait_(open_wait), keep_documents_(keep_documents) {}

  folio::result<std::unique_ptr<folio::editor>> open(folio::document_format format, std::string_view bytes) override {
    const auto& tools = tools_for(format);
    if (!bytes.empty()) {
      if (auto container = check_container(bytes, tools.source); !container) {
        return container.error();
      }
    }
    const auto key = keep_documents_ > 0 && !bytes.empty() ? kept_key(bytes, tools.source) : std::string();
    // A free office keeping the document is taken first; otherwise the first office to free up, which may be the
    // one still loading the document to keep it (with one office, always).
    if (!key.empty()) {
      if (auto kept = pool_->take_kept(key)) {
        if (auto made = editor_on(tools, std::move(kept->lease), kept->document)) {
          pool_->count_kept(true);
          return made;
        }
      }
    }
    auto first = pool_->acquire(steady_clock::now() + open_wait_);
    if (!first) {
      return first.error();
    }
    if (!key.empty()) {
      const auto document = first.value().take_kept(key);
      if (document.is()) {
        if (auto made = editor_on(tools, std::move(first).value(), document)) {
          pool_->count_kept(true);
          return made;
        }
        // The office that failed its kept document was lost with it (its lease went with the editor): another one
        // loads the bytes.
        pool_->count_kept(false);
        return open_loaded(tools, bytes, pool_->acquire(steady_clock::now() + open_wait_));
      }
      pool_->count_kept(false);
    }
    return open_loaded(tools, bytes, std::move(first));
  }

private:
  // An editor on the bytes loaded in the leased office.
  folio::result<std::unique_ptr<folio::editor>> open_loaded(const document_tools& tools, std::string_view bytes,
                                                            folio::result<office_lease> lease) {
    if (!lease) {
      return lease.error();
    }
    auto directory = temporary_directory::make();
    if (!directory) {
      return directory.error();
    }
    auto made = std::make_unique<office_editor>(pool_, std::move(lease).value(), std::move(directory).value(), tools,
                                                deadline_, keep_documents_);
    if (auto loaded = made->load(bytes); !loaded) {
      return loaded.error();
    }
    return made;
  }

  // An editor on a document taken from the park of the leased office, or null when that office no longer answers.
  std::unique_ptr<office_editor> editor_on(const document_tools& tools, office_lease lease,
                                           const document_ref& document) {
    auto directory = temporary_directory::make();
    if (!directory) {
      return nullptr;
    }
    auto made = std::make_unique<office_editor>(pool_, std::move(lease), std::move(directory).value(), tools, deadline_,
                                                keep_documents_, document);
    if (!made->check_kept()) {
      return nullptr;
    }
    return made;
  }

  std::shared_ptr<office_pool> pool_;
  folio::duration deadline_;
  folio::duration open_wait_;
  std::size_t keep_documents_;
};

} // namespace

folio::result<std::unique_ptr<folio::editor_factory>> make_libreoffice_editor_factory(std::shared_ptr<office_pool> pool,
                                                                                      const nlohmann::json& config) {
  std::optional<folio::error> problem;
  const auto deadline = positive_milliseconds(config, "tool_deadline_ms", 60s, problem);
  const auto open_wait = positive_milliseconds(config, "open_wait_ms", 60s, problem);
  if (problem) {
    return *problem;
  }
  std::size_t keep_documents = 1;
  if (config.contains("keep_documents")) {
    const auto& value = config["keep_documents"];
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > 16) {
      return folio::fail(folio::errc::invalid_argument, "'keep_documents' is an integer from 0 to 16",
                         "keep_documents");
    }
    keep_documents = value.get<std::size_t>();
  }
  return std::make_unique<office_editor_factory>(std::move(pool), deadline, open_wait, keep_documents);
}

} // namespace folio_libreoffice

// The "libreoffice" editor: one open document held in one office of the pool (an office_lease) for the editor's
// life, edited through the format's tools (document_tools.hpp). Config: {"tool_deadline_ms": the deadline of one
// tool call, outline or save (default 60000), "open_wait_ms": how long open() waits for a free office (default
// 60000), "keep_documents": how many documents an office keeps parked (default 1, 0 switches parking off)}.
//
// Parking: an editor destroyed right after a successful save(), with no tool call since, closes its document and
// hands its office to the pool's own thread, which loads the bytes save() wrote, exactly as open() would, and keeps
// that document open in the office under the SHA-256 of those bytes and the format. open() with exactly those bytes
// takes it from the office keeping it (a free one, or the first to free up) instead of loading the bytes; otherwise
// the bytes are loaded as usual. See docs/adr/0012-parked-documents.md.
#pragma once

#include "../office_pool.hpp"

#include <folio/editor.hpp>

#include <memory>
#include <nlohmann/json.hpp>

namespace folio_libreoffice {

folio::result<std::unique_ptr<folio::editor_factory>> make_libreoffice_editor_factory(std::shared_ptr<office_pool> pool,
                                                                                      const nlohmann::json& config);

} // namespace folio_libreoffice

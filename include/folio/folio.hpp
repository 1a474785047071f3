// The whole folio core in one include. Users may include single headers instead; nothing here is needed twice.
#pragma once

#include <folio/agent.hpp>
#include <folio/backed_store.hpp>
#include <folio/blob_store.hpp>
#include <folio/clock.hpp>
#include <folio/converter.hpp>
#include <folio/digest.hpp>
#include <folio/document_format.hpp>
#include <folio/editor.hpp>
#include <folio/engine.hpp>
#include <folio/errors.hpp>
#include <folio/ids.hpp>
#include <folio/memory_store.hpp>
#include <folio/organization.hpp>
#include <folio/pagination.hpp>
#include <folio/plugin.hpp>
#include <folio/plugin_loader.hpp>
#include <folio/plugin_registry.hpp>
#include <folio/retention.hpp>
#include <folio/run.hpp>
#include <folio/signed_url.hpp>
#include <folio/store.hpp>
#include <folio/submission.hpp>
#include <folio/task.hpp>
#include <folio/time_format.hpp>
#include <folio/version.hpp>

// folio version and ABI namespace. CMake reads the version from this file, so it is the only place it is written.
#pragma once

#define FOLIO_VERSION_MAJOR 0
#define FOLIO_VERSION_MINOR 1
#define FOLIO_VERSION_PATCH 0

#define FOLIO_STRINGIFY_DETAIL(x) #x
#define FOLIO_STRINGIFY(x) FOLIO_STRINGIFY_DETAIL(x)
#define FOLIO_VERSION_STRING                                                                                           \
  FOLIO_STRINGIFY(FOLIO_VERSION_MAJOR) "." FOLIO_STRINGIFY(FOLIO_VERSION_MINOR) "." FOLIO_STRINGIFY(FOLIO_VERSION_PATCH)

// Every public name lives in an inline namespace named after the major version, so two majors linked into one
// program do not silently share layouts.
#define FOLIO_BEGIN_NAMESPACE                                                                                          \
  namespace folio {                                                                                                    \
  inline namespace v0 {
#define FOLIO_END_NAMESPACE                                                                                            \
  }                                                                                                                    \
  }

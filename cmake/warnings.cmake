# Warnings for the project's own targets. Kept out of folio::core so consumers choose their own.
add_library(folio_warnings INTERFACE)
target_compile_options(folio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${FOLIO_WARNINGS_AS_ERRORS}>:-Werror>)

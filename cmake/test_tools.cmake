# The programs the tests drive besides the build's own. Each is required: a missing one fails configure naming the
# Debian package that brings it (scripts/setup installs them all), rather than letting a suite go unbuilt or skip
# itself while ctest stays green with fewer tests.
function(folio_require_program variable package)
  find_program(${variable} NAMES ${ARGN})
  if(NOT ${variable})
    list(JOIN ARGN " or " names)
    message(FATAL_ERROR "the tests need ${names}: install the Debian package ${package} (scripts/setup does), "
                        "or configure with -DFOLIO_BUILD_TESTS=OFF")
  endif()
endfunction()

folio_require_program(FOLIO_PDFINFO poppler-utils pdfinfo)
folio_require_program(FOLIO_PDFTOPPM poppler-utils pdftoppm)
folio_require_program(FOLIO_PDFTOTEXT poppler-utils pdftotext)
folio_require_program(FOLIO_UNZIP unzip unzip)
folio_require_program(FOLIO_CHROMIUM chromium chromium chromium-browser)

# The independent readers that check what the editors save, and Debian's python3 that their packages serve (another
# python3 may come first on the PATH).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(FOLIO_DEBIAN_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT FOLIO_DEBIAN_PYTHON)
  message(FATAL_ERROR "the tests need /usr/bin/python3: install the Debian package python3 (scripts/setup does)")
endif()
function(folio_require_python_module module package)
  execute_process(COMMAND ${FOLIO_DEBIAN_PYTHON} -c "import ${module}" RESULT_VARIABLE missing OUTPUT_QUIET
                  ERROR_QUIET)
  if(missing)
    message(FATAL_ERROR "the tests need the Python module ${module}: install the Debian package ${package} "
                        "(scripts/setup does), or configure with -DFOLIO_BUILD_TESTS=OFF")
  endif()
endfunction()
folio_require_python_module(openpyxl python3-openpyxl)
folio_require_python_module(docx python3-docx)

# Finds the LibreOffice SDK (the UNO C++ runtime headers and libraries) and cppumaker, and offers
# libreoffice_sdk_generate_headers() to generate the C++ headers of the UNO types a target uses.
#
# Result variables: LibreOfficeSDK_FOUND, LibreOfficeSDK_VERSION, LibreOfficeSDK_PROGRAM_DIR (the office's program
# directory: soffice, types.rdb). Imported target: LibreOfficeSDK::uno (runtime headers, libraries and the defines the
# SDK's settings.mk gives for the platform). Hints: LibreOfficeSDK_ROOT (the office, e.g. /usr/lib/libreoffice).

set(_lo_sdk_hints ${LibreOfficeSDK_ROOT} $ENV{LibreOfficeSDK_ROOT} /usr/lib/libreoffice /usr/local/lib/libreoffice
  /opt/libreoffice)

find_path(LibreOfficeSDK_INCLUDE_DIR NAMES sal/config.h cppu/macros.hxx
  HINTS ${_lo_sdk_hints} PATH_SUFFIXES sdk/include NO_DEFAULT_PATH)
find_program(LibreOfficeSDK_CPPUMAKER NAMES cppumaker HINTS ${_lo_sdk_hints} PATH_SUFFIXES sdk/bin NO_DEFAULT_PATH)
find_path(LibreOfficeSDK_PROGRAM_DIR NAMES types.rdb HINTS ${_lo_sdk_hints} PATH_SUFFIXES program NO_DEFAULT_PATH)
find_file(LibreOfficeSDK_OFFAPI_RDB NAMES offapi.rdb HINTS ${LibreOfficeSDK_PROGRAM_DIR}
  PATH_SUFFIXES types NO_DEFAULT_PATH)

set(_lo_sdk_libraries cppu cppuhelpergcc3 sal salhelpergcc3)
set(_lo_sdk_library_vars)
foreach(_lo_lib IN LISTS _lo_sdk_libraries)
  # The SDK's lib/ holds unversioned links to program/; installs without the links still have the .so.3 files.
  find_library(LibreOfficeSDK_${_lo_lib}_LIBRARY NAMES uno_${_lo_lib} libuno_${_lo_lib}.so.3
    HINTS ${_lo_sdk_hints} PATH_SUFFIXES sdk/lib program NO_DEFAULT_PATH)
  list(APPEND _lo_sdk_library_vars LibreOfficeSDK_${_lo_lib}_LIBRARY)
endforeach()

# versionrc carries no version on Debian; the office says it ("LibreOffice 7.4.7.2 40(Build:2)").
find_program(LibreOfficeSDK_SOFFICE NAMES soffice HINTS ${LibreOfficeSDK_PROGRAM_DIR} NO_DEFAULT_PATH)
if(LibreOfficeSDK_SOFFICE AND NOT LibreOfficeSDK_VERSION)
  execute_process(COMMAND ${LibreOfficeSDK_SOFFICE} --version OUTPUT_VARIABLE _lo_version_output
    ERROR_QUIET TIMEOUT 60)
  if(_lo_version_output MATCHES "([0-9]+\\.[0-9]+\\.[0-9]+)")
    set(LibreOfficeSDK_VERSION "${CMAKE_MATCH_1}" CACHE INTERNAL "LibreOffice version")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibreOfficeSDK
  REQUIRED_VARS LibreOfficeSDK_INCLUDE_DIR LibreOfficeSDK_SOFFICE LibreOfficeSDK_CPPUMAKER LibreOfficeSDK_PROGRAM_DIR
    LibreOfficeSDK_OFFAPI_RDB ${_lo_sdk_library_vars}
  VERSION_VAR LibreOfficeSDK_VERSION)

if(LibreOfficeSDK_FOUND AND NOT TARGET LibreOfficeSDK::uno)
  add_library(LibreOfficeSDK::uno INTERFACE IMPORTED)
  # SYSTEM: the SDK's headers (and those generated from them) are not written for our warning flags.
  target_include_directories(LibreOfficeSDK::uno SYSTEM INTERFACE ${LibreOfficeSDK_INCLUDE_DIR})
  # The defines settings.mk gives CC_DEFINES on Linux; other Unixes differ only in the OS name.
  target_compile_definitions(LibreOfficeSDK::uno INTERFACE UNX GCC CPPU_ENV=gcc3
    $<$<PLATFORM_ID:Linux>:LINUX> $<$<PLATFORM_ID:FreeBSD>:FREEBSD> $<$<PLATFORM_ID:Darwin>:MACOSX>)
  foreach(_lo_lib_var IN LISTS _lo_sdk_library_vars)
    target_link_libraries(LibreOfficeSDK::uno INTERFACE ${${_lo_lib_var}})
  endforeach()
  # The libraries' dependencies (libuno_sal needs nothing outside, the others find their siblings through
  # $ORIGIN) live in the office's program directory, which is not on the loader's path.
  target_link_options(LibreOfficeSDK::uno INTERFACE "LINKER:-rpath,${LibreOfficeSDK_PROGRAM_DIR}")
endif()

# libreoffice_sdk_generate_headers(TARGET <name> TYPES <com.sun.star.x.Y>...)
# Makes an INTERFACE target <name> carrying the C++ headers of the listed UNO types and of every type they depend on,
# generated at build time by cppumaker from the office's own type libraries into the build tree. Only the targets that
# link <name> see them, as SYSTEM headers.
function(libreoffice_sdk_generate_headers)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TARGET" "TYPES")
  if(NOT arg_TARGET OR NOT arg_TYPES)
    message(FATAL_ERROR "libreoffice_sdk_generate_headers needs TARGET and TYPES")
  endif()
  set(output_dir ${CMAKE_CURRENT_BINARY_DIR}/${arg_TARGET}_uno_headers)
  set(type_options)
  set(outputs)
  foreach(type IN LISTS arg_TYPES)
    list(APPEND type_options -T${type})
    string(REPLACE "." "/" type_path "${type}")
    list(APPEND outputs ${output_dir}/${type_path}.hpp)
  endforeach()
  # -Gc rewrites only headers whose content changed, so a rerun does not rebuild every user.
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${LibreOfficeSDK_CPPUMAKER} -Gc -O${output_dir} ${type_options}
      ${LibreOfficeSDK_PROGRAM_DIR}/types.rdb ${LibreOfficeSDK_OFFAPI_RDB}
    COMMAND ${CMAKE_COMMAND} -E touch ${outputs}
    DEPENDS ${LibreOfficeSDK_PROGRAM_DIR}/types.rdb ${LibreOfficeSDK_OFFAPI_RDB}
    COMMENT "Generating UNO C++ headers for ${arg_TARGET}"
    VERBATIM)
  add_custom_target(${arg_TARGET}_generate DEPENDS ${outputs})
  file(MAKE_DIRECTORY ${output_dir})
  add_library(${arg_TARGET} INTERFACE)
  add_dependencies(${arg_TARGET} ${arg_TARGET}_generate)
  target_include_directories(${arg_TARGET} SYSTEM INTERFACE ${output_dir})
  target_link_libraries(${arg_TARGET} INTERFACE LibreOfficeSDK::uno)
endfunction()

// Boost.DLL as the core uses it: on std::filesystem, so paths are std::filesystem::path and no compiled Boost library
// is needed. The switch must be seen before Boost.DLL's first header, so every core header reaches Boost.DLL through
// this one; a program that includes Boost.DLL itself before any folio header defines BOOST_DLL_USE_STD_FS too (the
// folio::core CMake target does that for its users).
#pragma once

#ifndef BOOST_DLL_USE_STD_FS
#define BOOST_DLL_USE_STD_FS
#endif

#include <boost/dll/alias.hpp>          // IWYU pragma: export
#include <boost/dll/shared_library.hpp> // IWYU pragma: export

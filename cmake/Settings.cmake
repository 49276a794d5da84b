# Compiler settings as INTERFACE targets: link them, never set global flags.

add_library(moat_warnings INTERFACE)
target_compile_options(moat_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(MOAT_WERROR)
  target_compile_options(moat_warnings INTERFACE -Werror)
endif()

add_library(moat_sanitizers INTERFACE)
if(MOAT_SANITIZE)
  target_compile_options(moat_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(moat_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# The fuzz and CI builds (clang): every target gets ASan and UBSan; moat's
# own libraries also get libFuzzer's coverage instrumentation (see
# moat_library below), so the fuzz targets see inside moat's code while the
# tests link the same objects.
if(MOAT_BUILD_FUZZ)
  target_compile_options(moat_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(moat_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# Extra compile options for moat's libraries only, such as -O1 in a debug
# build whose tests stay at -O0: the code under test and under fuzz runs fast
# while the test sources, which are most of what is compiled, compile fast.
set(MOAT_LIB_COMPILE_OPTIONS "" CACHE STRING "Extra compile options for moat's own libraries")

# Gives a moat library (or the moat executable) what only moat's own code gets.
function(moat_library target)
  target_compile_options(${target} PRIVATE ${MOAT_LIB_COMPILE_OPTIONS})
  if(MOAT_BUILD_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

add_library(moat_hardening INTERFACE)
target_compile_options(moat_hardening INTERFACE
  -fstack-protector-strong -fstack-clash-protection -fcf-protection
  $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
target_link_options(moat_hardening INTERFACE -Wl,-z,relro,-z,now)

# Everything a moat library or executable links.
add_library(moat_settings INTERFACE)
# fmt and nlohmann are in the precompiled header, so every target sees the
# same definitions for them.
target_link_libraries(moat_settings INTERFACE moat_warnings moat_sanitizers moat_hardening
  moat::fmt nlohmann_json::nlohmann_json)
target_include_directories(moat_settings INTERFACE ${PROJECT_SOURCE_DIR}/src)

# Precompiled headers: the standard library, fmt and nlohmann parse once per
# kind of target instead of once per source file. Every target of a kind
# reuses the first one's header, so their flags must match (moat_settings
# gives every target the same ones). Off for clang builds (fuzz), whose
# compile database clang-tidy reads.
option(MOAT_PCH "Precompile the heavy third-party headers" ON)
set(MOAT_PCH_LIB <algorithm> <array> <cstdint> <expected> <filesystem> <functional> <map>
  <memory> <optional> <set> <span> <string> <string_view> <unordered_map> <utility> <vector>
  <fmt/format.h> <nlohmann/json.hpp>)
set(MOAT_PCH_TEST ${MOAT_PCH_LIB} <gtest/gtest.h> <gmock/gmock.h>)
set(MOAT_PCH_CLI ${MOAT_PCH_LIB} <CLI/CLI.hpp>)

# Gives TARGET the precompiled header of KIND (LIB, TEST or CLI). Unity
# builds parse the headers once per unity source already; measured cold under
# ASan, adding the precompiled headers to them made the build slower (the
# headers must be built first, on one core, and every unity source loads them).
function(moat_pch target kind)
  if(NOT MOAT_PCH OR CMAKE_UNITY_BUILD OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  get_property(owner GLOBAL PROPERTY MOAT_PCH_OWNER_${kind})
  if(owner)
    target_precompile_headers(${target} REUSE_FROM ${owner})
  else()
    target_precompile_headers(${target} PRIVATE ${MOAT_PCH_${kind}})
    set_property(GLOBAL PROPERTY MOAT_PCH_OWNER_${kind} ${target})
  endif()
endfunction()

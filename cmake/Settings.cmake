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

# Coverage instrumentation for libFuzzer; every library is built with it so
# the fuzzers see inside moat's code.
if(MOAT_BUILD_FUZZ)
  target_compile_options(moat_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(moat_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(moat_hardening INTERFACE)
target_compile_options(moat_hardening INTERFACE
  -fstack-protector-strong -fstack-clash-protection -fcf-protection
  $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
target_link_options(moat_hardening INTERFACE -Wl,-z,relro,-z,now)

# Everything a moat library or executable links.
add_library(moat_settings INTERFACE)
target_link_libraries(moat_settings INTERFACE moat_warnings moat_sanitizers moat_hardening)
target_include_directories(moat_settings INTERFACE ${PROJECT_SOURCE_DIR}/src)

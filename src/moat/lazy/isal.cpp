// ISA-L's inflate, opened on first use (lazy.hpp). Unlike the other lazy
// libraries it is optional: moat::lazy::available(k_isal) says whether it
// can be opened, and image layers fall back to libarchive's zlib otherwise.

#include <moat/lazy/lazy.hpp>

#include <isa-l/igzip_lib.h>

namespace {
constexpr const auto& isal_lib = moat::lazy::k_isal;
} // namespace

// clang-format off
MOAT_LAZY_FORWARD(isal_lib, void, isal_inflate_init, (struct inflate_state* state), (state))
MOAT_LAZY_FORWARD(isal_lib, void, isal_inflate_reset, (struct inflate_state* state), (state))
MOAT_LAZY_FORWARD(isal_lib, int, isal_inflate, (struct inflate_state* state), (state))
// clang-format on

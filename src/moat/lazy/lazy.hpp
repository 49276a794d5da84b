#pragma once
// Shared libraries opened on first use. moat links libarchive, libcrypto,
// SQLite and libseccomp through small forwarding functions defined here instead of
// listing them as NEEDED: mapping and relocating them (and libarchive's
// dozen dependencies) cost more at start-up than a lint of a hundred
// Dockerfiles, and most commands never call them.
//
// Each forwarder has the library's own name and signature, declared by the
// library's header, so callers are unchanged and a signature that drifts
// from the header does not compile. The first call opens the library
// (dlopen, RTLD_LOCAL) and looks the function up once.

namespace moat::lazy {

struct Library {
  const char* soname;  // "libarchive.so.13"
  const char* purpose; // "to read image layers and archives", for the error
};

inline constexpr Library k_archive{"libarchive.so.13", "to read image layers and archives"};
inline constexpr Library k_crypto{"libcrypto.so.3", "for digests, keys and signatures"};
inline constexpr Library k_sqlite{"libsqlite3.so.0", "for the vulnerability database"};
inline constexpr Library k_seccomp{"libseccomp.so.2", "to compile seccomp profiles"};
inline constexpr Library k_isal{"libisal.so.2", "to inflate gzip layers"};
inline constexpr Library k_hyperscan{"libhs.so.5", "to scan for secrets"};

// The address of NAME in LIB, opening LIB the first time. A library or a
// function that cannot be found means a broken installation: the process
// ends with one line on stderr and exit code 2.
[[nodiscard]] void* symbol(const Library& lib, const char* name) noexcept;

// Whether LIB can be opened, for a library moat can do without (ISA-L).
// Opens it the first time; a later symbol() call reuses the handle.
[[nodiscard]] bool available(const Library& lib) noexcept;

} // namespace moat::lazy

// Defines the C function NAME(PARAMS) that calls NAME(ARGS) in LIB. PARAMS
// and ARGS come with their parentheses.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define MOAT_LAZY_FORWARD(lib, ret, name, params, args)                                            \
  extern "C" ret name params {                                                                     \
    static const auto real = reinterpret_cast<decltype(&name)>(moat::lazy::symbol(lib, #name));    \
    return real args;                                                                              \
  }
// NOLINTEND(bugprone-macro-parentheses)

// Hyperscan (or Vectorscan), opened on first use (lazy.hpp).

#include <moat/lazy/lazy.hpp>

#include <hs/hs.h>

namespace {
constexpr const auto& hs_lib = moat::lazy::k_hyperscan;
} // namespace

// clang-format off
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_compile_multi,
                  (const char* const* expressions, const unsigned int* flags, const unsigned int* ids,
                   unsigned int elements, unsigned int mode, const hs_platform_info_t* platform,
                   hs_database_t** db, hs_compile_error_t** error),
                  (expressions, flags, ids, elements, mode, platform, db, error))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_free_compile_error, (hs_compile_error_t* error), (error))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_free_database, (hs_database_t* db), (db))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_alloc_scratch, (const hs_database_t* db, hs_scratch_t** scratch),
                  (db, scratch))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_clone_scratch, (const hs_scratch_t* src, hs_scratch_t** dest),
                  (src, dest))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_free_scratch, (hs_scratch_t* scratch), (scratch))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_open_stream,
                  (const hs_database_t* db, unsigned int flags, hs_stream_t** stream), (db, flags, stream))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_scan_stream,
                  (hs_stream_t* id, const char* data, unsigned int length, unsigned int flags,
                   hs_scratch_t* scratch, match_event_handler on_event, void* context),
                  (id, data, length, flags, scratch, on_event, context))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_close_stream,
                  (hs_stream_t* id, hs_scratch_t* scratch, match_event_handler on_event, void* context),
                  (id, scratch, on_event, context))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_reset_stream,
                  (hs_stream_t* id, unsigned int flags, hs_scratch_t* scratch, match_event_handler on_event,
                   void* context),
                  (id, flags, scratch, on_event, context))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_serialize_database,
                  (const hs_database_t* db, char** bytes, size_t* length), (db, bytes, length))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_deserialize_database,
                  (const char* bytes, const size_t length, hs_database_t** db), (bytes, length, db))
MOAT_LAZY_FORWARD(hs_lib, hs_error_t, hs_populate_platform, (hs_platform_info_t* platform), (platform))
// clang-format on

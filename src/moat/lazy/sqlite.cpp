// SQLite, opened on first use (lazy.hpp).

#include <moat/lazy/lazy.hpp>

#include <sqlite3.h>

#include <cstdarg>

namespace {
constexpr const auto& sqlite_lib = moat::lazy::k_sqlite;
} // namespace

// clang-format off
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_bind_int64, (sqlite3_stmt* s, int i, sqlite3_int64 v), (s, i, v))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_bind_text, (sqlite3_stmt* s, int i, const char* v, int n, void (*del)(void*)),
                  (s, i, v, n, del))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_busy_handler, (sqlite3* db, int (*handler)(void*, int), void* data),
                  (db, handler, data))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_close, (sqlite3* db), (db))
MOAT_LAZY_FORWARD(sqlite_lib, const void*, sqlite3_column_blob, (sqlite3_stmt* s, int i), (s, i))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_column_bytes, (sqlite3_stmt* s, int i), (s, i))
MOAT_LAZY_FORWARD(sqlite_lib, sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt* s, int i), (s, i))
MOAT_LAZY_FORWARD(sqlite_lib, const unsigned char*, sqlite3_column_text, (sqlite3_stmt* s, int i), (s, i))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_deserialize,
                  (sqlite3* db, const char* schema, unsigned char* data, sqlite3_int64 size,
                   sqlite3_int64 capacity, unsigned flags),
                  (db, schema, data, size, capacity, flags))
MOAT_LAZY_FORWARD(sqlite_lib, const char*, sqlite3_errmsg, (sqlite3* db), (db))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_exec,
                  (sqlite3* db, const char* sql, int (*callback)(void*, int, char**, char**), void* data,
                   char** error),
                  (db, sql, callback, data, error))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_finalize, (sqlite3_stmt* s), (s))
MOAT_LAZY_FORWARD(sqlite_lib, void, sqlite3_free, (void* p), (p))
MOAT_LAZY_FORWARD(sqlite_lib, sqlite3_int64, sqlite3_last_insert_rowid, (sqlite3* db), (db))
MOAT_LAZY_FORWARD(sqlite_lib, void*, sqlite3_malloc64, (sqlite3_uint64 n), (n))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_open_v2, (const char* name, sqlite3** db, int flags, const char* vfs),
                  (name, db, flags, vfs))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_prepare_v2,
                  (sqlite3* db, const char* sql, int n, sqlite3_stmt** s, const char** tail),
                  (db, sql, n, s, tail))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_reset, (sqlite3_stmt* s), (s))
MOAT_LAZY_FORWARD(sqlite_lib, int, sqlite3_step, (sqlite3_stmt* s), (s))
// clang-format on

// Variadic. moat sets only the on/off options, which take (int, int*);
// any other option is refused rather than passed arguments it does not
// expect.
extern "C" int sqlite3_db_config(sqlite3* db, int op, ...) {
  using Real = int (*)(sqlite3*, int, ...);
  static const auto real =
      reinterpret_cast<Real>(moat::lazy::symbol(sqlite_lib, "sqlite3_db_config"));
  if (op < SQLITE_DBCONFIG_ENABLE_FKEY || op > SQLITE_DBCONFIG_MAX)
    return SQLITE_MISUSE;
  va_list args;
  va_start(args, op);
  const int value = va_arg(args, int);
  int* result = va_arg(args, int*);
  va_end(args);
  return real(db, op, value, result);
}

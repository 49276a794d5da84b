// libarchive, opened on first use (lazy.hpp).

#include <moat/lazy/lazy.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <cstdarg>
#include <cstdio>

namespace {
constexpr const auto& archive_lib = moat::lazy::k_archive;
} // namespace

// clang-format off
MOAT_LAZY_FORWARD(archive_lib, __LA_MODE_T, archive_entry_filetype, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, la_int64_t, archive_entry_gid, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, const char*, archive_entry_hardlink, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, const char*, archive_entry_pathname, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, const char*, archive_entry_pathname_utf8, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, __LA_MODE_T, archive_entry_perm, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, la_int64_t, archive_entry_size, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, int, archive_entry_size_is_set, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, time_t, archive_entry_mtime, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, long, archive_entry_mtime_nsec, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, int, archive_entry_mtime_is_set, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, const char*, archive_entry_symlink, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, la_int64_t, archive_entry_uid, (struct archive_entry* e), (e))
MOAT_LAZY_FORWARD(archive_lib, const char*, archive_error_string, (struct archive* a), (a))
MOAT_LAZY_FORWARD(archive_lib, la_int64_t, archive_filter_bytes, (struct archive* a, int n), (a, n))
MOAT_LAZY_FORWARD(archive_lib, la_ssize_t, archive_read_data, (struct archive* a, void* buf, size_t n), (a, buf, n))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_data_block,
                  (struct archive* a, const void** buf, size_t* size, la_int64_t* offset),
                  (a, buf, size, offset))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_free, (struct archive* a), (a))
MOAT_LAZY_FORWARD(archive_lib, struct archive*, archive_read_new, (void), ())
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_next_header, (struct archive* a, struct archive_entry** e), (a, e))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_open,
                  (struct archive* a, void* data, archive_open_callback* on_open,
                   archive_read_callback* on_read, archive_close_callback* on_close),
                  (a, data, on_open, on_read, on_close))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_open_filename, (struct archive* a, const char* name, size_t block),
                  (a, name, block))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_open_memory, (struct archive* a, const void* buf, size_t size),
                  (a, buf, size))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_support_filter_gzip, (struct archive* a), (a))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_support_filter_zstd, (struct archive* a), (a))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_support_format_empty, (struct archive* a), (a))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_support_format_tar, (struct archive* a), (a))
MOAT_LAZY_FORWARD(archive_lib, int, archive_read_support_format_zip, (struct archive* a), (a))
// clang-format on

// Variadic: the message is formatted here and handed on whole.
extern "C" void archive_set_error(struct archive* a, int err, const char* fmt, ...) {
  using Real = void (*)(struct archive*, int, const char*, ...);
  static const auto real =
      reinterpret_cast<Real>(moat::lazy::symbol(archive_lib, "archive_set_error"));
  char message[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(message, sizeof message, fmt, args);
  va_end(args);
  real(a, err, "%s", message);
}

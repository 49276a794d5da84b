#include <moat/lazy/lazy.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace moat::lazy {

namespace {

[[noreturn]] void fail(const Library& lib, const char* what) noexcept {
  // write(2), not stdio: this may run on any thread, mid-report.
  std::string line = "moat: ";
  line += lib.soname;
  line += " is needed ";
  line += lib.purpose;
  line += ": ";
  line += what != nullptr ? what : "not found";
  line += '\n';
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
  std::_Exit(2);
}

// LIB's handle, or null (with dlerror's text in WHY) when it cannot be
// opened. One handle per library, opened once; dlopen is thread-safe, the
// cache is guarded so two threads do not race on it. A library that failed
// is tried again next time, as dlopen would.
void* try_open(const Library& lib, const char** why) noexcept {
  static std::mutex mutex;
  constexpr std::size_t k_max = 8;
  static void* handles[k_max] = {};
  static const Library* owners[k_max] = {};
  std::lock_guard lock(mutex);
  for (std::size_t i = 0; i < k_max; ++i) {
    if (owners[i] == &lib)
      return handles[i];
    if (owners[i] == nullptr) {
      void* handle = ::dlopen(lib.soname, RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) {
        *why = ::dlerror();
        return nullptr;
      }
      owners[i] = &lib;
      handles[i] = handle;
      return handle;
    }
  }
  *why = "too many lazily opened libraries";
  return nullptr;
}

void* open(const Library& lib) noexcept {
  const char* why = nullptr;
  void* handle = try_open(lib, &why);
  if (handle == nullptr)
    fail(lib, why);
  return handle;
}

} // namespace

bool available(const Library& lib) noexcept {
  const char* why = nullptr;
  return try_open(lib, &why) != nullptr;
}

void* symbol(const Library& lib, const char* name) noexcept {
  void* handle = open(lib);
  void* address = ::dlsym(handle, name);
  if (address == nullptr) {
    std::string why = "it lacks ";
    why += name;
    fail(lib, why.c_str());
  }
  return address;
}

} // namespace moat::lazy

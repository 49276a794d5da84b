#pragma once
// Paths resolved inside a directory tree as if it were "/": symlinks met on
// the way are followed relative to that root, ".." stops at it, and no
// magic link (/proc/self/fd/N) is followed. The runtime's mounts and the
// image unpacker both go through here, so a hostile symlink can never
// lead them out of a root file system.

#include <string_view>

namespace moat::util {

// Opens PATH inside ROOT (a directory descriptor) with FLAGS (O_PATH,
// O_RDONLY|O_DIRECTORY, ...; O_CLOEXEC is added). When FOLLOW_LAST is
// false, a last component that is a symlink is not followed (O_NOFOLLOW:
// with O_PATH it opens the link itself, otherwise ELOOP). Uses openat2
// RESOLVE_IN_ROOT; on kernels before 5.6 it walks component by component
// and refuses every symlink and "..". Returns the descriptor, or -1 with
// errno set.
[[nodiscard]] int open_in_root(int root, std::string_view path, int flags, bool follow_last);

} // namespace moat::util

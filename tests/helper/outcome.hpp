#pragma once
// What the static test helpers print for a system call's result: "ok", or
// the name of the errno it failed with.

#include <cerrno>
#include <string>

namespace moat::test {

inline std::string outcome(long rc) {
  if (rc >= 0)
    return "ok";
  switch (errno) {
  case EPERM:
    return "EPERM";
  case EACCES:
    return "EACCES";
  case ENOSYS:
    return "ENOSYS";
  case EINVAL:
    return "EINVAL";
  case EFAULT:
    return "EFAULT";
  default:
    return "errno " + std::to_string(errno);
  }
}

} // namespace moat::test

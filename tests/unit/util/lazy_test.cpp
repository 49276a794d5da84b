// Libraries opened on first use: an optional one that is missing is
// reported as missing, without ending the process.

#include <moat/lazy/lazy.hpp>

#include <gtest/gtest.h>

namespace lazy = moat::lazy;

TEST(Lazy, AMissingOptionalLibraryIsReportedNotFatal) {
  static constexpr lazy::Library k_missing{"libmoat-does-not-exist.so.1", "for this test"};
  EXPECT_FALSE(lazy::available(k_missing));
  EXPECT_FALSE(lazy::available(k_missing)); // asked again: still no, still alive
}

TEST(Lazy, AnInstalledLibraryIsAvailable) {
  // libcrypto is a dependency of every moat installation.
  EXPECT_TRUE(lazy::available(lazy::k_crypto));
}

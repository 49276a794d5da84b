#include <moat/util/capabilities.hpp>

#include <gtest/gtest.h>

TEST(Capabilities, NamesAndNumbersAreTheKernels) {
  EXPECT_EQ(moat::util::capability_number("CAP_CHOWN"), 0);
  EXPECT_EQ(moat::util::capability_number("sys_admin"), 21);
  EXPECT_EQ(moat::util::capability_number("CAP_CHECKPOINT_RESTORE"), 40);
  EXPECT_FALSE(moat::util::capability_number("CAP_SYS_ADMINN"));
  EXPECT_FALSE(moat::util::capability_number(""));
  EXPECT_EQ(moat::util::capability_name(39), "CAP_BPF");
  EXPECT_EQ(moat::util::capability_name(41), "");
  EXPECT_EQ(moat::util::all_capabilities().size(), 41U);
}

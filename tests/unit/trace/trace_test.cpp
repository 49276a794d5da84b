// Naming traced calls by the ABI they were made in.

#include <moat/trace/trace.hpp>

#include <gtest/gtest.h>

#include <linux/audit.h>

namespace trace = moat::trace;

TEST(TraceNames, EachAbiNamesItsOwnNumbers) {
  EXPECT_EQ(trace::scmp_arch({AUDIT_ARCH_X86_64, 2}), "SCMP_ARCH_X86_64");
  EXPECT_EQ(trace::call_name({AUDIT_ARCH_X86_64, 2}), "open");
  // i386: 5 is open there (2 is fork).
  EXPECT_EQ(trace::scmp_arch({AUDIT_ARCH_I386, 5}), "SCMP_ARCH_X86");
  EXPECT_EQ(trace::call_name({AUDIT_ARCH_I386, 5}), "open");
  EXPECT_EQ(trace::call_name({AUDIT_ARCH_I386, 2}), "fork");
  // x32: the x86-64 audit architecture with bit 30 set in the number.
  const trace::CallKey x32{AUDIT_ARCH_X86_64, 0x40000000 | 2};
  EXPECT_EQ(trace::scmp_arch(x32), "SCMP_ARCH_X32");
  EXPECT_EQ(trace::call_name(x32), "open");
  // Unknown architectures and numbers have no name.
  EXPECT_EQ(trace::scmp_arch({0x12345678, 1}), "");
  EXPECT_EQ(trace::call_name({0x12345678, 1}), "");
  EXPECT_EQ(trace::call_name({AUDIT_ARCH_X86_64, 100000}), "");
}

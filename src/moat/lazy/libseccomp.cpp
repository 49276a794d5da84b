// libseccomp, opened on first use (lazy.hpp).

#include <moat/lazy/lazy.hpp>

#include <seccomp.h>

namespace {
constexpr const auto& seccomp_lib = moat::lazy::k_seccomp;
} // namespace

// clang-format off
MOAT_LAZY_FORWARD(seccomp_lib, scmp_filter_ctx, seccomp_init, (uint32_t action), (action))
MOAT_LAZY_FORWARD(seccomp_lib, void, seccomp_release, (scmp_filter_ctx ctx), (ctx))
MOAT_LAZY_FORWARD(seccomp_lib, int, seccomp_arch_add, (scmp_filter_ctx ctx, uint32_t arch), (ctx, arch))
MOAT_LAZY_FORWARD(seccomp_lib, uint32_t, seccomp_arch_resolve_name, (const char* name), (name))
MOAT_LAZY_FORWARD(seccomp_lib, uint32_t, seccomp_arch_native, (void), ())
MOAT_LAZY_FORWARD(seccomp_lib, int, seccomp_attr_set, (scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value),
                  (ctx, attr, value))
MOAT_LAZY_FORWARD(seccomp_lib, int, seccomp_syscall_resolve_name_arch, (uint32_t arch, const char* name), (arch, name))
MOAT_LAZY_FORWARD(seccomp_lib, char*, seccomp_syscall_resolve_num_arch, (uint32_t arch, int num), (arch, num))
MOAT_LAZY_FORWARD(seccomp_lib, int, seccomp_rule_add_array,
                  (scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int count,
                   const struct scmp_arg_cmp* args),
                  (ctx, action, syscall, count, args))
MOAT_LAZY_FORWARD(seccomp_lib, int, seccomp_export_bpf, (const scmp_filter_ctx ctx, int fd), (ctx, fd))
// clang-format on

#include <moat/util/capabilities.hpp>

#include <moat/util/strings.hpp>

#include <array>

namespace moat::util {

namespace {

// Indexed by number.
constexpr auto k_capabilities = std::to_array<std::string_view>({
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
});

} // namespace

std::optional<int> capability_number(std::string_view name) {
  std::string upper = to_upper(name);
  if (!upper.starts_with("CAP_"))
    upper.insert(0, "CAP_");
  for (std::size_t i = 0; i < k_capabilities.size(); ++i)
    if (k_capabilities[i] == upper)
      return static_cast<int>(i);
  return std::nullopt;
}

std::string_view capability_name(int number) {
  if (number < 0 || static_cast<std::size_t>(number) >= k_capabilities.size())
    return {};
  return k_capabilities[static_cast<std::size_t>(number)];
}

std::string_view capability_short_name(int number) {
  const auto name = capability_name(number);
  return name.empty() ? name : name.substr(4); // after "CAP_"
}

std::vector<std::string_view> all_capabilities() {
  return {k_capabilities.begin(), k_capabilities.end()};
}

} // namespace moat::util

#pragma once
// Linux capabilities by name and number (capabilities(7)), as far as
// Linux 6.x defines them.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::util {

// The number of a capability named "CAP_SYS_ADMIN", "SYS_ADMIN" or
// "sys_admin"; nullopt for an unknown name.
[[nodiscard]] std::optional<int> capability_number(std::string_view name);

// "CAP_SYS_ADMIN" for 21; empty for an unknown number.
[[nodiscard]] std::string_view capability_name(int number);

// "SYS_ADMIN" for 21, as docker run's --cap-add takes it; empty for an
// unknown number.
[[nodiscard]] std::string_view capability_short_name(int number);

// Every capability's name, in number order.
[[nodiscard]] std::vector<std::string_view> all_capabilities();

} // namespace moat::util

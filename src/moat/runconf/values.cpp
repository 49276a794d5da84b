// Value forms docker run and Compose share.

#include <moat/runconf/values.hpp>
#include <moat/util/strings.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace moat::runconf::detail {

// docker's RAMInBytes: a number with an optional binary unit (b, k, m, g,
// t, p), with or without a trailing "b".
std::optional<std::int64_t> bytes_of(std::string_view text) {
  std::string t = util::to_lower(util::trim(text));
  if (t.size() > 1 && t.back() == 'b' && std::isalpha(static_cast<unsigned char>(t[t.size() - 2])))
    t.pop_back();
  double multiplier = 1;
  if (!t.empty() && std::isalpha(static_cast<unsigned char>(t.back()))) {
    const auto unit = std::string_view("bkmgtp").find(t.back());
    if (unit == std::string_view::npos)
      return std::nullopt;
    multiplier = std::pow(1024.0, static_cast<double>(unit));
    t.pop_back();
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  // Beyond 2^62 bytes is not a size, and would not fit the result.
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !(value >= 0) ||
      value * multiplier > 4.6e18)
    return std::nullopt;
  return static_cast<std::int64_t>(value * multiplier);
}

std::optional<std::int64_t> integer_of(std::string_view text) {
  std::int64_t value = 0;
  const auto t = util::trim(text);
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
    return std::nullopt;
  return value;
}

std::optional<double> quantity_of(std::string_view text) {
  const auto t = util::trim(text);
  // The number: digits with an optional fraction and sign.
  std::size_t n = 0;
  if (n < t.size() && (t[n] == '+' || t[n] == '-'))
    ++n;
  while (n < t.size() && (std::isdigit(static_cast<unsigned char>(t[n])) || t[n] == '.'))
    ++n;
  double value = 0;
  const auto number = t.substr(t.starts_with('+') ? 1 : 0, n - (t.starts_with('+') ? 1 : 0));
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size())
    return std::nullopt;
  const auto suffix = t.substr(n);
  constexpr std::pair<std::string_view, double> k_suffixes[] = {
      {"", 1},        {"Ki", 0x1p10}, {"Mi", 0x1p20}, {"Gi", 0x1p30},
      {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60}, {"n", 1e-9},
      {"u", 1e-6},    {"m", 1e-3},    {"k", 1e3},     {"M", 1e6},
      {"G", 1e9},     {"T", 1e12},    {"P", 1e15},    {"E", 1e18}};
  double multiplier = 0;
  for (const auto& [unit, factor] : k_suffixes)
    if (suffix == unit)
      multiplier = factor;
  if (multiplier == 0 && suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    // A decimal exponent: "1e3", "129e6".
    auto exponent = integer_of(suffix.substr(1));
    if (!exponent || *exponent < -18 || *exponent > 18)
      return std::nullopt;
    multiplier = std::pow(10.0, static_cast<double>(*exponent));
  }
  if (multiplier == 0)
    return std::nullopt;
  const double result = value * multiplier;
  if (!(result >= 0) || result > 4.6e18)
    return std::nullopt;
  return result;
}

int port_of(std::string_view text) {
  const auto dash = text.find('-');
  auto v = integer_of(text.substr(0, dash));
  return v && *v >= 0 && *v <= 65535 ? static_cast<int>(*v) : -1;
}

std::optional<std::int64_t> nano_cpus_of(std::string_view text) {
  const auto t = util::trim(text);
  double cpus = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), cpus);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !(cpus >= 0) || cpus > 1e9)
    return std::nullopt;
  return static_cast<std::int64_t>(std::llround(cpus * 1e9));
}

std::string capability_name(std::string_view text) {
  auto name = util::to_upper(util::trim(text));
  if (name.starts_with("CAP_"))
    name.erase(0, 4);
  return name;
}

Mount volume_of(std::string_view value, Origin origin) {
  Mount mount;
  mount.origin = std::move(origin);
  std::vector<std::string_view> parts;
  for (std::size_t from = 0;;) {
    const auto colon = value.find(':', from);
    parts.push_back(value.substr(from, colon - from));
    if (colon == std::string_view::npos)
      break;
    from = colon + 1;
  }
  if (parts.size() == 1) {
    mount.type = "volume";
    mount.destination = std::string(parts[0]);
    return mount;
  }
  mount.source = std::string(parts[0]);
  mount.destination = std::string(parts[1]);
  mount.type = mount.source.starts_with('/') || mount.source.starts_with('.') ? "bind" : "volume";
  if (parts.size() > 2)
    for (auto option : util::split_trimmed(parts[2], ',')) {
      if (option == "ro" || option == "readonly")
        mount.read_only = true;
      else if (option.find("shared") != std::string_view::npos ||
               option.find("slave") != std::string_view::npos ||
               option.find("private") != std::string_view::npos)
        mount.propagation = std::string(option);
    }
  return mount;
}

} // namespace moat::runconf::detail

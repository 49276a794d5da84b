#include <moat/core/purl.hpp>

#include <algorithm>
#include <cctype>

namespace moat::core {

std::string purl_encode(std::string_view text) {
  static constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '.' || c == '-' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(k_hex[byte >> 4U]);
      out.push_back(k_hex[byte & 0x0FU]);
    }
  }
  return out;
}

std::string make_purl(std::string_view type, std::string_view namespace_, std::string_view name,
                      std::string_view version,
                      std::vector<std::pair<std::string, std::string>> qualifiers) {
  std::string out = "pkg:";
  for (const char c : type)
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  out.push_back('/');
  while (!namespace_.empty()) {
    const auto slash = namespace_.find('/');
    const auto segment = namespace_.substr(0, slash);
    if (!segment.empty()) {
      out += purl_encode(segment);
      out.push_back('/');
    }
    if (slash == std::string_view::npos)
      break;
    namespace_.remove_prefix(slash + 1);
  }
  out += purl_encode(name);
  if (!version.empty()) {
    out.push_back('@');
    out += purl_encode(version);
  }
  std::erase_if(qualifiers, [](const auto& q) { return q.second.empty(); });
  std::ranges::sort(qualifiers);
  for (std::size_t i = 0; i < qualifiers.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out += qualifiers[i].first;
    out.push_back('=');
    out += purl_encode(qualifiers[i].second);
  }
  return out;
}

} // namespace moat::core

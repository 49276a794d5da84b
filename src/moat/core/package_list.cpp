#include <moat/core/package_list.hpp>

#include <array>

namespace moat::core {

namespace {

// Lengths are LEB128 varints: one byte for the short fields that most are.
void put_size(std::string& out, std::size_t n) {
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
}

std::size_t get_size(const std::string& in, std::size_t& at) {
  std::size_t n = 0;
  int shift = 0;
  for (;;) {
    const auto byte = static_cast<unsigned char>(in[at++]);
    n |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0)
      return n;
    shift += 7;
  }
}

void put_string(std::string& out, const std::string& s) {
  put_size(out, s.size());
  out += s;
}

void get_string(const std::string& in, std::size_t& at, std::string& s) {
  const std::size_t n = get_size(in, at);
  s.assign(in, at, n);
  at += n;
}

// The string fields in their stored order.
template <typename P> auto string_fields(P& p) {
  return std::array{&p.name,        &p.version,      &p.type,        &p.ecosystem,
                    &p.namespace_,  &p.architecture, &p.source_name, &p.source_version,
                    &p.license,     &p.purl,         &p.found_at,    &p.installed_by,
                    &p.layer_digest};
}

} // namespace

void PackedPackages::push_back(const Package& package) {
  m_offsets.push_back(m_buffer.size());
  for (const std::string* field : string_fields(package))
    put_string(m_buffer, *field);
  put_size(m_buffer, package.layer < 0 ? 0 : static_cast<std::size_t>(package.layer) + 1);
  put_size(m_buffer, package.files.size());
  for (const auto& file : package.files)
    put_string(m_buffer, file);
}

const Package& PackedPackages::get(std::size_t i, Package& scratch) const {
  std::size_t at = m_offsets[i];
  for (std::string* field : string_fields(scratch))
    get_string(m_buffer, at, *field);
  scratch.layer = static_cast<int>(get_size(m_buffer, at)) - 1;
  scratch.files.resize(get_size(m_buffer, at));
  for (auto& file : scratch.files)
    get_string(m_buffer, at, file);
  if (const auto it = m_installed_by.find(i); it != m_installed_by.end())
    scratch.installed_by = it->second;
  return scratch;
}

Package PackedPackages::operator[](std::size_t i) const {
  Package p;
  (void)get(i, p);
  return p;
}

void PackedPackages::set_installed_by(std::size_t i, std::string installed_by) {
  m_installed_by[i] = std::move(installed_by);
}

std::vector<Package> PackedPackages::to_vector() const {
  std::vector<Package> out;
  out.reserve(size());
  for (std::size_t i = 0; i < size(); ++i)
    out.push_back((*this)[i]);
  return out;
}

} // namespace moat::core

#include <moat/image/tar.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace moat::image {

using core::ErrorKind;
using core::fail;

namespace {

constexpr std::size_t k_block = 512;
constexpr std::uint64_t k_max_long_text = std::uint64_t{1} << 20U; // pax and GNU long-name records

std::string_view field(std::span<const std::byte> block, std::size_t offset, std::size_t length) {
  const auto* begin = reinterpret_cast<const char*>(block.data()) + offset;
  const auto* end = std::find(begin, begin + length, '\0');
  return {begin, static_cast<std::size_t>(end - begin)};
}

// Octal, space/NUL terminated, or base-256 when the high bit of the first byte is set.
std::optional<std::uint64_t> number(std::span<const std::byte> block, std::size_t offset,
                                    std::size_t length) {
  const auto* p = reinterpret_cast<const unsigned char*>(block.data()) + offset;
  if ((p[0] & 0x80U) != 0) {
    if ((p[0] & 0x40U) != 0)
      return std::nullopt; // negative
    std::uint64_t value = p[0] & 0x3FU;
    for (std::size_t i = 1; i < length; ++i) {
      if (value > (UINT64_MAX >> 8U))
        return std::nullopt;
      value = (value << 8U) | p[i];
    }
    return value;
  }
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < length && p[i] == ' ')
    ++i;
  bool any = false;
  for (; i < length && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (value > (UINT64_MAX >> 3U))
      return std::nullopt;
    value = (value << 3U) | static_cast<std::uint64_t>(p[i] - '0');
    any = true;
  }
  for (; i < length; ++i)
    if (p[i] != ' ' && p[i] != '\0')
      return std::nullopt;
  return any ? std::optional<std::uint64_t>(value) : std::optional<std::uint64_t>(0);
}

bool checksum_ok(std::span<const std::byte> block) {
  if (block.size() < k_block)
    return false;
  const auto stored = number(block, 148, 8);
  if (!stored)
    return false;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < k_block; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : std::to_integer<unsigned>(block[i]);
  return sum == *stored;
}

// Applies the "path", "linkpath" and "size" records of a pax extended header.
core::Status apply_pax(std::string_view text, const std::string& input, std::string& path,
                       std::string& link, std::optional<std::uint64_t>& size) {
  while (!text.empty()) {
    const auto space = text.find(' ');
    if (space == std::string_view::npos || space == 0)
      return fail(ErrorKind::parse, input, "malformed pax extended header");
    std::uint64_t length = 0;
    for (const char c : text.substr(0, space)) {
      if (c < '0' || c > '9' || length > k_max_long_text)
        return fail(ErrorKind::parse, input, "malformed pax record length");
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (length <= space + 1 || length > text.size() || text[length - 1] != '\n')
      return fail(ErrorKind::parse, input, "malformed pax record");
    const auto record = text.substr(space + 1, length - space - 2);
    text.remove_prefix(length);
    const auto equals = record.find('=');
    if (equals == std::string_view::npos)
      return fail(ErrorKind::parse, input, "malformed pax record");
    const auto key = record.substr(0, equals);
    const auto value = record.substr(equals + 1);
    if (key == "path") {
      path = value;
    } else if (key == "linkpath") {
      link = value;
    } else if (key == "size") {
      std::uint64_t n = 0;
      for (const char c : value) {
        if (c < '0' || c > '9' || n > UINT64_MAX / 10 - 9)
          return fail(ErrorKind::parse, input, "malformed pax size");
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      size = n;
    }
  }
  return {};
}

} // namespace

bool is_tar_header(std::span<const std::byte> block) {
  return checksum_ok(block);
}

TarReader::TarReader(ByteReader& input) : m_input(input) {}

core::Status TarReader::read_block(std::span<std::byte> block, bool& at_end) {
  std::size_t filled = 0;
  while (filled < block.size()) {
    auto got = m_input.read(block.subspan(filled));
    if (!got)
      return std::unexpected(got.error());
    if (*got == 0)
      break;
    filled += *got;
  }
  m_position += filled;
  at_end = filled == 0;
  if (filled != 0 && filled != block.size())
    return fail(ErrorKind::parse, m_input.name(), "truncated tar header");
  return {};
}

core::Result<std::string> TarReader::read_long_text(std::uint64_t size) {
  if (size > k_max_long_text)
    return fail(ErrorKind::limit, m_input.name(), "tar extended header larger than 1 MiB");
  return read_all(*m_data, static_cast<std::size_t>(size));
}

core::Result<std::optional<TarHeader>> TarReader::next() {
  std::string long_path;
  std::string long_link;
  std::optional<std::uint64_t> pax_size;
  std::array<std::byte, k_block> block{};
  for (;;) {
    if (m_data) {
      MOAT_TRY(m_data->skip_rest());
      m_data.reset();
      std::uint64_t skip = m_padding;
      while (skip > 0) {
        auto got = m_input.read(std::span(block).first(static_cast<std::size_t>(skip)));
        if (!got)
          return std::unexpected(got.error());
        if (*got == 0)
          return fail(ErrorKind::parse, m_input.name(), "truncated tar archive");
        skip -= *got;
        m_position += *got;
      }
    }
    bool at_end = false;
    MOAT_TRY(read_block(block, at_end));
    if (at_end)
      return std::nullopt; // archives written without the two zero blocks
    if (std::ranges::all_of(block, [](std::byte b) { return b == std::byte{0}; }))
      return std::nullopt;
    if (!checksum_ok(block))
      return fail(ErrorKind::parse, m_input.name(),
                  fmt::format("not a tar archive (bad header checksum at offset {})",
                              m_position - k_block));
    const auto size = number(block, 124, 12);
    if (!size)
      return fail(ErrorKind::parse, m_input.name(), "malformed tar entry size");
    TarHeader header;
    header.type = std::to_integer<char>(block[156]);
    // A pax size belongs to the entry the extended header describes, not
    // to another extended or long-name header in between.
    const bool meta =
        header.type == 'L' || header.type == 'K' || header.type == 'x' || header.type == 'g';
    header.size = meta ? *size : pax_size.value_or(*size);
    const auto magic = field(block, 257, 6);
    std::string name{field(block, 0, 100)};
    if (magic == "ustar") {
      const auto prefix = field(block, 345, 155);
      if (!prefix.empty())
        name = fmt::format("{}/{}", prefix, name);
    }
    header.path = long_path.empty() ? name : long_path;
    header.link = long_link.empty() ? std::string(field(block, 157, 100)) : long_link;
    header.data_offset = m_position;
    m_padding = (k_block - header.size % k_block) % k_block;
    m_data = std::make_unique<LimitedReader>(m_input, header.size, m_input.name());
    if (header.type == 'L' || header.type == 'K') {
      auto text = read_long_text(header.size);
      if (!text)
        return std::unexpected(text.error());
      m_position += header.size;
      std::string value = text->substr(0, text->find('\0')); // NUL-terminated inside the record
      (header.type == 'L' ? long_path : long_link) = std::move(value);
      continue;
    }
    if (header.type == 'x' || header.type == 'g') {
      auto text = read_long_text(header.size);
      if (!text)
        return std::unexpected(text.error());
      m_position += header.size;
      if (header.type == 'x')
        MOAT_TRY(apply_pax(*text, m_input.name(), long_path, long_link, pax_size));
      continue;
    }
    // The data is read through m_data; account for it now so the offsets of
    // the following entries are right whether or not the caller reads it.
    m_position += header.size;
    return header;
  }
}

} // namespace moat::image

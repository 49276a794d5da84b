// TarReader: the outer, uncompressed tar of image archives. Archives come
// from libarchive's writer in each flavour, or are assembled block by block
// for what that writer never produces.

#include "image_builder.hpp"
#include "testutil.hpp"

#include <moat/image/reader.hpp>
#include <moat/image/tar.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace moat::image;
using moat::core::ErrorKind;
using namespace moat::test;

namespace {

// Every header of an archive, reading no data.
struct Listing {
  std::vector<TarHeader> headers;
  std::optional<moat::core::Error> error;
};

Listing list_all(ByteReader& input) {
  Listing out;
  TarReader tar(input);
  for (;;) {
    auto next = tar.next();
    if (!next) {
      out.error = next.error();
      return out;
    }
    if (!*next)
      return out;
    out.headers.push_back(**next);
  }
}

// The bytes [OFFSET, OFFSET+SIZE) of FILE, read the way the image sources do.
std::string read_range(const OpenFile& file, std::uint64_t offset, std::uint64_t size) {
  FileRangeReader reader(file.fd(), offset, size, "range");
  auto text = read_all(reader, std::size_t{64} << 20U);
  if (!text)
    throw std::runtime_error(text.error().to_string());
  return *text;
}

// Writes ARCHIVE to a file and lists it through a FileRangeReader.
struct OnDisk {
  explicit OnDisk(const std::string& archive)
      : path(dir.write("archive.tar", archive)), file(path) {}
  Listing list() {
    FileRangeReader whole(file.fd(), 0, file.size(), "archive.tar");
    return list_all(whole);
  }
  TempDir dir;
  std::filesystem::path path;
  OpenFile file;
};

const TarHeader& by_path(const Listing& l, std::string_view path) {
  for (const auto& h : l.headers)
    if (h.path == path)
      return h;
  throw std::runtime_error("no entry " + std::string(path));
}

// Checks that every regular entry's data offset points at its content.
void expect_offsets_match(const OnDisk& disk, const Listing& l,
                          const std::vector<TarEntry>& entries) {
  for (const auto& e : entries) {
    if (e.kind != EntryKind::file)
      continue;
    const auto& h = by_path(l, e.path);
    EXPECT_EQ(h.size, e.content.size()) << e.path;
    EXPECT_EQ(read_range(disk.file, h.data_offset, h.size), e.content) << e.path;
    EXPECT_EQ(h.data_offset % 512, 0U) << e.path;
  }
}

TEST(TarReader, UstarEntriesAndDataOffsets) {
  const std::string long_dir(120, 'd');
  const std::vector<TarEntry> entries = {
      tar_file("a.txt", "hello"),
      tar_dir("sub"),
      tar_file("sub/big.bin", std::string(3000, 'x') + "end"),
      tar_symlink("sub/link", "../a.txt"),
      tar_hardlink("hard", "a.txt"),
      tar_file(long_dir + "/file-with-prefix.txt", "prefixed"),
      tar_file("empty", ""),
  };
  OnDisk disk(make_tar(entries, Compression::none, TarFormat::ustar));
  auto l = disk.list();
  ASSERT_FALSE(l.error) << l.error->to_string();
  ASSERT_EQ(l.headers.size(), entries.size());
  EXPECT_EQ(l.headers[0].path, "a.txt");
  EXPECT_EQ(l.headers[0].type, '0');
  EXPECT_EQ(l.headers[1].path, "sub/");
  EXPECT_EQ(l.headers[1].type, '5');
  EXPECT_EQ(l.headers[3].type, '2');
  EXPECT_EQ(l.headers[3].link, "../a.txt");
  EXPECT_EQ(l.headers[4].type, '1');
  EXPECT_EQ(l.headers[4].link, "a.txt");
  EXPECT_EQ(l.headers[4].size, 0U);
  // Over 100 characters: ustar splits the name into prefix and name fields.
  EXPECT_EQ(l.headers[5].path, long_dir + "/file-with-prefix.txt");
  // The first entry's data follows its header directly.
  EXPECT_EQ(l.headers[0].data_offset, 512U);
  expect_offsets_match(disk, l, entries);
}

TEST(TarReader, GnuLongNamesAndLinks) {
  const std::string long_name = std::string(150, 'n') + "/" + std::string(60, 'm') + ".txt";
  const std::string long_target = std::string(130, 't') + "/target";
  const std::vector<TarEntry> entries = {
      tar_file("short", "s"),
      tar_file(long_name, "long content"),
      tar_symlink("lnk", long_target),
      tar_file("after", "still aligned"),
  };
  const auto archive = make_tar(entries, Compression::none, TarFormat::gnutar);
  // The writer really used a GNU 'L' record (type at offset 156 of the header).
  ASSERT_NE(archive.find("././@LongLink"), std::string::npos);
  OnDisk disk(archive);
  auto l = disk.list();
  ASSERT_FALSE(l.error) << l.error->to_string();
  ASSERT_EQ(l.headers.size(), 4U);
  EXPECT_EQ(l.headers[1].path, long_name);
  EXPECT_EQ(l.headers[2].link, long_target);
  EXPECT_EQ(l.headers[2].type, '2');
  EXPECT_EQ(l.headers[3].path, "after");
  expect_offsets_match(disk, l, entries);
}

TEST(TarReader, PaxPathFromLibarchive) {
  const std::string long_name = std::string(300, 'p') + "/file";
  const std::vector<TarEntry> entries = {tar_file(long_name, "pax named"), tar_file("b", "bee")};
  OnDisk disk(make_tar(entries, Compression::none, TarFormat::pax_restricted));
  auto l = disk.list();
  ASSERT_FALSE(l.error) << l.error->to_string();
  ASSERT_EQ(l.headers.size(), 2U);
  EXPECT_EQ(l.headers[0].path, long_name);
  expect_offsets_match(disk, l, entries);
}

TEST(TarReader, PaxRecordsOverridePathLinkAndSize) {
  // The ustar size field says 0; the pax "size" record says 11.
  const std::string records =
      pax_record("path", "from/pax.txt") + pax_record("mtime", "1.5") + pax_record("size", "11");
  const std::string link_records = pax_record("linkpath", "pax/link/target");
  const std::string global = pax_record("comment", "ignored");
  const std::string archive =
      raw_tar_header({.name = "pax_global_header", .type = 'g', .size = global.size()}) +
      raw_tar_data(global) +
      raw_tar_header({.name = "PaxHeaders/x", .type = 'x', .size = records.size()}) +
      raw_tar_data(records) + raw_tar_header({.name = "short-name", .size = 0}) +
      raw_tar_data("hello world") +
      raw_tar_header({.name = "PaxHeaders/y", .type = 'x', .size = link_records.size()}) +
      raw_tar_data(link_records) +
      raw_tar_header({.name = "l", .type = '2', .link = "short-target"}) +
      raw_tar_header({.name = "next", .size = 3}) + raw_tar_data("abc") + raw_tar_end();
  OnDisk disk(archive);
  auto l = disk.list();
  ASSERT_FALSE(l.error) << l.error->to_string();
  ASSERT_EQ(l.headers.size(), 3U);
  EXPECT_EQ(l.headers[0].path, "from/pax.txt");
  EXPECT_EQ(l.headers[0].size, 11U);
  EXPECT_EQ(read_range(disk.file, l.headers[0].data_offset, 11), "hello world");
  EXPECT_EQ(l.headers[1].path, "l");
  EXPECT_EQ(l.headers[1].link, "pax/link/target");
  // The pax records apply to one entry only.
  EXPECT_EQ(l.headers[2].path, "next");
  EXPECT_EQ(l.headers[2].size, 3U);
  EXPECT_EQ(read_range(disk.file, l.headers[2].data_offset, 3), "abc");
}

TEST(TarReader, MalformedPaxRecordIsAnError) {
  const std::string bad = "99 path=x\n"; // length larger than the record
  const std::string archive = raw_tar_header({.name = "x", .type = 'x', .size = bad.size()}) +
                              raw_tar_data(bad) + raw_tar_header({.name = "f"}) + raw_tar_end();
  StringReader input(archive, "bad-pax.tar");
  auto l = list_all(input);
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.error->kind, ErrorKind::parse);
  EXPECT_NE(l.error->message.find("pax"), std::string::npos) << l.error->message;
  EXPECT_EQ(l.error->input, "bad-pax.tar");
}

TEST(TarReader, OversizedExtendedHeaderIsALimitError) {
  // Only the header is needed: the size is refused before any data is read.
  const std::string archive =
      raw_tar_header({.name = "././@LongLink", .type = 'L', .size = std::uint64_t{4} << 20U}) +
      raw_tar_end();
  StringReader input(archive);
  auto l = list_all(input);
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.error->kind, ErrorKind::limit);
}

TEST(TarReader, Base256Size) {
  const std::string archive = raw_tar_header({.name = "b256", .size = 5, .base256 = true}) +
                              raw_tar_data("12345") + raw_tar_header({.name = "z", .size = 1}) +
                              raw_tar_data("z") + raw_tar_end();
  OnDisk disk(archive);
  auto l = disk.list();
  ASSERT_FALSE(l.error) << l.error->to_string();
  ASSERT_EQ(l.headers.size(), 2U);
  EXPECT_EQ(l.headers[0].size, 5U);
  EXPECT_EQ(read_range(disk.file, l.headers[0].data_offset, 5), "12345");
  EXPECT_EQ(l.headers[1].data_offset, 512U * 3);
}

TEST(TarReader, NegativeBase256SizeIsAnError) {
  auto header = raw_tar_header({.name = "neg", .size = 5, .base256 = true});
  header[124] = static_cast<char>(0xFF); // sign bit: negative
  // Repair the checksum so only the size is wrong.
  std::memset(header.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (const char c : header)
    sum += static_cast<unsigned char>(c);
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%06o", sum);
  std::memcpy(header.data() + 148, text.data(), 7);
  StringReader input(header + raw_tar_data("12345") + raw_tar_end());
  auto l = list_all(input);
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.error->kind, ErrorKind::parse);
  EXPECT_NE(l.error->message.find("size"), std::string::npos) << l.error->message;
}

TEST(TarReader, DataReaderAndSkippingUnreadData) {
  const std::vector<TarEntry> entries = {tar_file("one", std::string(1500, '1')),
                                         tar_file("two", "second"), tar_file("three", "3")};
  // Short reads from the source must not change anything.
  StringReader input(make_tar(entries), "chunked", 7);
  TarReader tar(input);
  auto first = tar.next();
  ASSERT_TRUE(first && *first);
  // Read part of the first entry's data and leave the rest.
  std::array<std::byte, 10> some{};
  auto got = tar.data().read(some);
  ASSERT_TRUE(got);
  EXPECT_GT(*got, 0U);
  auto second = tar.next();
  ASSERT_TRUE(second && *second) << (second ? "end" : second.error().to_string());
  EXPECT_EQ((*second)->path, "two");
  auto text = read_all(tar.data(), 100);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "second");
  EXPECT_EQ((*second)->data_offset, 512U + 1536U + 512U);
  auto third = tar.next();
  ASSERT_TRUE(third && *third);
  EXPECT_EQ((*third)->path, "three");
  auto end = tar.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(TarReader, ArchiveWithoutEndBlocksEndsCleanly) {
  const std::string archive = raw_tar_header({.name = "f", .size = 2}) + raw_tar_data("hi");
  StringReader input(archive);
  auto l = list_all(input);
  ASSERT_FALSE(l.error) << l.error->to_string();
  ASSERT_EQ(l.headers.size(), 1U);
}

TEST(TarReader, EmptyInputIsAnEmptyArchive) {
  StringReader input("");
  auto l = list_all(input);
  EXPECT_FALSE(l.error);
  EXPECT_TRUE(l.headers.empty());
}

TEST(TarReader, BadChecksumIsAnError) {
  auto archive = make_tar({tar_file("a", "x"), tar_file("b", "y")});
  archive[1024 + 1] ^= 0x20; // the second header's name
  StringReader input(archive, "bad.tar");
  auto l = list_all(input);
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.error->kind, ErrorKind::parse);
  EXPECT_NE(l.error->message.find("checksum"), std::string::npos) << l.error->message;
  EXPECT_NE(l.error->message.find("offset 1024"), std::string::npos) << l.error->message;
  EXPECT_EQ(l.headers.size(), 1U);
}

TEST(TarReader, TruncatedHeaderIsAnError) {
  const auto archive = make_tar({tar_file("a", "x"), tar_file("b", "y")});
  StringReader input(archive.substr(0, 1024 + 300));
  auto l = list_all(input);
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.error->kind, ErrorKind::parse);
  EXPECT_NE(l.error->message.find("truncated"), std::string::npos) << l.error->message;
}

TEST(TarReader, TruncatedDataIsAnErrorWhenSkippedOrRead) {
  const auto full = make_tar({tar_file("big", std::string(5000, 'b')), tar_file("after", "x")});
  const auto cut = full.substr(0, 512 + 2000);
  {
    OnDisk disk(cut);
    auto l = disk.list(); // skipping the data runs off the end of the file
    ASSERT_TRUE(l.error);
    EXPECT_EQ(l.error->kind, ErrorKind::parse);
    EXPECT_NE(l.error->message.find("truncated"), std::string::npos) << l.error->message;
  }
  {
    StringReader input(cut);
    TarReader tar(input);
    auto first = tar.next();
    ASSERT_TRUE(first && *first);
    auto data = read_all(tar.data(), 10000);
    ASSERT_FALSE(data);
    EXPECT_NE(data.error().message.find("truncated"), std::string::npos);
  }
  {
    // Data complete, its padding missing.
    StringReader input(full.substr(0, 512 + 5000));
    auto l = list_all(input);
    ASSERT_TRUE(l.error);
    EXPECT_EQ(l.error->kind, ErrorKind::parse);
  }
}

TEST(TarReader, NonTarInputIsAnError) {
  for (const std::string& junk :
       {std::string(2048, 'A'), std::string("{\"not\": \"a tar\"}\n") + std::string(600, ' '),
        make_tar({tar_file("a", "x")}, Compression::gzip)}) {
    StringReader input(junk, "junk");
    auto l = list_all(input);
    ASSERT_TRUE(l.error) << junk.substr(0, 20);
    EXPECT_EQ(l.error->kind, ErrorKind::parse);
    EXPECT_TRUE(l.headers.empty());
  }
  StringReader tiny("short text", "tiny");
  auto l = list_all(tiny);
  ASSERT_TRUE(l.error);
  EXPECT_NE(l.error->message.find("truncated"), std::string::npos);
}

TEST(ByteReaders, LimitedReaderAndReadAll) {
  StringReader inner("0123456789");
  LimitedReader limited(inner, 4, "limited");
  auto text = read_all(limited, 100);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "0123");
  EXPECT_EQ(limited.remaining(), 0U);

  StringReader big(std::string(1000, 'x'), "big");
  auto refused = read_all(big, 999);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::limit);
  EXPECT_EQ(refused.error().input, "big");

  StringReader short_inner("abc");
  LimitedReader over(short_inner, 10, "over");
  auto status = over.skip_rest();
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("truncated"), std::string::npos);
}

TEST(ByteReaders, PipeReaderDeliversDataThenError) {
  PipeReader pipe("pipe", 16);
  std::thread producer([&] {
    const std::string chunk = "abcdefgh";
    for (int i = 0; i < 8; ++i)
      pipe.push(std::as_bytes(std::span(chunk)));
    pipe.close(moat::core::Error{ErrorKind::io, "net", "connection reset"});
  });
  std::string got;
  std::array<std::byte, 5> buffer{};
  std::optional<moat::core::Error> error;
  for (;;) {
    auto n = pipe.read(buffer);
    if (!n) {
      error = n.error();
      break;
    }
    if (*n == 0)
      break;
    got.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  producer.join();
  EXPECT_EQ(got.size(), 64U);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "connection reset");
}

} // namespace

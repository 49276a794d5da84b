#include <moat/core/package_list.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using moat::core::Package;
using moat::core::PackageSpan;
using moat::core::PackedPackages;

Package full_package(int i) {
  Package p;
  p.name = "name" + std::to_string(i);
  p.version = "1.0-" + std::to_string(i);
  p.type = "deb";
  p.ecosystem = "Debian";
  p.namespace_ = "debian";
  p.architecture = "amd64";
  p.source_name = "src";
  p.source_version = "1.0";
  p.license = "MIT";
  p.purl = "pkg:deb/debian/name" + std::to_string(i) + "@1.0";
  p.found_at = "/var/lib/dpkg/status";
  p.files = {"/usr/bin/a", std::string(300, 'x')}; // a length over one varint byte
  p.installed_by = "owner";
  p.layer = i - 1; // -1 for the first: no layer
  p.layer_digest = "sha256:" + std::string(64, 'a');
  return p;
}

void expect_same(const Package& a, const Package& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.ecosystem, b.ecosystem);
  EXPECT_EQ(a.namespace_, b.namespace_);
  EXPECT_EQ(a.architecture, b.architecture);
  EXPECT_EQ(a.source_name, b.source_name);
  EXPECT_EQ(a.source_version, b.source_version);
  EXPECT_EQ(a.license, b.license);
  EXPECT_EQ(a.purl, b.purl);
  EXPECT_EQ(a.found_at, b.found_at);
  EXPECT_EQ(a.files, b.files);
  EXPECT_EQ(a.installed_by, b.installed_by);
  EXPECT_EQ(a.layer, b.layer);
  EXPECT_EQ(a.layer_digest, b.layer_digest);
}

TEST(PackedPackages, EveryFieldComesBack) {
  PackedPackages list;
  EXPECT_TRUE(list.empty());
  for (int i = 0; i < 3; ++i)
    list.push_back(full_package(i));
  list.push_back(Package{});
  ASSERT_EQ(list.size(), 4U);
  for (int i = 0; i < 3; ++i)
    expect_same(list[static_cast<std::size_t>(i)], full_package(i));
  expect_same(list[3], Package{});
  EXPECT_EQ(list[3].layer, -1);

  // get() reuses the scratch object: no field of the previous package stays.
  Package scratch;
  (void)list.get(0, scratch);
  const Package& empty = list.get(3, scratch);
  expect_same(empty, Package{});

  std::vector<std::string> names;
  for (const auto& p : list)
    names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"name0", "name1", "name2", ""}));
  EXPECT_EQ(list.to_vector().size(), 4U);
}

TEST(PackedPackages, InstalledByIsSetLate) {
  PackedPackages list;
  list.push_back(full_package(1));
  list.push_back(full_package(2));
  list.set_installed_by(1, "python3-urllib3");
  EXPECT_EQ(list[0].installed_by, "owner");
  EXPECT_EQ(list[1].installed_by, "python3-urllib3");
  EXPECT_EQ(list[1].name, "name2");
}

TEST(PackageSpan, GivesTheElementsThemselves) {
  const std::vector<Package> packages = {full_package(1), full_package(2)};
  const PackageSpan span(packages);
  Package scratch;
  ASSERT_EQ(span.size(), 2U);
  EXPECT_EQ(&span.get(1, scratch), &packages[1]);
  EXPECT_TRUE(scratch.name.empty());
}

} // namespace

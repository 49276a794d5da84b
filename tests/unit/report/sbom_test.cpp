#include <moat/report/sbom.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace moat::core;
using namespace moat::report;
using nlohmann::json;

namespace {

Package make_package(std::string name, std::string version, std::string purl,
                     std::string license = {}) {
  Package pkg;
  pkg.name = std::move(name);
  pkg.version = std::move(version);
  pkg.type = "deb";
  pkg.ecosystem = "Debian";
  pkg.namespace_ = "debian";
  pkg.purl = std::move(purl);
  pkg.license = std::move(license);
  pkg.found_at = "/var/lib/dpkg/status";
  pkg.layer = 0;
  pkg.layer_digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  return pkg;
}

SbomDocument sample() {
  SbomDocument doc;
  doc.name = "debian.tar";
  doc.target_kind = "image";
  doc.digest = "sha256:abababababababababababababababababababababababababababababababab";
  doc.os_id = "debian";
  doc.os_version = "12";
  doc.os_codename = "bookworm";
  doc.os_name = "Debian GNU/Linux 12 (bookworm)";
  doc.tool_version = "1.2.3";
  doc.created = "2024-05-01T12:00:00Z";
  auto openssl = make_package("openssl", "3.0.11-1~deb12u2",
                              "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64", "Apache-2.0");
  openssl.source_name = "openssl-src";
  openssl.source_version = "3.0.11-1~deb12u2";
  doc.packages.push_back(openssl);
  doc.packages.push_back(make_package("zlib1g", "1:1.2.13.dfsg-1",
                                      "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64",
                                      "gpl-2.0-only and (mit or bsd-3-clause)"));
  doc.packages.push_back(make_package("tzdata", "2024a-0+deb12u1",
                                      "pkg:deb/debian/tzdata@2024a-0+deb12u1?arch=all",
                                      "public domain, see copyright"));
  doc.packages.push_back(make_package("nolicense", "1.0", "pkg:deb/debian/nolicense@1.0"));
  return doc;
}

std::string render_cyclonedx(const SbomDocument& doc) {
  std::ostringstream out;
  auto status = write_cyclonedx(doc, out);
  EXPECT_TRUE(status.has_value());
  return out.str();
}

std::string render_spdx(const SbomDocument& doc) {
  std::ostringstream out;
  auto status = write_spdx(doc, out);
  EXPECT_TRUE(status.has_value());
  return out.str();
}

const json* component_named(const json& bom, const std::string& name) {
  for (const auto& c : bom["components"])
    if (c["name"] == name)
      return &c;
  return nullptr;
}

const json* spdx_package_named(const json& doc, const std::string& name) {
  for (const auto& p : doc["packages"])
    if (p["name"] == name)
      return &p;
  return nullptr;
}

std::string property(const json& component, const std::string& name) {
  if (!component.contains("properties"))
    return {};
  for (const auto& p : component["properties"])
    if (p["name"] == name)
      return p["value"].get<std::string>();
  return {};
}

const std::regex
    k_v5_urn("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex k_spdx_id("^SPDXRef-[A-Za-z0-9.-]+$");

} // namespace

// --- uuid_v5 --------------------------------------------------------------

TEST(SbomUuid, MatchesRfc4122Vectors) {
  // The DNS and URL namespaces of RFC 4122 appendix C; expected values from
  // Python's uuid.uuid5, an independent implementation.
  const std::array<std::uint8_t, 16> dns{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                         0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  const std::array<std::uint8_t, 16> url{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                         0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  EXPECT_EQ(uuid_v5(dns, "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_EQ(uuid_v5(url, ""), "1b4db7eb-4057-5ddf-91e0-36dec72071f5");
  EXPECT_EQ(uuid_v5(dns, std::string(1000, 'a')), "062a6b1a-ddc3-5fcc-b238-790846e533d6");
  // Lengths around SHA-1's padding boundary (namespace + name = 55, 56, 64 bytes).
  EXPECT_EQ(uuid_v5(dns, std::string(39, 'x')), "2f80c0d1-1c62-579f-8d68-e61ad5592c9b");
  EXPECT_EQ(uuid_v5(dns, std::string(40, 'x')), "e56fd57a-7633-5e1d-8f80-70e05ac413e5");
  EXPECT_EQ(uuid_v5(dns, std::string(47, 'x')), "a112377b-8258-5ef7-b5b0-d2540bc03abb");
  EXPECT_EQ(uuid_v5(dns, std::string(48, 'x')), "83993b6c-dea9-55ca-be5b-9989c85943fc");
  EXPECT_EQ(uuid_v5(dns, std::string(55, 'x')), "4c506c2a-c3a2-508b-b2ce-25c3a06bf481");
  EXPECT_EQ(uuid_v5(dns, std::string(56, 'x')), "f1b9151e-183c-58b7-b276-8dafd14a10b6");
  EXPECT_EQ(uuid_v5(dns, std::string(64, 'x')), "2b539495-76e8-5ab9-8067-4d5b1acb2e27");
}

// --- classify_license -----------------------------------------------------

TEST(SbomLicense, ClassifiesIdsExpressionsAndFreeText) {
  using Form = LicenseClass::Form;
  struct Case {
    std::string input;
    Form form;
    std::string text;
    bool declarable;
  };
  const std::vector<Case> cases{
      {"", Form::none, "", false},
      {"   ", Form::none, "", false},
      {"MIT", Form::id, "MIT", true},
      {"  mit ", Form::id, "MIT", true},
      {"apache-2.0", Form::id, "Apache-2.0", true},
      {"GPL-2.0+", Form::id, "GPL-2.0+", true}, // a listed (deprecated) id in its own right
      {"(MIT)", Form::id, "MIT", true},
      {"MIT+", Form::expression, "MIT+", true},
      {"Apache-2.0 OR MIT", Form::expression, "Apache-2.0 OR MIT", true},
      {"gpl-2.0-only and (mit or bsd-3-clause)", Form::expression,
       "GPL-2.0-only AND (MIT OR BSD-3-Clause)", true},
      {"Apache-2.0 WITH LLVM-exception", Form::expression, "Apache-2.0 WITH LLVM-exception", true},
      {"GPL-2.0-or-later  AND\tLGPL-2.1-or-later", Form::expression,
       "GPL-2.0-or-later AND LGPL-2.1-or-later", true},
      {"LicenseRef-acme", Form::expression, "LicenseRef-acme", false},
      {"MIT OR DocumentRef-x:LicenseRef-y", Form::expression, "MIT OR DocumentRef-x:LicenseRef-y",
       false},
      {"Apache-2.0 WITH Made-up-exception", Form::name, "Apache-2.0 WITH Made-up-exception", false},
      {"Foo-1.0", Form::name, "Foo-1.0", false},
      {"GPL2+ or LGPL", Form::name, "GPL2+ or LGPL", false},
      {"public domain, see copyright", Form::name, "public domain, see copyright", false},
      {"MIT AND", Form::name, "MIT AND", false},
      {"(MIT", Form::name, "(MIT", false},
      {"MIT)", Form::name, "MIT)", false},
      {"MIT MIT", Form::name, "MIT MIT", false},
      {"AND", Form::name, "AND", false},
      {"MIT WITH", Form::name, "MIT WITH", false},
      {"()", Form::name, "()", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    auto got = classify_license(c.input);
    EXPECT_EQ(got.form, c.form);
    EXPECT_EQ(got.text, c.text);
    EXPECT_EQ(got.spdx_declarable, c.declarable);
  }
}

TEST(SbomLicense, DeepNestingIsBoundedNotACrash) {
  std::string shallow = std::string(10, '(') + "MIT" + std::string(10, ')');
  EXPECT_EQ(classify_license(shallow).form, LicenseClass::Form::id);
  std::string deep = std::string(100000, '(') + "MIT" + std::string(100000, ')');
  EXPECT_EQ(classify_license(deep).form, LicenseClass::Form::name);
}

// --- CycloneDX --------------------------------------------------------------

TEST(CycloneDx, RequiredTopLevelFieldsAndMetadata) {
  auto text = render_cyclonedx(sample());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  auto bom = json::parse(text);
  EXPECT_EQ(bom["$schema"], "http://cyclonedx.org/schema/bom-1.5.schema.json");
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.5");
  EXPECT_EQ(bom["version"], 1);
  ASSERT_TRUE(bom["version"].is_number_integer());
  EXPECT_TRUE(std::regex_match(bom["serialNumber"].get<std::string>(), k_v5_urn))
      << bom["serialNumber"];

  const auto& meta = bom["metadata"];
  EXPECT_EQ(meta["timestamp"], "2024-05-01T12:00:00Z");
  // 1.5's tools object form, not the deprecated array.
  ASSERT_TRUE(meta["tools"].is_object());
  ASSERT_EQ(meta["tools"]["components"].size(), 1U);
  EXPECT_EQ(meta["tools"]["components"][0]["type"], "application");
  EXPECT_EQ(meta["tools"]["components"][0]["name"], "moat");
  EXPECT_EQ(meta["tools"]["components"][0]["version"], "1.2.3");

  const auto& root = meta["component"];
  EXPECT_EQ(root["type"], "container");
  EXPECT_EQ(root["name"], "debian.tar");
  EXPECT_EQ(root["version"], sample().digest);
  EXPECT_FALSE(root["bom-ref"].get<std::string>().empty());
}

TEST(CycloneDx, ComponentsCarryPackageFields) {
  auto bom = json::parse(render_cyclonedx(sample()));
  ASSERT_EQ(bom["components"].size(), 5U); // the OS + four packages

  const auto& os = bom["components"][0];
  EXPECT_EQ(os["type"], "operating-system");
  EXPECT_EQ(os["name"], "debian");
  EXPECT_EQ(os["version"], "12");
  EXPECT_EQ(os["description"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(property(os, "moat:os:codename"), "bookworm");

  const auto* openssl = component_named(bom, "openssl");
  ASSERT_NE(openssl, nullptr);
  EXPECT_EQ((*openssl)["type"], "library");
  EXPECT_EQ((*openssl)["version"], "3.0.11-1~deb12u2");
  EXPECT_EQ((*openssl)["purl"], "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64");
  EXPECT_EQ((*openssl)["bom-ref"], "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64");
  EXPECT_EQ(property(*openssl, "moat:package:type"), "deb");
  EXPECT_EQ(property(*openssl, "moat:layer:digest"), sample().packages[0].layer_digest);
  EXPECT_EQ(property(*openssl, "moat:found-at"), "/var/lib/dpkg/status");
  EXPECT_EQ(property(*openssl, "moat:source-name"), "openssl-src");
  EXPECT_EQ(property(*openssl, "moat:source-version"), "3.0.11-1~deb12u2");

  const auto* nolicense = component_named(bom, "nolicense");
  ASSERT_NE(nolicense, nullptr);
  EXPECT_FALSE(nolicense->contains("licenses"));
  EXPECT_EQ(property(*nolicense, "moat:source-name"), ""); // unset fields are left out
  for (const auto& p : (*nolicense)["properties"])
    EXPECT_FALSE(p["value"].get<std::string>().empty());
}

TEST(CycloneDx, LicenseMapping) {
  auto bom = json::parse(render_cyclonedx(sample()));
  const auto* single = component_named(bom, "openssl");
  const auto* expression = component_named(bom, "zlib1g");
  const auto* free_text = component_named(bom, "tzdata");
  ASSERT_TRUE(single && expression && free_text);

  ASSERT_EQ((*single)["licenses"].size(), 1U);
  EXPECT_EQ((*single)["licenses"][0], json::parse(R"({"license":{"id":"Apache-2.0"}})"));
  ASSERT_EQ((*expression)["licenses"].size(), 1U);
  EXPECT_EQ((*expression)["licenses"][0],
            json::parse(R"j({"expression":"GPL-2.0-only AND (MIT OR BSD-3-Clause)"})j"));
  ASSERT_EQ((*free_text)["licenses"].size(), 1U);
  EXPECT_EQ((*free_text)["licenses"][0],
            json::parse(R"({"license":{"name":"public domain, see copyright"}})"));
}

TEST(CycloneDx, DependenciesLinkRootToEveryComponent) {
  auto bom = json::parse(render_cyclonedx(sample()));
  ASSERT_EQ(bom["dependencies"].size(), 1U);
  const auto& dep = bom["dependencies"][0];
  EXPECT_EQ(dep["ref"], bom["metadata"]["component"]["bom-ref"]);
  std::vector<std::string> component_refs;
  for (const auto& c : bom["components"])
    component_refs.push_back(c["bom-ref"].get<std::string>());
  EXPECT_EQ(dep["dependsOn"].get<std::vector<std::string>>(), component_refs);
}

TEST(CycloneDx, DuplicatePurlsGetUniqueBomRefs) {
  auto doc = sample();
  doc.packages.push_back(doc.packages[0]);
  doc.packages.push_back(doc.packages[0]);
  doc.packages.push_back(make_package("nopurl", "1", ""));
  doc.packages.push_back(make_package("nopurl", "1", ""));
  auto bom = json::parse(render_cyclonedx(doc));

  std::set<std::string> refs{bom["metadata"]["component"]["bom-ref"].get<std::string>()};
  std::size_t openssl_count = 0;
  for (const auto& c : bom["components"]) {
    auto ref = c["bom-ref"].get<std::string>();
    EXPECT_TRUE(refs.insert(ref).second) << "duplicate bom-ref " << ref;
    if (c["name"] == "openssl") {
      ++openssl_count;
      EXPECT_EQ(c["purl"], doc.packages[0].purl); // the purl itself is kept as is
      EXPECT_EQ(ref.rfind(doc.packages[0].purl, 0), 0U) << ref;
    }
    if (c["name"] == "nopurl") {
      EXPECT_FALSE(c.contains("purl"));
    }
  }
  EXPECT_EQ(openssl_count, 3U);
  EXPECT_EQ(bom["dependencies"][0]["dependsOn"].size(), bom["components"].size());
  for (const auto& ref : bom["dependencies"][0]["dependsOn"])
    EXPECT_TRUE(refs.contains(ref.get<std::string>()));
}

TEST(CycloneDx, OsComponentOnlyWhenOsIsKnown) {
  auto doc = sample();
  doc.os_id.clear();
  auto bom = json::parse(render_cyclonedx(doc));
  ASSERT_EQ(bom["components"].size(), 4U);
  for (const auto& c : bom["components"])
    EXPECT_EQ(c["type"], "library");
}

TEST(CycloneDx, DirectoryTargetAndEmptyInventory) {
  SbomDocument doc;
  doc.name = "./rootfs";
  doc.target_kind = "directory";
  doc.tool_version = "1.2.3";
  doc.created = "2024-05-01T12:00:00Z";
  auto bom = json::parse(render_cyclonedx(doc));
  EXPECT_EQ(bom["metadata"]["component"]["type"], "file");
  EXPECT_FALSE(bom["metadata"]["component"].contains("version")); // no digest
  EXPECT_TRUE(bom["components"].is_array());
  EXPECT_TRUE(bom["components"].empty());
  EXPECT_TRUE(bom["dependencies"][0]["dependsOn"].empty());
}

TEST(CycloneDx, OutputIsDeterministicAndSerialFollowsContent) {
  auto doc = sample();
  auto first = render_cyclonedx(doc);
  EXPECT_EQ(first, render_cyclonedx(doc));

  auto serial = [](const std::string& text) {
    return json::parse(text)["serialNumber"].get<std::string>();
  };
  auto changed_version = doc;
  changed_version.packages[1].version = "1:1.2.13.dfsg-2";
  EXPECT_NE(serial(first), serial(render_cyclonedx(changed_version)));
  auto changed_name = doc;
  changed_name.name = "other.tar";
  EXPECT_NE(serial(first), serial(render_cyclonedx(changed_name)));
  auto extra = doc;
  extra.packages.push_back(make_package("extra", "1", "pkg:deb/debian/extra@1"));
  EXPECT_NE(serial(first), serial(render_cyclonedx(extra)));
  // The creation time is left out on purpose: a rerun gives the same id.
  auto later = doc;
  later.created = "2030-01-01T00:00:00Z";
  EXPECT_EQ(serial(first), serial(render_cyclonedx(later)));
}

TEST(CycloneDx, InvalidUtf8IsReplacedNotThrown) {
  auto doc = sample();
  doc.name = "bad\xff.tar";
  doc.packages.push_back(make_package("na\xc3\xafve\xfe", "1\xc0\xaf", "pkg:deb/debian/x\xff@1"));
  doc.packages.push_back(make_package("other", "1", "pkg:deb/debian/x\xfe@1"));
  doc.packages.back().found_at = "/usr/lib/\xed\xa0\x80/trunc\xe2\x82";
  std::string text;
  ASSERT_NO_THROW(text = render_cyclonedx(doc));
  json bom;
  ASSERT_NO_THROW(bom = json::parse(text)); // nlohmann rejects invalid UTF-8
  EXPECT_EQ(bom["metadata"]["component"]["name"], "bad\xef\xbf\xbd.tar");
  const auto* naive = component_named(bom, "na\xc3\xafve\xef\xbf\xbd");
  ASSERT_NE(naive, nullptr); // the valid two-byte sequence survives
  EXPECT_EQ((*naive)["version"], "1\xef\xbf\xbd\xef\xbf\xbd"); // overlong: two bad bytes
  const auto* other = component_named(bom, "other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(property(*other, "moat:found-at"),
            "/usr/lib/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd/trunc\xef\xbf\xbd");
  // The two purls differ only in bad bytes; their refs must still differ.
  EXPECT_NE((*naive)["bom-ref"], (*other)["bom-ref"]);
}

TEST(CycloneDx, StreamFailureIsAnIoError) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  auto status = write_cyclonedx(sample(), out);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::io);
  EXPECT_EQ(status.error().input, "debian.tar");
}

// --- SPDX ----------------------------------------------------------------------

TEST(Spdx, RequiredDocumentFields) {
  auto text = render_spdx(sample());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  auto doc = json::parse(text);
  EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
  EXPECT_EQ(doc["dataLicense"], "CC0-1.0");
  EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
  EXPECT_EQ(doc["name"], "debian.tar");
  EXPECT_EQ(doc["creationInfo"]["created"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(doc["creationInfo"]["creators"], json::parse(R"(["Tool: moat-1.2.3"])"));

  auto ns = doc["documentNamespace"].get<std::string>();
  EXPECT_TRUE(std::regex_match(
      ns, std::regex("^https://moat\\.invalid/spdxdocs/debian\\.tar-[0-9a-f]{8}-[0-9a-f]{4}-5"
                     "[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))
      << ns;
}

TEST(Spdx, PackagesHaveRequiredFieldsAndValidUniqueIds) {
  auto input = sample();
  input.packages.push_back(input.packages[0]); // same name and purl twice
  input.packages.push_back(make_package("weird name/with@chars:+", "1", "pkg:npm/%40x/y@1"));
  input.packages.back().type = "n p m";
  auto doc = json::parse(render_spdx(input));

  // The root, the OS, and one per package.
  ASSERT_EQ(doc["packages"].size(), input.packages.size() + 2);
  std::set<std::string> ids;
  for (const auto& p : doc["packages"]) {
    auto id = p["SPDXID"].get<std::string>();
    EXPECT_TRUE(std::regex_match(id, k_spdx_id)) << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
    for (const char* key : {"name", "downloadLocation", "licenseConcluded", "licenseDeclared",
                            "copyrightText", "primaryPackagePurpose"})
      EXPECT_TRUE(p.contains(key)) << id << " lacks " << key;
    EXPECT_EQ(p["downloadLocation"], "NOASSERTION");
    EXPECT_EQ(p["filesAnalyzed"], false);
    EXPECT_EQ(p["licenseConcluded"], "NOASSERTION");
    EXPECT_EQ(p["copyrightText"], "NOASSERTION");
  }

  const auto& root = doc["packages"][0];
  EXPECT_EQ(root["name"], "debian.tar");
  EXPECT_EQ(root["versionInfo"], input.digest);
  EXPECT_EQ(root["primaryPackagePurpose"], "CONTAINER");
  EXPECT_EQ(doc["documentDescribes"], json::array({root["SPDXID"]}));

  const auto& os = doc["packages"][1];
  EXPECT_EQ(os["name"], "debian");
  EXPECT_EQ(os["versionInfo"], "12");
  EXPECT_EQ(os["primaryPackagePurpose"], "OPERATING_SYSTEM");

  const auto* openssl = spdx_package_named(doc, "openssl");
  ASSERT_NE(openssl, nullptr);
  EXPECT_EQ((*openssl)["versionInfo"], "3.0.11-1~deb12u2");
  EXPECT_EQ((*openssl)["primaryPackagePurpose"], "LIBRARY");
  json purl_ref{{"referenceCategory", "PACKAGE-MANAGER"},
                {"referenceType", "purl"},
                {"referenceLocator", input.packages[0].purl}};
  EXPECT_EQ((*openssl)["externalRefs"], json::array({purl_ref}));
  auto info = (*openssl)["sourceInfo"].get<std::string>();
  EXPECT_NE(info.find("/var/lib/dpkg/status"), std::string::npos) << info;
  EXPECT_NE(info.find(input.packages[0].layer_digest), std::string::npos) << info;
}

TEST(Spdx, LicenseDeclaredOnlyForListedExpressions) {
  auto input = sample();
  input.packages.push_back(make_package("ref", "1", "pkg:deb/debian/ref@1", "LicenseRef-acme"));
  auto doc = json::parse(render_spdx(input));
  auto declared = [&](const std::string& name) {
    const auto* p = spdx_package_named(doc, name);
    EXPECT_NE(p, nullptr) << name;
    return p == nullptr ? std::string() : (*p)["licenseDeclared"].get<std::string>();
  };
  EXPECT_EQ(declared("openssl"), "Apache-2.0");
  EXPECT_EQ(declared("zlib1g"), "GPL-2.0-only AND (MIT OR BSD-3-Clause)");
  EXPECT_EQ(declared("tzdata"), "NOASSERTION");
  EXPECT_EQ(declared("nolicense"), "NOASSERTION");
  // A LicenseRef needs a hasExtractedLicensingInfos entry moat cannot write.
  EXPECT_EQ(declared("ref"), "NOASSERTION");
}

TEST(Spdx, RelationshipsDescribeRootAndContainEveryPackage) {
  auto doc = json::parse(render_spdx(sample()));
  std::set<std::string> ids{"SPDXRef-DOCUMENT"};
  for (const auto& p : doc["packages"])
    ids.insert(p["SPDXID"].get<std::string>());
  auto root_id = doc["packages"][0]["SPDXID"].get<std::string>();

  std::size_t describes = 0;
  std::set<std::string> contained;
  for (const auto& r : doc["relationships"]) {
    EXPECT_TRUE(ids.contains(r["spdxElementId"].get<std::string>()));
    EXPECT_TRUE(ids.contains(r["relatedSpdxElement"].get<std::string>()));
    if (r["relationshipType"] == "DESCRIBES") {
      ++describes;
      EXPECT_EQ(r["spdxElementId"], "SPDXRef-DOCUMENT");
      EXPECT_EQ(r["relatedSpdxElement"], root_id);
    } else {
      EXPECT_EQ(r["relationshipType"], "CONTAINS");
      EXPECT_EQ(r["spdxElementId"], root_id);
      contained.insert(r["relatedSpdxElement"].get<std::string>());
    }
  }
  EXPECT_EQ(describes, 1U);
  ids.erase("SPDXRef-DOCUMENT");
  ids.erase(root_id);
  EXPECT_EQ(contained, ids); // the OS and every package
}

TEST(Spdx, DirectoryWithoutOs) {
  auto input = sample();
  input.target_kind = "directory";
  input.digest.clear();
  input.os_id.clear();
  auto doc = json::parse(render_spdx(input));
  ASSERT_EQ(doc["packages"].size(), input.packages.size() + 1);
  EXPECT_EQ(doc["packages"][0]["primaryPackagePurpose"], "FILE");
  EXPECT_FALSE(doc["packages"][0].contains("versionInfo"));
  for (const auto& p : doc["packages"])
    EXPECT_NE(p["primaryPackagePurpose"], "OPERATING_SYSTEM");
}

TEST(Spdx, DeterministicAndNamespaceFollowsContent) {
  auto input = sample();
  auto first = render_spdx(input);
  EXPECT_EQ(first, render_spdx(input));
  auto ns = [](const std::string& text) {
    return json::parse(text)["documentNamespace"].get<std::string>();
  };
  auto changed = input;
  changed.packages[0].purl = "pkg:deb/debian/openssl@3.0.11-1~deb12u3?arch=amd64";
  EXPECT_NE(ns(first), ns(render_spdx(changed)));
  // The two formats get different ids for the same content.
  auto cdx = json::parse(render_cyclonedx(input))["serialNumber"].get<std::string>();
  EXPECT_EQ(ns(first).find(cdx.substr(9)), std::string::npos);
}

TEST(Spdx, UnsafeNamesAreSanitisedInNamespaceAndReplacedInText) {
  auto input = sample();
  input.name = "registry://host:5000/repo name@sha256:ab\xff";
  std::string text;
  ASSERT_NO_THROW(text = render_spdx(input));
  json doc;
  ASSERT_NO_THROW(doc = json::parse(text));
  EXPECT_EQ(doc["name"], "registry://host:5000/repo name@sha256:ab\xef\xbf\xbd");
  auto ns = doc["documentNamespace"].get<std::string>();
  EXPECT_EQ(ns.rfind("https://moat.invalid/spdxdocs/registry---host-5000-repo-name-sha256-ab--", 0),
            0U)
      << ns;
  EXPECT_EQ(ns.find('#'), std::string::npos);
  EXPECT_EQ(ns.find(' '), std::string::npos);
}

TEST(Spdx, StreamFailureIsAnIoError) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  auto status = write_spdx(sample(), out);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::io);
}

namespace moat::report {
namespace {

TEST(CycloneDx, ListedFilesBecomeEvidenceOccurrences) {
  SbomDocument doc;
  doc.name = "img.tar";
  doc.target_kind = "image";
  doc.created = "2026-01-01T00:00:00Z";
  core::Package with_files;
  with_files.name = "coreutils";
  with_files.version = "9.1-1";
  with_files.purl = "pkg:deb/debian/coreutils@9.1-1";
  with_files.files = {"/bin/ls", "/bin/cat"};
  core::Package without = with_files;
  without.name = "nofiles";
  without.purl = "pkg:deb/debian/nofiles@9.1-1";
  without.files.clear();
  doc.packages = {with_files, without};
  std::ostringstream out;
  ASSERT_TRUE(write_cyclonedx(doc, out));
  const auto bom = nlohmann::json::parse(out.str());
  bool seen = false;
  for (const auto& c : bom["components"]) {
    if (c["name"] == "coreutils") {
      seen = true;
      ASSERT_EQ(c["evidence"]["occurrences"].size(), 2U);
      EXPECT_EQ(c["evidence"]["occurrences"][0]["location"], "/bin/ls");
      EXPECT_EQ(c["evidence"]["occurrences"][1]["location"], "/bin/cat");
    } else if (c["name"] == "nofiles") {
      EXPECT_FALSE(c.contains("evidence"));
    }
  }
  EXPECT_TRUE(seen);
}

// Debian's python3-urllib3 installed urllib3; requests came from pip.
SbomDocument installed_sample() {
  SbomDocument doc;
  doc.name = "img.tar";
  doc.target_kind = "image";
  doc.created = "2026-01-01T00:00:00Z";
  core::Package deb;
  deb.name = "python3-urllib3";
  deb.version = "1.26.12-1+deb12u4";
  deb.type = "deb";
  deb.purl = "pkg:deb/debian/python3-urllib3@1.26.12-1%2Bdeb12u4";
  core::Package owned;
  owned.name = "urllib3";
  owned.version = "1.26.12";
  owned.type = "pypi";
  owned.purl = "pkg:pypi/urllib3@1.26.12";
  owned.installed_by = "python3-urllib3";
  core::Package pip = owned;
  pip.name = "requests";
  pip.version = "2.31.0";
  pip.purl = "pkg:pypi/requests@2.31.0";
  pip.installed_by.clear();
  doc.packages = {deb, owned, pip};
  return doc;
}

TEST(CycloneDx, TheOsPackageThatInstalledALanguagePackageIsAProperty) {
  const auto doc = installed_sample();
  std::ostringstream out;
  ASSERT_TRUE(write_cyclonedx(doc, out));
  const auto bom = nlohmann::json::parse(out.str());
  ASSERT_NE(component_named(bom, "urllib3"), nullptr);
  EXPECT_EQ(property(*component_named(bom, "urllib3"), "moat:installed-by"), "python3-urllib3");
  EXPECT_EQ(property(*component_named(bom, "requests"), "moat:installed-by"), "");
  EXPECT_EQ(property(*component_named(bom, "python3-urllib3"), "moat:installed-by"), "");
  // It is part of the content the serial number is made from.
  auto other = doc;
  other.packages[1].installed_by.clear();
  std::ostringstream other_out;
  ASSERT_TRUE(write_cyclonedx(other, other_out));
  EXPECT_NE(nlohmann::json::parse(other_out.str())["serialNumber"], bom["serialNumber"]);
}

TEST(Spdx, TheOsPackageThatInstalledALanguagePackageContainsIt) {
  std::ostringstream out;
  ASSERT_TRUE(write_spdx(installed_sample(), out));
  const auto doc = nlohmann::json::parse(out.str());
  const auto id = [&](const std::string& name) {
    const auto* p = spdx_package_named(doc, name);
    return p == nullptr ? std::string() : (*p)["SPDXID"].get<std::string>();
  };
  const auto root = doc["packages"][0]["SPDXID"].get<std::string>();
  std::vector<std::pair<std::string, std::string>> contains; // besides the root's
  for (const auto& r : doc["relationships"])
    if (r["relationshipType"] == "CONTAINS" && r["spdxElementId"] != root)
      contains.emplace_back(r["spdxElementId"], r["relatedSpdxElement"]);
  ASSERT_FALSE(id("urllib3").empty());
  EXPECT_EQ(contains, (std::vector<std::pair<std::string, std::string>>{
                          {id("python3-urllib3"), id("urllib3")}}));
}

} // namespace
} // namespace moat::report

#include <moat/vuln/sbom_input.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <expected>
#include <optional>
#include <span>
#include <string>

namespace {

using moat::core::ErrorKind;
using moat::core::Package;
using moat::vuln::parse_purl;
using moat::vuln::qualifier;
using moat::vuln::read_sbom;
using moat::vuln::ReadChunk;
using moat::vuln::SbomInput;

std::optional<Package> find(const SbomInput& sbom, const std::string& name) {
  for (const auto& p : sbom.packages)
    if (p.name == name)
      return p;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// parse_purl

TEST(SbomInputPurl, ParsesEveryPart) {
  auto p = parse_purl("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "deb");
  EXPECT_EQ(p->namespace_, "debian");
  EXPECT_EQ(p->name, "libc6");
  EXPECT_EQ(p->version, "2.36-9+deb12u4");
  ASSERT_EQ(p->qualifiers.size(), 2U);
  EXPECT_EQ(p->qualifiers[0], (std::pair<std::string, std::string>{"arch", "amd64"}));
  EXPECT_EQ(p->qualifiers[1], (std::pair<std::string, std::string>{"distro", "debian-12"}));
  EXPECT_EQ(p->subpath, "");
}

TEST(SbomInputPurl, NamespaceMayHoldSeveralSegments) {
  auto p = parse_purl("pkg:golang/github.com/gorilla/mux@v1.8.0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->namespace_, "github.com/gorilla");
  EXPECT_EQ(p->name, "mux");
  EXPECT_EQ(p->version, "v1.8.0");
  auto bare = parse_purl("pkg:pypi/requests");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->namespace_, "");
  EXPECT_EQ(bare->name, "requests");
  EXPECT_EQ(bare->version, "");
}

TEST(SbomInputPurl, DecodesAndLowerCasesWhatTheSpecSays) {
  auto p = parse_purl("PKG:PyPI/Django@1.11.1?Repository_URL=https%3A%2F%2Fexample.com%2Fsimple");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "pypi");
  EXPECT_EQ(p->name, "Django"); // names keep their case; comparison normalises
  EXPECT_EQ(qualifier(*p, "repository_url"), "https://example.com/simple");
  auto scoped = parse_purl("pkg:npm/%40babel/core@7.24.0");
  ASSERT_TRUE(scoped);
  EXPECT_EQ(scoped->namespace_, "@babel");
  EXPECT_EQ(scoped->name, "core");
}

TEST(SbomInputPurl, VersionFollowsTheLastAtOfTheName) {
  // An unencoded npm scope's '@' is not a version separator.
  auto scope = parse_purl("pkg:npm/@angular/core");
  ASSERT_TRUE(scope);
  EXPECT_EQ(scope->namespace_, "@angular");
  EXPECT_EQ(scope->name, "core");
  EXPECT_EQ(scope->version, "");
  auto versioned = parse_purl("pkg:npm/@angular/core@16.0.0");
  ASSERT_TRUE(versioned);
  EXPECT_EQ(versioned->version, "16.0.0");
  EXPECT_EQ(versioned->namespace_, "@angular");
}

TEST(SbomInputPurl, SubpathAndEmptyQualifiers) {
  auto p = parse_purl(
      "pkg:golang/google.golang.org/genproto@v0.1?goos=&goarch=amd64#/googleapis/./api/../x/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "genproto");
  EXPECT_EQ(p->subpath, "googleapis/api/x");
  ASSERT_EQ(p->qualifiers.size(), 1U); // goos= has no value and is dropped
  EXPECT_EQ(qualifier(*p, "goos"), "");
  EXPECT_EQ(qualifier(*p, "GOARCH"), "amd64");
}

TEST(SbomInputPurl, RefusesMalformedText) {
  for (const char* bad :
       {"", "deb/debian/libc6", "pkg:", "pkg:deb", "pkg:deb/", "pkg:deb//", "pkg:/libc6",
        "pkg:1deb/libc6", "pkg:de b/libc6", "pkg:deb/debian/libc6@1%ZZ", "pkg:deb/debian/lib%4",
        "http://example.com/x", "pkg:npm/a?x=%G1"})
    EXPECT_FALSE(parse_purl(bad)) << bad;
  EXPECT_TRUE(parse_purl("pkg:deb/libc6"));
  // The spec strips trailing slashes before it takes the name.
  auto trailing = parse_purl("pkg:deb/debian/libc6/");
  ASSERT_TRUE(trailing);
  EXPECT_EQ(trailing->namespace_, "debian");
  EXPECT_EQ(trailing->name, "libc6");
}

TEST(SbomInputPurl, QualifierIsEmptyWhenAbsent) {
  auto p = parse_purl("pkg:apk/alpine/busybox@1.36.1-r5?arch=x86_64");
  ASSERT_TRUE(p);
  EXPECT_EQ(qualifier(*p, "arch"), "x86_64");
  EXPECT_EQ(qualifier(*p, "distro"), "");
}

TEST(SbomInputPurl, EcosystemOfEachType) {
  const std::pair<const char*, const char*> cases[] = {
      {"pkg:deb/debian/libc6", "Debian"},
      {"pkg:deb/ubuntu/libc6", "Ubuntu"},
      {"pkg:apk/alpine/busybox", "Alpine"},
      {"pkg:rpm/redhat/openssl", "Red Hat"},
      {"pkg:rpm/rocky/openssl", "Red Hat"},
      {"pkg:pypi/requests", "PyPI"},
      {"pkg:npm/lodash", "npm"},
      {"pkg:golang/golang.org/x/net", "Go"},
      {"pkg:maven/org.apache/commons", "Maven"},
      {"pkg:gem/rails", "RubyGems"},
      {"pkg:cargo/serde", "crates.io"},
      {"pkg:nuget/Newtonsoft.Json", "NuGet"},
      {"pkg:composer/laravel/framework", "Packagist"},
      {"pkg:deb/raspbian/libc6", ""},
      {"pkg:apk/wolfi/busybox", ""},
      {"pkg:generic/openssl", ""},
  };
  for (const auto& [purl, ecosystem] : cases) {
    auto p = parse_purl(purl);
    ASSERT_TRUE(p) << purl;
    EXPECT_EQ(moat::vuln::ecosystem_of(*p), ecosystem) << purl;
  }
}

// ---------------------------------------------------------------------------
// read_sbom: moat's own documents (taken from report/sbom.cpp's output for
// the same packages, trimmed of the parts the reader ignores)

constexpr const char* k_moat_cyclonedx = R"json({
  "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "serialNumber": "urn:uuid:ad36939f-b577-58d0-8b9e-44c4903637a2",
  "version": 1,
  "metadata": {
    "timestamp": "2024-05-01T00:00:00Z",
    "tools": {"components": [{"type": "application", "name": "moat", "version": "0.1.0"}]},
    "component": {"bom-ref": "moat:target", "type": "container", "name": "app.tar", "version": "sha256:1111"}
  },
  "components": [
    {
      "bom-ref": "moat:os:debian@12", "type": "operating-system", "name": "debian", "version": "12",
      "description": "Debian GNU/Linux 12 (bookworm)",
      "properties": [{"name": "moat:os:codename", "value": "bookworm"}]
    },
    {
      "bom-ref": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
      "type": "library", "name": "libc6", "version": "2.36-9+deb12u4",
      "purl": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
      "properties": [
        {"name": "moat:package:type", "value": "deb"},
        {"name": "moat:layer:digest", "value": "sha256:aaaa"},
        {"name": "moat:found-at", "value": "/var/lib/dpkg/status"},
        {"name": "moat:source-name", "value": "glibc"},
        {"name": "moat:source-version", "value": "2.36-9+deb12u4"}
      ]
    },
    {
      "bom-ref": "pkg:deb/debian/passwd@1%3A4.13%2Bdfsg1-1?arch=amd64&distro=debian-12",
      "type": "library", "name": "passwd", "version": "1:4.13+dfsg1-1",
      "purl": "pkg:deb/debian/passwd@1%3A4.13%2Bdfsg1-1?arch=amd64&distro=debian-12",
      "properties": [
        {"name": "moat:package:type", "value": "deb"},
        {"name": "moat:layer:digest", "value": "sha256:aaaa"},
        {"name": "moat:found-at", "value": "/var/lib/dpkg/status"},
        {"name": "moat:source-name", "value": "shadow"},
        {"name": "moat:source-version", "value": "1:4.13+dfsg1-1"}
      ]
    },
    {
      "bom-ref": "pkg:npm/%40babel/core@7.24.0", "type": "library", "name": "@babel/core",
      "version": "7.24.0", "purl": "pkg:npm/%40babel/core@7.24.0",
      "properties": [
        {"name": "moat:package:type", "value": "npm"},
        {"name": "moat:layer:digest", "value": "sha256:bbbb"},
        {"name": "moat:found-at", "value": "/app/node_modules/@babel/core/package.json"}
      ]
    },
    {
      "bom-ref": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2",
      "type": "library", "name": "jackson-databind", "version": "2.15.2",
      "purl": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2",
      "properties": [{"name": "moat:found-at", "value": "/app/lib/app.jar"}]
    },
    {
      "bom-ref": "pkg:golang/golang.org/x/net@v0.17.0", "type": "library",
      "name": "golang.org/x/net", "version": "v0.17.0", "purl": "pkg:golang/golang.org/x/net@v0.17.0"
    }
  ],
  "dependencies": [{"ref": "moat:target", "dependsOn": ["moat:os:debian@12"]}]
})json";

TEST(SbomInputRead, MoatCycloneDx) {
  auto sbom = read_sbom(k_moat_cyclonedx, "moat.cdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  EXPECT_EQ(sbom->format, "cyclonedx");
  EXPECT_EQ(sbom->os_id, "debian");
  EXPECT_EQ(sbom->os_version, "12");
  ASSERT_EQ(sbom->packages.size(), 5U); // the OS component is not a package

  const auto& libc = sbom->packages[0];
  EXPECT_EQ(libc.name, "libc6");
  EXPECT_EQ(libc.version, "2.36-9+deb12u4");
  EXPECT_EQ(libc.type, "deb");
  EXPECT_EQ(libc.ecosystem, "Debian");
  EXPECT_EQ(libc.namespace_, "debian");
  EXPECT_EQ(libc.architecture, "amd64");
  EXPECT_EQ(libc.source_name, "glibc");
  EXPECT_EQ(libc.source_version, "2.36-9+deb12u4");
  EXPECT_EQ(libc.found_at, "/var/lib/dpkg/status");
  EXPECT_EQ(libc.layer_digest, "sha256:aaaa");
  EXPECT_EQ(libc.purl, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");

  const auto& passwd = sbom->packages[1];
  EXPECT_EQ(passwd.version, "1:4.13+dfsg1-1");
  EXPECT_EQ(passwd.source_name, "shadow");
  EXPECT_EQ(passwd.source_version, "1:4.13+dfsg1-1");

  const auto babel = find(*sbom, "@babel/core");
  ASSERT_TRUE(babel.has_value());
  EXPECT_EQ(babel->namespace_, "@babel");
  EXPECT_EQ(babel->ecosystem, "npm");
  EXPECT_EQ(babel->source_name, ""); // language packages have no source package

  const auto jackson = find(*sbom, "jackson-databind");
  ASSERT_TRUE(jackson.has_value());
  EXPECT_EQ(jackson->namespace_, "com.fasterxml.jackson.core");
  EXPECT_EQ(jackson->ecosystem, "Maven");
  EXPECT_EQ(jackson->found_at, "/app/lib/app.jar");
  EXPECT_EQ(jackson->layer_digest, "");

  const auto net = find(*sbom, "golang.org/x/net");
  ASSERT_TRUE(net.has_value());
  EXPECT_EQ(net->namespace_, "golang.org/x");
  EXPECT_EQ(net->version, "v0.17.0");
  EXPECT_EQ(net->ecosystem, "Go");
}

constexpr const char* k_moat_spdx = R"json({
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "app.tar",
  "documentNamespace": "https://moat.invalid/spdxdocs/app.tar-3c3723cb-9b4a-5c02-8d92-84497e80c7b7",
  "creationInfo": {"created": "2024-05-01T00:00:00Z", "creators": ["Tool: moat-0.1.0"]},
  "documentDescribes": ["SPDXRef-DocumentRoot-Image"],
  "packages": [
    {"name": "app.tar", "SPDXID": "SPDXRef-DocumentRoot-Image", "versionInfo": "sha256:1111",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false, "primaryPackagePurpose": "CONTAINER"},
    {"name": "debian", "SPDXID": "SPDXRef-OperatingSystem", "versionInfo": "12",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
     "primaryPackagePurpose": "OPERATING_SYSTEM", "description": "Debian GNU/Linux 12 (bookworm)"},
    {"name": "libc6", "SPDXID": "SPDXRef-Package-deb-libc6-1", "versionInfo": "2.36-9+deb12u4",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false, "primaryPackagePurpose": "LIBRARY",
     "sourceInfo": "acquired package info from /var/lib/dpkg/status in layer sha256:aaaa",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"}]},
    {"name": "@babel/core", "SPDXID": "SPDXRef-Package-npm--babel-core-3", "versionInfo": "7.24.0",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false, "primaryPackagePurpose": "LIBRARY",
     "sourceInfo": "acquired package info from layer sha256:bbbb",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:npm/%40babel/core@7.24.0"}]},
    {"name": "loose", "SPDXID": "SPDXRef-Package-generic-loose-4", "versionInfo": "1.0",
     "downloadLocation": "NOASSERTION", "filesAnalyzed": false, "primaryPackagePurpose": "LIBRARY"}
  ],
  "relationships": []
})json";

TEST(SbomInputRead, MoatSpdx) {
  auto sbom = read_sbom(k_moat_spdx, "moat.spdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  EXPECT_EQ(sbom->format, "spdx");
  EXPECT_EQ(sbom->os_id, "debian");
  EXPECT_EQ(sbom->os_version, "12");
  // The image root and the OS are not packages; a package without a purl is skipped.
  ASSERT_EQ(sbom->packages.size(), 2U);
  const auto& libc = sbom->packages[0];
  EXPECT_EQ(libc.name, "libc6");
  EXPECT_EQ(libc.version, "2.36-9+deb12u4");
  EXPECT_EQ(libc.found_at, "/var/lib/dpkg/status");
  EXPECT_EQ(libc.layer_digest, "sha256:aaaa");
  // moat's SPDX carries no source package: the dpkg rule names the binary.
  EXPECT_EQ(libc.source_name, "libc6");
  EXPECT_EQ(libc.source_version, "2.36-9+deb12u4");
  const auto& babel = sbom->packages[1];
  EXPECT_EQ(babel.name, "@babel/core");
  EXPECT_EQ(babel.found_at, "");
  EXPECT_EQ(babel.layer_digest, "sha256:bbbb");
}

// moat records the OS package that installed a language package: a
// property in CycloneDX, a CONTAINS from the OS package in SPDX.
TEST(SbomInputRead, MoatInstalledByInCycloneDx) {
  auto sbom = read_sbom(R"json({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
    {"type": "library", "name": "python3-urllib3", "version": "1.26.12-1",
     "purl": "pkg:deb/debian/python3-urllib3@1.26.12-1",
     "properties": [{"name": "moat:installed-by", "value": "not-for-os-packages"}]},
    {"type": "library", "name": "urllib3", "version": "1.26.12",
     "purl": "pkg:pypi/urllib3@1.26.12",
     "properties": [{"name": "moat:installed-by", "value": "python3-urllib3"}]},
    {"type": "library", "name": "requests", "version": "2.31.0",
     "purl": "pkg:pypi/requests@2.31.0"}]})json",
                        "i.cdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  ASSERT_EQ(sbom->packages.size(), 3U);
  EXPECT_EQ(sbom->packages[0].installed_by, "");
  EXPECT_EQ(sbom->packages[1].installed_by, "python3-urllib3");
  EXPECT_EQ(sbom->packages[2].installed_by, "");
}

TEST(SbomInputRead, MoatInstalledByInSpdx) {
  auto package = [](const std::string& id, const std::string& name, const std::string& purl) {
    return R"({"name": ")" + name + R"(", "SPDXID": ")" + id +
           R"(", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
           "referenceType": "purl", "referenceLocator": ")" +
           purl + R"("}]})";
  };
  const std::string text =
      R"({"spdxVersion": "SPDX-2.3", "packages": [)" +
      package("SPDXRef-Package-deb-python3-urllib3-1", "python3-urllib3",
              "pkg:deb/debian/python3-urllib3@1.26.12-1") +
      "," + package("SPDXRef-Package-pypi-urllib3-2", "urllib3", "pkg:pypi/urllib3@1.26.12") + "," +
      package("SPDXRef-Package-pypi-requests-3", "requests", "pkg:pypi/requests@2.31.0") + "," +
      package("SPDXRef-Package-pypi-idna-4", "idna", "pkg:pypi/idna@3.3") + "," +
      package("SPDXRef-Package-deb-python3-idna-5", "python3-idna",
              "pkg:deb/debian/python3-idna@3.3-1") +
      R"(], "relationships": [
        {"spdxElementId": "SPDXRef-DocumentRoot-Image", "relationshipType": "CONTAINS",
         "relatedSpdxElement": "SPDXRef-Package-pypi-requests-3"},
        {"spdxElementId": "SPDXRef-Package-deb-python3-urllib3-1", "relationshipType": "CONTAINS",
         "relatedSpdxElement": "SPDXRef-Package-pypi-urllib3-2"},
        {"spdxElementId": "SPDXRef-Package-pypi-urllib3-2", "relationshipType": "CONTAINS",
         "relatedSpdxElement": "SPDXRef-Package-deb-python3-urllib3-1"},
        {"spdxElementId": "SPDXRef-Package-pypi-idna-4", "relationshipType": "CONTAINED_BY",
         "relatedSpdxElement": "SPDXRef-Package-deb-python3-idna-5"}]})";
  auto sbom = read_sbom(text, "i.spdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  ASSERT_EQ(sbom->packages.size(), 5U);
  EXPECT_EQ(sbom->packages[0].installed_by, ""); // a language package does not install an OS one
  EXPECT_EQ(sbom->packages[1].installed_by, "python3-urllib3");
  EXPECT_EQ(sbom->packages[2].installed_by, ""); // the image root is not an OS package
  EXPECT_EQ(sbom->packages[3].installed_by, "python3-idna");

  // A relationship that is not an object is an error, as any malformed member is.
  auto bad_relationship = read_sbom("{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [" +
                                        package("SPDXRef-a", "idna", "pkg:pypi/idna@3.3") +
                                        "], \"relationships\": [1]}",
                                    "bad.spdx.json");
  ASSERT_FALSE(bad_relationship);
  EXPECT_NE(bad_relationship.error().to_string().find("relationships[0]"), std::string::npos)
      << bad_relationship.error().to_string();
}

// ---------------------------------------------------------------------------
// Syft

constexpr const char* k_syft_cyclonedx = R"json({
  "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "serialNumber": "urn:uuid:0cb7bd5b-2b5c-4d4b-8a0b-3b1d2a9f3d11",
  "version": 1,
  "metadata": {
    "timestamp": "2024-05-01T10:00:00Z",
    "tools": {"components": [{"type": "application", "author": "anchore", "name": "syft", "version": "1.4.1"}]},
    "component": {"bom-ref": "e2a4ae3bd3b1a2f5", "type": "container", "name": "debian:12", "version": "sha256:2222"}
  },
  "components": [
    {
      "bom-ref": "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&upstream=glibc&distro=debian-12&package-id=1b6e",
      "type": "library", "publisher": "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
      "name": "libc6", "version": "2.36-9+deb12u4",
      "cpe": "cpe:2.3:a:libc6:libc6:2.36-9\\+deb12u4:*:*:*:*:*:*:*",
      "purl": "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&upstream=glibc&distro=debian-12",
      "properties": [
        {"name": "syft:package:foundBy", "value": "dpkg-db-cataloger"},
        {"name": "syft:package:type", "value": "deb"},
        {"name": "syft:package:metadataType", "value": "dpkg-db-entry"},
        {"name": "syft:location:0:layerID", "value": "sha256:cccc"},
        {"name": "syft:location:0:path", "value": "/var/lib/dpkg/status"},
        {"name": "syft:metadata:installedSize", "value": "12986"},
        {"name": "syft:metadata:source", "value": "glibc"}
      ]
    },
    {
      "bom-ref": "pkg:deb/debian/login@1:4.13+dfsg1-1+b1?arch=amd64&upstream=shadow%401%3A4.13%2Bdfsg1-1&distro=debian-12&package-id=77aa",
      "type": "library", "name": "login", "version": "1:4.13+dfsg1-1+b1",
      "purl": "pkg:deb/debian/login@1:4.13+dfsg1-1+b1?arch=amd64&upstream=shadow%401%3A4.13%2Bdfsg1-1&distro=debian-12",
      "properties": [{"name": "syft:package:type", "value": "deb"}]
    },
    {
      "bom-ref": "pkg:rpm/redhat/vim-minimal@8.2.2637-20.el9_1?arch=x86_64&epoch=2&upstream=vim-8.2.2637-20.el9_1.src.rpm&distro=rhel-9.1",
      "type": "library", "name": "vim-minimal", "version": "2:8.2.2637-20.el9_1",
      "purl": "pkg:rpm/redhat/vim-minimal@8.2.2637-20.el9_1?arch=x86_64&epoch=2&upstream=vim-8.2.2637-20.el9_1.src.rpm&distro=rhel-9.1",
      "properties": [
        {"name": "syft:package:type", "value": "rpm"},
        {"name": "syft:metadata:sourceRpm", "value": "vim-8.2.2637-20.el9_1.src.rpm"}
      ]
    },
    {
      "bom-ref": "pkg:apk/alpine/ssl_client@1.36.1-r5?arch=x86_64&upstream=busybox&distro=alpine-3.18.4",
      "type": "library", "name": "ssl_client", "version": "1.36.1-r5",
      "purl": "pkg:apk/alpine/ssl_client@1.36.1-r5?arch=x86_64&upstream=busybox&distro=alpine-3.18.4",
      "properties": [{"name": "syft:metadata:originPackage", "value": "busybox"}]
    },
    {
      "bom-ref": "pkg:pypi/requests@2.31.0?package-id=aa01", "type": "library", "name": "requests",
      "version": "2.31.0", "purl": "pkg:pypi/requests@2.31.0",
      "properties": [
        {"name": "syft:location:0:path", "value": "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"}
      ]
    },
    {
      "bom-ref": "os:debian@12", "type": "operating-system", "name": "debian", "version": "12",
      "description": "Debian GNU/Linux 12 (bookworm)",
      "properties": [{"name": "syft:distro:id", "value": "debian"}, {"name": "syft:distro:versionID", "value": "12"}]
    },
    {"bom-ref": "f1", "type": "file", "name": "/etc/passwd"}
  ]
})json";

TEST(SbomInputRead, SyftCycloneDx) {
  auto sbom = read_sbom(k_syft_cyclonedx, "syft.cdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  EXPECT_EQ(sbom->os_id, "debian");
  EXPECT_EQ(sbom->os_version, "12");
  ASSERT_EQ(sbom->packages.size(), 5U); // the file component has no purl

  const auto libc = find(*sbom, "libc6");
  ASSERT_TRUE(libc.has_value());
  EXPECT_EQ(libc->source_name, "glibc");
  EXPECT_EQ(libc->source_version, "2.36-9+deb12u4"); // no sourceVersion: same as the binary
  EXPECT_EQ(libc->found_at, "/var/lib/dpkg/status");
  EXPECT_EQ(libc->layer_digest, "sha256:cccc");

  const auto login = find(*sbom, "login");
  ASSERT_TRUE(login.has_value());
  EXPECT_EQ(login->version, "1:4.13+dfsg1-1+b1");
  EXPECT_EQ(login->source_name, "shadow");
  EXPECT_EQ(login->source_version, "1:4.13+dfsg1-1"); // as the upstream qualifier says

  const auto vim = find(*sbom, "vim-minimal");
  ASSERT_TRUE(vim.has_value());
  EXPECT_EQ(vim->version, "2:8.2.2637-20.el9_1");
  EXPECT_EQ(vim->ecosystem, "Red Hat");
  EXPECT_EQ(vim->namespace_, "redhat");
  EXPECT_EQ(vim->source_name, "vim");
  EXPECT_EQ(vim->source_version, "2:8.2.2637-20.el9_1"); // the binary's epoch

  const auto ssl = find(*sbom, "ssl_client");
  ASSERT_TRUE(ssl.has_value());
  EXPECT_EQ(ssl->ecosystem, "Alpine");
  EXPECT_EQ(ssl->source_name, "busybox");
  EXPECT_EQ(ssl->source_version, "1.36.1-r5");

  const auto requests = find(*sbom, "requests");
  ASSERT_TRUE(requests.has_value());
  EXPECT_EQ(requests->ecosystem, "PyPI");
  EXPECT_EQ(requests->found_at,
            "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA");
}

TEST(SbomInputRead, SyftSourceFromTheUpstreamQualifierAlone) {
  // Without properties the upstream qualifier still names the source;
  // an rpm's upstream is the source rpm's file name.
  auto sbom = read_sbom(R"json({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [
    {"type": "library", "name": "openssl-libs", "version": "1:3.0.7-25.el9_3",
     "purl": "pkg:rpm/redhat/openssl-libs@3.0.7-25.el9_3?arch=x86_64&epoch=1&upstream=openssl-3.0.7-25.el9_3.src.rpm&distro=rhel-9.3"},
    {"type": "library", "name": "libssl3", "version": "3.0.11-1~deb12u2",
     "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?upstream=openssl"}]})json",
                        "upstream.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  ASSERT_EQ(sbom->packages.size(), 2U);
  EXPECT_EQ(sbom->packages[0].source_name, "openssl");
  EXPECT_EQ(sbom->packages[0].source_version, "1:3.0.7-25.el9_3");
  EXPECT_EQ(sbom->packages[1].source_name, "openssl");
  EXPECT_EQ(sbom->packages[1].source_version, "3.0.11-1~deb12u2");
  // No OS component: the first distro qualifier says "rhel-9.3".
  EXPECT_EQ(sbom->os_id, "rhel");
  EXPECT_EQ(sbom->os_version, "9.3");
}

TEST(SbomInputRead, EpochQualifierJoinsOnlyARealEpoch) {
  auto sbom = read_sbom(R"json({"bomFormat": "CycloneDX", "components": [
    {"type": "library", "name": "a", "purl": "pkg:deb/debian/a@1.0-1?epoch=0"},
    {"type": "library", "name": "b", "purl": "pkg:deb/debian/b@1.0-1?epoch=2"},
    {"type": "library", "name": "c", "version": "3:1.0-1", "purl": "pkg:rpm/redhat/c@1.0-1?epoch=3"},
    {"type": "library", "name": "d", "purl": "pkg:pypi/d@1.0?epoch=2"}]})json",
                        "epochs.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  ASSERT_EQ(sbom->packages.size(), 4U);
  EXPECT_EQ(sbom->packages[0].version, "1.0-1");
  EXPECT_EQ(sbom->packages[1].version, "2:1.0-1");
  EXPECT_EQ(sbom->packages[2].version, "3:1.0-1"); // already there: not doubled
  EXPECT_EQ(sbom->packages[3].version, "1.0");     // only deb and rpm have epochs
}

TEST(SbomInputRead, BadUpstreamSourceRpmIsAnError) {
  auto sbom = read_sbom(R"json({"bomFormat": "CycloneDX", "components": [
    {"type": "library", "name": "x", "purl": "pkg:rpm/redhat/x@1-1?upstream=nodashes.src.rpm"}]})json",
                        "bad-upstream.json");
  ASSERT_FALSE(sbom);
  EXPECT_NE(sbom.error().message.find("source rpm"), std::string::npos) << sbom.error().message;
}

constexpr const char* k_syft_spdx = R"json({
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "opensuse/leap",
  "documentNamespace": "https://anchore.com/syft/image/opensuse/leap-5d6c",
  "creationInfo": {"licenseListVersion": "3.23", "creators": ["Organization: Anchore, Inc", "Tool: syft-1.4.1"], "created": "2024-05-01T10:00:00Z"},
  "packages": [
    {
      "name": "libzypp", "SPDXID": "SPDXRef-Package-rpm-libzypp-6b1f", "versionInfo": "17.31.8-150400.3.32.1",
      "supplier": "NOASSERTION", "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
      "sourceInfo": "acquired package info from RPM DB: /usr/lib/sysimage/rpm/Packages.db",
      "licenseConcluded": "NOASSERTION", "licenseDeclared": "GPL-2.0-or-later", "copyrightText": "NOASSERTION",
      "externalRefs": [
        {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:libzypp:libzypp:17.31.8:*:*:*:*:*:*:*"},
        {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
         "referenceLocator": "pkg:rpm/opensuse/libzypp@17.31.8-150400.3.32.1?arch=x86_64&upstream=libzypp-17.31.8-150400.3.32.1.src.rpm&distro=opensuse-leap-15.5"}
      ]
    },
    {
      "name": "six", "SPDXID": "SPDXRef-Package-python-six-1", "versionInfo": "1.16.0",
      "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
      "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/six@1.16.0"}]
    },
    {
      "name": "/", "SPDXID": "SPDXRef-DocumentRoot-Directory-", "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false, "primaryPackagePurpose": "FILE"
    }
  ],
  "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-DocumentRoot-Directory-", "relationshipType": "DESCRIBES"}]
})json";

TEST(SbomInputRead, SyftSpdx) {
  auto sbom = read_sbom(k_syft_spdx, "syft.spdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  EXPECT_EQ(sbom->format, "spdx");
  // No OS package: the distro qualifier, whose id holds a '-'.
  EXPECT_EQ(sbom->os_id, "opensuse-leap");
  EXPECT_EQ(sbom->os_version, "15.5");
  ASSERT_EQ(sbom->packages.size(), 2U);
  const auto& zypp = sbom->packages[0];
  EXPECT_EQ(zypp.name, "libzypp");
  EXPECT_EQ(zypp.type, "rpm");
  EXPECT_EQ(zypp.source_name, "libzypp");
  EXPECT_EQ(zypp.source_version, "17.31.8-150400.3.32.1");
  EXPECT_EQ(zypp.found_at, ""); // Syft's sourceInfo is not a path
  const auto& six = sbom->packages[1];
  EXPECT_EQ(six.ecosystem, "PyPI");
  EXPECT_EQ(six.version, "1.16.0");
}

// ---------------------------------------------------------------------------
// Trivy

constexpr const char* k_trivy_cyclonedx = R"json({
  "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "metadata": {
    "timestamp": "2024-05-01T10:00:00+00:00",
    "tools": {"components": [{"type": "application", "group": "aquasecurity", "name": "trivy", "version": "0.51.1"}]},
    "component": {
      "bom-ref": "pkg:oci/debian@sha256%3A3333?arch=amd64&repository_url=index.docker.io%2Flibrary%2Fdebian",
      "type": "container", "name": "debian:12",
      "purl": "pkg:oci/debian@sha256%3A3333?arch=amd64&repository_url=index.docker.io%2Flibrary%2Fdebian",
      "properties": [{"name": "aquasecurity:trivy:SchemaVersion", "value": "2"}]
    }
  },
  "components": [
    {
      "bom-ref": "pkg:deb/debian/passwd@4.13%2Bdfsg1-1?arch=amd64&distro=debian-12.5&epoch=1",
      "type": "library", "supplier": {"name": "Shadow package maintainers"},
      "name": "passwd", "version": "1:4.13+dfsg1-1",
      "purl": "pkg:deb/debian/passwd@4.13%2Bdfsg1-1?arch=amd64&distro=debian-12.5&epoch=1",
      "properties": [
        {"name": "aquasecurity:trivy:LayerDiffID", "value": "sha256:dddd"},
        {"name": "aquasecurity:trivy:PkgID", "value": "passwd@1:4.13+dfsg1-1"},
        {"name": "aquasecurity:trivy:PkgType", "value": "debian"},
        {"name": "aquasecurity:trivy:SrcEpoch", "value": "1"},
        {"name": "aquasecurity:trivy:SrcName", "value": "shadow"},
        {"name": "aquasecurity:trivy:SrcRelease", "value": "1"},
        {"name": "aquasecurity:trivy:SrcVersion", "value": "4.13+dfsg1"}
      ]
    },
    {
      "bom-ref": "pkg:deb/debian/bsdutils@2.38.1-5%2Bdeb12u1?arch=amd64&distro=debian-12.5&epoch=1",
      "type": "library", "name": "bsdutils",
      "purl": "pkg:deb/debian/bsdutils@2.38.1-5%2Bdeb12u1?arch=amd64&distro=debian-12.5&epoch=1",
      "properties": [
        {"name": "aquasecurity:trivy:LayerDigest", "value": "sha256:eeee"},
        {"name": "aquasecurity:trivy:LayerDiffID", "value": "sha256:dddd"},
        {"name": "aquasecurity:trivy:SrcName", "value": "util-linux"},
        {"name": "aquasecurity:trivy:SrcRelease", "value": "5+deb12u1"},
        {"name": "aquasecurity:trivy:SrcVersion", "value": "2.38.1"},
        {"name": "aquasecurity:trivy:SrcEpoch", "value": "0"}
      ]
    },
    {
      "bom-ref": "3ff14136-e09f-4df9-80ea-000000000001",
      "type": "application", "name": "app/requirements.txt",
      "properties": [{"name": "aquasecurity:trivy:Class", "value": "lang-pkgs"}, {"name": "aquasecurity:trivy:Type", "value": "pip"}],
      "components": [
        {
          "bom-ref": "pkg:pypi/flask@2.0.0", "type": "library", "name": "flask", "version": "2.0.0",
          "purl": "pkg:pypi/flask@2.0.0",
          "properties": [
            {"name": "aquasecurity:trivy:FilePath", "value": "app/requirements.txt"},
            {"name": "aquasecurity:trivy:LayerDiffID", "value": "sha256:ffff"}
          ]
        }
      ]
    },
    {
      "bom-ref": "3ff14136-e09f-4df9-80ea-000000000002",
      "type": "operating-system", "name": "Debian", "version": "12.5",
      "properties": [{"name": "aquasecurity:trivy:Class", "value": "os-pkgs"}, {"name": "aquasecurity:trivy:Type", "value": "debian"}]
    }
  ],
  "dependencies": [],
  "vulnerabilities": []
})json";

TEST(SbomInputRead, TrivyCycloneDx) {
  auto sbom = read_sbom(k_trivy_cyclonedx, "trivy.cdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  EXPECT_EQ(sbom->os_id, "debian"); // lower-cased
  EXPECT_EQ(sbom->os_version, "12.5");
  ASSERT_EQ(sbom->packages.size(), 3U);

  const auto passwd = find(*sbom, "passwd");
  ASSERT_TRUE(passwd.has_value());
  EXPECT_EQ(passwd->version, "1:4.13+dfsg1-1");
  // Trivy's three source properties, joined as its FormatSrcVersion does.
  EXPECT_EQ(passwd->source_name, "shadow");
  EXPECT_EQ(passwd->source_version, "1:4.13+dfsg1-1");
  EXPECT_EQ(passwd->layer_digest, "sha256:dddd");

  const auto bsdutils = find(*sbom, "bsdutils");
  ASSERT_TRUE(bsdutils.has_value());
  // No version field: the purl's, with the epoch qualifier put back.
  EXPECT_EQ(bsdutils->version, "1:2.38.1-5+deb12u1");
  EXPECT_EQ(bsdutils->source_name, "util-linux");
  EXPECT_EQ(bsdutils->source_version, "2.38.1-5+deb12u1"); // epoch 0 is left out
  EXPECT_EQ(bsdutils->layer_digest, "sha256:eeee");        // the blob digest wins

  const auto flask = find(*sbom, "flask"); // nested under an application
  ASSERT_TRUE(flask.has_value());
  EXPECT_EQ(flask->found_at, "/app/requirements.txt");
  EXPECT_EQ(flask->layer_digest, "sha256:ffff");
  EXPECT_EQ(flask->source_name, "");
}

TEST(SbomInputRead, TrivySourceEpochMustBeANumber) {
  auto sbom = read_sbom(R"json({"bomFormat": "CycloneDX", "components": [
    {"type": "library", "name": "passwd", "version": "1:4.13",
     "purl": "pkg:deb/debian/passwd@4.13?epoch=1",
     "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "shadow"},
                    {"name": "aquasecurity:trivy:SrcVersion", "value": "4.13"},
                    {"name": "aquasecurity:trivy:SrcEpoch", "value": "one"}]}]})json",
                        "epoch.json");
  ASSERT_FALSE(sbom);
  EXPECT_EQ(sbom.error().input, "epoch.json");
  EXPECT_NE(sbom.error().message.find("components[0]"), std::string::npos);
  EXPECT_NE(sbom.error().message.find("SrcEpoch"), std::string::npos);
}

constexpr const char* k_trivy_spdx = R"json({
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "alpine:3.19",
  "documentNamespace": "http://aquasecurity.github.io/trivy/container_image/alpine:3.19-8c7e",
  "creationInfo": {"creators": ["Organization: aquasecurity", "Tool: trivy-0.51.1"], "created": "2024-05-01T10:00:00Z"},
  "packages": [
    {"name": "alpine:3.19", "SPDXID": "SPDXRef-ContainerImage-4f2a", "downloadLocation": "NONE",
     "primaryPackagePurpose": "CONTAINER",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:oci/alpine@sha256%3A4444?arch=amd64&repository_url=index.docker.io%2Flibrary%2Falpine"}]},
    {"name": "alpine", "SPDXID": "SPDXRef-OperatingSystem-7d1b", "versionInfo": "3.19.1",
     "downloadLocation": "NONE", "primaryPackagePurpose": "OPERATING-SYSTEM"},
    {"name": "ssl_client", "SPDXID": "SPDXRef-Package-6e0c", "versionInfo": "1.36.1-r15",
     "downloadLocation": "NONE", "primaryPackagePurpose": "LIBRARY",
     "sourceInfo": "built package from: busybox 1.36.1-r15",
     "attributionTexts": ["PkgID: ssl_client@1.36.1-r15", "LayerDiffID: sha256:9999"],
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&distro=3.19.1"}]},
    {"name": "musl", "SPDXID": "SPDXRef-Package-1a2b", "versionInfo": "1.2.4_git20230717-r4",
     "downloadLocation": "NONE", "primaryPackagePurpose": "LIBRARY",
     "sourceInfo": "built package from: musl 1.2.4_git20230717-r4",
     "annotations": [{"annotator": "Tool: trivy-0.51.1", "annotationDate": "2024-05-01T10:00:00Z",
                      "annotationType": "OTHER", "comment": "LayerDigest: sha256:8888"}],
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
       "referenceLocator": "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1"}]}
  ]
})json";

TEST(SbomInputRead, TrivySpdx) {
  auto sbom = read_sbom(k_trivy_spdx, "trivy.spdx.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  EXPECT_EQ(sbom->os_id, "alpine");
  EXPECT_EQ(sbom->os_version, "3.19.1");
  ASSERT_EQ(sbom->packages.size(), 2U); // the image itself is no package
  const auto& ssl = sbom->packages[0];
  EXPECT_EQ(ssl.name, "ssl_client");
  EXPECT_EQ(ssl.ecosystem, "Alpine");
  EXPECT_EQ(ssl.source_name, "busybox");
  EXPECT_EQ(ssl.source_version, "1.36.1-r15");
  EXPECT_EQ(ssl.layer_digest, "sha256:9999");
  EXPECT_EQ(sbom->packages[1].layer_digest, "sha256:8888");
}

TEST(SbomInputRead, TrivyApkDistroIsAVersionAlone) {
  // Trivy's apk purls say distro=3.19.1: the id is the purl's namespace.
  auto sbom = read_sbom(R"json({"spdxVersion": "SPDX-2.3", "packages": [
    {"name": "musl", "versionInfo": "1.2.4-r2", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
     "referenceType": "purl", "referenceLocator": "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1"}]}]})json",
                        "apk.json");
  ASSERT_TRUE(sbom) << sbom.error().to_string();
  EXPECT_EQ(sbom->os_id, "alpine");
  EXPECT_EQ(sbom->os_version, "3.19.1");
}

// ---------------------------------------------------------------------------
// Errors

TEST(SbomInputRead, InvalidJsonNamesTheInputAndPosition) {
  auto sbom = read_sbom("{\n  \"bomFormat\": \"CycloneDX\",\n  oops\n}", "broken.json");
  ASSERT_FALSE(sbom);
  EXPECT_EQ(sbom.error().kind, ErrorKind::parse);
  EXPECT_EQ(sbom.error().input, "broken.json");
  EXPECT_EQ(sbom.error().line, 3);
  EXPECT_GT(sbom.error().column, 0);
}

TEST(SbomInputRead, NeitherFormatIsAnError) {
  for (const char* text : {"{}", "[]", "42", R"({"bomFormat": "SomethingElse"})",
                           R"({"spdxVersion": "SPDX-3.0"})", R"({"spdxVersion": 2})"}) {
    auto sbom = read_sbom(text, "what.json");
    ASSERT_FALSE(sbom) << text;
    EXPECT_EQ(sbom.error().kind, ErrorKind::parse);
    EXPECT_EQ(sbom.error().input, "what.json");
    EXPECT_EQ(sbom.error().message, "not a CycloneDX or SPDX JSON document");
  }
  auto empty = read_sbom(R"({"bomFormat": "CycloneDX", "specVersion": "1.2"})", "empty.json");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->packages.empty());
}

TEST(SbomInputRead, WrongTypesAreErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"bomFormat": "CycloneDX", "specVersion": 1.5, "components": []})",
       "specVersion must be a string such as \"1.5\" (got 1.5)"},
      {R"({"bomFormat": "CycloneDX", "specVersion": "2.0", "components": []})",
       "unsupported CycloneDX specVersion \"2.0\""},
      {R"({"bomFormat": "CycloneDX", "components": {}})", "components must be an array"},
      {R"({"bomFormat": "CycloneDX", "components": [1]})", "a component must be an object"},
      {R"({"bomFormat": "CycloneDX", "components": [{"purl": 7}]})", "purl must be a string"},
      {R"({"bomFormat": "CycloneDX", "components": [{"purl": "pkg:npm/x@1", "properties": {}}]})",
       "properties must be an array"},
      {R"({"bomFormat": "CycloneDX", "components": [{"purl": "pkg:npm/x", "properties": [{"name": "a", "value": 1}]}]})",
       "value must be a string"},
      {R"({"bomFormat": "CycloneDX", "components": [{"purl": "npm/x@1"}]})", "invalid purl"},
      {R"({"spdxVersion": "SPDX-2.2", "packages": [{"externalRefs": {}}]})",
       "externalRefs must be an array"},
      {R"({"spdxVersion": "SPDX-2.2", "packages": [{"versionInfo": 1}]})",
       "versionInfo must be a string"},
      {R"({"spdxVersion": "SPDX-2.2", "packages": [{"externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "nonsense"}]}]})",
       "invalid purl"},
  };
  for (const auto& [text, message] : cases) {
    auto sbom = read_sbom(text, "typed.json");
    ASSERT_FALSE(sbom) << text;
    EXPECT_EQ(sbom.error().input, "typed.json");
    EXPECT_NE(sbom.error().message.find(message), std::string::npos)
        << text << " -> " << sbom.error().message;
  }
}

TEST(SbomInputRead, DeepNestingIsRefused) {
  std::string nested = R"({"type": "library", "purl": "pkg:npm/leaf@1"})";
  for (int i = 0; i < 40; ++i)
    nested = R"({"type": "library", "components": [)" + nested + "]}";
  auto deep = read_sbom(R"({"bomFormat": "CycloneDX", "components": [)" + nested + "]}", "deep");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().kind, ErrorKind::limit);
  EXPECT_EQ(deep.error().input, "deep");

  std::string shallow = R"({"type": "library", "purl": "pkg:npm/leaf@1"})";
  for (int i = 0; i < 5; ++i)
    shallow = R"({"type": "library", "components": [)" + shallow + "]}";
  auto ok = read_sbom(R"({"bomFormat": "CycloneDX", "components": [)" + shallow + "]}", "ok");
  ASSERT_TRUE(ok) << ok.error().to_string();
  ASSERT_EQ(ok->packages.size(), 1U);
  EXPECT_EQ(ok->packages[0].name, "leaf");
}

// read_sbom over a ReadChunk that gives CHUNK bytes at a time.
moat::core::Result<SbomInput> read_in_chunks(std::string_view text, std::size_t chunk) {
  std::size_t at = 0;
  const ReadChunk read = [&](std::span<char> buffer) -> std::expected<std::size_t, std::string> {
    const std::size_t n = std::min({buffer.size(), chunk, text.size() - at});
    std::copy_n(text.data() + at, n, buffer.data());
    at += n;
    return n;
  };
  return read_sbom(read, "chunked.json");
}

// The document is read as a stream: every chunking gives the packages the
// whole text gives, and a syntax error is placed where it is in the text.
TEST(SbomInputRead, StreamedReadingMatchesTheWholeText) {
  const std::string text = R"({"components": [
    {"type": "library", "name": "a", "version": "1", "purl": "pkg:npm/a@1",
     "properties": [{"name": "moat:found-at", "value": "/app/a/package.json"}]},
    {"type": "operating-system", "name": "debian", "version": "12"},
    {"type": "library", "purl": "pkg:deb/debian/libc6@2.36-9?upstream=glibc",
     "components": [{"type": "library", "purl": "pkg:pypi/nested@2"}]}
  ], "metadata": {"component": {"components": [{"purl": "pkg:npm/ignored@1"}]}},
  "bomFormat": "CycloneDX", "specVersion": "1.5"})";
  auto whole = read_sbom(text, "whole.json");
  ASSERT_TRUE(whole) << whole.error().to_string();
  ASSERT_EQ(whole->packages.size(), 3U);
  EXPECT_EQ(whole->os_id, "debian");
  for (std::size_t chunk : {1U, 2U, 7U, 4096U}) {
    SCOPED_TRACE(chunk);
    auto streamed = read_in_chunks(text, chunk);
    ASSERT_TRUE(streamed) << streamed.error().to_string();
    ASSERT_EQ(streamed->packages.size(), whole->packages.size());
    for (std::size_t i = 0; i < whole->packages.size(); ++i) {
      EXPECT_EQ(streamed->packages[i].purl, whole->packages[i].purl);
      EXPECT_EQ(streamed->packages[i].found_at, whole->packages[i].found_at);
      EXPECT_EQ(streamed->packages[i].source_name, whole->packages[i].source_name);
    }
    EXPECT_EQ(streamed->os_version, "12");
  }
  EXPECT_EQ(whole->packages[0].found_at, "/app/a/package.json");
  EXPECT_EQ(whole->packages[1].source_name, "glibc");
  EXPECT_EQ(whole->packages[2].name, "nested");

  for (const std::string& bad :
       {std::string("{\n  \"bomFormat\": \"CycloneDX\",\n  oops\n}"),
        std::string("{\"components\": [\n{\"purl\": \"pkg:npm/a@1\"},\n\n  ]}"),
        std::string("{\"components\": [\n  {\"purl\": "), std::string("\n\n\n"),
        std::string("{\"a\": 1e999}")}) {
    SCOPED_TRACE(bad);
    auto one = read_sbom(bad, "bad.json");
    auto streamed = read_in_chunks(bad, 1);
    ASSERT_FALSE(one);
    ASSERT_FALSE(streamed);
    EXPECT_EQ(one.error().message.rfind("invalid JSON: ", 0), 0U) << one.error().message;
    EXPECT_EQ(streamed.error().message, one.error().message);
    EXPECT_EQ(streamed.error().line, one.error().line);
    EXPECT_EQ(streamed.error().column, one.error().column);
  }
  auto placed = read_sbom("{\"components\": [\n  {\"purl\": x}]}", "bad.json");
  ASSERT_FALSE(placed);
  EXPECT_EQ(placed.error().line, 2);
  EXPECT_EQ(placed.error().column, 12);
}

// A read error ends the document with that error, not a syntax error.
TEST(SbomInputRead, ReadErrorsAreReportedAsThemselves) {
  int calls = 0;
  const ReadChunk read = [&](std::span<char> buffer) -> std::expected<std::size_t, std::string> {
    if (calls++ > 0)
      return std::unexpected(std::string("input is larger than 10 bytes"));
    const std::string_view head = R"({"bomFormat": )";
    std::copy_n(head.data(), head.size(), buffer.data());
    return head.size();
  };
  auto sbom = read_sbom(read, "limited.json");
  ASSERT_FALSE(sbom);
  EXPECT_EQ(sbom.error().kind, ErrorKind::io);
  EXPECT_EQ(sbom.error().input, "limited.json");
  EXPECT_EQ(sbom.error().message, "input is larger than 10 bytes");
}

// Elements are read one at a time and only the lists of the document's
// own format count: an SPDX list in a CycloneDX document does not.
TEST(SbomInputRead, OnlyTheListsOfTheDocumentsFormatCount) {
  auto cdx = read_sbom(R"({"bomFormat": "CycloneDX", "packages": [{"SPDXID": 1}],
      "components": [{"purl": "pkg:npm/a@1"}]})",
                       "mixed.json");
  ASSERT_TRUE(cdx) << cdx.error().to_string();
  ASSERT_EQ(cdx->packages.size(), 1U);
  EXPECT_EQ(cdx->packages[0].name, "a");
  auto spdx = read_sbom(R"({"components": [7], "spdxVersion": "SPDX-2.3",
      "packages": [{"externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
      "referenceType": "purl", "referenceLocator": "pkg:npm/b@2"}]}]})",
                        "mixed.json");
  ASSERT_TRUE(spdx) << spdx.error().to_string();
  ASSERT_EQ(spdx->packages.size(), 1U);
  EXPECT_EQ(spdx->packages[0].name, "b");
  auto relations = read_sbom(R"({"spdxVersion": "SPDX-2.3", "relationships": {}})", "r.json");
  ASSERT_FALSE(relations);
  EXPECT_NE(relations.error().message.find("relationships must be an array"), std::string::npos);
}

} // namespace

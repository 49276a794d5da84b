#pragma once
// Package: one installed software package, whatever catalogued it (dpkg,
// apk, rpm, Python, npm, Go, Java). The SBOM writers and the vulnerability
// matcher read this model; the catalogers in `inventory` fill it.

#include <string>
#include <string_view>
#include <vector>

namespace moat::core {

struct Package {
  std::string name;    // as the ecosystem spells it ("openssl", "requests", "github.com/x/y")
  std::string version; // as installed, unnormalised ("3.0.11-1~deb12u2", "2.31.0", "v1.2.3")
  std::string type;    // purl type: "deb", "apk", "rpm", "pypi", "npm", "golang", "maven"
  std::string
      ecosystem; // OSV ecosystem: "Debian", "Alpine", "Red Hat", "PyPI", "npm", "Go", "Maven"
  std::string namespace_;     // purl namespace: "debian", "alpine", a Maven group id, a Go module
                              // prefix; may be empty
  std::string architecture;   // "amd64", "x86_64", "noarch"; empty when not known
  std::string source_name;    // the source package (dpkg Source:, apk origin, rpm source rpm name)
  std::string source_version; // the source package's version when it differs or is known
  std::string license; // as declared (an SPDX expression or free text); empty when not declared
  std::string purl;    // package URL (https://github.com/package-url/purl-spec)
  std::string
      found_at; // path of the file that declared it ("/var/lib/dpkg/status", "/usr/bin/runc")
  std::vector<std::string> files; // files the package database lists for it; may be empty
  // Language packages: the OS package whose file list holds found_at (Debian's
  // python3-urllib3 for urllib3); empty when no OS package claims it.
  std::string installed_by;
  int layer = -1;           // index of the image layer that installed it; -1 when not from an image
  std::string layer_digest; // that layer's digest ("sha256:..."); empty when not from an image
};

// True for the purl types of OS package managers ("deb", "apk", "rpm").
[[nodiscard]] inline bool is_os_package_type(std::string_view type) {
  return type == "deb" || type == "apk" || type == "rpm";
}

} // namespace moat::core

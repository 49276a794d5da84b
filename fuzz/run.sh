#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 30) from a seed corpus built from
# the shared conformance data, JOBS targets at a time (default: one per core).
# Usage: fuzz/run.sh BUILD_DIR [SECONDS] [JOBS]
set -euo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}
seconds=${2:-30}
jobs=${3:-$(nproc)}
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="$root/../shared"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/dockerfiles" "$work/yaml"
i=0
while IFS= read -r f; do
  cp "$f" "$work/dockerfiles/$i"; i=$((i+1))
done < <(find "$shared"/conformance/buildkit-parser "$shared"/conformance/buildkit-parser-negative \
              "$root"/tests/fixtures/dockerfile "$shared"/corpus/dockerfiles \
              -type f \( -name Dockerfile -o -path '*/corpus/*' \) ! -name SOURCE.md | sort)
printf 'fail-on: high\nignore: [DL3008]\nseverity:\n  DF001: low\n' >"$work/yaml/1"
printf 'secrets:\n  disable: [SE024]\n  placeholders: [xyz]\n  allow:\n    - paths: [fixtures/**]\n      rules: [SE022]\n    - regex: "^AKIA"\n' >"$work/yaml/2"
printf 'secrets:\n  rules:\n    - id: acme\n      pattern: "acme_([0-9a-f]{16})"\n      secret-group: 1\n      keywords: [acme_]\n' >"$work/yaml/3"
mkdir -p "$work/dpkg"
printf 'Package: libc6\nStatus: install ok installed\nSource: glibc (2.36-9)\nVersion: 2.36-9+b1\nArchitecture: amd64\nDescription: x\n y\n\n' >"$work/dpkg/1"

# Targets are queued as their corpora are ready and run JOBS at a time, each
# with its own log; the first failure stops the script.
pending=()
run() {
  pending+=("$1:$2")
}
fuzz_one() {
  local name=$1 corpus=$2
  mkdir -p "$work/out-$name"
  if "$build/fuzz/$name" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=0 "$work/out-$name" "$corpus" 2>"$work/$name.log"; then
    echo "fuzzed $name for ${seconds}s: $(grep -E "^Done|#[0-9]+.*DONE" "$work/$name.log" | tail -n 1)"
  else
    tail -n 60 "$work/$name.log"
    echo "fuzzer $name failed"
    return 1
  fi
}
run fuzz_dockerfile_parser "$work/dockerfiles"
run fuzz_dockerfile_lint "$work/dockerfiles"
mkdir -p "$work/fix"
cp "$work"/dockerfiles/* "$work/fix/"
i=0
while IFS= read -r f; do
  { printf '%%'; cat "$f"; } >"$work/fix/yaml-$i"; i=$((i+1))
done < <(find "$root"/tests/fixtures/fix -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
run fuzz_fix "$work/fix"
run fuzz_shell "$work/dockerfiles"
run fuzz_expand "$work/dockerfiles"
run fuzz_config "$work/yaml"
run fuzz_dpkg_status "$work/dpkg"

# Package databases and binaries.
mkdir -p "$work/apk" "$work/python" "$work/rpm" "$work/go" "$work/jar" "$work/layer" "$work/tar"
printf 'C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n\n' >"$work/apk/1"
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nbody\n' >"$work/python/1"
printf '\0\0\0\1\0\0\0\4\0\0\3\350\0\0\0\6\0\0\0\0\0\0\0\1abc\0' >"$work/rpm/1"
for f in /usr/sbin/runc /usr/bin/docker-registry; do
  [ -f "$f" ] && head -c 65536 "$f" >"$work/go/$(basename "$f")"
done
printf '\377 Go buildinf:\10\2' >"$work/go/magic"
[ -f /usr/share/java/commons-lang3.jar ] && head -c 65536 /usr/share/java/commons-lang3.jar >"$work/jar/1"
printf 'PK\3\4' >"$work/jar/2"
# Layers: a tiny tar, gzip and zstd of it; and the outer archive form.
mkdir -p "$work/src/etc" && printf 'root::0:0::/root:/bin/sh\n' >"$work/src/etc/passwd"
tar -C "$work/src" -cf "$work/layer/plain" etc
gzip -c "$work/layer/plain" >"$work/layer/gz"
if command -v zstd >/dev/null; then zstd -q -c "$work/layer/plain" >"$work/layer/zst"; fi
cp "$work/layer/plain" "$work/tar/1"
run fuzz_apk_installed "$work/apk"
run fuzz_python_metadata "$work/python"
run fuzz_rpm_header "$work/rpm"
run fuzz_go_buildinfo "$work/go"
run fuzz_jar "$work/jar"
run fuzz_layer "$work/layer"
run fuzz_outer_tar "$work/tar"

# Vulnerability data: version vectors, real advisories, feeds, VEX, SBOMs.
mkdir -p "$work/versions" "$work/osv" "$work/feeds" "$work/cvss" "$work/vex" "$work/sbom"
i=0
for f in "$shared"/conformance/versions/*.tsv; do
  # No early-closing readers in pipelines: under pipefail a SIGPIPE fails the script.
  sed -n '2,40p' "$f" | cut -f1,2 | tr '\t' '\n' >"$work/versions/$i"; i=$((i+1))
done
find "$shared/vulndata/go" -name '*.json' | sort >"$work/go.list"
find "$shared/vulndata/pypi" -name '*.yaml' | sort >"$work/pypi.list"
for list in "$work/go.list" "$work/pypi.list"; do
  sed -n '1,40p' "$list" | while IFS= read -r f; do cp "$f" "$work/osv/"; done
done
printf '{"openssl":{"CVE-2024-1":{"description":"x","releases":{"bookworm":{"status":"resolved","fixed_version":"3.0.13-1~deb12u1","urgency":"high","repositories":{"bookworm":"3.0.11-1~deb12u2"}}}}}}' >"$work/feeds/debian"
printf '{"distroversion":"v3.18","reponame":"main","urlprefix":"x","packages":[{"pkg":{"name":"openssl","secfixes":{"3.1.1-r0":["CVE-2023-2650"],"0":["CVE-2022-1"]}}}]}' >"$work/feeds/alpine"
printf 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' >"$work/cvss/3"
printf 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' >"$work/cvss/4"
printf 'AV:N/AC:L/Au:N/C:P/I:P/A:P' >"$work/cvss/2"
printf '{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:pypi/a@1"}],"status":"not_affected","justification":"component_not_present"}]}' >"$work/vex/1"
printf 'CVE-2023-1 pkg:pypi/requests path:/usr exp:2030-01-01 # ok\n' >"$work/vex/2"
printf '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"a","version":"1","purl":"pkg:deb/debian/a@1?distro=debian-12&upstream=b"}]}' >"$work/sbom/1"
printf '{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","versionInfo":"1","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:pypi/a@1"}]}]}' >"$work/sbom/2"
run fuzz_version_os "$work/versions"
run fuzz_version_lang "$work/versions"
run fuzz_cvss "$work/cvss"
# Secrets: the first byte is the block size; lines that come near every rule.
mkdir -p "$work/secrets"
printf '\007AWS_KEY=AKIAQWERTYUIOPASDFGH\naws_secret_access_key=abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123\n' >"$work/secrets/1"
printf '\003-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq1w2e3r4t5y6u7i8o9p0aAsSdDfFgGhHjJkKlL\n-----END RSA PRIVATE KEY-----\n' >"$work/secrets/2"
printf '\011url=https://user:pa55word@example.org token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789" {"auth": "dXNlcjpwYXNz"}\n' >"$work/secrets/3"
run fuzz_secrets "$work/secrets"
run fuzz_osv "$work/osv"
run fuzz_distro_feeds "$work/feeds"
run fuzz_vex "$work/vex"
run fuzz_sbom_input "$work/sbom"

# First bytes of documents and archives; registry answers; command lines.
mkdir -p "$work/sniff" "$work/registry" "$work/args"
cp "$work/sbom/1" "$work/sniff/1"
printf '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>' >"$work/sniff/2"
printf 'SPDXVersion: SPDX-2.3\n' >"$work/sniff/3"
cp "$work/layer/gz" "$work/sniff/4"
printf 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"' >"$work/registry/1"
printf 'registry.example:5000/team/app@sha256:%064d' 0 >"$work/registry/2"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%064d","size":7,"platform":{"os":"linux","architecture":"amd64"}}]}' 0 >"$work/registry/3"
printf '{"schemaVersion":2,"config":{"digest":"sha256:%064d","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%064d","size":3}]}' 0 1 >"$work/registry/4"
printf '{"os":"linux","architecture":"amd64","config":{"User":"app","Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":["sha256:%064d"]},"history":[{"created_by":"RUN x"}]}' 0 >"$work/registry/5"
printf '%s\0' lint --format json --ignore DL3008 Dockerfile >"$work/args/1"
printf '%s\0' image --timeout 5m --platform linux/amd64 registry://localhost:5000/a:1 >"$work/args/2"
printf '%s\0' db import -q --db x.db feeds >"$work/args/3"
printf '%s\0' vuln --severity high,critical --exit-code 3 - >"$work/args/4"
run fuzz_document_sniff "$work/sniff"
run fuzz_registry "$work/registry"
run fuzz_cli_args "$work/args"
mkdir -p "$work/runconf"
cp "$root"/tests/fixtures/runconf/*.json "$root"/tests/fixtures/runconf/*.yaml "$work/runconf/"
printf 'docker run -itd --cap-add=SYS_ADMIN -v /:/host -p 127.0.0.1:80:80 --restart on-failure:3 nginx:1' \
  >"$work/runconf/run1"
printf 'docker run --mount type=bind,src=/etc,dst=/e,readonly -e "A=\\"b\\"" \\\n  -u 0 img' \
  >"$work/runconf/run2"
printf 'x-c: &c\n  privileged: true\nservices:\n  web:\n    <<: *c\n    image: "app:${TAG:-1}"\n    ports: ["80:80", {target: 443, published: 8443}]\n    volumes: [/etc:/e:ro, {type: bind, source: /, target: /h}]\n    deploy: {resources: {limits: {memory: 1g}}}\n' \
  >"$work/runconf/compose1"
run fuzz_runconf "$work/runconf"
mkdir -p "$work/seccomp"
cp "$shared"/conformance/seccomp/moby-default.json "$root"/tests/fixtures/seccomp/*.json "$work/seccomp/"
run fuzz_seccomp "$work/seccomp"
# OCI runtime bundles: a whole config.json, and a process object.
mkdir -p "$work/oci"
cp "$root"/tests/fixtures/seccomp/oci-config.json "$work/oci/config.json"
printf '{"args":["sh"],"env":["PATH=/bin"],"cwd":"/","user":{"uid":1,"gid":1,"additionalGids":[2]},"capabilities":{"bounding":["CAP_KILL"]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1}]}' \
  >"$work/oci/process.json"
run fuzz_oci_config "$work/oci"
# Content trust: the cosign vectors (signature files, keys, manifests), a
# payload, a signature manifest, references.
mkdir -p "$work/trust"
cp "$shared"/conformance/signing/cosign/*.signature "$shared"/conformance/signing/cosign/*.pub \
  "$shared"/conformance/signing/cosign/*.key "$shared"/conformance/signing/cosign/*manifest.json \
  "$work/trust/"
printf '{"critical":{"identity":{"docker-reference":"a/b"},"image":{"docker-manifest-digest":"sha256:%064d"},"type":"cosign container image signature"},"optional":{"a":"1"}}' 0 >"$work/trust/payload"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":2,"digest":"sha256:%064d","annotations":{"dev.cosignproject.cosign/signature":"MEUCIQ=="}}]}' 0 >"$work/trust/sigmanifest"
printf 'registry.example:5000/team/app:1@sha256:%064d' 0 >"$work/trust/ref"
printf 'default: reject\nscopes:\n  registry.example/team:\n    keys: [a.pub]\n    threshold: 1\n  "*.example.com": insecureAcceptAnything\n' >"$work/trust/policy.yaml"
printf '{"default":[{"type":"reject"}],"transports":{"docker":{"a.example/b":[{"type":"sigstoreSigned","keyData":"AAAA","signedIdentity":{"type":"exactRepository","dockerRepository":"a.example/c"}}]}}}' >"$work/trust/policy.json"
run fuzz_trust "$work/trust"

running=0
failed=0
for item in "${pending[@]}"; do
  fuzz_one "${item%%:*}" "${item#*:}" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit "$failed"

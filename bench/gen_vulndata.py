#!/usr/bin/env python3
"""Synthetic data for bench/vuln.sh, deterministic from a fixed seed.

  gen_vulndata.py tracker OUT.json [ADVISORIES]  Debian Security Tracker JSON
  gen_vulndata.py sbom OUT.json [PACKAGES]       CycloneDX SBOM of Debian packages

The tracker spreads ADVISORIES (default 300,000) CVE ids over 20,000 source
packages with a long tail, as the real tracker does (a few packages carry
thousands of entries, most carry a handful), each with a bookworm and a
bullseye entry in the states the real feed uses. The SBOM lists PACKAGES
(default 1,000) binary packages built from sources spread evenly over the
whole range, heavy and light alike, so the SBOM meets about as many
advisories per package (15 on average) as a real image does.
"""
import json
import random
import sys

SOURCES = 20000


def weights():
    # Zipf-like: package i gets a share proportional to 1/(i+10).
    return [1.0 / (i + 10) for i in range(SOURCES)]


def tracker(path, count):
    rng = random.Random(42)
    picks = rng.choices(range(SOURCES), weights=weights(), k=count)
    data = {}
    for n, src in enumerate(picks):
        name = f"src{src:05d}"
        cve = f"CVE-{2000 + n // 100000}-{n % 100000 + 10000}"
        roll = rng.random()
        if roll < 0.70:
            bookworm = {"status": "resolved", "fixed_version": f"1.{rng.randint(0, 9)}-{rng.randint(1, 5)}+deb12u{rng.randint(1, 4)}",
                        "urgency": rng.choice(["low", "medium", "high", "not yet assigned"])}
        elif roll < 0.80:
            bookworm = {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"}
        elif roll < 0.90:
            bookworm = {"status": "open", "urgency": "low", "nodsa": "Minor issue",
                        "nodsa_reason": rng.choice(["postponed", "ignored"])}
        else:
            bookworm = {"status": "open", "urgency": "unimportant"}
        bookworm["repositories"] = {"bookworm": "1.5-1"}
        bullseye = {"status": "open", "urgency": "end-of-life", "repositories": {"bullseye": "1.4-1"}}
        data.setdefault(name, {})[cve] = {
            "description": f"synthetic issue {n} in {name}",
            "scope": "remote",
            "releases": {"bookworm": bookworm, "bullseye": bullseye},
        }
    with open(path, "w") as out:
        json.dump(data, out, separators=(",", ":"))


def sbom(path, count):
    components = []
    for i in range(count):
        src = f"src{i * SOURCES // count:05d}"
        name = f"lib{src}-{i % 3}"
        version = "1.5-1"
        components.append({
            "type": "library", "name": name, "version": version,
            "purl": f"pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12&upstream={src}",
        })
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"component": {"type": "operating-system", "name": "debian", "version": "12"}},
           "components": components}
    with open(path, "w") as out:
        json.dump(doc, out)


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else (300000 if kind == "tracker" else 1000)
    {"tracker": tracker, "sbom": sbom}[kind](path, n)

#!/usr/bin/env bash
# Whole-process throughput of `moat secrets` on the debootstrap rootfs of
# bench/image.sh (text and binaries) with secrets of every family planted in
# it, on one thread and on all cores, next to reading the same files (the
# floor) and to secretlint (npm, its recommended preset) on the rootfs's
# text files, in the same run. Prints how many planted secrets each found.
# Needs root, the Debian mirror and the npm registry.
# Usage: bench/secrets.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs=${1:-5}
cache=${MOAT_BENCH_CACHE:-/var/cache/moat-bench}
. "$root/bench/rootfs.sh"
for tool in hyperfine npm python3; do
  command -v "$tool" >/dev/null || { echo "bench/secrets.sh: $tool is needed" >&2; exit 2; }
done

cmake --preset release >/dev/null
cmake --build --preset release --target moat bench_read_files >/dev/null
moat="$root/build/release/src/moat"
read_files="$root/build/release/bench/bench_read_files"
bench_rootfs "$cache"

# secretlint and its recommended rules, once.
if [ ! -x "$cache/secretlint/node_modules/.bin/secretlint" ]; then
  mkdir -p "$cache/secretlint"
  npm install --silent --prefix "$cache/secretlint" secretlint @secretlint/secretlint-rule-preset-recommend >/dev/null
fi
secretlint="$cache/secretlint/node_modules/.bin/secretlint"

# Under the cache, on the rootfs's file system, so hard links work.
work="$(mktemp -d "$cache/run.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The data: the rootfs, hard-linked (no copy), and a directory of planted
# secrets; the text files alone (no NUL in their first 8 KiB) for
# secretlint, which reads text.
cp -al "$cache/rootfs" "$work/data"
mkdir -p "$work/data/planted"
python3 - "$work/data/planted" <<'PY'
import os, random, string, sys
out = sys.argv[1]
rng = random.Random(7)
def tok(chars, n):
    return "".join(rng.choice(chars) for _ in range(n))
alnum = string.ascii_letters + string.digits
b64 = alnum + "+/"
body = "\n".join(tok(b64, 64) for _ in range(12))
planted = {
    "aws.ini": "aws_access_key_id = AKIA" + tok(string.ascii_uppercase + string.digits, 16),
    "aws-secret.ini": "aws_secret_access_key = " + tok(b64, 40),
    "gcp.js": 'const key = "AIza' + tok(alnum + "_-", 35) + '";',
    "id_rsa": "-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----",
    "github.env": "GITHUB_TOKEN=ghp_" + tok(alnum, 36),
    "gitlab.env": "GITLAB_TOKEN=glpat-" + tok(alnum, 20),
    "slack.py": "SLACK = 'xoxb-" + tok(string.digits, 12) + "-" + tok(alnum, 24) + "'",
    "stripe.rb": 'Stripe.api_key = "sk_live_' + tok(alnum, 24) + '"',
    "npm.sh": "NPM_TOKEN=npm_" + tok(alnum, 36),
    "sendgrid.env": "SENDGRID=SG." + tok(alnum, 22) + "." + tok(alnum, 43),
    "db.py": "DATABASE_URL = 'postgres://app:" + tok(alnum, 16) + "@db:5432/app'",
    "app.conf": 'db_password = "' + tok(alnum, 8) + "9" + tok(alnum, 8) + '"',
}
for name, text in planted.items():
    with open(os.path.join(out, name), "w") as f:
        f.write("# planted for the benchmark\n" + text + "\n")
print(len(planted))
PY
mkdir -p "$work/text"
(cd "$work/data" && find . -type f -size -4M -print0 |
  xargs -0 python3 -c '
import os, sys
for p in sys.argv[1:]:
    with open(p, "rb") as f:
        if b"\0" not in f.read(8192):
            print(p)' ) |
  while IFS= read -r f; do
    mkdir -p "$work/text/$(dirname "$f")"
    ln "$work/data/$f" "$work/text/$f"
  done
echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' >"$work/.secretlintrc.json"

bytes=$(du -sb --apparent-size "$work/data" | cut -f1)
text_bytes=$(du -sb --apparent-size "$work/text" | cut -f1)
files=$(find "$work/data" -type f | wc -l)
text_files=$(find "$work/text" -type f | wc -l)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date:    $(date -u +%Y-%m-%d)"
echo "data:    $files files, $bytes bytes; of them text: $text_files files, $text_bytes bytes"
echo "secretlint: $("$secretlint" --version)"
echo

# Found: planted secrets each tool reports (the files under planted/).
found_moat=$("$moat" secrets --format json "$work/data/planted" | grep -c '"id": "SE' || true)
found_secretlint=$(cd "$work" && "$secretlint" --format json "data/planted/**/*" 2>/dev/null |
  python3 -c 'import json,sys; print(sum(len(r["messages"]) for r in json.load(sys.stdin)))' || true)
echo "planted secrets found: moat $found_moat of 12, secretlint $found_secretlint of 12"
echo

cat "$work/data/planted/"* >/dev/null
hyperfine -N --warmup 1 --runs "$runs" -i --export-markdown "$work/all.md" \
  -n "moat secrets, one thread ($bytes bytes)" "$moat secrets --threads 1 --format json -o /dev/null $work/data" \
  -n "moat secrets, all cores" "$moat secrets --format json -o /dev/null $work/data" \
  -n "reading the same files, one thread, as moat reads them (the floor)" "$read_files $work/data" \
  -n "reading the same files (find | xargs cat)" "sh -c 'find $work/data -type f -print0 | xargs -0 cat >/dev/null'" >/dev/null
cat "$work/all.md"
echo
# secretlint is much slower: the text files only, one run, at most 5
# minutes (a run cut off there is reported as such).
hyperfine -N --warmup 0 --runs 1 -i --export-markdown "$work/text.md" \
  -n "moat secrets, one thread, text files ($text_bytes bytes)" "$moat secrets --threads 1 --format json -o /dev/null $work/text" \
  -n "secretlint (recommended preset), text files (cut off at 300 s)" "sh -c 'cd $work && timeout 300 $secretlint --format json \"text/**/*\" >/dev/null'" >/dev/null
cat "$work/text.md"
python3 - "$work/all.md" "$work/text.md" "$bytes" "$text_bytes" <<'PY'
import re, sys
def means(path):
    out = {}
    for line in open(path):
        m = re.match(r"\| `(.*?)` \| ([0-9.]+) ", line)
        if m:
            out[m.group(1)] = float(m.group(2))  # ms or s as hyperfine wrote it
    return out
print()
for path, size in ((sys.argv[1], int(sys.argv[3])), (sys.argv[2], int(sys.argv[4]))):
    unit = "s" if "[s]" in open(path).read() else "ms"
    for name, t in means(path).items():
        seconds = t if unit == "s" else t / 1000
        print(f"  {name}: {size / seconds / 1e9:.2f} GB/s")
PY

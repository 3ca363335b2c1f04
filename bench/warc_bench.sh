#!/usr/bin/env bash
# What the WARC archive costs (see bench/README.md):
#   1. crawl: `medscrape crawl` of the mirror without and with --warc, alternating, RUNS pairs;
#      target: with --warc at most 10 % fewer pages/s (median of the pairs' ratios);
#   2. extract: the crawl's WARC against the same pages as files (the mirror's page files),
#      `extract -j $(nproc)`, alternating, RUNS pairs; target: within 10 % pages/s.
# Both sides of each pair must give the same records (compared field by field, provenance and
# `change` aside). Prints medians, ranges and peak RSS.
#
#   bench/warc_bench.sh [--pages N] [--seed S] [--runs R]
#
# Exit status: 0 both targets met, 1 a target missed or a run failed, 2 usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/warc_bench.sh [--pages N] [--seed S] [--runs R]
  --pages N  mirror size (default 5000)
  --seed S   mirror seed (default 1)
  --runs R   pairs of each comparison (default 5)
EOF
}

PAGES=5000
SEED=1
RUNS=5
while (($#)); do
  case $1 in
    --pages) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; PAGES=$2; shift 2 ;;
    --seed) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { usage >&2; exit 2; }; SEED=$2; shift 2 ;;
    --runs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; RUNS=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || { cd "$(dirname "$0")/.." && pwd; })
cd "$ROOT"
PY=/usr/bin/python3
BUILD=${MEDSCRAPE_BUILD_DIR:-build}
WORK=$ROOT/bench/work
MIRROR=$WORK/mirror
CONCURRENCY=16
mkdir -p "$WORK"
note() { printf '== %s\n' "$*" >&2; }
warn() { printf 'warc_bench: warning: %s\n' "$*" >&2; }
die() { printf 'warc_bench: error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/mirror_lib.sh
source bench/mirror_lib.sh
[[ -z $MEDSCRAPE_ERROR ]] || die "$MEDSCRAPE_ERROR"
LOAD=$(cut -d' ' -f1 /proc/loadavg)

# timed ID CMD...: one run; appends "seconds peak_rss_kb" to $WORK/warc-ID.times.
timed() {
  local id=$1 t0 t1
  shift
  t0=$(date +%s%N)
  /usr/bin/time -o "$WORK/warc-time.txt" -f '%M' "$@" >/dev/null 2>"$WORK/warc-stderr.txt" ||
    die "$id failed: $(tail -n 3 "$WORK/warc-stderr.txt")"
  t1=$(date +%s%N)
  echo "$(awk "BEGIN { printf \"%.3f\", ($t1 - $t0) / 1e9 }") $(tail -n 1 "$WORK/warc-time.txt")" \
    >>"$WORK/warc-$id.times"
}
rm -f "$WORK"/warc-*.times

crawl() {  # crawl ID EXTRA...: a fresh crawl of the mirror into $WORK/warc-ID.jsonl
  local id=$1
  shift
  timed "$id" "$MEDSCRAPE" crawl --fresh --out "$WORK/warc-$id.jsonl" --state "$WORK/warc-$id.db" \
    --site mfk.com --allow-private --delay 0 --concurrency "$CONCURRENCY" \
    --per-host "$CONCURRENCY" --no-progress "$@" "$START"
}
note "crawl: $RUNS pairs, without and with --warc, alternating"
for ((i = 0; i < RUNS; i++)); do
  crawl plain
  crawl warc --warc "$WORK/warc-archive"
done
stop_nginx
ARCHIVE=$WORK/warc-archive.warc.gz

# The same pages as files: every page the crawl archived, as the mirror holds it, with a
# <link rel=canonical> naming the URL it was fetched from (the mirror's pages name none), so
# that extracting a file does the same work as extracting its WARC record (its answers'
# links resolve against the same URL).
FILES=$WORK/warc-files
rm -rf "$FILES" && mkdir -p "$FILES"
$PY - "$MIRROR" "$FILES" "$BASE" <<'EOF'
import pathlib, re, sys
mirror, files, base = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
for page in list(mirror.glob("jingxuan/*.shtml")) + list(mirror.glob("ask/*.shtml")):
    if not re.fullmatch(r"\d+\.shtml", page.name):
        continue
    path = "/" + str(page.relative_to(mirror))
    link = f'<link rel="canonical" href="{base}{path}">'.encode()
    out = files / page.relative_to(mirror)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(page.read_bytes().replace(b"<head>", b"<head>" + link, 1))
EOF
cat "$ARCHIVE" >/dev/null
find "$FILES" -type f -print0 | xargs -0 cat >/dev/null
note "extract -j $(nproc): $RUNS pairs, the WARC and the same pages as files, alternating"
for ((i = 0; i < RUNS; i++)); do
  timed from-warc "$MEDSCRAPE" extract -q --site mfk.com -o "$WORK/warc-from-warc.jsonl" "$ARCHIVE"
  timed from-files "$MEDSCRAPE" extract -q --site mfk.com -o "$WORK/warc-from-files.jsonl" "$FILES"
done

$PY - "$WORK" "$RUNS" "$EXPECTED" "$LOAD" "$ARCHIVE" <<'EOF'
import json, os, statistics, sys
from urllib.parse import urlsplit
work, runs, expected, load, archive = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]

def times(name):
    rows = [line.split() for line in open(f"{work}/warc-{name}.times")]
    return [float(r[0]) for r in rows], [int(r[1]) for r in rows]

def records(name, key):
    out = {}
    for line in open(f"{work}/warc-{name}.jsonl", encoding="utf-8"):
        r = json.loads(line)
        out[key(r)] = r
        for k in ("change", "fetched_at", "http", "url", "charset"):
            r.pop(k, None)
    return out

by_path = lambda r: urlsplit(r["url"]).path
failed = False
def verdict(what, ratio, ok):
    global failed
    failed |= not ok
    print(f"  {what}: {ratio:.3f} {'pass' if ok else 'MISSED'}")

print(f"WARC benchmark: {os.cpu_count()} cores, mirror of {expected} pages to extract, nginx on "
      f"127.0.0.1, concurrency 16, delay 0; {runs} pairs alternating; load average {load} at start")
plain, plain_rss = times("plain")
warc, warc_rss = times("warc")
n_plain = sum(1 for _ in open(f"{work}/warc-plain.jsonl"))
n_warc = sum(1 for _ in open(f"{work}/warc-warc.jsonl"))
ratios = [(n_warc / w) / (n_plain / p) for p, w in zip(plain, warc)]
for name, secs, rss, n in (("crawl", plain, plain_rss, n_plain), ("crawl --warc", warc, warc_rss, n_warc)):
    med = statistics.median(secs)
    print(f"  {name:<22} {n} records  {med:7.2f} s median ({min(secs):.2f}-{max(secs):.2f})  "
          f"{n / med:7.1f} pages/s  peak RSS {max(rss) / 1024:.1f} MB")
print(f"  archive: {os.path.getsize(archive) / 1e6:.1f} MB for {n_warc} records")
same = records("plain", by_path) == records("warc", by_path)
print(f"  records with and without --warc: {'the same' if same else 'DIFFERENT'}")
failed |= not same
verdict("pages/s with --warc / without (median of pairs; target >= 0.90)",
        statistics.median(ratios), statistics.median(ratios) >= 0.90)

from_warc, warc_rss = times("from-warc")
from_files, files_rss = times("from-files")
n_w = sum(1 for _ in open(f"{work}/warc-from-warc.jsonl"))
n_f = sum(1 for _ in open(f"{work}/warc-from-files.jsonl"))
for name, secs, rss, n in (("extract WARC", from_warc, warc_rss, n_w),
                           ("extract files", from_files, files_rss, n_f)):
    med = statistics.median(secs)
    print(f"  {name:<22} {n} records  {med:7.2f} s median ({min(secs):.2f}-{max(secs):.2f})  "
          f"{n / med:7.1f} pages/s  peak RSS {max(rss) / 1024:.1f} MB")
ratios = [(n_w / w) / (n_f / f) for w, f in zip(from_warc, from_files)]
def fields(name):
    # By URL; a file's record has its own content hash (the canonical link added).
    out = records(name, lambda r: r["url"])
    for r in out.values():
        r.pop("content_sha256", None)
    return out
same = fields("from-warc") == fields("from-files")
print(f"  records from the WARC and from the files (by URL, provenance aside): "
      f"{'the same' if same else 'DIFFERENT'}")
failed |= not same
verdict("pages/s from the WARC / from files (median of pairs; target >= 0.90)",
        statistics.median(ratios), statistics.median(ratios) >= 0.90)
sys.exit(1 if failed else 0)
EOF

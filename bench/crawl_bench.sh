#!/usr/bin/env bash
# Crawl benchmark: `medscrape crawl` against a Scrapy 2.8 spider on the same mirror
# (see bench/README.md).
#
#   bench/crawl_bench.sh [--pages N] [--seed S]
#
# Builds Release build/medscrape if needed ($MEDSCRAPE_BUILD_DIR overrides build/),
# generates an mfk.com-shaped mirror of N pages (default 5000) in bench/work/mirror
# with make_mirror.py, serves it with nginx on 127.0.0.1 (a free port), and crawls it
# once with each contender, delay 0 and concurrency 16:
#   medscrape  build/medscrape crawl --fresh ... --site mfk.com --allow-private
#   scrapy     bench/scrapy_spider.py (CrawlSpider + ../shared/bench/parsel_extract.py)
# Prints records, pages/s (records / wall time) and peak RSS of both, and checks:
#   medscrape pages/s >= 3 x scrapy's;  medscrape peak RSS <= 1/3 of scrapy's
# plus whether both wrote the same page records and neither fetched the robots-blocked page.
# Exit status: 0 all targets met, 1 a target missed or a contender failed or missing, 2 usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/crawl_bench.sh [--pages N] [--seed S]
  --pages N  mirror size: hubs + articles + Q&A pages (default 5000)
  --seed S   mirror seed (default 1)
EOF
}

PAGES=5000
SEED=1
while (($#)); do
  case $1 in
    --pages) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; PAGES=$2; shift 2 ;;
    --seed) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { usage >&2; exit 2; }; SEED=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || { cd "$(dirname "$0")/.." && pwd; })
cd "$ROOT"
PY=/usr/bin/python3  # Debian's, which has python3-scrapy.
BUILD=${MEDSCRAPE_BUILD_DIR:-build}
WORK=$ROOT/bench/work
MIRROR=$WORK/mirror
CONCURRENCY=16
PPS_TARGET=3       # medscrape pages/s >= 3 x scrapy's
RSS_TARGET=3       # medscrape peak RSS <= scrapy's / 3
mkdir -p "$WORK"

note() { printf '== %s\n' "$*" >&2; }
warn() { printf 'crawl_bench: warning: %s\n' "$*" >&2; }
die() { printf 'crawl_bench: error: %s\n' "$*" >&2; exit 1; }
calc() { awk "BEGIN { printf \"%.${1}f\", ($2) }"; }  # calc DECIMALS EXPR
((PAGES >= 5000)) || warn "fewer than 5000 pages: start-up costs weigh more, figures are noisier"

# --- Tools, build, mirror, nginx (shared with warc_bench.sh) -------------------
# shellcheck source=bench/mirror_lib.sh
source bench/mirror_lib.sh

# --- Measurement ---------------------------------------------------------------
LOAD=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN { exit !($LOAD > 1.0) }"; then
  warn "load average $LOAD before measuring: other work shares the $(nproc) cores; figures will be low"
fi
# measure ID OUT CMD...: one run under /usr/bin/time; wall time from a nanosecond
# clock, peak RSS from %M (KB), records = lines of OUT.
declare -A SECS RSS_KB RECORDS STATUS
declare -A LABEL=([med]="medscrape crawl" [scrapy]="scrapy 2.8 CrawlSpider")
measure() {
  local id=$1 out=$2 rc=0 t0 t1
  shift 2
  note "crawling with ${LABEL[$id]}: $*"
  rm -f "$out"
  t0=$(date +%s%N)
  /usr/bin/time -o "$WORK/time-$id.txt" -f '%e %M' "$@" >"$WORK/stdout-$id.txt" 2>"$WORK/stderr-$id.txt" || rc=$?
  t1=$(date +%s%N)
  SECS[$id]=$(calc 3 "($t1 - $t0) / 1e9")
  RSS_KB[$id]=$(tail -n 1 "$WORK/time-$id.txt" | awk '{ print $2 }')
  RECORDS[$id]=$( [[ -f $out ]] && wc -l <"$out" || echo 0)
  STATUS[$id]=ok
  if ((rc != 0)); then
    # Exit 1 (some URLs or pages failed) still leaves a timed crawl; anything else does not.
    STATUS[$id]=$( ((rc == 1)) && echo "exit 1: some pages failed" || echo "failed (exit $rc)")
    warn "${LABEL[$id]} exited with $rc: $(grep -v '^Command exited' "$WORK/stderr-$id.txt" | tail -n 3)"
  fi
  grep -v '^Command exited' "$WORK/stderr-$id.txt" | tail -n 2 | sed 's/^/   /' >&2
}

MED_OUT=$WORK/medscrape.jsonl
SCRAPY_OUT=$WORK/scrapy.jsonl
if [[ -z $MEDSCRAPE_ERROR ]]; then
  measure med "$MED_OUT" "$MEDSCRAPE" crawl --fresh --job bench --out "$MED_OUT" --state "$WORK/medscrape.db" \
    --site mfk.com --allow-private --delay 0 --concurrency "$CONCURRENCY" --per-host "$CONCURRENCY" "$START"
else
  STATUS[med]=$MEDSCRAPE_ERROR
fi
measure scrapy "$SCRAPY_OUT" "$PY" bench/scrapy_spider.py --start "$START" --out "$SCRAPY_OUT" \
  --concurrency "$CONCURRENCY"
stop_nginx

# --- Report --------------------------------------------------------------------
has() { [[ -n ${SECS[$1]:-} && ${STATUS[$1]} != failed* && ${RECORDS[$1]} -gt 0 ]]; }
pps() { calc 6 "${RECORDS[$1]} / ${SECS[$1]}"; }
rss_mb() { calc 1 "${RSS_KB[$1]} / 1024"; }

echo
echo "crawl benchmark: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores;" \
  "mirror of $PAGES pages ($EXPECTED articles + Q&A pages to extract), nginx on 127.0.0.1," \
  "delay 0, concurrency $CONCURRENCY; load average $LOAD at start"
printf '%-26s %8s %9s %9s %12s  %s\n' contender records seconds pages/s "peak RSS MB" note
for id in med scrapy; do
  if [[ -n ${SECS[$id]:-} ]]; then
    printf '%-26s %8d %9.2f %9.1f %12s  %s\n' "${LABEL[$id]}" "${RECORDS[$id]}" "${SECS[$id]}" \
      "$( ((RECORDS[$id] > 0)) && pps "$id" || echo 0)" "$(rss_mb "$id")" "$([[ ${STATUS[$id]} == ok ]] || echo "${STATUS[$id]}")"
  else
    printf '%-26s %8s %9s %9s %12s  %s\n' "${LABEL[$id]}" - - - - "${STATUS[$id]}"
  fi
done
echo

# Page records: the URL paths of the records (hub pages make none), compared across
# the contenders and with the mirror; /private/ is disallowed by robots.txt.
compare() {
  $PY - "$@" <<'EOF'
import json, re, sys
from urllib.parse import urlsplit
expected, names, files = int(sys.argv[1]), sys.argv[2::2], sys.argv[3::2]
page = re.compile(r"/(?:jingxuan|ask)/\d+\.shtml")
sets = []
for name, path in zip(names, files):
    paths = []
    for line in open(path, encoding="utf-8", errors="replace"):
        try:
            paths.append(urlsplit(json.loads(line).get("url") or "").path)
        except ValueError:
            paths.append("<bad json>")
    pages = {p for p in paths if page.fullmatch(p)}
    private = sorted(p for p in paths if p.startswith("/private/"))
    sets.append(pages)
    print(f"{name}: {len(pages)} page records of {expected} in the mirror"
          + (f", {len(paths) - len(set(paths))} duplicates" if len(paths) != len(set(paths)) else "")
          + (f", {len(paths) - len(pages) - len(private)} other" if len(paths) - len(pages) - len(private) else "")
          + (f"; robots.txt NOT obeyed: fetched {private[0]}" if private else "; robots-blocked page not fetched"))
if len(sets) == 2:
    a, b = sets
    print(f"page records: {names[0]} {len(a)}, {names[1]} {len(b)}: "
          + ("same URLs" if a == b else f"{len(a - b)} only in {names[0]}, {len(b - a)} only in {names[1]}"))
EOF
}
ARGS=("$EXPECTED")
has med && ARGS+=(medscrape "$MED_OUT")
has scrapy && ARGS+=(scrapy "$SCRAPY_OUT")
((${#ARGS[@]} > 1)) && compare "${ARGS[@]}"

FAILED=0
verdict() {  # verdict LABEL VALUE TARGET_TEXT OK(0/1)
  printf '%-36s %7s   target %-8s %s\n' "$1" "$2" "$3" "$([[ $4 == 1 ]] && echo PASS || echo MISS)"
  [[ $4 == 1 ]] || FAILED=1
}
unmeasured() { printf '%-36s %7s   target %-8s %s\n' "$1" - "$2" "n/a (${3:-not measured})"; FAILED=1; }

if has med && has scrapy; then
  r=$(calc 2 "$(pps med) / $(pps scrapy)")
  verdict "pages/s, medscrape / scrapy" "$r" ">= $PPS_TARGET" "$(calc 0 "$r >= $PPS_TARGET")"
  r=$(calc 3 "${RSS_KB[med]} / ${RSS_KB[scrapy]}")
  verdict "peak RSS, medscrape / scrapy" "$r" "<= 1/$RSS_TARGET" "$(calc 0 "${RSS_KB[med]} * $RSS_TARGET <= ${RSS_KB[scrapy]}")"
else
  why=$([[ -n $MEDSCRAPE_ERROR ]] && echo "$MEDSCRAPE_ERROR" || echo "not measured")
  unmeasured "pages/s, medscrape / scrapy" ">= $PPS_TARGET" "$why"
  unmeasured "peak RSS, medscrape / scrapy" "<= 1/$RSS_TARGET" "$why"
fi
exit "$FAILED"

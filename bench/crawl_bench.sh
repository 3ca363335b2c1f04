#!/usr/bin/env bash
# Crawl benchmark: `medscrape crawl` against the strongest hand-written peers on the same
# mirror (see bench/README.md).
#
#   bench/crawl_bench.sh [--pages N] [--seed S] [--runs R] [--crawlspider]
#
# Builds Release build/medscrape if needed ($MEDSCRAPE_BUILD_DIR overrides build/),
# generates an mfk.com-shaped mirror of N pages (default 5000) in bench/work/mirror
# with make_mirror.py, serves it with nginx on 127.0.0.1 (a free port), and crawls it
# R times (default 3) with each contender, alternating (each round starts with the next
# contender), delay 0 and concurrency 16:
#   medscrape    build/medscrape crawl --fresh ... --site mfk.com --allow-private
#   scrapy       bench/scrapy_spider.py --targeted: Scrapy 2.8 with targeted CSS selectors,
#                the fields of ../shared/bench/parsel_extract.py
#   crawlee      bench/crawlee/crawl.mjs: Crawlee 3.18 CheerioCrawler, the same selectors and
#                fields (installed from npm into bench/crawlee/node_modules)
#   crawlspider  (--crawlspider) bench/scrapy_spider.py: a Scrapy CrawlSpider whose
#                LinkExtractor reads every link of every page: the naive peer
# Prints each contender's median wall time, pages/s (records / median time) and highest peak
# RSS, names the fastest and the leanest peer, and checks:
#   medscrape pages/s >= 4 x the fastest peer's;  peak RSS <= 1/3 of the leanest peer's
# plus that all wrote the same page records and none fetched the robots-blocked page.
# Exit status: 0 all targets met, 1 a target missed or a contender failed, 2 usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/crawl_bench.sh [--pages N] [--seed S] [--runs R] [--crawlspider]
  --pages N      mirror size: hubs + articles + Q&A pages (default 5000)
  --seed S       mirror seed (default 1)
  --runs R       crawls per contender, alternating; the median counts (default 3)
  --crawlspider  also the naive Scrapy CrawlSpider (about 4 minutes a run)
EOF
}

PAGES=5000
SEED=1
RUNS=3
CRAWLSPIDER=0
while (($#)); do
  case $1 in
    --pages) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; PAGES=$2; shift 2 ;;
    --seed) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { usage >&2; exit 2; }; SEED=$2; shift 2 ;;
    --runs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; RUNS=$2; shift 2 ;;
    --crawlspider) CRAWLSPIDER=1; shift ;;
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
PPS_TARGET=4  # medscrape pages/s >= 4 x the fastest peer's
RSS_TARGET=3  # medscrape peak RSS <= the leanest peer's / 3
mkdir -p "$WORK"

note() { printf '== %s\n' "$*" >&2; }
warn() { printf 'crawl_bench: warning: %s\n' "$*" >&2; }
die() { printf 'crawl_bench: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=bench/bench_lib.sh
source bench/bench_lib.sh  # calc, median
((PAGES >= 5000)) || warn "fewer than 5000 pages: start-up costs weigh more, figures are noisier"

# --- Tools, build, mirror, nginx (shared with warc_bench.sh) -------------------
# shellcheck source=bench/mirror_lib.sh
source bench/mirror_lib.sh

# --- Crawlee, from npm (bench/crawlee/package.json pins 3.18) --------------------
CRAWLEE_ERROR=
command -v node >/dev/null || need_pkg nodejs
command -v npm >/dev/null || need_pkg npm
if [[ ! -f bench/crawlee/node_modules/@crawlee/cheerio/package.json ]]; then
  note "installing Crawlee into bench/crawlee/node_modules"
  (cd bench/crawlee && npm install --no-audit --no-fund --loglevel=error >&2) ||
    CRAWLEE_ERROR="npm install of Crawlee failed"
fi

# --- Measurement ---------------------------------------------------------------
LOAD=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN { exit !($LOAD > 1.0) }"; then
  warn "load average $LOAD before measuring: other work shares the $(nproc) cores; figures will be low"
fi
IDS=(med scrapy crawlee)
((CRAWLSPIDER)) && IDS+=(crawlspider)
contender() {  # contender ID OUT: the command line (paths under bench/work hold no spaces)
  case $1 in
    med) echo "$MEDSCRAPE" crawl --fresh --job bench --out "$2" --state "$WORK/medscrape.db" \
      --site mfk.com --allow-private --delay 0 --concurrency "$CONCURRENCY" \
      --per-host "$CONCURRENCY" --no-progress "$START" ;;
    scrapy) echo "$PY" bench/scrapy_spider.py --targeted --start "$START" --out "$2" \
      --concurrency "$CONCURRENCY" ;;
    crawlee) echo node bench/crawlee/crawl.mjs --start "$START" --out "$2" \
      --concurrency "$CONCURRENCY" ;;
    crawlspider) echo "$PY" bench/scrapy_spider.py --start "$START" --out "$2" \
      --concurrency "$CONCURRENCY" ;;
  esac
}
# measure ID: one crawl under /usr/bin/time; appends "seconds peak_rss_kb records exit" to
# $WORK/crawl-ID.runs (wall time from a nanosecond clock).
measure() {
  local id=$1 out=$WORK/crawl-$1.jsonl rc=0 t0 t1
  note "crawling with $id"
  rm -f "$out"
  t0=$(date +%s%N)
  # shellcheck disable=SC2046
  /usr/bin/time -o "$WORK/time-$id.txt" -f '%M' $(contender "$id" "$out") >/dev/null \
    2>"$WORK/stderr-$id.txt" || rc=$?
  t1=$(date +%s%N)
  ((rc == 0)) || warn "$id exited with $rc: $(grep -v '^Command exited' "$WORK/stderr-$id.txt" | tail -n 3)"
  echo "$(calc 3 "($t1 - $t0) / 1e9") $(tail -n 1 "$WORK/time-$id.txt")" \
    "$([[ -f $out ]] && wc -l <"$out" || echo 0) $rc" >>"$WORK/crawl-$id.runs"
}
SKIP=" "
[[ -z $MEDSCRAPE_ERROR ]] || SKIP+="med "
[[ -z $CRAWLEE_ERROR ]] || { SKIP+="crawlee "; warn "$CRAWLEE_ERROR"; }
for id in "${IDS[@]}"; do rm -f "$WORK/crawl-$id.runs"; done
for ((round = 0; round < RUNS; round++)); do
  for ((k = 0; k < ${#IDS[@]}; k++)); do
    id=${IDS[$(((round + k) % ${#IDS[@]}))]}
    [[ $SKIP == *" $id "* ]] || measure "$id"
  done
done
stop_nginx

# --- Report --------------------------------------------------------------------
exec "$PY" bench/crawl_report.py --work "$WORK" --expected "$EXPECTED" --pages "$PAGES" \
  --concurrency "$CONCURRENCY" --load "$LOAD" --pps-target "$PPS_TARGET" \
  --rss-target "$RSS_TARGET" "${IDS[@]}"

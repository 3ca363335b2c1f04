#!/usr/bin/env bash
# Export throughput (see bench/README.md): `medscrape export` of a large JSON Lines file built
# from the bench corpus (bench/run.sh's pages, extracted once, repeated to --records lines),
# to CSV and to SQLite, and with --latest; R runs each, alternating, medians. Reports
# records/s, MB/s (of JSON Lines read) and peak RSS, and checks:
#   CSV export >= 50,000 records/s (one core: export is one thread)
#
#   bench/export_bench.sh [--records N] [--runs R]
#
# Exit status: 0 target met, 1 missed or a run failed, 2 usage.
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: bench/export_bench.sh [--records N] [--runs R]
  --records N  lines of the JSON Lines input (default 100000)
  --runs R     runs per format, alternating; the median counts (default 5)
USAGE
}
RECORDS=100000
RUNS=5
while (($#)); do
  case $1 in
    --records) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; RECORDS=$2; shift 2 ;;
    --runs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; RUNS=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || { cd "$(dirname "$0")/.." && pwd; })
cd "$ROOT"
PY=/usr/bin/python3
BUILD=${MEDSCRAPE_BUILD_DIR:-build}
WORK=bench/work
TARGET=50000
mkdir -p "$WORK"
note() { printf '== %s\n' "$*" >&2; }
# shellcheck source=bench/bench_lib.sh
source bench/bench_lib.sh  # calc, median
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time missing: apt-get install time" >&2; exit 1; }

if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
note "building medscrape"
cmake --build "$BUILD" --target medscrape >&2
MEDSCRAPE=$BUILD/medscrape

# --- Input: the bench corpus's records, repeated to RECORDS lines -----------------
INPUT=$WORK/export-input.jsonl
if [[ ! -f $INPUT || $(wc -l <"$INPUT") -ne $RECORDS ]]; then
  [[ -d $WORK/corpus ]] || $PY bench/make_corpus.py --pages 400 --out "$WORK/corpus" >&2
  note "extracting $WORK/corpus and repeating its records to $RECORDS lines"
  "$MEDSCRAPE" extract -q -o "$WORK/export-corpus.jsonl" "$WORK/corpus" || [[ $? -eq 1 ]]
  per=$(wc -l <"$WORK/export-corpus.jsonl")
  ((per > 0)) || { echo "bench: no records extracted" >&2; exit 1; }
  : >"$INPUT.tmp"
  for ((i = 0; i < RECORDS / per + 1; i++)); do cat "$WORK/export-corpus.jsonl" >>"$INPUT.tmp"; done
  head -n "$RECORDS" "$INPUT.tmp" >"$INPUT"
  rm -f "$INPUT.tmp"
fi
BYTES=$(wc -c <"$INPUT")
cat "$INPUT" >/dev/null  # Warm the page cache.

# --- Runs ----------------------------------------------------------------------
declare -A TIMES RSS
IDS=(csv sqlite latest)
run_once() {  # run_once ID
  local out=$WORK/export-out t0 t1 kb args=()
  rm -rf "$out" "$out.sqlite"
  case $1 in
    csv) args=(-o "$out") ;;
    sqlite) args=(--format sqlite -o "$out.sqlite") ;;
    latest) args=(--latest -o "$out") ;;
  esac
  t0=$(date +%s%N)
  /usr/bin/time -o "$WORK/time.txt" -f '%M' "$MEDSCRAPE" export "${args[@]}" "$INPUT" 2>"$WORK/stderr.txt" ||
    { echo "bench: export ($1) failed: $(tail -n 3 "$WORK/stderr.txt")" >&2; exit 1; }
  t1=$(date +%s%N)
  TIMES[$1]+=" $(calc 4 "($t1 - $t0) / 1e9")"
  kb=$(tail -n 1 "$WORK/time.txt")
  ((kb > ${RSS[$1]:-0})) && RSS[$1]=$kb
  return 0
}
note "$RUNS round(s) of ${IDS[*]}, alternating"
for ((round = 0; round < RUNS; round++)); do
  for ((k = 0; k < ${#IDS[@]}; k++)); do run_once "${IDS[(round + k) % ${#IDS[@]}]}"; done
done
rm -rf "$WORK/export-out" "$WORK/export-out.sqlite"

echo
echo "export benchmark: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1);" \
  "$RECORDS records, $(calc 1 "$BYTES / 1048576") MB of JSON Lines; median of $RUNS, alternating"
printf '%-22s %9s %12s %8s %12s\n' format seconds records/s MB/s "peak RSS MB"
for id in "${IDS[@]}"; do
  s=$(median "${TIMES[$id]}")
  printf '%-22s %9.2f %12.0f %8.1f %12.1f\n' "$id" "$s" "$(calc 1 "$RECORDS / $s")" \
    "$(calc 1 "$BYTES / 1048576 / $s")" "$(calc 1 "${RSS[$id]} / 1024")"
done
echo "(latest: CSV with --latest; the input repeats the corpus's records, so it reads them all twice"
echo " and writes one row per distinct URL: mostly the cost of reading)"
rate=$(calc 0 "$RECORDS / $(median "${TIMES[csv]}")")
ok=$(calc 0 "$rate >= $TARGET")
printf '\nCSV records/s %s   target >= %s   %s\n' "$rate" "$TARGET" "$( ((ok)) && echo PASS || echo MISS)"
((ok)) || exit 1

#!/usr/bin/env bash
# Throughput and memory benchmark for `medscrape extract` (see bench/README.md).
#
#   bench/run.sh [--pages N] [--quick]
#
# Builds Release into build/ ($MEDSCRAPE_BUILD_DIR overrides), makes a corpus in
# bench/work/, then times each contender (best of 3 wall times, highest peak RSS
# of the 3) and checks:
#   medscrape -j 1      >= 0.85 x Gumbo parse-only pages/s
#   medscrape -j nproc  >= 2.5  x parsel (Scrapy's parsing stack) pages/s
#   medscrape peak RSS  <  50 MB, on the corpus and on one 4x its size
# Exit status: 0 all targets met, 1 a target missed or a contender failed, 2 usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run.sh [--pages N] [--quick]
  --pages N  corpus size (default 400; the RSS check also uses 4N)
  --quick    one run per contender instead of best of 3; no 4N corpus
EOF
}

PAGES=400
RUNS=3
QUICK=0
while (($#)); do
  case $1 in
    --pages) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; PAGES=$2; shift 2 ;;
    --quick) QUICK=1; RUNS=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || { cd "$(dirname "$0")/.." && pwd; })
cd "$ROOT"
SHARED=$ROOT/../shared
PARSEL=$SHARED/bench/parsel_extract.py
PY=/usr/bin/python3  # Debian's, which has python3-scrapy (parsel, w3lib).
BUILD=${MEDSCRAPE_BUILD_DIR:-build}  # Override only to keep a second tree apart.
WORK=bench/work
JOBS=$(nproc)
RSS_LIMIT_MB=50
mkdir -p "$WORK"

note() { printf '== %s\n' "$*" >&2; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
calc() { awk "BEGIN { printf \"%.${1}f\", ($2) }"; }  # calc DECIMALS EXPR
((PAGES >= 400)) || warn "fewer than 400 pages: start-up costs weigh more, figures are noisier"

# --- Tools -------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
  note "installing GNU time (package 'time')"
  SUDO=; ((EUID == 0)) || SUDO=sudo
  $SUDO apt-get install -y time >&2 || { echo "bench: error: /usr/bin/time missing; apt-get install time" >&2; exit 1; }
fi

# --- Build (Release, incremental) -------------------------------------------
if [[ ! -f $BUILD/CMakeCache.txt ]] || ! grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt"; then
  note "configuring $BUILD/ (Release)"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >&2
fi
note "building gumbo_parse_only and medscrape"
cmake --build "$BUILD" -j"$JOBS" --target gumbo_parse_only >&2
MEDSCRAPE=$BUILD/medscrape
MEDSCRAPE_ERROR=
if ! cmake --build "$BUILD" -j"$JOBS" --target medscrape >&2; then
  MEDSCRAPE_ERROR="medscrape failed to build (see the compiler output above)"
elif [[ ! -x $MEDSCRAPE ]]; then
  MEDSCRAPE_ERROR="$MEDSCRAPE not found after the build"
fi
[[ -z $MEDSCRAPE_ERROR ]] || warn "$MEDSCRAPE_ERROR; its rows are skipped"
PARSEL_ERROR=
if [[ ! -f $PARSEL ]]; then
  PARSEL_ERROR="$PARSEL not found"
elif ! $PY -c 'import parsel, w3lib' 2>/dev/null; then
  PARSEL_ERROR="$PY cannot import parsel/w3lib (apt-get install python3-scrapy)"
fi
[[ -z $PARSEL_ERROR ]] || warn "$PARSEL_ERROR; its row is skipped"

# --- Corpora -----------------------------------------------------------------
# make_corpus CORPUS_DIR N: writes the pages, their list (CORPUS_DIR.list) and
# warms the page cache so every contender reads from memory.
make_corpus() {
  note "making $2 pages in $1"
  $PY bench/make_corpus.py --pages "$2" --out "$1" >&2
  find "$1" -name '*.html' | sort >"$1.list"
  xargs -d '\n' -a "$1.list" cat >/dev/null
}
corpus_bytes() { xargs -d '\n' -a "$1.list" cat | wc -c; }

CORPUS=$WORK/corpus
make_corpus "$CORPUS" "$PAGES"
BYTES=$(corpus_bytes "$CORPUS")
if ((!QUICK)); then
  CORPUS4=$WORK/corpus-x4
  make_corpus "$CORPUS4" $((PAGES * 4))
  BYTES4=$(corpus_bytes "$CORPUS4")
fi

# --- Measurement ---------------------------------------------------------------
# measure ID PAGES BYTES STDOUT CMD...: runs CMD $RUNS times under /usr/bin/time.
# Records the best wall time (a nanosecond clock around the run; %e only has 10 ms
# resolution) and the highest peak RSS (%M, KB) over the runs. A failing run
# marks the row failed, except medscrape's exit 1 ("some inputs failed"), which
# is reported but still timed.
declare -A SECS RSS_KB NPAGES NBYTES STATUS
declare -A LABEL=([mj1]="medscrape -j 1" [mjn]="medscrape -j $JOBS" [parse]="gumbo parse-only"
  [parsel]="parsel --batch" [mjn4]="medscrape -j $JOBS, 4x corpus")
measure() {
  local id=$1 pages=$2 bytes=$3 out=$4 i rc t0 t1 s kb
  shift 4
  NPAGES[$id]=$pages NBYTES[$id]=$bytes STATUS[$id]=ok
  note "measuring ${LABEL[$id]} ($RUNS run(s)): $*"
  for ((i = 0; i < RUNS; i++)); do
    rc=0
    t0=$(date +%s%N)
    /usr/bin/time -o "$WORK/time.txt" -f '%e %M' "$@" >"$out" 2>"$WORK/stderr.txt" || rc=$?
    t1=$(date +%s%N)
    if ((rc != 0)); then
      if [[ $1 == "$MEDSCRAPE" && $rc == 1 ]]; then
        STATUS[$id]="exit 1: some pages failed"
      else
        STATUS[$id]="failed (exit $rc)"
        warn "${LABEL[$id]} failed (exit $rc): $(tail -n 3 "$WORK/stderr.txt")"
        return 0
      fi
    fi
    s=$(calc 4 "($t1 - $t0) / 1e9")
    kb=$(tail -n 1 "$WORK/time.txt" | awk '{ print $2 }')
    if [[ -z ${SECS[$id]:-} ]] || awk "BEGIN { exit !($s < ${SECS[$id]}) }"; then SECS[$id]=$s; fi
    if ((kb > ${RSS_KB[$id]:-0})); then RSS_KB[$id]=$kb; fi
  done
}
skip() { NPAGES[$1]=$2 STATUS[$1]="skipped: $3"; }

ROWS=(mj1 mjn parse parsel)

if [[ -z $MEDSCRAPE_ERROR ]]; then
  measure mj1 "$PAGES" "$BYTES" /dev/null "$MEDSCRAPE" extract -j 1 -q -o /dev/null "$CORPUS"
  measure mjn "$PAGES" "$BYTES" /dev/null "$MEDSCRAPE" extract -j "$JOBS" -q -o /dev/null "$CORPUS"
else
  skip mj1 "$PAGES" "$MEDSCRAPE_ERROR"
  skip mjn "$PAGES" "$MEDSCRAPE_ERROR"
fi
measure parse "$PAGES" "$BYTES" "$WORK/parse_only.out" "$BUILD/gumbo_parse_only" --list "$CORPUS.list"
if [[ -z $PARSEL_ERROR ]]; then
  # xargs makes one invocation when the list fits its command-line limit (it does
  # for a few thousand pages), otherwise a few in sequence; time counts them all.
  measure parsel "$PAGES" "$BYTES" /dev/null xargs -d '\n' -a "$CORPUS.list" "$PY" "$PARSEL" --batch
else
  skip parsel "$PAGES" "$PARSEL_ERROR"
fi
if ((!QUICK)); then
  ROWS+=(mjn4)
  if [[ -z $MEDSCRAPE_ERROR ]]; then
    measure mjn4 $((PAGES * 4)) "$BYTES4" /dev/null "$MEDSCRAPE" extract -j "$JOBS" -q -o /dev/null "$CORPUS4"
  else
    skip mjn4 $((PAGES * 4)) "$MEDSCRAPE_ERROR"
  fi
fi

# --- Report --------------------------------------------------------------------
has() { [[ -n ${SECS[$1]:-} && ${STATUS[$1]} != failed* ]]; }
pps() { calc 6 "${NPAGES[$1]} / ${SECS[$1]}"; }
rss_mb() { calc 1 "${RSS_KB[$1]} / 1024"; }

echo
echo "medscrape benchmark: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $JOBS cores;" \
  "corpus $PAGES pages, $(calc 1 "$BYTES / 1048576") MB (mean $(calc 1 "$BYTES / $PAGES / 1024") KB);" \
  "$( ((RUNS > 1)) && echo "best of $RUNS" || echo "1 run")"
printf '%-28s %6s %9s %8s %12s  %s\n' contender pages pages/s MB/s "peak RSS MB" note
for id in "${ROWS[@]}"; do
  if has "$id"; then
    printf '%-28s %6d %9.1f %8.1f %12s  %s\n' "${LABEL[$id]}" "${NPAGES[$id]}" "$(pps "$id")" \
      "$(calc 6 "${NBYTES[$id]} / 1048576 / ${SECS[$id]}")" "$(rss_mb "$id")" \
      "$([[ ${STATUS[$id]} == ok ]] || echo "${STATUS[$id]}")"
  else
    printf '%-28s %6d %9s %8s %12s  %s\n' "${LABEL[$id]}" "${NPAGES[$id]}" - - - "${STATUS[$id]}"
  fi
done
sed -n 's/^note: /  parse-only note: /p' "$WORK/parse_only.out" 2>/dev/null || true
echo

FAILED=0
# verdict LABEL VALUE TARGET_TEXT OK(0/1)
verdict() {
  printf '%-40s %7s   target %-8s %s\n' "$1" "$2" "$3" "$([[ $4 == 1 ]] && echo PASS || echo MISS)"
  [[ $4 == 1 ]] || FAILED=1
}
unmeasured() { printf '%-40s %7s   target %-8s %s\n' "$1" - "$2" "n/a (not measured)"; FAILED=1; }

if has mj1 && has parse; then
  r=$(calc 3 "$(pps mj1) / $(pps parse)")
  verdict "-j 1 / parse-only" "$r" ">= 0.85" "$(calc 0 "$r >= 0.85")"
else unmeasured "-j 1 / parse-only" ">= 0.85"; fi
if has mjn && has parsel; then
  r=$(calc 3 "$(pps mjn) / $(pps parsel)")
  verdict "-j $JOBS / parsel" "$r" ">= 2.5" "$(calc 0 "$r >= 2.5")"
else unmeasured "-j $JOBS / parsel" ">= 2.5"; fi
for id in mj1 mjn mjn4; do
  [[ " ${ROWS[*]} " == *" $id "* ]] || continue
  if has "$id"; then
    verdict "peak RSS MB, ${LABEL[$id]}" "$(rss_mb "$id")" "< $RSS_LIMIT_MB" "$(calc 0 "${RSS_KB[$id]} < $RSS_LIMIT_MB * 1024")"
  else unmeasured "peak RSS MB, ${LABEL[$id]}" "< $RSS_LIMIT_MB"; fi
done
if has mjn && has mjn4; then
  printf 'peak RSS growth, %d -> %d pages: %+.1f MB (should be ~0)\n' "$PAGES" $((PAGES * 4)) \
    "$(calc 1 "(${RSS_KB[mjn4]} - ${RSS_KB[mjn]}) / 1024")"
fi
exit "$FAILED"

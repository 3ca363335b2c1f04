#!/usr/bin/env bash
# Throughput and memory benchmark for `medscrape extract` (see bench/README.md).
#
#   bench/run.sh [--pages N] [--runs R] [--quick]
#
# Builds Release into build/ ($MEDSCRAPE_BUILD_DIR overrides), makes a corpus in
# bench/work/, then times every contender R times (default 5), in rounds that alternate
# them (each round starts with the next one), and takes each one's median wall time and
# highest peak RSS. Checks:
#   medscrape -j 1      >= 0.90 x Gumbo parse-only pages/s
#   medscrape -j nproc  >= 4    x parsel (Scrapy's parsing stack) pages/s
#   medscrape peak RSS  <  50 MB, on the corpus and on one 4x its size
# Exit status: 0 all targets met, 1 a target missed or a contender failed, 2 usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run.sh [--pages N] [--runs R] [--quick]
  --pages N  corpus size (default 400; the RSS check also uses 4N)
  --runs R   runs per contender, alternating; the median counts (default 5)
  --quick    one run per contender; no 4N corpus
EOF
}

PAGES=400
RUNS=5
QUICK=0
while (($#)); do
  case $1 in
    --pages) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; PAGES=$2; shift 2 ;;
    --runs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; RUNS=$2; shift 2 ;;
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
PARSE_TARGET=0.90  # medscrape -j 1 pages/s >= this x Gumbo parse-only's
PARSEL_TARGET=4    # medscrape -j nproc pages/s >= this x parsel's
mkdir -p "$WORK"

note() { printf '== %s\n' "$*" >&2; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
# shellcheck source=bench/bench_lib.sh
source bench/bench_lib.sh  # calc, median
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
# run_once ID: one run of contender ID under /usr/bin/time; appends its wall time (a
# nanosecond clock around the run; %e only has 10 ms resolution) to TIMES[ID] and keeps
# the highest peak RSS (%M, KB). A failing run marks the row failed, except medscrape's
# exit 1 ("some inputs failed"), which is reported but still timed.
declare -A TIMES RSS_KB NPAGES NBYTES STATUS OUT
declare -A LABEL=([mj1]="medscrape -j 1" [mjn]="medscrape -j $JOBS" [parse]="gumbo parse-only"
  [parsel]="parsel --batch" [mjn4]="medscrape -j $JOBS, 4x corpus")
command_of() {  # command_of ID: the command line (paths under bench/work hold no spaces)
  case $1 in
    mj1) echo "$MEDSCRAPE" extract -j 1 -q -o /dev/null "$CORPUS" ;;
    mjn) echo "$MEDSCRAPE" extract -j "$JOBS" -q -o /dev/null "$CORPUS" ;;
    mjn4) echo "$MEDSCRAPE" extract -j "$JOBS" -q -o /dev/null "$CORPUS4" ;;
    parse) echo "$BUILD/gumbo_parse_only" --list "$CORPUS.list" ;;
    # xargs makes one invocation when the list fits its command-line limit (it does for a
    # few thousand pages), otherwise a few in sequence; time counts them all.
    parsel) echo xargs -d '\n' -a "$CORPUS.list" "$PY" "$PARSEL" --batch ;;
  esac
}
run_once() {
  local id=$1 rc=0 t0 t1 kb
  [[ ${STATUS[$id]} == failed* || ${STATUS[$id]} == skipped* ]] && return 0
  # shellcheck disable=SC2046  # The command line is split on purpose.
  set -- $(command_of "$id")
  t0=$(date +%s%N)
  /usr/bin/time -o "$WORK/time.txt" -f '%e %M' "$@" >"${OUT[$id]}" 2>"$WORK/stderr.txt" || rc=$?
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
  TIMES[$id]+=" $(calc 4 "($t1 - $t0) / 1e9")"
  kb=$(tail -n 1 "$WORK/time.txt" | awk '{ print $2 }')
  if ((kb > ${RSS_KB[$id]:-0})); then RSS_KB[$id]=$kb; fi
}
skip() { STATUS[$1]="skipped: $2"; }

ROWS=(mj1 mjn parse parsel)
((QUICK)) || ROWS+=(mjn4)
for id in "${ROWS[@]}"; do
  NPAGES[$id]=$PAGES NBYTES[$id]=$BYTES STATUS[$id]=ok OUT[$id]=/dev/null
done
OUT[parse]=$WORK/parse_only.out
if ((!QUICK)); then NPAGES[mjn4]=$((PAGES * 4)) NBYTES[mjn4]=$BYTES4; fi
if [[ -n $MEDSCRAPE_ERROR ]]; then
  for id in mj1 mjn mjn4; do skip "$id" "$MEDSCRAPE_ERROR"; done
fi
[[ -z $PARSEL_ERROR ]] || skip parsel "$PARSEL_ERROR"
for id in "${ROWS[@]}"; do note "${LABEL[$id]}: $(command_of "$id")"; done
note "$RUNS round(s), alternating"
for ((round = 0; round < RUNS; round++)); do
  for ((k = 0; k < ${#ROWS[@]}; k++)); do
    run_once "${ROWS[(round + k) % ${#ROWS[@]}]}"
  done
done
declare -A SECS
for id in "${ROWS[@]}"; do
  [[ -n ${TIMES[$id]:-} ]] && SECS[$id]=$(median "${TIMES[$id]}")
done

# --- Report --------------------------------------------------------------------
has() { [[ -n ${SECS[$1]:-} && ${STATUS[$1]} != failed* ]]; }
pps() { calc 6 "${NPAGES[$1]} / ${SECS[$1]}"; }
rss_mb() { calc 1 "${RSS_KB[$1]} / 1024"; }

echo
echo "medscrape benchmark: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $JOBS cores;" \
  "corpus $PAGES pages, $(calc 1 "$BYTES / 1048576") MB (mean $(calc 1 "$BYTES / $PAGES / 1024") KB);" \
  "$( ((RUNS > 1)) && echo "median of $RUNS, alternating" || echo "1 run")"
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
  verdict "-j 1 / parse-only" "$r" ">= $PARSE_TARGET" "$(calc 0 "$r >= $PARSE_TARGET")"
else unmeasured "-j 1 / parse-only" ">= $PARSE_TARGET"; fi
if has mjn && has parsel; then
  r=$(calc 3 "$(pps mjn) / $(pps parsel)")
  verdict "-j $JOBS / parsel" "$r" ">= $PARSEL_TARGET" "$(calc 0 "$r >= $PARSEL_TARGET")"
else unmeasured "-j $JOBS / parsel" ">= $PARSEL_TARGET"; fi
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

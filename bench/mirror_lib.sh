# Sourced by bench/crawl_bench.sh and bench/warc_bench.sh (not run on its own): installs the
# tools, builds Release build/medscrape (MEDSCRAPE, or MEDSCRAPE_ERROR when it failed),
# generates the mfk.com-shaped mirror of PAGES pages (seed SEED) in MIRROR with
# make_mirror.py, warms the page cache, and serves it with nginx on 127.0.0.1: BASE, START
# (the seed URL), EXPECTED (page files to extract), stop_nginx (also run on EXIT).
# Expects ROOT (cwd), PY, BUILD, WORK, MIRROR, PAGES, SEED and note/warn/die.
# --- Tools -------------------------------------------------------------------
SUDO=; ((EUID == 0)) || SUDO=sudo
need_pkg() {  # need_pkg PACKAGE: apt-get install it (the benchmark needs it)
  note "installing $1"
  $SUDO apt-get install -y --no-install-recommends "$1" >&2 || die "cannot install $1; apt-get install $1"
}
[[ -x /usr/bin/time ]] || need_pkg time
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_pkg nginx-light
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
$PY -c 'import scrapy, parsel, w3lib' 2>/dev/null || need_pkg python3-scrapy

# --- Build (Release, incremental) -------------------------------------------
MEDSCRAPE=$BUILD/medscrape
MEDSCRAPE_ERROR=
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  note "configuring $BUILD/ (Release)"
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
elif ! grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt"; then
  note "reconfiguring $BUILD/ as Release"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >&2
fi
note "building medscrape"
if ! cmake --build "$BUILD" --target medscrape >&2; then
  MEDSCRAPE_ERROR="medscrape failed to build (see the compiler output above)"
elif [[ ! -x $MEDSCRAPE ]]; then
  MEDSCRAPE_ERROR="$MEDSCRAPE not found after the build"
elif ! "$MEDSCRAPE" crawl --help >/dev/null 2>&1; then
  MEDSCRAPE_ERROR="medscrape crawl not available"
fi
[[ -z $MEDSCRAPE_ERROR ]] || warn "$MEDSCRAPE_ERROR; its row is skipped"

# --- Mirror (regenerated only when its inputs change) -----------------------
STAMP="pages=$PAGES seed=$SEED $(cat bench/make_mirror.py bench/make_corpus.py fixtures/mfk/*.html \
  ../shared/reference/mfk-*.html 2>/dev/null | sha256sum | cut -c1-16)"
if [[ ! -f $MIRROR/robots.txt || $(cat "$WORK/mirror.stamp" 2>/dev/null) != "$STAMP" ]]; then
  note "making a $PAGES-page mirror in $MIRROR"
  rm -f "$WORK/mirror.stamp"
  $PY bench/make_mirror.py --pages "$PAGES" --seed "$SEED" --out "$MIRROR" >&2
  echo "$STAMP" >"$WORK/mirror.stamp"
fi
EXPECTED=$(find "$MIRROR/jingxuan" "$MIRROR/ask" -regex '.*/[0-9]+\.shtml' | wc -l)
find "$MIRROR" -type f -print0 | xargs -0 cat >/dev/null  # Warm the page cache.

# --- nginx on 127.0.0.1 ---------------------------------------------------------
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NGX=$WORK/nginx
mkdir -p "$NGX/tmp"
cat >"$NGX/nginx.conf" <<EOF
# Written by bench/mirror_lib.sh: serves $MIRROR on 127.0.0.1:$PORT.
$( ((EUID == 0)) && echo "user root;")
worker_processes 2;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 1024; }
http {
  types { text/html html htm shtml; text/plain txt; }
  default_type application/octet-stream;
  charset utf-8;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  open_file_cache max=20000 inactive=120s;
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
  server {
    listen 127.0.0.1:$PORT;
    server_name localhost;
    root $MIRROR;
    index index.shtml;
  }
}
EOF
NGINX_PID=
stop_nginx() {
  if [[ -n $NGINX_PID ]]; then
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=
  fi
}
trap stop_nginx EXIT
trap 'exit 130' INT TERM
note "starting nginx on 127.0.0.1:$PORT"
"$NGINX" -e "$NGX/error.log" -p "$NGX" -c "$NGX/nginx.conf" &
NGINX_PID=$!
BASE=http://127.0.0.1:$PORT
for ((i = 0; i < 100; i++)); do
  curl -sf -o /dev/null "$BASE/robots.txt" && break
  kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start: $(tail -n 3 "$NGX/error.log")"
  sleep 0.1
done
curl -sf -o /dev/null "$BASE/jingxuan/index.shtml" || die "nginx does not answer on $BASE"
START=$BASE/jingxuan/index.shtml

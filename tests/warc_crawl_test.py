#!/usr/bin/python3
"""`medscrape crawl --warc`: the WARC files a crawl writes, checked by an independent reader.

Usage: /usr/bin/python3 tests/warc_crawl_test.py <path-to-medscrape> [case-name-substring...]
Environment: MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).

Every WARC file is read with warcio.js (tests/warcio/validate.mjs; scripts/install-deps installs
it with npm), which recomputes each record's block digest, and the payload digest over the body
with the chunking undone by its own code, and decodes the body (chunked, gzip, br) itself: its
SHA-256 must equal the record's content_sha256. Servers: tests/http_test_server.py serving
fixtures/site, and a standard-library server here whose pages come gzip-, br- and
chunked-encoded, oversized, cut short, missing, as an image, and (on a second run) as 304 or the
same bytes again. Ends with the line "N passed, M failed"; exit 1 on any failure.
"""

import atexit
import gzip
import http.server
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
import crawl_cli_test as cli  # noqa: E402  (Site, clean_env, same_records; its cases stay unregistered)
from testlib import TestFailure, check, eq, parse_records, run  # noqa: E402

try:
    import brotli
except ImportError:  # python3-brotli: scripts/install-deps installs it
    brotli = None

runner = testlib.Runner("medscrape crawl --warc")
case = runner.case

SITE_SEED = "/jingxuan/index.shtml"
SITE_DONE = 40  # fixtures/site: 3 list pages and 37 pages
VALIDATOR = testlib.source_dir() / "tests" / "warcio" / "validate.mjs"


# ---------------------------------------------------------------- servers

_SITES = {}


def fixture_site(*extra):
    """tests/http_test_server.py serving fixtures/site (ETag and Last-Modified on every file)."""
    if extra not in _SITES:
        _SITES[extra] = cli.Site(*extra)
        atexit.register(_SITES[extra].close)
    return _SITES[extra]


def page_bytes(name):
    return (testlib.source_dir() / "fixtures" / "site" / "jingxuan" / name).read_bytes()


# The wire server's pages: path -> (fixture, how it is sent).
WIRE_PAGES = {
    "/jingxuan/8172215.shtml": ("8172215.shtml", "gzip"),
    "/jingxuan/8177822.shtml": ("8177822.shtml", "chunked"),
    "/jingxuan/8263960.shtml": ("8263960.shtml", "br"),
    "/jingxuan/8278375.shtml": ("8278375.shtml", "gzip+chunked"),
    "/jingxuan/8354064.shtml": ("8354064.shtml", "etag"),  # 304 to If-None-Match
}
OVERSIZED = "/jingxuan/9000001.shtml"  # 11 MiB: over the 10 MiB body cap
CUT_SHORT = "/jingxuan/9000002.shtml"  # Content-Length 50000, 1000 bytes, then closed
MISSING = "/jingxuan/9000003.shtml"    # 404
IMAGE = "/jingxuan/9000004.shtml"      # image/png
WIRE_LINKS = list(WIRE_PAGES) + [OVERSIZED, CUT_SHORT, MISSING, IMAGE]
ETAG = '"v1"'


class WireHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name == "Transfer-Encoding" for name, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except ConnectionError:  # the oversized page: medscrape hangs up at its cap
            self.close_connection = True

    def send_chunked(self, body, headers):
        self.send_response(200)
        for name, value in headers + [("Transfer-Encoding", "chunked")]:
            self.send_header(name, value)
        self.end_headers()
        for at in range(0, len(body), 3000):
            part = body[at:at + 3000]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        html = [("Content-Type", "text/html; charset=utf-8")]
        if self.path == "/robots.txt":
            return self.send(200, b"User-agent: *\nAllow: /\n", [("Content-Type", "text/plain")])
        if self.path == "/jingxuan/index.shtml":
            links = "".join(f'<li><a href="{p}">p</a></li>' for p in WIRE_LINKS)
            return self.send(200, f"<html><body><ul>{links}</ul></body></html>".encode(), html)
        if self.path in WIRE_PAGES:
            name, how = WIRE_PAGES[self.path]
            body = page_bytes(name)
            if how == "gzip":
                return self.send(200, gzip.compress(body), html + [("Content-Encoding", "gzip")])
            if how == "br":
                return self.send(200, brotli.compress(body), html + [("Content-Encoding", "br")])
            if how == "chunked":
                return self.send_chunked(body, html)
            if how == "gzip+chunked":
                return self.send_chunked(gzip.compress(body), html + [("Content-Encoding", "gzip")])
            if self.headers.get("If-None-Match") == ETAG:
                return self.send(304, b"", [("ETag", ETAG)])
            return self.send(200, body, html + [("ETag", ETAG)])
        if self.path == OVERSIZED:
            return self.send(200, b"<html><body>" + b"x" * (11 << 20) + b"</body></html>", html)
        if self.path == CUT_SHORT:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "50000")
            self.end_headers()
            self.wfile.write(b"<html>" + b"y" * 994)
            self.wfile.flush()
            self.close_connection = True
            return None
        if self.path == IMAGE:
            return self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(100), [("Content-Type", "image/png")])
        return self.send(404, b"<html>not here</html>", html)


class QuietServer(http.server.ThreadingHTTPServer):
    """A server that takes a client hanging up (medscrape at a cap, a kill) as normal."""
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


_WIRE = None


def wire_base():
    global _WIRE
    if _WIRE is None:
        server = QuietServer(("127.0.0.1", 0), WireHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _WIRE = f"http://127.0.0.1:{server.server_address[1]}"
    return _WIRE


# ---------------------------------------------------------------- jobs and readers

class Job:
    def __init__(self, folder, base, warc_name="site"):
        self.dir = Path(folder)
        self.base = base
        self.out = self.dir / "out.jsonl"
        self.state = self.dir / "state.db"
        self.warc = self.dir / warc_name

    def argv(self, binary, *extra):
        return [binary, "crawl", "--out", self.out, "--state", self.state, "--site", "mfk.com",
                "--delay", "0", "--retries", "0", "--allow-private", "--warc", self.warc,
                "--no-progress", *extra, self.base + SITE_SEED]

    def run(self, binary, *extra, timeout=120):
        return run([str(a) for a in self.argv(binary, *extra)], timeout=timeout, env=cli.clean_env())

    def url_states(self):
        db = sqlite3.connect(str(self.state))
        try:
            return {url: (state, reason) for url, state, reason in
                    db.execute("SELECT url, state, reason FROM urls")}
        finally:
            db.close()


def validate(*files):
    """warcio.js's view of the files: one dict per record; fails on any parse error."""
    proc = subprocess.run(["node", str(VALIDATOR), *map(str, files)], capture_output=True,
                          timeout=300)
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line]
    check(not errors and proc.returncode == 0,
          f"warcio.js could not read {errors or proc.stderr.decode()[-2000:]}")
    for record in lines:
        where = f"{record['file']} record {record['index']} ({record['type']} {record['uri']})"
        check(record["length_ok"], f"{where}: Content-Length is not the block's length")
        if record["type"] != "warcinfo":
            check(record.get("block_digest_ok") is True, f"{where}: WARC-Block-Digest wrong")
            check(record["date"] and record["id"], f"{where}: no WARC-Date or WARC-Record-ID")
        if record["type"] == "response":
            check(record.get("payload_digest_ok") is True, f"{where}: WARC-Payload-Digest wrong")
    return lines


def check_pairs(records):
    """Every response and revisit has its request, linked by WARC-Concurrent-To."""
    requests = {r["concurrent"]: r for r in records if r["type"] == "request"}
    for r in records:
        if r["type"] in ("response", "revisit"):
            check(r["id"] in requests, f"{r['uri']}: no request record points at {r['id']}")
            eq(requests[r["id"]]["uri"], r["uri"], "request and response target")
            eq(r["ip"], "127.0.0.1", f"{r['uri']}: WARC-IP-Address")


def read_records(path, drop=("change",)):
    records = {}
    for record in parse_records(Path(path).read_bytes()):
        for key in drop:
            record.pop(key, None)
        check(record["url"] not in records, f"{path}: {record['url']} twice")
        records[record["url"]] = record
    return records


def reextract(binary, tmp, *warcs):
    out = Path(tmp) / "reextracted.jsonl"
    r = run([str(binary), "extract", "--site", "mfk.com", "-o", str(out), *map(str, warcs)],
            timeout=120)
    check(r.rc == 0, f"extract of {warcs} exited {r.rc}")
    return read_records(out)


# ---------------------------------------------------------------- cases

@case("a crawl's WARC: warcinfo, request/response pairs, digests, one response per fetch, "
      "re-extraction equals the crawl's records, a CDXJ that points at each record")
def _(binary, tmp):
    site = fixture_site()
    job = Job(tmp, site.base)
    r = job.run(binary)
    check(r.rc == 0, f"crawl exited {r.rc}")
    warc = Path(str(job.warc) + ".warc.gz")
    records = validate(warc)
    eq(records[0]["type"], "warcinfo", "first record")
    check_pairs(records)
    responses = [x for x in records if x["type"] == "response"]
    by_uri = Counter(x["uri"] for x in responses)
    states = job.url_states()
    eq(sum(1 for s in states.values() if s[0] == "done"), SITE_DONE, "done URLs")
    for url, (state, _) in states.items():
        eq(by_uri[url], 1 if state == "done" else 0, f"responses for {url}")
    eq(sorted(set(by_uri) - set(states)), [site.base + "/robots.txt"], "responses beyond the job's")
    crawled = read_records(job.out)
    for url, record in crawled.items():
        response = next(x for x in responses if x["uri"] == url)
        eq(response["content_sha256"], record["content_sha256"], f"{url}: body as warcio decodes it")
        eq(response["kind"], "page", f"{url}: Medscrape-Kind")
    cli.same_records(reextract(binary, tmp, warc), crawled, "re-extracted WARC")
    # The index: one line per response, sorted, each offset/length one gzip member.
    cdxj = (Path(tmp) / "site.cdxj").read_text().splitlines()
    eq(len(cdxj), len(responses), "CDXJ lines")
    eq(cdxj, sorted(cdxj), "CDXJ order")
    data = warc.read_bytes()
    for line in cdxj:
        key, stamp, fields = line.split(" ", 2)
        fields = json.loads(fields)
        check(len(stamp) == 14 and stamp.isdigit(), f"CDXJ timestamp {stamp}")
        eq(fields["filename"], "site.warc.gz", "CDXJ filename")
        check(key.startswith("127.0.0.1:") and ")/" in key, f"CDXJ key {key}")
        start, length = int(fields["offset"]), int(fields["length"])
        member = zlib.decompressobj(31)
        text = member.decompress(data[start:start + length])
        check(member.eof and not member.unused_data, f"{fields['url']}: offset/length not one member")
        check(text.startswith(b"WARC/1.1\r\n") and
              f"WARC-Target-URI: {fields['url']}\r\n".encode() in text,
              f"{fields['url']}: the CDXJ line points elsewhere")
    return f"{len(records)} WARC records, {len(cdxj)} CDXJ lines"


@case("bodies as on the wire: gzip, br, chunked, gzip+chunked, oversized (Truncated: length), "
      "cut short, 404, an image; a recrawl writes revisits (304: server-not-modified, same bytes: "
      "identical-payload-digest)")
def _(binary, tmp):
    check(brotli is not None, "python3-brotli is missing (scripts/install-deps installs it)")
    base = wire_base()
    job = Job(tmp, base)
    r = job.run(binary, "--max-failed-ratio", "1")
    check(r.rc == 0, f"crawl exited {r.rc}")
    warc = Path(str(job.warc) + ".warc.gz")
    records = validate(warc)
    check_pairs(records)
    responses = {x["uri"]: x for x in records if x["type"] == "response"}
    crawled = read_records(job.out)
    eq(sorted(crawled), sorted(base + p for p in WIRE_PAGES), "records")
    raw = {}
    with gzip.open(warc) as stream:  # the blocks themselves: encodings kept as received
        for chunk in stream.read().split(b"WARC/1.1\r\n")[1:]:
            if b"WARC-Type: response" in chunk:
                uri = chunk.split(b"WARC-Target-URI: ", 1)[1].split(b"\r\n", 1)[0].decode()
                raw[uri] = chunk
    for url, record in crawled.items():
        decoded = responses[url]["content_sha256"]
        if url.endswith("/8263960.shtml"):  # warcio.js has no brotli decoder: Python's here
            body = raw[url].split(b"\r\n\r\n", 2)[2].rsplit(b"\r\n\r\n", 1)[0]
            decoded = testlib.sha256(brotli.decompress(body))
        eq(decoded, record["content_sha256"], f"{url}: decoded body")
    check(b"Content-Encoding: gzip" in raw[base + "/jingxuan/8172215.shtml"], "gzip head kept")
    check(b"Content-Encoding: br" in raw[base + "/jingxuan/8263960.shtml"], "br head kept")
    chunked = raw[base + "/jingxuan/8177822.shtml"]
    check(b"Transfer-Encoding: chunked" in chunked and b"\r\nbb8\r\n" in chunked,
          "chunked framing kept in the block")
    states = job.url_states()
    eq(states[base + OVERSIZED], ("failed", "too_large"), "oversized page state")
    eq(responses[base + OVERSIZED]["truncated"], "length", "oversized: WARC-Truncated")
    check(responses[base + CUT_SHORT]["truncated"] in ("disconnect", "length"),
          f"cut short: WARC-Truncated {responses[base + CUT_SHORT]['truncated']}")
    eq(states[base + CUT_SHORT][0], "failed", "cut-short page state")
    eq(responses[base + MISSING]["status"], 404, "404 archived")
    eq(responses[base + IMAGE]["status"], 200, "image archived")
    eq(states[base + IMAGE], ("skipped", "not_html"), "image state")
    cli.same_records(reextract(binary, tmp, warc), crawled, "re-extracted WARC")

    r = job.run(binary, "--max-failed-ratio", "1", "--recrawl-after", "0s", "--retry-failed")
    check(r.rc == 0, f"recrawl exited {r.rc}")
    records = validate(warc)
    check_pairs(records)
    revisits = {x["uri"]: x for x in records if x["type"] == "revisit"}
    etag_page = base + "/jingxuan/8354064.shtml"
    eq(revisits[etag_page]["profile"],
       "http://netpreserve.org/warc/1.1/revisit/server-not-modified", "304 revisit profile")
    eq(revisits[etag_page]["status"], 304, "304 revisit status")
    eq(revisits[etag_page]["refers_uri"], etag_page, "304 revisit refers to")
    eq(revisits[etag_page]["refers_date"], responses[etag_page]["date"], "304 revisit date")
    for path in ("/jingxuan/8177822.shtml", "/jingxuan/8263960.shtml"):
        url = base + path
        eq(revisits[url]["profile"],
           "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest", f"{url}: profile")
        eq(revisits[url]["payload_digest"], responses[url]["payload_digest"], f"{url}: digest")
    eq(len([x for x in records if x["type"] == "warcinfo"]), 2, "a warcinfo per run")
    # A gzip body compresses to other bytes each time: a new response, not a revisit.
    return f"{len(revisits)} revisits"


@case("kill -9 at random moments (8 times or more): every file parses, one response per done "
      "page, and re-extraction gives a clean run's records")
def _(binary, tmp):
    site = fixture_site("--latency", "0.1")  # a whole crawl takes about 2 s
    clean = Job(Path(tmp) / "clean", site.base)
    clean.dir.mkdir()
    r = clean.run(binary, "--concurrency", "2", "--per-host", "2")
    check(r.rc == 0, f"clean crawl exited {r.rc}")
    want = read_records(clean.out, drop=("change", "fetched_at"))
    job = Job(Path(tmp) / "killed", site.base)
    job.dir.mkdir()
    rng = random.Random(int(os.environ.get("MEDSCRAPE_TEST_SEED", "11")))
    kills = runs = 0
    while True:
        runs += 1
        proc = subprocess.Popen([str(a) for a in job.argv(binary, "--concurrency", "2",
                                                          "--per-host", "2")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=cli.clean_env())
        if kills < 8:
            time.sleep(rng.uniform(0.05, 0.3))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
        proc.wait(120)
        states = job.url_states() if job.state.exists() else {}
        finished = proc.returncode == 0 and \
            sum(1 for s in states.values() if s[0] == "done") == SITE_DONE
        if finished and kills >= 8:
            break
        check(runs < 40, f"the job did not finish in 40 runs (last exit {proc.returncode}, "
                         f"{Counter(s for s in states.values())})")
    files = [job.warc.with_name("site.warc.gz")]
    # A torn record at the end, as a kill between the write and its commit leaves one.
    with open(files[0], "ab") as torn:
        torn.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n")[:20])
    r = job.run(binary, "--concurrency", "2", "--per-host", "2")
    check(r.rc == 0 and b"site.warc.gz: cut back to its last committed record" in r.stderr,
          "the torn tail was not cut off with a warning")
    records = validate(*files)
    check_pairs(records)
    answers = Counter(x["uri"] for x in records if x["type"] in ("response", "revisit"))
    seed = site.base + SITE_SEED
    for url, (state, _) in job.url_states().items():
        if url == seed:  # fetched again by every run (discovery)
            check(answers[url] >= 1, "the seed has no response")
            continue
        eq(answers[url], 1 if state == "done" else 0, f"responses for {url} after {kills} kills")
    cdxj = files[0].with_name("site.cdxj").read_text().splitlines()
    eq(len(cdxj), sum(answers.values()), "CDXJ lines after the kills (one per response/revisit)")
    eq(cdxj, sorted(cdxj), "CDXJ order")
    got = read_records(job.out, drop=("change", "fetched_at"))
    cli.same_records(got, want, "the killed job's records")
    cli.same_records(reextract(binary, tmp, *files), read_records(job.out), "re-extracted WARC")
    return f"{kills} kills in {runs} runs"


@case("--warc-max-size: NAME-00000.warc.gz, NAME-00001.warc.gz, ..., each opening with "
      "warcinfo, each with its CDXJ, one response per done URL across them; --config warc: key")
def _(binary, tmp):
    site = fixture_site()
    job = Job(tmp, site.base, warc_name="part")
    config = Path(tmp) / "job.yaml"
    config.write_text(f"warc: {job.warc}\nwarc-max-size: 30k\n")
    argv = [a for a in job.argv(binary) if a not in ("--warc", job.warc)]
    r = run([str(a) for a in argv] + ["--config", str(config)], timeout=120, env=cli.clean_env())
    check(r.rc == 0, f"crawl exited {r.rc}")
    files = sorted(Path(tmp).glob("part-*.warc.gz"))
    check(len(files) >= 3, f"only {len(files)} files: {files}")
    eq([f.name for f in files], [f"part-{i:05d}.warc.gz" for i in range(len(files))], "names")
    records = validate(*files)
    answers = Counter()
    for f in files:
        mine = [x for x in records if x["file"] == str(f)]
        eq(mine[0]["type"], "warcinfo", f"{f.name}: first record")
        check(f.stat().st_size <= 30 * 1024 or len(mine) <= 3, f"{f.name} is over the limit")
        check(f.with_suffix("").with_suffix(".cdxj").exists(), f"{f.name}: no CDXJ")
        answers.update(x["uri"] for x in mine if x["type"] == "response")
    done = [u for u, s in job.url_states().items() if s[0] == "done"]
    for url in done:
        eq(answers[url], 1, f"responses for {url}")
    return f"{len(files)} files"


class DriftedHandler(http.server.BaseHTTPRequestHandler):
    """fixtures/site after a redesign: the articles' summary is <p class="intro">."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        root = testlib.source_dir() / "fixtures" / "site"
        path = (root / self.path.lstrip("/").split("?")[0])
        if self.path == "/jingxuan/":
            path = root / "jingxuan" / "index.shtml"
        if not path.resolve().is_relative_to(root) or not path.is_file():
            body, status, kind = b"<html>gone</html>", 404, "text/html"
        else:
            body, status = path.read_bytes().replace(b'<p class="summary">', b'<p class="intro">'), 200
            kind = "text/plain" if path.suffix == ".txt" else "text/html; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@case("the site changed: the records lose their summary; a fixed site file (--sites) re-extracts "
      "the night's WARC into the corrected records, nothing fetched")
def _(binary, tmp):
    server = QuietServer(("127.0.0.1", 0), DriftedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    job = Job(tmp, f"http://127.0.0.1:{server.server_address[1]}")
    r = job.run(binary)
    server.shutdown()
    server.server_close()
    check(r.rc in (0, 4), f"crawl exited {r.rc}")
    broken = read_records(job.out)
    articles = [u for u, rec in broken.items() if rec["page_type"] == "article"]
    check(len(articles) >= 10, f"only {len(articles)} articles")
    check(all(broken[u]["summary"] is None for u in articles), "a summary survived the redesign")
    # select finds the new markup in the archive, for one captured URL.
    warc = str(job.warc) + ".warc.gz"
    r = run([str(binary), "select", "#articleContent p.summary", warc, "--url", articles[0]])
    check(r.rc == 1 and b"0 matches" in r.stdout, "the old selector still matches")
    r = run([str(binary), "select", "#articleContent p.intro", warc, "--url", articles[0]])
    check(r.rc == 0 and r.stdout.startswith(b"1 match of"), "select did not find the new markup")
    r = run([str(binary), "select", "p", warc, "--url", "http://127.0.0.1:1/nothing"])
    check(r.rc == 1 and f"{warc}: no HTML page of http://127.0.0.1:1/nothing".encode() in r.stderr,
          "a URL the archive lacks is no clear error")
    # What the site's pages had before the redesign: the clean crawl of the same mirror.
    clean = Job(Path(tmp) / "clean", fixture_site().base)
    clean.dir.mkdir()
    check(clean.run(binary).rc == 0, "clean crawl failed")
    want = {u.split("/", 3)[3]: rec["summary"] for u, rec in read_records(clean.out).items()
            if rec["page_type"] == "article"}
    sites = Path(tmp) / "mysites"
    sites.mkdir()
    shipped = (testlib.source_dir() / "extractors" / "mfk.com.yaml").read_text(encoding="utf-8")
    # The README's fix: the new markup first, the old one kept as a fallback.
    fixed = shipped.replace("        - {css: '#articleContent p.summary', required: true}\n",
                            "        - {css: '#articleContent p.intro', required: true}\n"
                            "        - {css: '#articleContent p.summary'}\n")
    check(fixed != shipped, "the site file's summary rule moved: update this test")
    (sites / "mfk.com.yaml").write_text(fixed, encoding="utf-8")
    out = Path(tmp) / "fixed.jsonl"
    r = run([str(binary), "extract", "--site", "mfk.com", "--sites", str(sites), "-o", str(out),
             str(job.warc) + ".warc.gz"], timeout=120)
    check(r.rc == 0, f"extract exited {r.rc}")
    corrected = read_records(out)
    eq(sorted(corrected), sorted(broken), "re-extracted URLs")
    for url in articles:
        eq(corrected[url]["summary"], want[url.split("/", 3)[3]], f"{url}: summary")
        rest = {k: v for k, v in corrected[url].items() if k not in ("summary", "warnings")}
        eq(rest, {k: v for k, v in broken[url].items() if k not in ("summary", "warnings")},
           f"{url}: the other fields")
    return f"{len(articles)} summaries back"


if __name__ == "__main__":
    sys.exit(runner.main())

#!/usr/bin/python3
"""`medscrape extract` on WARC files recorded by GNU wget (docs/warc.md, "Reading").

Usage: /usr/bin/python3 tests/warc_cli_test.py <path-to-medscrape> [case-name-substring...]
Environment: MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).

A loopback HTTP server (standard library) stands in for the sites: wget reaches it as its HTTP
proxy, so the WARC holds the pages' real URLs (www.mfk.com, www.120ask.com) and extract routes
them to their site files. One page is sent gzip-encoded, one chunked; a 404 and a PNG are
recorded too and must be skipped. Each record must equal what `medscrape extract --url URL
fixture.html` gives for the same page, but for its provenance (fetched_at, http, charset).
Ends with the line "N passed, M failed"; exit 1 on any failure.
"""

import gzip
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import zlib
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import check, eq, parse_records, run  # noqa: E402

runner = testlib.Runner("medscrape extract on WARC files")
case = runner.case

MFK = "http://www.mfk.com/jingxuan/8137265.shtml"  # fixtures/mfk/mfk-article-seed, gzip
ASK = "http://www.120ask.com/question/105233871.htm"  # fixtures/120ask/120ask-reference, chunked
MISSING = "http://www.mfk.com/jingxuan/404.shtml"
IMAGE = "http://www.mfk.com/logo.png"
PAGES = {
    "/jingxuan/8137265.shtml": ("mfk-article", "gzip"),
    "/question/105233871.htm": ("120ask", "chunked"),
}
FETCHED_AT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")
PROVENANCE = ("fetched_at", "http", "charset")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = "/" + self.path.split("://", 1)[-1].split("/", 1)[-1]  # proxy form too
        if path in PAGES:
            name, how = PAGES[path]
            body = testlib.reference_bytes(name)
            self.send_response(200)
            if how == "gzip":
                body = gzip.compress(body)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_header("Content-Type", "text/html")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for at in range(0, len(body), 4000):
                    part = body[at:at + 4000]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
        elif path == "/logo.png":
            body = b"\x89PNG\r\n\x1a\n" + bytes(200)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            body = b"<html><body>not here</body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


SERVER = None


def proxy_port():
    global SERVER
    if SERVER is None:
        SERVER = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=SERVER.serve_forever, daemon=True).start()
    return SERVER.server_address[1]


def record_warc(tmp, name, compress=True):
    """wget fetches the pages through the server; returns the WARC's path."""
    wget = shutil.which("wget")
    check(wget is not None, "wget is not installed (scripts/install-deps)")
    proxy = f"http://127.0.0.1:{proxy_port()}/"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    argv = [wget, "--no-verbose", "--no-config", "-e", "use_proxy=on", "-e", f"http_proxy={proxy}",
            "--tries=1", f"--warc-file={tmp / name}", "-O", "/dev/null", MFK, ASK, MISSING, IMAGE]
    if not compress:
        argv.insert(1, "--no-warc-compression")
    subprocess.run(argv, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)  # wget exits 8 for the 404
    path = tmp / (name + (".warc.gz" if compress else ".warc"))
    check(path.is_file(), f"wget wrote no {path.name}")
    return path


def reference_record(binary, name, url):
    r = run([binary, "extract", "-q", "--url", url, testlib.reference_path(name)])
    testlib.expect_exit(r, 0)
    return parse_records(r.stdout)[0]


def without(record, keys):
    return {k: v for k, v in record.items() if k not in keys}


def check_pages(binary, records):
    eq([r["url"] for r in records], [MFK, ASK], "record URLs, in file order")
    for record, (name, _) in zip(records, PAGES.values()):
        url = record["url"]
        eq(record["http"], {"status": 200, "final_url": url,
                            "content_type": record["http"]["content_type"]}, f"{url}: http")
        check(FETCHED_AT_RE.match(record["fetched_at"] or ""),
              f"{url}: fetched_at {record['fetched_at']!r}")
        expected = reference_record(binary, name, url)
        eq(without(record, PROVENANCE), without(expected, PROVENANCE), f"{url}: record")
    eq(records[0]["site"], "mfk.com", "mfk site")
    eq(records[0]["page_type"], "article", "mfk page_type")
    eq(records[0]["title"], testlib.TITLE_ARTICLE, "mfk title")
    eq(records[0]["http"]["content_type"], "text/html; charset=utf-8", "mfk content_type")
    eq(records[0]["charset"]["source"], "header", "mfk charset source")
    eq(records[1]["site"], "120ask.com", "120ask site")
    eq(records[1]["page_type"], "question", "120ask page_type")
    eq(records[1]["title"], testlib.reference_expected("120ask")["title"], "120ask title")
    eq(records[1]["http"]["content_type"], "text/html", "120ask content_type")


def skipped_line(result):
    lines = [l for l in result.stderr_lines() if " WARC records skipped " in l]
    eq(len(lines), 1, "number of 'WARC records skipped' lines")
    return lines[0]


@case(".warc.gz from wget: one record per HTML 200 response, equal to extract of the file")
def _(binary, tmp):
    warc = record_warc(tmp, "pages")
    r = run([binary, "extract", "-j", "2", str(warc)])
    testlib.expect_exit(r, 0)
    check_pages(binary, parse_records(r.stdout))
    eq(testlib.summary(r)[:3], (1, 2, 0), "inputs, records, failed")
    line = skipped_line(r)
    for reason in ("request", "warcinfo", "http_404", "not_html"):
        check(f" {reason}" in line, f"skip reason {reason} missing: {line}")


@case("an uncompressed .warc, found in a folder, works the same")
def _(binary, tmp):
    folder = tmp / "in"
    folder.mkdir()
    record_warc(folder, "pages", compress=False)
    r = run([binary, "extract", "-q", str(folder)])
    testlib.expect_exit(r, 0)
    check_pages(binary, parse_records(r.stdout))


def members(data):
    """(offset, length) of each gzip member."""
    out, at = [], 0
    while at < len(data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        d.decompress(data[at:])
        length = len(data) - at - len(d.unused_data)
        out.append((at, length))
        at += length
    return out


@case("a corrupt gzip member costs its record only: one error naming FILE@OFFSET, exit 1")
def _(binary, tmp):
    warc = record_warc(tmp, "pages")
    data = bytearray(warc.read_bytes())
    responses = [(o, n) for o, n in members(bytes(data))
                 if b"WARC-Type: response" in zlib.decompress(bytes(data[o:o + n]), 16 + zlib.MAX_WBITS)]
    offset, length = responses[0]  # the mfk article's response
    for i in range(offset + length // 2, offset + length // 2 + 16):
        data[i] ^= 0xFF
    broken = tmp / "broken.warc.gz"
    broken.write_bytes(bytes(data))
    r = run([binary, "extract", str(broken)])
    testlib.expect_exit(r, 1)
    eq([rec["url"] for rec in parse_records(r.stdout)], [ASK], "the records left")
    reason = testlib.expect_error_line(r, f"{broken}@{offset}")
    check("gzip" in reason, f"error reason {reason!r}")
    eq(testlib.summary(r)[:3], (1, 1, 1), "inputs, records, failed")


def revisit(uri, date, fields):
    head = "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    block = b"HTTP/1.1 304 Not Modified\r\n\r\n"
    return gzip.compress((f"WARC/1.0\r\nWARC-Type: revisit\r\nWARC-Target-URI: <{uri}>\r\n"
                          f"WARC-Date: {date}\r\n{head}Content-Type: application/http; msgtype=response"
                          f"\r\nContent-Length: {len(block)}\r\n\r\n").encode() + block + b"\r\n\r\n")


@case("revisits: resolved to the response they point to, with their own URL and date")
def _(binary, tmp):
    warc = record_warc(tmp, "pages")
    text = gzip.decompress(warc.read_bytes())
    digest = re.search(rb"WARC-Target-URI: <" + re.escape(MFK.encode()) +
                       rb">\r\n(?:[^\r]*\r\n)*?WARC-Payload-Digest: (\S+)", text)
    check(digest is not None, "no payload digest for the mfk response")
    copy = "http://www.mfk.com/jingxuan/8137266.shtml"
    extra = (revisit(copy, "2026-12-06T01:02:03.456789Z", {
                 "WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
                 "WARC-Payload-Digest": digest.group(1).decode()}) +
             revisit(ASK, "2026-12-07T00:00:00Z", {
                 "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/server-not-modified"}) +
             revisit("http://www.mfk.com/jingxuan/1.shtml", "2026-12-07T00:00:00Z", {
                 "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
                 "WARC-Payload-Digest": "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}))
    later = tmp / "later.warc.gz"
    later.write_bytes(extra)
    r = run([binary, "extract", str(warc), str(later)])
    testlib.expect_exit(r, 0)
    records = parse_records(r.stdout)
    eq([rec["url"] for rec in records], [MFK, ASK, copy, ASK], "record URLs")
    eq(records[2]["fetched_at"], "2026-12-06T01:02:03.456Z", "revisit fetched_at")
    eq(records[2]["http"]["final_url"], copy, "revisit final_url")
    eq(records[2]["title"], records[0]["title"], "revisit title")
    eq(records[3]["fetched_at"], "2026-12-07T00:00:00Z", "not-modified fetched_at")
    eq(records[3]["content_sha256"], records[1]["content_sha256"], "not-modified content")
    check(" 1 revisit_unresolved" in skipped_line(r), skipped_line(r))


@case("--url with a WARC input is a usage error")
def _(binary, tmp):
    warc = record_warc(tmp, "pages")
    r = run([binary, "extract", "--url", MFK, str(warc)])
    testlib.expect_exit(r, 2)


if __name__ == "__main__":
    sys.exit(runner.main())

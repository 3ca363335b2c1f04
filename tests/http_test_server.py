#!/usr/bin/python3
"""A real HTTP/1.1 server for medscrape's crawl tests that misbehaves on demand.

Standard library only (asyncio raw sockets, zlib, zipfile; python3-brotli is used for `br` when it
is installed). Binds 127.0.0.1 only. Tests never reach the internet.

Usage
-----
    /usr/bin/python3 tests/http_test_server.py --root DIR [--port 0] [--host 127.0.0.1]
        [--log FILE] [--blackhole-port N] [--robots-mode MODE] [--robots-hold S]
        [--robots-big-kb K] [--max-hold S] [--idle-timeout S] [--write-timeout S]
        [--latency S] [--no-stdin-watch] [--verbose]

It binds (port 0 = an ephemeral port), prints exactly one line `PORT <n>` to stdout (then
`BLACKHOLE <n>` when --blackhole-port is given) and flushes, then serves until SIGTERM/SIGINT or
until its stdin reaches EOF: a harness that dies closes the pipe and the server goes with it. Start
it with `stdin=subprocess.PIPE` (and close that pipe, or send SIGTERM, to stop it). When stdin is
/dev/null (a shell's `&`) it would exit at once: pass --no-stdin-watch then. Nothing else is ever
written to stdout; diagnostics go to stderr.

Options
-------
--root DIR           files to serve (required).
--host ADDR          listen address; must be a loopback address (default 127.0.0.1), or any
                     address inside a private network namespace (MEDSCRAPE_TEST_NAMESPACE=1,
                     set by testlib.enter_namespace).
--port N             listen port (default 0 = ephemeral).
--log FILE           one JSON object per request, written (file truncated at start) and flushed as
                     soon as the request head and body are read, before any response, so stalled
                     requests are logged too. Keys: time (epoch s), mono (monotonic s), conn
                     (connection number), seq (request number on that connection, 1-based: shows
                     keep-alive reuse), peer ("ip:port"), method, target (raw request target),
                     path, query, version, host, user_agent, if_none_match, if_modified_since
                     (null when absent), headers (lower-cased names; repeated headers joined with
                     ", "), body_len.
--blackhole-port N   also open a listening socket on N (0 = ephemeral) with backlog 0 that is never
                     accept()ed; its accept queue is filled at startup, so further connects hang in
                     SYN-SENT (the kernel drops their SYNs): this is N1 "connect never completes".
                     Prints `BLACKHOLE <n>` after the PORT line. (Relies on the Linux default
                     net.ipv4.tcp_abort_on_overflow=0; with 1 the kernel would answer RST.)
--robots-mode MODE   how /robots.txt is answered (default normal):
                       normal         the file ROOT/robots.txt (404 when absent), or the runtime
                                      replacement set with POST /_control/robots
                       404 / 503      that status
                       timeout        read the request, send nothing, close after --robots-hold s
                       redirect-loop  301 to /robots.txt?hop=1, ?hop=2, ... forever (each URL new)
                       redirect-N     N hops (/robots.txt?hop=1..N), then the normal robots.txt:
                                      redirect-5 must still be followed, redirect-6 must not (RFC
                                      9309: more than 5 redirects -> unavailable)
                       big            the normal content, then '#' padding lines up to
                                      --robots-big-kb KiB (default 1024), then
                                      "User-agent: *\\nDisallow: /\\n" after the padding: a parser
                                      that stops at 500 KiB ignores that rule, one that reads
                                      everything disallows the whole host.
--robots-hold S      hold time for --robots-mode timeout (default 30).
--max-hold S         upper bound for every hold/stall/drip duration (default 120): no fault keeps a
                     connection longer than this (plus the write timeout).
--idle-timeout S     a keep-alive connection idle this long is closed (default 30).
--write-timeout S    a client that does not read for this long is dropped (default 30).
--latency S          a slow server: every request except /_control/ is answered S seconds after
                     it was read (and logged), whatever its path (default 0: at once). Other
                     connections are served meanwhile. Clamped to --max-hold.
--no-stdin-watch     do not exit on stdin EOF.

Normal paths
------------
GET/HEAD /path serves ROOT/path (percent-decoded; "..", NUL and escapes out of ROOT -> 404).
/dir/ -> /dir/index.html; /dir (a directory, no slash) -> 301 to /dir/. Content-Type by extension:
.html/.htm/.shtml -> "text/html; charset=utf-8", .txt -> "text/plain; charset=utf-8", .xml, .json,
.css, .js, .png, .jpg, .gif, .svg, .pdf, .zip, .gz; otherwise application/octet-stream. A sidecar
file "<file>.headers" holds raw header lines ("Content-Type: text/html; charset=gbk", one per line,
'#' comments) that replace same-named defaults (Content-Type, ETag, Last-Modified, ...) or add new
ones (e.g. "Content-Encoding: gzip" for a pre-compressed file); framing headers (Content-Length,
Transfer-Encoding, Connection) in a sidecar are ignored. *.headers files themselves are not served.
Every file response has ETag = quoted sha1 hex of the body and Last-Modified = file mtime; a
matching If-None-Match (list, W/ and * understood) -> 304; otherwise (no If-None-Match) an
If-Modified-Since not older than the mtime -> 304. Missing file -> 404. HTTP/1.1 keep-alive with
Content-Length; "Connection: close" and HTTP/1.0 are honoured. Methods other than GET/HEAD (POST
for /_control/) -> 405. Request heads over 64 KiB -> 431; malformed -> 400.

Fault paths (GET or HEAD; a bad parameter -> 400; durations clamped to --max-hold)
----------------------------------------------------------------------------------
N1  /_fault/accept-no-response?hold=30      read the request, send nothing, close after hold s (or
                                            when the client closes). The TCP connect succeeds:
                                            for a connect that never completes use the
                                            --blackhole-port listener.
N2  /_fault/stall-headers?hold=30           same wire behaviour: no byte of a response, then close.
    /_fault/stall-body?after=1000&hold=30&claim=100000
                                            headers with Content-Length: claim, `after` body bytes,
                                            stall hold s, close.
N3  /_fault/drip?rate=1&total=100000&part=body
                                            Content-Length: total, then `rate` bytes every second
                                            (first at once); part=headers drips the status line and
                                            headers too. Closed after --max-hold s if not finished.
N4  /_fault/reset-mid-body?after=2000&claim=20000&delay=0.1
                                            headers (Content-Length: claim) + `after` bytes, wait
                                            delay s, then close with RST (SO_LINGER 0).
N5  /_fault/short-body?send=100&claim=5000  Content-Length: claim, `send` bytes, then FIN.
    /_fault/bad-chunked?kind=badsize        Transfer-Encoding: chunked, one good chunk, then
                                            kind=badsize: the size line "zz-not-hex";
                                            kind=overflow: size "ffffffffffffffffffff";
                                            kind=truncated: size 1000, 10 bytes, close;
                                            kind=nofinal: good chunks, close without "0" chunk.
    /_fault/empty-reply                     close right after reading the request.
    /_fault/bad-reply?kind=garbage          a reply libcurl cannot take as HTTP/1.x, then close:
                                            garbage (a status line that is none), http09 (a
                                            body and no status line), huge-header (&kb=1024: one
                                            header line that long), two-lengths (conflicting
                                            Content-Length headers, the last one right),
                                            long-location (&kb=90: a 302 whose Location is that
                                            long, under libcurl's 100 KB header limit).
N7  /_fault/status?code=429&retry_after=2   that status with a small HTML body; retry_after:
                                            an integer (verbatim), "http-date" (an HTTP-date
                                            `retry_in`=2 s in the future, rounded up to the next
                                            whole second), "garbage" (the value "soon, maybe?"),
                                            anything else verbatim. code=503 the same. code=204 /
                                            304: no body and no Content-Length. 1xx -> 400.
    /_fault/flaky?fail=2&code=503&key=k&path=/x.html&retry_after=1
                                            the first `fail` requests for `key` (default: the path
                                            parameter) get `code`, later ones serve ROOT/x.html
                                            like a normal request (ETag/304 included), or a small
                                            page when no path. Header X-Flaky-Count: n (1-based).
                                            Counters live in memory; POST /_control/reset clears.
N8  /_fault/always?code=500&retry_after=    always that status (same as /_fault/status).
N9  /_fault/redirect-loop?code=302          redirects to itself (same path and query).
    /_fault/redirect-chain?n=50&code=302    n hops: n -> n-1 -> ... -> 0, which serves a page.
    /_fault/redirect?to=URL&code=301        Location: URL verbatim (another 127.0.0.1 port,
                                            http://169.254.169.254/, file:///etc/passwd, ...).
N13 /_fault/gzip-lie?kind=plain&enc=gzip    Content-Encoding: enc over kind=plain (an HTML body,
                                            not compressed), kind=corrupt (gzip stream with bytes
                                            flipped after the header: fails mid-stream / CRC),
                                            kind=truncated (first half of a valid stream).
                                            enc: gzip, deflate, raw-deflate or br, as for
                                            gzip-bomb (br: 501 without python3-brotli).
C10 /_fault/gzip-bomb?decoded=200000000&enc=gzip&fill=zeros
                                            an HTML page of exactly `decoded` bytes
                                            ("<!DOCTYPE html>...<p>" + zeros or fill=spaces +
                                            "</p></body></html>"), compressed with enc=gzip
                                            (~200 KB for 200 MB), deflate (zlib-wrapped, the HTTP
                                            meaning), raw-deflate (no wrapper: a common server bug)
                                            or br (python3-brotli; ~300 bytes; 501 if missing).
                                            Built once per parameter set in a worker thread by
                                            streaming compressobj output, then cached.
                                            decoded is capped at 4 GiB.
C9  /_fault/binary-as-html?kind=png         Content-Type: text/html; charset=utf-8 with a binary
                                            body: kind=png (a valid 64x64 PNG), zip (a valid ZIP),
                                            pdf, random (32 KiB of seeded random bytes).
C11 /_fault/big?mb=50&length=1&te=chunked   a valid HTML page of exactly mb MiB (fractions ok,
                                            max 4096), streamed: length=1 with Content-Length;
                                            length=0 chunked (te=chunked) or close-delimited
                                            (te=close: no length, connection closed at the end).
    /_fault/huge-attr?mb=20                 one <div data-x="aaaa..."> attribute of mb MiB, with
                                            Content-Length, then a tail <a href="/after-attr">.
C14 /_fault/empty-200                       200, text/html, Content-Length: 0.
    /_fault/status?code=204                 204 No Content.
H5  /_fault/many-links?n=100000&prefix=/p/  a page with n links href="<prefix><i>", i = 0..n-1
                                            (streamed with Content-Length; n <= 10,000,000).
H4  /_fault/calendar?y=2026&m=1             an endless calendar: links to the previous and next
                                            month (/_fault/calendar?y=..&m=..) forever.
    /_fault/session?sid=abc&links=3         `links` links /_fault/session?sid=<new>&page=<j> plus
                                            one /_fault/session;jsessionid=<new>?page=0 - every
                                            page yields ids never seen before (derived by sha1).
    /_fault/loop/a/a/a/                     repeating path segments, any depth: each page links
                                            one level deeper (relative "a/" and absolute), the
                                            segment being the last one in the path (default a).
H6  /_fault/base-trick?base=http://base-trick.invalid/evil/
                                            a page whose first <base href> is `base` (a second
                                            <base> later must be ignored) and links, by id, that a
                                            browser (WHATWG URL) resolves as, for the default base:
                                              rel        page.html -> http://base-trick.invalid/evil/page.html
                                              root       /root-relative.html -> http://base-trick.invalid/root-relative.html
                                              tabs       "/ta<TAB>b/pa<LF>th<CR>.html" -> http://base-trick.invalid/tab/path.html
                                              backslash  "\\\\evil.invalid\\path" -> http://evil.invalid/path
                                              scheme-bs  "http:\\\\127.0.0.1\\admin" -> http://127.0.0.1/admin
                                              spaces     "  /spaced.html  " -> http://base-trick.invalid/spaced.html
                                              protorel   //other.invalid/x -> http://other.invalid/x
                                              js-tab     "java<TAB>script:alert(1)" -> javascript: (drop)
                                              js-upper   " JavaScript:alert(1)" -> javascript: (drop)
                                              data, file, ftp, mailto -> dropped (H1)
                                              metadata   http://169.254.169.254/latest/meta-data/
                                              decimal    http://2130706433/  (= 127.0.0.1)
                                              hexdot     http://0x7f.1/      (= 127.0.0.1)
                                              ipv6       http://[::1]/
                                            Use ?base=http://127.0.0.1:<port>/ to aim at a server.

Control (any method allowed: GET or POST)
-----------------------------------------
POST /_control/robots[?mode=M&hold=S&restore=1]
        the request body replaces robots.txt (served in mode normal, and used by redirect-N/big);
        with an empty body and only mode/hold parameters the content is kept; restore=1 goes back
        to ROOT/robots.txt. mode/hold change --robots-mode/--robots-hold at runtime.
POST /_control/reset[?all=1]
        clears the flaky counters; all=1 also restores the startup robots mode, hold and content.
GET  /_control/state
        JSON: flaky counters, robots mode/hold, whether robots.txt is replaced, request count.

Not implemented
---------------
N12 (HTTP/2 stream reset): needs python3-h2, which is not installed here; the server speaks
HTTP/1.1 only (an HTTP/2 preface gets 400 and a close). N6 (DNS) and N11 (TLS) are outside an
HTTP server's reach.
"""

import argparse
import asyncio
import email.utils
import hashlib
import html
import http
import ipaddress
import json
import math
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zipfile
import io
import zlib

try:
    import brotli  # python3-brotli (optional)
except ImportError:  # pragma: no cover
    brotli = None

sys.dont_write_bytecode = True

MAX_HEAD = 64 * 1024
MAX_REQ_BODY = 16 * 1024 * 1024
BLOCK = 64 * 1024
SERVER_NAME = "medscrape-test-server"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml", ".json": "application/json", ".css": "text/css",
    ".js": "application/javascript", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".gif": "image/gif", ".svg": "image/svg+xml",
    ".pdf": "application/pdf", ".zip": "application/zip", ".gz": "application/gzip",
}
FRAMING = {"content-length", "transfer-encoding", "connection"}
HTML_CT = "text/html; charset=utf-8"


class BadParam(Exception):
    pass


class Closed(Exception):
    """The connection is finished (closed or aborted); stop serving it."""


def log_err(*a):
    print("http_test_server:", *a, file=sys.stderr, flush=True)


def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


def reason_of(code):
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


# ----------------------------------------------------------------------------- body generators

HTML_PREFIX = b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>filler</title></head><body>\n"
HTML_SUFFIX = b"\n</body></html>\n"


def _filler_block():
    para = b"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n"
    n = BLOCK // len(para)
    blk = para * n
    return blk + b" " * (BLOCK - len(blk))


FILLER_BLOCK = _filler_block()


def html_stream(total):
    """Yield exactly `total` bytes of an HTML page (well formed when it fits prefix + suffix)."""
    if total < len(HTML_PREFIX) + len(HTML_SUFFIX):
        yield (HTML_PREFIX + HTML_SUFFIX)[:total]
        return
    yield HTML_PREFIX
    left = total - len(HTML_PREFIX) - len(HTML_SUFFIX)
    while left >= BLOCK:
        yield FILLER_BLOCK
        left -= BLOCK
    if left:
        yield b" " * left
    yield HTML_SUFFIX


def html_bytes(total):
    return b"".join(html_stream(total))


def small_page(title, body=""):
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>"
            "<body><h1>%s</h1>%s</body></html>\n" % (html.escape(title), html.escape(title), body)).encode()


def make_png(w=64, h=64):
    rng = random.Random(1)
    raw = b"".join(b"\x00" + bytes(rng.getrandbits(8) for _ in range(w * 3)) for _ in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def make_zip():
    buf = io.BytesIO()
    rng = random.Random(2)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("readme.txt", "not a web page\n" * 50)
        z.writestr("data.bin", bytes(rng.getrandbits(8) for _ in range(8192)))
    return buf.getvalue()


def make_pdf():
    rng = random.Random(3)
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 4096 >>\nstream\n"
            + bytes(rng.getrandbits(8) for _ in range(4096)) + b"\nendstream\nendobj\n%%EOF\n")


def make_random():
    rng = random.Random(4)
    return bytes(rng.getrandbits(8) for _ in range(32 * 1024))


BINARY_KINDS = {"png": make_png, "zip": make_zip, "pdf": make_pdf, "random": make_random}

BOMB_PREFIX = b"<!DOCTYPE html>\n<html><head><title>bomb</title></head><body><p>"
BOMB_SUFFIX = b"</p></body></html>\n"


def build_bomb(enc, decoded, fill):
    """Compress an HTML page of exactly `decoded` bytes without holding it in memory."""
    if enc == "br":
        comp = brotli.Compressor(quality=5)
        feed, finish = comp.process, comp.finish
    else:
        wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[enc]
        comp = zlib.compressobj(9, zlib.DEFLATED, wbits)
        feed, finish = comp.compress, comp.flush
    out = []
    fill_len = decoded - len(BOMB_PREFIX) - len(BOMB_SUFFIX)
    if fill_len < 0:
        out.append(feed((BOMB_PREFIX + BOMB_SUFFIX)[:decoded]))
    else:
        out.append(feed(BOMB_PREFIX))
        block = (b"\0" if fill == "zeros" else b" ") * (1 << 20)
        left = fill_len
        while left > 0:
            n = min(left, len(block))
            out.append(feed(block if n == len(block) else block[:n]))
            left -= n
        out.append(feed(BOMB_SUFFIX))
    out.append(finish())
    return b"".join(out)


def digits_total(n):
    """Sum of len(str(i)) for i in range(n)."""
    total, lo, d = 0, 0, 1
    while lo < n:
        hi = min(n, 10 ** d)
        total += (hi - lo) * d
        lo, d = hi, d + 1
    return total


# ----------------------------------------------------------------------------- request / state

class Request:
    __slots__ = ("method", "target", "path", "query", "q", "version", "headers", "h", "body",
                 "keep_alive", "conn", "seq")

    def get(self, name, default=None):
        return self.h.get(name.lower(), default)


class State:
    def __init__(self, cfg):
        self.cfg = cfg
        self.flaky = {}
        self.robots_mode = cfg.robots_mode
        self.robots_hold = cfg.robots_hold
        self.robots_override = None
        self.bombs = {}
        self.bomb_locks = {}
        self.binaries = {}
        self.conn_count = 0
        self.req_count = 0
        self.log = open(cfg.log, "w", encoding="utf-8") if cfg.log else None
        self.tasks = set()
        self.conns = set()

    def write_log(self, rec):
        if self.log:
            self.log.write(json.dumps(rec) + "\n")
            self.log.flush()


def qval(req, name, default=None):
    v = req.q.get(name)
    return default if v is None or v == "" else v


def qint(req, name, default, lo=None, hi=None):
    v = qval(req, name)
    if v is None:
        return default
    try:
        x = int(v)
    except ValueError:
        raise BadParam("%s must be an integer, got %r" % (name, v))
    if lo is not None and x < lo:
        raise BadParam("%s must be >= %d" % (name, lo))
    if hi is not None and x > hi:
        raise BadParam("%s must be <= %d" % (name, hi))
    return x


def qfloat(req, name, default, lo=0.0, hi=None):
    v = qval(req, name)
    if v is None:
        return default
    try:
        x = float(v)
    except ValueError:
        raise BadParam("%s must be a number, got %r" % (name, v))
    if not math.isfinite(x) or x < lo or (hi is not None and x > hi):
        raise BadParam("%s out of range" % name)
    return x


def qchoice(req, name, default, choices):
    v = qval(req, name, default)
    if v not in choices:
        raise BadParam("%s must be one of %s" % (name, ", ".join(choices)))
    return v


# ----------------------------------------------------------------------------- connection

class Conn:
    def __init__(self, state, reader, writer):
        self.st = state
        self.cfg = state.cfg
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername") or ("?", 0)
        self.peer = "%s:%s" % (peer[0], peer[1])
        state.conn_count += 1
        self.id = state.conn_count
        self.seq = 0
        self.dead = False

    async def send(self, data):
        if self.dead:
            raise Closed()
        try:
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), self.cfg.write_timeout)
        except (ConnectionError, asyncio.TimeoutError, OSError):
            self.abort()
            raise Closed()

    def head_bytes(self, status, headers, reason=None):
        lines = ["HTTP/1.1 %d %s" % (status, reason or reason_of(status)),
                 "Date: " + http_date(time.time()), "Server: " + SERVER_NAME]
        lines += ["%s: %s" % kv for kv in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def respond(self, req, status, headers=(), body=b"", stream=None, length=None,
                      framing=None, close=False):
        """Send a complete response; return True when the connection may be reused."""
        hdrs = list(headers)
        no_body = status in (204, 304)
        if stream is None:
            length = len(body)
        if framing is None:
            framing = "length" if length is not None else "chunked"
        if framing == "chunked" and req.version == "HTTP/1.0":
            framing = "close"
        keep = req.keep_alive and not close and framing != "close"
        if not no_body:
            if framing == "length":
                hdrs.append(("Content-Length", str(length)))
            elif framing == "chunked":
                hdrs.append(("Transfer-Encoding", "chunked"))
        hdrs.append(("Connection", "keep-alive" if keep else "close"))
        await self.send(self.head_bytes(status, hdrs))
        if req.method == "HEAD" or no_body:
            return keep
        if stream is None:
            if body:
                await self.send(body)
            return keep
        for chunk in stream:
            if not chunk:
                continue
            if framing == "chunked":
                await self.send(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            else:
                await self.send(chunk)
        if framing == "chunked":
            await self.send(b"0\r\n\r\n")
        return keep

    async def error(self, req, status, msg, close=False, headers=()):
        body = small_page("%d %s" % (status, reason_of(status)), "<p>%s</p>" % html.escape(msg))
        return await self.respond(req, status, [("Content-Type", HTML_CT)] + list(headers), body,
                                  close=close)

    async def hold(self, secs):
        """Keep the connection open, sending nothing, for secs or until the client closes."""
        secs = min(max(0.0, secs), self.cfg.max_hold)
        deadline = time.monotonic() + secs
        while not self.dead:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                data = await asyncio.wait_for(self.reader.read(65536), left)
            except asyncio.TimeoutError:
                return
            except (ConnectionError, OSError):
                return
            if not data:
                return

    def abort(self):
        if not self.dead:
            self.dead = True
            self.writer.transport.abort()

    def rst(self):
        """Close with a TCP RST (SO_LINGER on, timeout 0)."""
        sock = self.writer.get_extra_info("socket")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.abort()

    async def close(self):
        if self.dead:
            return
        self.dead = True
        try:
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 2)
        except Exception:
            self.writer.transport.abort()


async def read_request(conn):
    """Read one request; return it, or None when the connection should just close."""
    cfg = conn.cfg
    try:
        head = await asyncio.wait_for(conn.reader.readuntil(b"\r\n\r\n"), cfg.idle_timeout)
    except asyncio.LimitOverrunError:
        await conn.send(conn.head_bytes(431, [("Content-Length", "0"), ("Connection", "close")]))
        return None
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, OSError):
        return None
    text = head.decode("latin-1")
    lines = text.split("\r\n")
    while lines and lines[0] == "":  # tolerate stray CRLFs between requests
        lines.pop(0)
    parts = lines[0].split(" ") if lines else []
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        await conn.send(conn.head_bytes(400, [("Content-Length", "0"), ("Connection", "close")]))
        return None
    req = Request()
    req.method, req.target, req.version = parts
    req.headers = []
    req.h = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            await conn.send(conn.head_bytes(400, [("Content-Length", "0"), ("Connection", "close")]))
            return None
        value = value.strip()
        req.headers.append((name, value))
        key = name.lower()
        req.h[key] = req.h[key] + ", " + value if key in req.h else value
    target = req.target
    if target.startswith(("http://", "https://")):
        sp = urllib.parse.urlsplit(target)
        target = (sp.path or "/") + ("?" + sp.query if sp.query else "")
    if not target.startswith("/"):
        await conn.send(conn.head_bytes(400, [("Content-Length", "0"), ("Connection", "close")]))
        return None
    path, _, query = target.partition("?")
    req.path, req.query = path, query
    req.q = {k: v[0] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
    connection = req.h.get("connection", "").lower()
    if req.version == "HTTP/1.0":
        req.keep_alive = "keep-alive" in connection
    else:
        req.keep_alive = "close" not in connection
    # body
    body = b""
    try:
        if "chunked" in req.h.get("transfer-encoding", "").lower():
            chunks, size = [], 0
            while True:
                line = await asyncio.wait_for(conn.reader.readline(), cfg.idle_timeout)
                n = int(line.split(b";")[0].strip() or b"x", 16)
                if n == 0:
                    while (await asyncio.wait_for(conn.reader.readline(), cfg.idle_timeout)) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                size += n
                if size > MAX_REQ_BODY:
                    raise ValueError("too large")
                chunks.append(await asyncio.wait_for(conn.reader.readexactly(n), cfg.idle_timeout))
                await asyncio.wait_for(conn.reader.readline(), cfg.idle_timeout)
            body = b"".join(chunks)
        elif "content-length" in req.h:
            n = int(req.h["content-length"])
            if n < 0 or n > MAX_REQ_BODY:
                raise ValueError("bad length")
            if n and req.h.get("expect", "").lower() == "100-continue":
                await conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = await asyncio.wait_for(conn.reader.readexactly(n), cfg.idle_timeout) if n else b""
    except (ValueError, asyncio.IncompleteReadError, asyncio.TimeoutError, asyncio.LimitOverrunError,
            ConnectionError, OSError):
        await conn.send(conn.head_bytes(400, [("Content-Length", "0"), ("Connection", "close")]))
        return None
    req.body = body
    conn.seq += 1
    req.conn, req.seq = conn.id, conn.seq
    conn.st.req_count += 1
    conn.st.write_log({
        "time": time.time(), "mono": time.monotonic(), "conn": conn.id, "seq": conn.seq,
        "peer": conn.peer, "method": req.method, "target": req.target, "path": req.path,
        "query": req.query, "version": req.version, "host": req.h.get("host"),
        "user_agent": req.h.get("user-agent"), "if_none_match": req.h.get("if-none-match"),
        "if_modified_since": req.h.get("if-modified-since"), "headers": req.h,
        "body_len": len(body)})
    return req


async def handle_conn(st, reader, writer):
    task = asyncio.current_task()
    st.tasks.add(task)
    conn = Conn(st, reader, writer)
    st.conns.add(conn)
    try:
        while not conn.dead:
            req = await read_request(conn)
            if req is None:
                break
            try:
                keep = await dispatch(conn, req)
            except BadParam as e:
                keep = await conn.error(req, 400, str(e))
            if not keep:
                break
    except Closed:
        pass
    except asyncio.CancelledError:
        conn.abort()
        raise
    except Exception as e:  # a bug here must not kill the server
        log_err("connection %d: %r" % (conn.id, e))
        conn.abort()
    finally:
        await conn.close()
        st.conns.discard(conn)
        st.tasks.discard(task)


# ----------------------------------------------------------------------------- dispatch

async def dispatch(conn, req):
    path = req.path
    if path.startswith("/_control/"):
        return await control(conn, req)
    if conn.cfg.latency > 0:
        await asyncio.sleep(min(conn.cfg.latency, conn.cfg.max_hold))
    if req.method not in ("GET", "HEAD"):
        return await conn.error(req, 405, "method not allowed", headers=[("Allow", "GET, HEAD")])
    if path == "/robots.txt":
        return await robots(conn, req)
    if path.startswith("/_fault/"):
        rest = path[len("/_fault/"):]
        name = rest.split("/", 1)[0].split(";", 1)[0]
        fn = FAULTS.get(name)
        if fn is None:
            return await conn.error(req, 404, "unknown fault %r" % name)
        return await fn(conn, req)
    return await serve_static(conn, req, path)


def resolve_file(root, raw_path):
    """Return (kind, value): ('file', fs_path) | ('redirect', url_path) | ('missing', None)."""
    try:
        path = urllib.parse.unquote(raw_path, errors="strict") if "%" in raw_path else raw_path
    except UnicodeDecodeError:
        return "missing", None
    if "\0" in path or "\\" in path:
        return "missing", None
    parts = [p for p in path.split("/") if p]
    if any(p in ("..", ".") for p in parts):
        return "missing", None
    fs = os.path.join(root, *parts) if parts else root
    real = os.path.realpath(fs)
    if real != root and not real.startswith(root + os.sep):
        return "missing", None
    if os.path.isdir(real):
        if not raw_path.endswith("/"):
            return "redirect", raw_path + "/"
        real = os.path.join(real, "index.html")
    if real.endswith(".headers") or not os.path.isfile(real):
        return "missing", None
    return "file", real


def read_sidecar(fs_path):
    out = []
    try:
        with open(fs_path + ".headers", "rb") as f:
            text = f.read().decode("latin-1")
    except OSError:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip() and name.strip().lower() not in FRAMING:
            out.append((name.strip(), value.strip()))
    return out


def etag_matches(inm, etag):
    for tag in inm.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


async def serve_file(conn, req, fs_path, extra=()):
    try:
        with open(fs_path, "rb") as f:
            data = f.read()
        mtime = int(os.stat(fs_path).st_mtime)
    except OSError:
        return await conn.error(req, 404, "not found")
    etag = '"%s"' % hashlib.sha1(data).hexdigest()
    ext = os.path.splitext(fs_path)[1].lower()
    hdrs = {"content-type": ("Content-Type", CONTENT_TYPES.get(ext, "application/octet-stream")),
            "etag": ("ETag", etag), "last-modified": ("Last-Modified", http_date(mtime))}
    for name, value in list(extra) + read_sidecar(fs_path):
        hdrs[name.lower()] = (name, value)
    headers = list(hdrs.values())
    inm = req.get("if-none-match")
    ims = req.get("if-modified-since")
    not_modified = False
    if inm is not None:
        not_modified = etag_matches(inm, hdrs["etag"][1])
    elif ims is not None:
        try:
            ims_ts = email.utils.parsedate_to_datetime(ims).timestamp()
            not_modified = mtime <= ims_ts
        except (TypeError, ValueError, IndexError, OverflowError):
            not_modified = False
    if not_modified:
        keep304 = [kv for kv in headers if kv[0].lower() in ("etag", "last-modified", "cache-control",
                                                              "expires", "vary")]
        return await conn.respond(req, 304, keep304)
    return await conn.respond(req, 200, headers, data)


async def serve_static(conn, req, path):
    kind, value = resolve_file(conn.st.cfg.root, path)
    if kind == "redirect":
        target = value + ("?" + req.query if req.query else "")
        return await conn.respond(req, 301, [("Location", target), ("Content-Type", HTML_CT)],
                                  small_page("Moved"))
    if kind == "missing":
        return await conn.error(req, 404, "not found")
    return await serve_file(conn, req, value)


# ----------------------------------------------------------------------------- robots / control

def robots_base(st):
    if st.robots_override is not None:
        return st.robots_override
    p = os.path.join(st.cfg.root, "robots.txt")
    try:
        with open(p, "rb") as f:
            return f.read()
    except OSError:
        return None


async def robots(conn, req):
    st = conn.st
    mode = st.robots_mode
    ct = [("Content-Type", "text/plain; charset=utf-8")]
    if mode == "404":
        return await conn.error(req, 404, "robots.txt: 404 mode")
    if mode == "503":
        return await conn.error(req, 503, "robots.txt: 503 mode")
    if mode == "timeout":
        await conn.hold(st.robots_hold)
        conn.abort()
        return False
    hop = qint(req, "hop", 0, lo=0)
    if mode == "redirect-loop" or (mode.startswith("redirect-") and hop < int(mode.split("-")[1])):
        return await conn.respond(req, 301, [("Location", "/robots.txt?hop=%d" % (hop + 1))] + ct,
                                  b"moved\n")
    base = robots_base(st)
    if mode == "big":
        head = (base or b"User-agent: *\nAllow: /\n").rstrip(b"\n") + b"\n"
        size = st.cfg.robots_big_kb * 1024
        line = b"# padding padding padding padding padding padding padding padding padding\n"
        pad = line * max(0, -(-(size - len(head)) // len(line)))
        body = head + pad + b"User-agent: *\nDisallow: /\n"
        return await conn.respond(req, 200, ct, body)
    if base is None:
        return await conn.error(req, 404, "no robots.txt")
    if st.robots_override is None:
        return await serve_file(conn, req, os.path.join(st.cfg.root, "robots.txt"),
                                extra=[("Content-Type", "text/plain; charset=utf-8")])
    return await conn.respond(req, 200, ct, base)


ROBOTS_MODES = ("normal", "404", "503", "timeout", "redirect-loop", "big")


def valid_robots_mode(m):
    if m in ROBOTS_MODES:
        return True
    if m.startswith("redirect-"):
        try:
            return int(m.split("-", 1)[1]) >= 0
        except ValueError:
            return False
    return False


async def control(conn, req):
    st = conn.st
    what = req.path[len("/_control/"):]
    ok = [("Content-Type", "application/json")]
    if what == "robots":
        mode = qval(req, "mode")
        if mode is not None:
            if not valid_robots_mode(mode):
                raise BadParam("bad robots mode %r" % mode)
            st.robots_mode = mode
        if qval(req, "hold") is not None:
            st.robots_hold = qfloat(req, "hold", st.robots_hold)
        if qval(req, "restore") == "1":
            st.robots_override = None
        elif req.body or not (set(req.q) & {"mode", "hold"}):
            st.robots_override = req.body
    elif what == "reset":
        st.flaky.clear()
        if qval(req, "all") == "1":
            st.robots_mode = st.cfg.robots_mode
            st.robots_hold = st.cfg.robots_hold
            st.robots_override = None
    elif what != "state":
        return await conn.error(req, 404, "unknown control %r" % what)
    state = {"flaky": st.flaky, "robots_mode": st.robots_mode, "robots_hold": st.robots_hold,
             "robots_replaced": st.robots_override is not None, "requests": st.req_count}
    return await conn.respond(req, 200, ok, json.dumps(state).encode() + b"\n")


# ----------------------------------------------------------------------------- faults

FAULTS = {}


def fault(name):
    def deco(fn):
        FAULTS[name] = fn
        return fn
    return deco


@fault("accept-no-response")
@fault("stall-headers")
async def f_stall_headers(conn, req):
    await conn.hold(qfloat(req, "hold", 30.0))
    conn.abort()
    return False


@fault("stall-body")
async def f_stall_body(conn, req):
    after = qint(req, "after", 1000, lo=0, hi=1 << 30)
    hold = qfloat(req, "hold", 30.0)
    claim = qint(req, "claim", max(100000, after * 10), lo=after + 1)
    await conn.send(conn.head_bytes(200, [("Content-Type", HTML_CT), ("Content-Length", str(claim))]))
    if req.method != "HEAD":
        for chunk in html_stream(claim):
            if after <= 0:
                break
            piece = chunk[:after]
            await conn.send(piece)
            after -= len(piece)
    await conn.hold(hold)
    conn.abort()
    return False


@fault("drip")
async def f_drip(conn, req):
    rate = qint(req, "rate", 1, lo=1, hi=1 << 30)
    total = qint(req, "total", 100000, lo=0, hi=1 << 34)
    part = qchoice(req, "part", "body", ("body", "headers"))
    head = conn.head_bytes(200, [("Content-Type", HTML_CT), ("Content-Length", str(total)),
                                 ("Connection", "close")])
    deadline = time.monotonic() + conn.cfg.max_hold

    def source():
        if part == "headers":
            yield head
        if req.method != "HEAD":
            yield from html_stream(total)
    if part == "body":
        await conn.send(head)
    start = time.monotonic()
    tick = 0
    buf = b""
    gen = source()
    while True:
        while len(buf) < rate:
            nxt = next(gen, None)
            if nxt is None:
                break
            buf += nxt
        if not buf:
            break
        wait = start + tick - time.monotonic()
        if wait > 0:
            if time.monotonic() + wait > deadline:
                break
            await asyncio.sleep(wait)
        await conn.send(buf[:rate])
        buf = buf[rate:]
        tick += 1
    await conn.close()
    return False


@fault("reset-mid-body")
async def f_reset(conn, req):
    after = qint(req, "after", 2000, lo=0, hi=1 << 30)
    claim = qint(req, "claim", max(20000, after * 10), lo=after + 1)
    delay = qfloat(req, "delay", 0.1, hi=10)
    await conn.send(conn.head_bytes(200, [("Content-Type", HTML_CT), ("Content-Length", str(claim))]))
    left = after
    for chunk in html_stream(claim):
        if left <= 0:
            break
        piece = chunk[:left]
        await conn.send(piece)
        left -= len(piece)
    await asyncio.sleep(delay)
    conn.rst()
    return False


@fault("short-body")
async def f_short(conn, req):
    send = qint(req, "send", 100, lo=0, hi=1 << 30)
    claim = qint(req, "claim", 5000, lo=send + 1)
    await conn.send(conn.head_bytes(200, [("Content-Type", HTML_CT), ("Content-Length", str(claim))]))
    if req.method != "HEAD" and send:
        await conn.send(html_bytes(claim)[:send] if claim <= 1 << 24 else b" " * send)
    await conn.close()
    return False


@fault("bad-chunked")
async def f_bad_chunked(conn, req):
    kind = qchoice(req, "kind", "badsize", ("badsize", "overflow", "truncated", "nofinal"))
    await conn.send(conn.head_bytes(200, [("Content-Type", HTML_CT), ("Transfer-Encoding", "chunked")]))
    good = small_page("bad chunked")
    await conn.send(b"%x\r\n" % len(good) + good + b"\r\n")
    if kind == "badsize":
        await conn.send(b"zz-not-hex\r\nhello\r\n0\r\n\r\n")
    elif kind == "overflow":
        await conn.send(b"ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n")
    elif kind == "truncated":
        await conn.send(b"3e8\r\n" + b"x" * 10)
    else:
        await conn.send(b"5\r\nhello\r\n")
    await asyncio.sleep(0.05)
    await conn.close()
    return False


@fault("empty-reply")
async def f_empty(conn, req):
    await conn.close()
    return False


@fault("bad-reply")
async def f_bad_reply(conn, req):
    kind = qchoice(req, "kind", "garbage", ("garbage", "http09", "huge-header", "two-lengths",
                                            "long-location"))
    page = small_page("bad reply")
    if kind == "garbage":        # a status line that is no status line
        await conn.send(b"WHAT IS THIS 200\r\nContent-Type: text/html\r\n\r\n" + page)
    elif kind == "http09":       # HTTP/0.9: the body with no status line or headers at all
        await conn.send(page)
    elif kind == "huge-header":  # one header line of `kb` KiB (default 1024)
        kb = qint(req, "kb", 1024, lo=1, hi=1 << 16)
        await conn.send(conn.head_bytes(200, [("Content-Type", HTML_CT), ("X-Huge", "h" * (kb << 10)),
                                              ("Content-Length", str(len(page)))]) + page)
    elif kind == "two-lengths":  # conflicting Content-Length headers (RFC 9112 6.3: an error);
        # the last one is right, so a client that takes it sees a complete body.
        await conn.send(conn.head_bytes(200, [("Content-Type", HTML_CT), ("Content-Length", str(len(page) + 10)),
                                              ("Content-Length", str(len(page)))]) + page)
    else:                        # a redirect whose Location is `kb` KiB long (default 90)
        kb = qint(req, "kb", 90, lo=1, hi=1 << 16)
        location = "/_fault/status?code=200&x=" + "a" * (kb << 10)
        await conn.send(conn.head_bytes(302, [("Location", location), ("Content-Type", HTML_CT),
                                              ("Content-Length", str(len(page)))]) + page)
    await asyncio.sleep(0.05)
    await conn.close()
    return False


def retry_after_value(req):
    ra = qval(req, "retry_after")
    if ra is None:
        return []
    if ra == "http-date":
        delay = qint(req, "retry_in", 2, lo=-10 ** 9, hi=10 ** 9)
        return [("Retry-After", http_date(math.ceil(time.time()) + delay))]
    if ra == "garbage":
        return [("Retry-After", "soon, maybe?")]
    if "\r" in ra or "\n" in ra:
        raise BadParam("retry_after must not contain CR/LF")
    return [("Retry-After", ra)]


def status_code(req, default):
    code = qint(req, "code", default, lo=200, hi=999)
    return code


@fault("status")
@fault("always")
async def f_status(conn, req):
    code = status_code(req, 500 if req.path.startswith("/_fault/always") else 200)
    hdrs = retry_after_value(req)
    if code in (204, 304):
        return await conn.respond(req, code, hdrs)
    body = small_page("%d %s" % (code, reason_of(code)))
    return await conn.respond(req, code, [("Content-Type", HTML_CT)] + hdrs, body)


@fault("flaky")
async def f_flaky(conn, req):
    fail = qint(req, "fail", 2, lo=0)
    code = status_code(req, 503)
    path = qval(req, "path")
    key = qval(req, "key", path or "default")
    n = conn.st.flaky.get(key, 0) + 1
    conn.st.flaky[key] = n
    count = [("X-Flaky-Count", str(n))]
    if n <= fail:
        body = small_page("%d %s (flaky %d/%d)" % (code, reason_of(code), n, fail))
        return await conn.respond(req, code, [("Content-Type", HTML_CT)] + count
                                  + retry_after_value(req), body)
    if path is None:
        return await conn.respond(req, 200, [("Content-Type", HTML_CT)] + count,
                                  small_page("flaky ok %s" % key))
    kind, value = resolve_file(conn.st.cfg.root, path.split("?", 1)[0])
    if kind != "file":
        return await conn.error(req, 404, "flaky: no file %r" % path)
    return await serve_file(conn, req, value, extra=count)


def redirect_code(req, default):
    code = qint(req, "code", default, lo=300, hi=399)
    return code


@fault("redirect-loop")
async def f_redirect_loop(conn, req):
    code = redirect_code(req, 302)
    return await conn.respond(req, code, [("Location", req.target if req.target.startswith("/")
                                           else req.path + ("?" + req.query if req.query else "")),
                                          ("Content-Type", HTML_CT)], small_page("loop"))


@fault("redirect-chain")
async def f_redirect_chain(conn, req):
    n = qint(req, "n", 50, lo=0)
    code = redirect_code(req, 302)
    if n == 0:
        return await conn.respond(req, 200, [("Content-Type", HTML_CT)], small_page("end of chain"))
    loc = "/_fault/redirect-chain?n=%d" % (n - 1) + ("&code=%d" % code if "code" in req.q else "")
    return await conn.respond(req, code, [("Location", loc), ("Content-Type", HTML_CT)],
                              small_page("hop %d" % n))


@fault("redirect")
async def f_redirect(conn, req):
    to = qval(req, "to")
    if to is None:
        raise BadParam("to is required")
    if "\r" in to or "\n" in to:
        raise BadParam("to must not contain CR/LF")
    code = redirect_code(req, 301)
    return await conn.respond(req, code, [("Location", to), ("Content-Type", HTML_CT)],
                              small_page("redirect"))


ENCODINGS = ("gzip", "deflate", "raw-deflate", "br")


def compress_small(data, enc):
    if enc == "br":
        return brotli.compress(data)
    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[enc]
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return c.compress(data) + c.flush()


def content_encoding(enc):
    return "deflate" if enc == "raw-deflate" else enc


@fault("gzip-lie")
async def f_gzip_lie(conn, req):
    kind = qchoice(req, "kind", "plain", ("plain", "corrupt", "truncated"))
    enc = qchoice(req, "enc", "gzip", ENCODINGS)
    if enc == "br" and brotli is None:
        return await conn.error(req, 501, "python3-brotli is not installed")
    page = small_page("gzip lie", "<p>%s</p>" % ("plain text under a gzip header " * 100))
    if kind == "plain":
        body = page
    else:
        comp = compress_small(page, enc)
        if kind == "truncated":
            body = comp[:len(comp) // 2]
        else:
            mid = 10 if enc == "gzip" else 2
            body = comp[:mid] + bytes(b ^ 0xA5 for b in comp[mid:mid + 40]) + comp[mid + 40:]
    return await conn.respond(req, 200, [("Content-Type", HTML_CT),
                                         ("Content-Encoding", content_encoding(enc))], body)


@fault("gzip-bomb")
async def f_gzip_bomb(conn, req):
    decoded = qint(req, "decoded", 200_000_000, lo=0, hi=1 << 32)
    enc = qchoice(req, "enc", "gzip", ENCODINGS)
    fill = qchoice(req, "fill", "zeros", ("zeros", "spaces"))
    if enc == "br" and brotli is None:
        return await conn.error(req, 501, "python3-brotli is not installed")
    st = conn.st
    key = (enc, decoded, fill)
    lock = st.bomb_locks.setdefault(key, asyncio.Lock())
    async with lock:
        if key not in st.bombs:
            loop = asyncio.get_running_loop()
            st.bombs[key] = await loop.run_in_executor(None, build_bomb, enc, decoded, fill)
    body = st.bombs[key]
    return await conn.respond(req, 200, [("Content-Type", HTML_CT),
                                         ("Content-Encoding", content_encoding(enc)),
                                         ("X-Decoded-Length", str(decoded))], body)


@fault("binary-as-html")
async def f_binary(conn, req):
    kind = qchoice(req, "kind", "png", tuple(BINARY_KINDS))
    body = conn.st.binaries.get(kind)
    if body is None:
        body = conn.st.binaries[kind] = BINARY_KINDS[kind]()
    return await conn.respond(req, 200, [("Content-Type", HTML_CT)], body)


@fault("big")
async def f_big(conn, req):
    mb = qfloat(req, "mb", 50.0, hi=4096)
    total = int(mb * 1024 * 1024)
    length = qchoice(req, "length", "1", ("0", "1"))
    te = qchoice(req, "te", "chunked", ("chunked", "close"))
    hdrs = [("Content-Type", HTML_CT)]
    if length == "1":
        return await conn.respond(req, 200, hdrs, stream=html_stream(total), length=total)
    return await conn.respond(req, 200, hdrs, stream=html_stream(total), length=None,
                              framing=te, close=(te == "close"))


@fault("huge-attr")
async def f_huge_attr(conn, req):
    mb = qfloat(req, "mb", 20.0, hi=4096)
    n = int(mb * 1024 * 1024)
    head = b"<!DOCTYPE html>\n<html><head><title>huge attribute</title></head><body><div data-x=\""
    tail = b"\">after the attribute</div><a href=\"/after-attr\">after</a></body></html>\n"

    def gen():
        yield head
        left = n
        block = b"a" * BLOCK
        while left > 0:
            k = min(left, BLOCK)
            yield block if k == BLOCK else block[:k]
            left -= k
        yield tail
    return await conn.respond(req, 200, [("Content-Type", HTML_CT)], stream=gen(),
                              length=len(head) + n + len(tail))


@fault("empty-200")
async def f_empty_200(conn, req):
    return await conn.respond(req, 200, [("Content-Type", HTML_CT)], b"")


@fault("many-links")
async def f_many_links(conn, req):
    n = qint(req, "n", 100000, lo=0, hi=10_000_000)
    prefix = html.escape(qval(req, "prefix", "/p/"), quote=True).encode("utf-8")
    head = b"<!DOCTYPE html>\n<html><head><title>many links</title></head><body><ul>\n"
    tail = b"</ul></body></html>\n"
    fixed = len(b'<li><a href="') + len(prefix) + len(b'">link ') + len(b"</a></li>\n")
    length = len(head) + len(tail) + fixed * n + 2 * digits_total(n)

    def gen():
        yield head
        for start in range(0, n, 2000):
            yield b"".join(b'<li><a href="%s%d">link %d</a></li>\n' % (prefix, i, i)
                           for i in range(start, min(n, start + 2000)))
        yield tail
    return await conn.respond(req, 200, [("Content-Type", HTML_CT)], stream=gen(), length=length)


@fault("calendar")
async def f_calendar(conn, req):
    y = qint(req, "y", 2026)
    m = qint(req, "m", 1)
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    days = "".join("<td>%d</td>" % d for d in range(1, 29))
    body = ('<p><a id="prev" href="/_fault/calendar?y=%d&amp;m=%d">&laquo; %04d-%02d</a> '
            '<a id="next" href="/_fault/calendar?y=%d&amp;m=%d">%04d-%02d &raquo;</a></p>'
            '<table><tr>%s</tr></table>' % (py, pm, py, pm, ny, nm, ny, nm, days))
    return await conn.respond(req, 200, [("Content-Type", HTML_CT)],
                              small_page("calendar %04d-%02d" % (y, m), body))


@fault("session")
async def f_session(conn, req):
    sid = qval(req, "sid", "start")
    seg = req.path.split(";", 1)
    if len(seg) == 2 and seg[1].startswith("jsessionid="):
        sid = seg[1][len("jsessionid="):]
    links = qint(req, "links", 3, lo=0, hi=1000)

    def new(j):
        return hashlib.sha1(("%s/%d" % (sid, j)).encode()).hexdigest()[:16]
    items = ['<li><a href="/_fault/session?sid=%s&amp;page=%d">page %d</a></li>' % (new(j), j, j)
             for j in range(links)]
    items.append('<li><a href="/_fault/session;jsessionid=%s?page=0">path session</a></li>' % new(-1))
    return await conn.respond(req, 200, [("Content-Type", HTML_CT),
                                         ("Set-Cookie", "sid=%s; Path=/" % new(-2))],
                              small_page("session " + sid, "<ul>%s</ul>" % "".join(items)))


@fault("loop")
async def f_loop(conn, req):
    path = req.path if req.path.endswith("/") else req.path + "/"
    segs = [s for s in path[len("/_fault/loop"):].split("/") if s]
    seg = urllib.parse.quote(urllib.parse.unquote(segs[-1])) if segs else "a"
    body = ('<p>depth %d</p><a id="rel" href="%s/">deeper (relative)</a> '
            '<a id="abs" href="%s%s/">deeper (absolute)</a>'
            % (len(segs), html.escape(seg), html.escape(path), html.escape(seg)))
    return await conn.respond(req, 200, [("Content-Type", HTML_CT)], small_page("loop", body))


@fault("base-trick")
async def f_base_trick(conn, req):
    base = qval(req, "base", "http://base-trick.invalid/evil/")
    links = [
        ("rel", "page.html"), ("root", "/root-relative.html"),
        ("tabs", "/ta\tb/pa\nth\r.html"), ("backslash", "\\\\evil.invalid\\path"),
        ("scheme-bs", "http:\\\\127.0.0.1\\admin"), ("spaces", "  /spaced.html  "),
        ("protorel", "//other.invalid/x"), ("js-tab", "java\tscript:alert(1)"),
        ("js-upper", " JavaScript:alert(1)"), ("data", "data:text/html,<b>hi</b>"),
        ("file", "file:///etc/passwd"), ("ftp", "ftp://ftp.invalid/x"),
        ("mailto", "mailto:someone@example.invalid"),
        ("metadata", "http://169.254.169.254/latest/meta-data/"),
        ("decimal", "http://2130706433/"), ("hexdot", "http://0x7f.1/"), ("ipv6", "http://[::1]/"),
    ]
    items = "\n".join('<li><a id="%s" href="%s">%s</a></li>' % (i, html.escape(h, quote=True), i)
                      for i, h in links)
    page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><base href="%s">'
            '<title>base trick</title></head><body>\n<base href="http://second-base.invalid/">\n'
            '<ul>\n%s\n</ul></body></html>\n' % (html.escape(base, quote=True), items))
    return await conn.respond(req, 200, [("Content-Type", HTML_CT)], page.encode("utf-8"))


# ----------------------------------------------------------------------------- startup

def open_blackhole(host, port):
    """Listening socket, backlog 0, never accepted; fill its accept queue so SYNs get dropped."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(0)
    bport = ls.getsockname()[1]
    fillers = []
    for _ in range(64):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, bport))
        _, w, _ = select.select([], [s], [], 0.3)
        if w and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            fillers.append(s)
            continue
        s.close()  # this one stayed in SYN-SENT: the queue is full
        break
    else:
        log_err("warning: blackhole backlog never filled; connects to it may succeed")
    return ls, fillers, bport


def parse_args(argv):
    ap = argparse.ArgumentParser(description="medscrape misbehaving HTTP test server")
    ap.add_argument("--root", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--blackhole-port", type=int)
    ap.add_argument("--robots-mode", default="normal")
    ap.add_argument("--robots-hold", type=float, default=30.0)
    ap.add_argument("--robots-big-kb", type=int, default=1024)
    ap.add_argument("--max-hold", type=float, default=120.0)
    ap.add_argument("--idle-timeout", type=float, default=30.0)
    ap.add_argument("--write-timeout", type=float, default=30.0)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--no-stdin-watch", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    cfg = ap.parse_args(argv)
    try:
        in_namespace = os.environ.get("MEDSCRAPE_TEST_NAMESPACE") == "1"
        if not ipaddress.ip_address(cfg.host).is_loopback and not in_namespace:
            ap.error("--host must be a loopback address")
    except ValueError:
        ap.error("--host must be an IP address")
    if not os.path.isdir(cfg.root):
        ap.error("--root %s is not a directory" % cfg.root)
    if not math.isfinite(cfg.latency) or cfg.latency < 0:
        ap.error("--latency must be a number >= 0")
    if not valid_robots_mode(cfg.robots_mode):
        ap.error("--robots-mode must be one of %s or redirect-N" % ", ".join(ROBOTS_MODES))
    cfg.root = os.path.realpath(cfg.root)
    return cfg


async def amain(cfg):
    st = State(cfg)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    async def on_conn(reader, writer):
        await handle_conn(st, reader, writer)

    server = await asyncio.start_server(on_conn, cfg.host, cfg.port, limit=MAX_HEAD,
                                        reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    blackhole = None
    if cfg.blackhole_port is not None:
        blackhole = open_blackhole(cfg.host, cfg.blackhole_port)
    sys.stdout.write("PORT %d\n" % port)
    if blackhole:
        sys.stdout.write("BLACKHOLE %d\n" % blackhole[2])
    sys.stdout.flush()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if not cfg.no_stdin_watch:
        def watch():
            try:
                while sys.stdin.buffer.read1(4096):
                    pass
            except (OSError, ValueError):
                pass
            loop.call_soon_threadsafe(stop.set)
        threading.Thread(target=watch, daemon=True).start()
    if cfg.verbose:
        log_err("serving %s on %s:%d" % (cfg.root, cfg.host, port))
    await stop.wait()
    server.close()
    for conn in list(st.conns):
        conn.abort()
    tasks = list(st.tasks)
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=2)
    if blackhole:
        blackhole[0].close()
        for s in blackhole[1]:
            s.close()
    if st.log:
        st.log.close()


def main(argv=None):
    cfg = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        asyncio.run(amain(cfg))
    except KeyboardInterrupt:
        pass
    # Skip interpreter teardown waiting on the stdin thread / executor threads.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

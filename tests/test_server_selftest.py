#!/usr/bin/python3
"""Self-test of tests/http_test_server.py: start it, exercise every endpoint, assert behaviour.

Usage: /usr/bin/python3 tests/test_server_selftest.py [name-substring...]
Standard library only; talks to 127.0.0.1 only. Prints one line per check and ends with
"N passed, M failed"; exits 1 on any failure. Runs in well under a minute.
"""

import email.utils
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import zipfile
import io
import zlib

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "http_test_server.py")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

try:
    import brotli
except ImportError:
    brotli = None

# ----------------------------------------------------------------------------- harness

RESULTS = {"pass": 0, "fail": 0, "skip": 0}
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(a, b, what):
    if a != b:
        raise Fail("%s: expected %r, got %r" % (what, b, a))


def between(x, lo, hi, what):
    if not (lo <= x <= hi):
        raise Fail("%s: %.3f not in [%.3f, %.3f]" % (what, x, lo, hi))


class Skip(Exception):
    pass


class Server:
    def __init__(self, root, *args):
        self.root = root
        self.logfile = tempfile.mktemp(prefix="hts-log-", suffix=".jsonl")
        cmd = [PY, SERVER, "--root", root, "--log", self.logfile] + list(args)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        m = re.fullmatch(r"PORT (\d+)\n", line)
        if not m:
            raise RuntimeError("bad first line %r; stderr: %s" % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))
        self.blackhole = None
        if "--blackhole-port" in args:
            line = self.proc.stdout.readline().decode()
            m = re.fullmatch(r"BLACKHOLE (\d+)\n", line)
            if not m:
                raise RuntimeError("bad BLACKHOLE line %r" % line)
            self.blackhole = int(m.group(1))

    def log(self):
        with open(self.logfile) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.unlink(self.logfile)
        except OSError:
            pass


def request_bytes(path, method="GET", headers=(), close=True, body=None, version="HTTP/1.1"):
    lines = ["%s %s %s" % (method, path, version), "Host: 127.0.0.1", "User-Agent: selftest/1"]
    lines += ["%s: %s" % kv for kv in headers]
    if close:
        lines.append("Connection: close")
    if body is not None:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def raw(port, data, timeout=5.0):
    """Send data, read until EOF/reset/timeout. Returns (bytes, seconds, end) end in eof|reset|timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t0 = time.monotonic()
    chunks, end = [], "eof"
    try:
        s.sendall(data)
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            chunks.append(b)
    except socket.timeout:
        end = "timeout"
    except ConnectionResetError:
        end = "reset"
    finally:
        s.close()
    return b"".join(chunks), time.monotonic() - t0, end


def split_response(buf):
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        raise Fail("no complete response head in %r" % buf[:200])
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def dechunk(body):
    out, i = [], 0
    while True:
        j = body.index(b"\r\n", i)
        n = int(body[i:j], 16)
        if n == 0:
            return b"".join(out)
        out.append(body[j + 2:j + 2 + n])
        i = j + 2 + n + 2


class Client:
    def __init__(self, port, timeout=10):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def req(self, path, method="GET", headers=None, body=None):
        h = {"User-Agent": "selftest/1"}
        h.update(headers or {})
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def close(self):
        self.c.close()


def get(port, path, **kw):
    c = Client(port)
    try:
        return c.req(path, **kw)
    finally:
        c.close()


# ----------------------------------------------------------------------------- fixtures

ROOT = tempfile.mkdtemp(prefix="hts-root-")
X_HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><a href='/y.html'>y</a></body></html>\n"
GBK_HTML = "<html><head><title>中文页面</title></head><body>正文</body></html>".encode("gbk")
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
MTIME = 1700000000


def make_root():
    with open(os.path.join(ROOT, "x.html"), "wb") as f:
        f.write(X_HTML)
    os.utime(os.path.join(ROOT, "x.html"), (MTIME, MTIME))
    with open(os.path.join(ROOT, "gbk.html"), "wb") as f:
        f.write(GBK_HTML)
    with open(os.path.join(ROOT, "gbk.html.headers"), "w") as f:
        f.write("# sidecar\nContent-Type: text/html; charset=gbk\nX-Extra: 1\nContent-Length: 1\n")
    with open(os.path.join(ROOT, "robots.txt"), "wb") as f:
        f.write(ROBOTS)
    os.mkdir(os.path.join(ROOT, "sub"))
    with open(os.path.join(ROOT, "sub", "index.html"), "wb") as f:
        f.write(b"<html>sub index</html>")
    with open(os.path.join(ROOT, "data.bin"), "wb") as f:
        f.write(b"\0\1\2")


S = None  # main server
S2 = None  # second server: empty root, --robots-mode 503, --max-hold 1.5
EMPTY_ROOT = tempfile.mkdtemp(prefix="hts-empty-")

# ----------------------------------------------------------------------------- tests: startup


@test
def startup_lines_and_blackhole():
    check(S.port > 0 and S.blackhole and S.blackhole != S.port, "ports %r %r" % (S.port, S.blackhole))
    s = socket.socket()
    s.settimeout(1.0)
    t0 = time.monotonic()
    try:
        s.connect(("127.0.0.1", S.blackhole))
        raise Fail("connect to the blackhole port succeeded")
    except socket.timeout:
        pass
    finally:
        s.close()
    between(time.monotonic() - t0, 0.9, 2.0, "blackhole connect wait")


# ----------------------------------------------------------------------------- tests: static

@test
def static_file_headers():
    st, h, body = get(S.port, "/x.html")
    eq(st, 200, "status")
    eq(body, X_HTML, "body")
    eq(h["content-type"], "text/html; charset=utf-8", "content-type")
    eq(h["etag"], '"%s"' % hashlib.sha1(X_HTML).hexdigest(), "etag")
    eq(h["last-modified"], email.utils.formatdate(MTIME, usegmt=True), "last-modified")
    eq(h["content-length"], str(len(X_HTML)), "content-length")
    eq(h["connection"], "keep-alive", "connection")


@test
def static_conditional():
    etag = '"%s"' % hashlib.sha1(X_HTML).hexdigest()
    lm = email.utils.formatdate(MTIME, usegmt=True)
    st, h, body = get(S.port, "/x.html", headers={"If-None-Match": etag})
    eq((st, body), (304, b""), "INM match")
    eq(h.get("etag"), etag, "304 etag")
    check("content-length" not in h, "304 has no Content-Length")
    st, _, _ = get(S.port, "/x.html", headers={"If-None-Match": '"nope", W/%s' % etag})
    eq(st, 304, "INM list with weak tag")
    st, _, _ = get(S.port, "/x.html", headers={"If-None-Match": '"nope"'})
    eq(st, 200, "INM mismatch")
    st, _, _ = get(S.port, "/x.html", headers={"If-Modified-Since": lm})
    eq(st, 304, "IMS equal")
    st, _, _ = get(S.port, "/x.html", headers={"If-Modified-Since": email.utils.formatdate(MTIME - 10, usegmt=True)})
    eq(st, 200, "IMS older")
    st, _, _ = get(S.port, "/x.html", headers={"If-Modified-Since": "garbage"})
    eq(st, 200, "IMS garbage")
    st, _, _ = get(S.port, "/x.html", headers={"If-None-Match": '"nope"', "If-Modified-Since": lm})
    eq(st, 200, "INM takes precedence over IMS")


@test
def static_head_then_get_same_connection():
    data = request_bytes("/x.html", "HEAD", close=False) + request_bytes("/x.html")
    buf, _, end = raw(S.port, data)
    eq(end, "eof", "end")
    st, h, rest = split_response(buf)
    eq(st, 200, "HEAD status")
    eq(h["content-length"], str(len(X_HTML)), "HEAD content-length")
    check(rest.startswith(b"HTTP/1.1 200 "), "HEAD sent a body: %r" % rest[:40])
    st, h, body = split_response(rest)
    eq(body, X_HTML, "GET body after HEAD")
    eq(h["connection"], "close", "Connection: close honoured")


@test
def static_missing_and_traversal():
    for p in ("/nope.html", "/../x.html", "/%2e%2e/%2e%2e/etc/passwd", "/sub/../../etc/passwd",
              "/gbk.html.headers", "/x.html%00", "/%ff"):
        st, _, _ = get(S.port, p)
        eq(st, 404, p)


@test
def static_dir_index_and_redirect():
    st, h, _ = get(S.port, "/sub")
    eq(st, 301, "dir without slash")
    eq(h["location"], "/sub/", "location")
    st, _, body = get(S.port, "/sub/")
    eq((st, body), (200, b"<html>sub index</html>"), "index")
    st, h, body = get(S.port, "/data.bin")
    eq(h["content-type"], "application/octet-stream", "unknown ext")


@test
def static_sidecar_headers():
    st, h, body = get(S.port, "/gbk.html")
    eq(st, 200, "status")
    eq(h["content-type"], "text/html; charset=gbk", "sidecar content-type")
    eq(h.get("x-extra"), "1", "sidecar extra header")
    eq(h["content-length"], str(len(GBK_HTML)), "framing header in sidecar ignored")
    eq(body, GBK_HTML, "body")


@test
def keep_alive_and_log():
    c = Client(S.port)
    etag = '"%s"' % hashlib.sha1(X_HTML).hexdigest()
    c.req("/x.html?first=1", headers={"User-Agent": "medscrape-test/9"})
    c.req("/x.html?second=1", headers={"If-None-Match": etag,
                                       "If-Modified-Since": "Tue, 14 Nov 2023 22:13:20 GMT"})
    c.close()
    recs = S.log()
    a = [r for r in recs if r["target"] == "/x.html?first=1"][-1]
    b = [r for r in recs if r["target"] == "/x.html?second=1"][-1]
    eq(a["conn"], b["conn"], "same connection")
    eq((a["seq"], b["seq"]), (1, 2), "seq on connection")
    eq(a["user_agent"], "medscrape-test/9", "user agent logged")
    eq(b["if_none_match"], etag, "INM logged")
    eq(b["if_modified_since"], "Tue, 14 Nov 2023 22:13:20 GMT", "IMS logged")
    eq(a["method"], "GET", "method")
    check(a["peer"].startswith("127.0.0.1:"), "peer")
    check(b["mono"] >= a["mono"] and abs(b["time"] - time.time()) < 60, "times")
    for k in ("headers", "path", "query", "host", "version"):
        check(k in a, "log key %s" % k)


@test
def protocol_errors():
    buf, _, _ = raw(S.port, b"GET /x.html HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
    eq(split_response(buf)[0], 431, "oversized head")
    buf, _, _ = raw(S.port, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    eq(split_response(buf)[0], 400, "HTTP/2 preface")
    buf, _, _ = raw(S.port, b"garbage\r\n\r\n")
    eq(split_response(buf)[0], 400, "garbage request line")
    st, h, _ = get(S.port, "/x.html", method="POST", body=b"a")
    eq(st, 405, "POST static")
    st, _, _ = get(S.port, "/_fault/no-such-fault")
    eq(st, 404, "unknown fault")
    st, _, _ = get(S.port, "/_fault/drip?rate=abc")
    eq(st, 400, "bad parameter")
    buf, _, _ = raw(S.port, request_bytes("/x.html", version="HTTP/1.0", close=False))
    st, h, body = split_response(buf)
    eq((st, h["connection"], body), (200, "close", X_HTML), "HTTP/1.0")


@test
def concurrent_requests_not_blocked_by_stall():
    s = socket.create_connection(("127.0.0.1", S.port))
    s.sendall(request_bytes("/_fault/stall-headers?hold=2"))
    time.sleep(0.1)
    t0 = time.monotonic()
    st, _, _ = get(S.port, "/x.html")
    eq(st, 200, "status")
    between(time.monotonic() - t0, 0, 0.5, "normal request during a stall")
    s.close()


# ----------------------------------------------------------------------------- tests: robots

@test
def robots_normal_and_control():
    st, h, body = get(S.port, "/robots.txt")
    eq((st, body), (200, ROBOTS), "robots from root")
    check(h["content-type"].startswith("text/plain"), "robots content type")
    new = b"User-agent: *\nDisallow: /\n"
    st, _, body = get(S.port, "/_control/robots", method="POST", body=new)
    eq(st, 200, "control status")
    check(json.loads(body)["robots_replaced"], "state says replaced")
    eq(get(S.port, "/robots.txt")[2], new, "replaced robots")
    eq(get(S.port, "/_control/robots?mode=503", method="POST", body=b"")[0], 200, "mode switch")
    eq(get(S.port, "/robots.txt")[0], 503, "503 mode")
    get(S.port, "/_control/robots?mode=404", method="POST", body=b"")
    eq(get(S.port, "/robots.txt")[0], 404, "404 mode")
    get(S.port, "/_control/robots?mode=normal", method="POST", body=b"")
    eq(get(S.port, "/robots.txt")[2], new, "content kept across mode-only control")
    get(S.port, "/_control/robots?restore=1", method="POST", body=b"")
    eq(get(S.port, "/robots.txt")[2], ROBOTS, "restored")
    eq(get(S.port, "/_control/robots?mode=bogus", method="POST", body=b"")[0], 400, "bad mode")


@test
def robots_timeout_mode():
    get(S.port, "/_control/robots?mode=timeout&hold=1", method="POST", body=b"")
    try:
        buf, dt, end = raw(S.port, request_bytes("/robots.txt"), timeout=5)
        eq((buf, end), (b"", "eof"), "no response")
        between(dt, 0.8, 2.5, "robots timeout hold")
    finally:
        get(S.port, "/_control/reset?all=1", method="POST", body=b"")
    eq(get(S.port, "/robots.txt")[2], ROBOTS, "reset all restores")


@test
def robots_redirect_modes():
    get(S.port, "/_control/robots?mode=redirect-loop", method="POST", body=b"")
    try:
        path = "/robots.txt"
        seen = set()
        for i in range(1, 8):
            st, h, _ = get(S.port, path)
            eq(st, 301, "redirect-loop hop %d" % i)
            path = h["location"]
            check(path not in seen, "each hop a new URL")
            seen.add(path)
        eq(path, "/robots.txt?hop=7", "hop counter")
        get(S.port, "/_control/robots?mode=redirect-3", method="POST", body=b"")
        path, hops = "/robots.txt", 0
        while True:
            st, h, body = get(S.port, path)
            if st != 301:
                break
            hops += 1
            path = h["location"]
        eq((hops, st, body), (3, 200, ROBOTS), "redirect-3")
    finally:
        get(S.port, "/_control/reset?all=1", method="POST", body=b"")


@test
def robots_big_mode():
    get(S.port, "/_control/robots?mode=big", method="POST", body=b"")
    try:
        st, _, body = get(S.port, "/robots.txt")
        eq(st, 200, "status")
        check(len(body) >= 1024 * 1024, "size %d" % len(body))
        check(body.startswith(ROBOTS), "starts with real robots")
        check(body.endswith(b"\nUser-agent: *\nDisallow: /\n"), "trailing disallow-all")
        check(body.index(b"Disallow: /\n") > 500 * 1024, "trap rule beyond 500 KiB")
    finally:
        get(S.port, "/_control/reset?all=1", method="POST", body=b"")


@test
def robots_startup_mode_and_missing():
    eq(get(S2.port, "/robots.txt")[0], 503, "--robots-mode 503")
    get(S2.port, "/_control/robots?mode=normal", method="POST", body=b"")
    eq(get(S2.port, "/robots.txt")[0], 404, "no robots.txt in root -> 404")


# ----------------------------------------------------------------------------- tests: network faults

@test
def n1_accept_no_response():
    buf, dt, end = raw(S.port, request_bytes("/_fault/accept-no-response?hold=1"))
    eq((buf, end), (b"", "eof"), "nothing sent, then closed")
    between(dt, 0.8, 2.5, "hold")


@test
def n2_stall_headers():
    buf, dt, end = raw(S.port, request_bytes("/_fault/stall-headers?hold=1"))
    eq((buf, end), (b"", "eof"), "nothing sent")
    between(dt, 0.8, 2.5, "hold")


@test
def n2_stall_body():
    buf, dt, end = raw(S.port, request_bytes("/_fault/stall-body?after=1000&hold=1&claim=50000"))
    st, h, body = split_response(buf)
    eq((st, h["content-length"], len(body)), (200, "50000", 1000), "headers + after bytes")
    between(dt, 0.8, 2.5, "stall")
    check(body.startswith(b"<!DOCTYPE html>"), "html body")


@test
def n3_drip():
    s = socket.create_connection(("127.0.0.1", S.port), timeout=5)
    s.sendall(request_bytes("/_fault/drip?rate=2&total=6"))
    t0 = time.monotonic()
    arrivals, buf = [], b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        buf += b
        arrivals.append((time.monotonic() - t0, len(buf)))
    s.close()
    st, h, body = split_response(buf)
    eq((st, h["content-length"], len(body)), (200, "6", 6), "drip response")
    between(arrivals[-1][0], 1.7, 3.5, "drip duration (3 ticks, 1 s apart)")
    check(len(arrivals) >= 3, "arrived in pieces: %r" % arrivals)


@test
def n3_drip_headers():
    s = socket.create_connection(("127.0.0.1", S.port), timeout=5)
    s.sendall(request_bytes("/_fault/drip?rate=60&total=10&part=headers"))
    first = s.recv(65536)
    eq(len(first) <= 60, True, "first piece <= rate (%d)" % len(first))
    check(b"\r\n\r\n" not in first, "headers dripped")
    s.close()


@test
def n3_drip_bounded_by_max_hold():
    buf, dt, end = raw(S2.port, request_bytes("/_fault/drip?rate=1&total=100000"))
    st, h, body = split_response(buf)
    eq(h["content-length"], "100000", "claimed length")
    check(1 <= len(body) <= 3, "few bytes before the cut: %d" % len(body))
    between(dt, 1.0, 3.0, "closed at --max-hold 1.5")
    buf, dt, end = raw(S2.port, request_bytes("/_fault/stall-headers?hold=1000"))
    between(dt, 1.2, 3.0, "hold clamped to --max-hold")


@test
def n4_reset_mid_body():
    buf, dt, end = raw(S.port, request_bytes("/_fault/reset-mid-body?after=2000"))
    eq(end, "reset", "connection reset")
    if buf:
        st, h, body = split_response(buf)
        eq(h["content-length"], "20000", "claimed length")
        check(len(body) <= 2000, "body %d" % len(body))
    between(dt, 0.05, 2.0, "reset timing")


@test
def n5_short_body():
    buf, _, end = raw(S.port, request_bytes("/_fault/short-body?send=100&claim=5000", close=False))
    st, h, body = split_response(buf)
    eq((end, h["content-length"], len(body)), ("eof", "5000", 100), "short body")
    c = Client(S.port)
    try:
        c.req("/_fault/short-body")
        raise Fail("http.client accepted a short body")
    except http.client.IncompleteRead:
        pass
    finally:
        c.close()


@test
def n5_bad_chunked():
    expect = {"badsize": b"zz-not-hex\r\n", "overflow": b"ffffffffffffffffffff\r\n",
              "truncated": b"3e8\r\nxxxxxxxxxx", "nofinal": b"5\r\nhello\r\n"}
    for kind, tail in expect.items():
        buf, _, end = raw(S.port, request_bytes("/_fault/bad-chunked?kind=%s" % kind, close=False))
        st, h, body = split_response(buf)
        eq(h.get("transfer-encoding"), "chunked", kind)
        good = body.index(b"</html>\n\r\n") + len(b"</html>\n\r\n")
        eq(body[good:good + len(tail)], tail, kind + " after one good chunk")
        check(body.startswith(b"%x\r\n<!DOCTYPE" % (good - body.index(b"\r\n") - 4)), kind + " good chunk size")
        eq(end, "eof", kind + " closed")
    c = Client(S.port)
    try:
        c.req("/_fault/bad-chunked")
        raise Fail("http.client accepted bad chunking")
    except (http.client.IncompleteRead, ValueError):
        pass
    finally:
        c.close()


@test
def n5_empty_reply():
    buf, dt, end = raw(S.port, request_bytes("/_fault/empty-reply", close=False))
    eq((buf, end), (b"", "eof"), "empty reply")
    check(dt < 1, "immediate")


@test
def n7_status_retry_after():
    st, h, body = get(S.port, "/_fault/status?code=429&retry_after=2")
    eq((st, h.get("retry-after")), (429, "2"), "429 seconds")
    check(b"429" in body, "body")
    st, h, _ = get(S.port, "/_fault/status?code=503&retry_after=http-date")
    eq(st, 503, "503 date")
    ahead = email.utils.parsedate_to_datetime(h["retry-after"]).timestamp() - time.time()
    between(ahead, 1.0, 3.2, "http-date ahead")
    st, h, _ = get(S.port, "/_fault/status?code=503&retry_after=garbage")
    eq(h.get("retry-after"), "soon, maybe?", "garbage")
    st, h, _ = get(S.port, "/_fault/status?code=503")
    check("retry-after" not in h, "no retry-after by default")
    st, _, _ = get(S.port, "/_fault/status?code=101")
    eq(st, 400, "1xx rejected")


@test
def c14_empty_and_204():
    data = request_bytes("/_fault/status?code=204", close=False) + request_bytes("/_fault/empty-200")
    buf, _, _ = raw(S.port, data)
    st, h, rest = split_response(buf)
    eq(st, 204, "204")
    check("content-length" not in h and "transfer-encoding" not in h, "204 framing: %r" % h)
    check(rest.startswith(b"HTTP/1.1 200"), "no body after 204")
    st, h, body = split_response(rest)
    eq((st, h["content-length"], body, h["content-type"]), (200, "0", b"", "text/html; charset=utf-8"),
       "empty-200")


@test
def n7_flaky():
    get(S.port, "/_control/reset", method="POST", body=b"")
    p = "/_fault/flaky?fail=2&code=503&key=k1&path=/x.html&retry_after=1"
    r = [get(S.port, p) for _ in range(4)]
    eq([x[0] for x in r], [503, 503, 200, 200], "statuses")
    eq([x[1]["x-flaky-count"] for x in r], ["1", "2", "3", "4"], "counts")
    eq(r[0][1].get("retry-after"), "1", "retry-after on failure")
    eq(r[2][2], X_HTML, "serves the file")
    eq(r[2][1]["etag"], '"%s"' % hashlib.sha1(X_HTML).hexdigest(), "etag")
    eq(get(S.port, p, headers={"If-None-Match": r[2][1]["etag"]})[0], 304, "conditional on flaky")
    eq(get(S.port, "/_fault/flaky?fail=1&key=k2")[0], 503, "other key independent")
    st, _, body = get(S.port, "/_control/state")
    state = json.loads(body)
    eq((state["flaky"]["k1"], state["flaky"]["k2"]), (5, 1), "state")
    get(S.port, "/_control/reset", method="POST", body=b"")
    eq(get(S.port, p)[0], 503, "after reset fails again")
    st, _, body = get(S.port, "/_fault/flaky?fail=0&key=k3")
    eq(st, 200, "no path -> page")


@test
def n8_always():
    eq([get(S.port, "/_fault/always?code=500")[0] for _ in range(3)], [500] * 3, "always 500")
    eq(get(S.port, "/_fault/always")[0], 500, "default 500")


@test
def n9_redirects():
    target = "/_fault/redirect-loop?x=1"
    st, h, _ = get(S.port, target)
    eq((st, h["location"]), (302, target), "loop to itself")
    path, hops = "/_fault/redirect-chain?n=3&code=307", 0
    while True:
        st, h, body = get(S.port, path)
        if st != 307:
            break
        hops += 1
        path = h["location"]
    eq((hops, st), (3, 200), "chain of 3")
    st, h, _ = get(S.port, "/_fault/redirect-chain")
    eq(h["location"], "/_fault/redirect-chain?n=49", "default n=50")
    for to in ("file:///etc/passwd", "http://169.254.169.254/latest/", "http://127.0.0.1:1/x"):
        st, h, _ = get(S.port, "/_fault/redirect?to=" + urllib.parse.quote(to, safe=""))
        eq((st, h["location"]), (301, to), "redirect to " + to)
    eq(get(S.port, "/_fault/redirect?to=/x.html&code=308")[0], 308, "code")
    eq(get(S.port, "/_fault/redirect")[0], 400, "missing to")
    eq(get(S.port, "/_fault/redirect?to=/a%0d%0aX:1")[0], 400, "CRLF injection refused")


# ----------------------------------------------------------------------------- tests: content faults

@test
def n13_gzip_lie():
    st, h, body = get(S.port, "/_fault/gzip-lie?kind=plain")
    eq(h["content-encoding"], "gzip", "header")
    check(body.startswith(b"<!DOCTYPE html>"), "plain body")
    st, h, body = get(S.port, "/_fault/gzip-lie?kind=corrupt")
    eq(body[:2], b"\x1f\x8b", "gzip magic kept")
    try:
        d = zlib.decompressobj(31)
        d.decompress(body)
        check(not d.eof, "corrupt stream decoded cleanly")
    except zlib.error:
        pass
    st, h, body = get(S.port, "/_fault/gzip-lie?kind=truncated")
    d = zlib.decompressobj(31)
    d.decompress(body)
    check(not d.eof, "truncated stream is incomplete")
    st, h, body = get(S.port, "/_fault/gzip-lie?kind=plain&enc=deflate")
    eq(h["content-encoding"], "deflate", "deflate lie")
    if brotli is None:
        eq(get(S.port, "/_fault/gzip-lie?enc=br")[0], 501, "br lie without brotli")
        return
    st, h, body = get(S.port, "/_fault/gzip-lie?kind=plain&enc=br")
    eq(h["content-encoding"], "br", "br lie")
    check(body.startswith(b"<!DOCTYPE html>"), "plain br body")
    for kind in ("plain", "corrupt"):
        st, h, body = get(S.port, "/_fault/gzip-lie?kind=%s&enc=br" % kind)
        try:
            brotli.Decompressor().process(body)
            raise Fail("%s br body decoded cleanly" % kind)
        except brotli.error:
            pass
    st, h, body = get(S.port, "/_fault/gzip-lie?kind=truncated&enc=br")
    d = brotli.Decompressor()
    d.process(body)
    check(not d.is_finished(), "truncated br stream is incomplete")


def stream_decode(body, wbits):
    d = zlib.decompressobj(wbits)
    total, first, last = 0, b"", b""
    data = body
    while True:
        out = d.decompress(data, 1 << 20)
        if out:
            if not first:
                first = out[:100]
            last = (last + out)[-100:]
            total += len(out)
        data = d.unconsumed_tail
        if not data and not out:
            break
    check(d.eof, "stream complete")
    return total, first, last


@test
def c10_gzip_bomb_default():
    t0 = time.monotonic()
    st, h, body = get(S.port, "/_fault/gzip-bomb")
    eq((st, h["content-encoding"]), (200, "gzip"), "status/encoding")
    between(len(body), 150_000, 260_000, "compressed size")
    total, first, last = stream_decode(body, 31)
    eq(total, 200_000_000, "decoded size")
    check(first.startswith(b"<!DOCTYPE html>") and last.endswith(b"</html>\n"), "html page")
    t1 = time.monotonic()
    get(S.port, "/_fault/gzip-bomb")
    check(time.monotonic() - t1 < (t1 - t0) / 2 + 0.3, "cached")


@test
def c10_bomb_encodings():
    for enc, wbits in (("gzip", 31), ("deflate", 15), ("raw-deflate", -15)):
        st, h, body = get(S.port, "/_fault/gzip-bomb?decoded=20000000&fill=spaces&enc=" + enc)
        eq(h["content-encoding"], "deflate" if enc == "raw-deflate" else enc, enc)
        total, first, last = stream_decode(body, wbits)
        eq(total, 20_000_000, enc + " decoded")
        check(len(body) < 100_000, "%s compressed %d" % (enc, len(body)))
    st, h, body = get(S.port, "/_fault/gzip-bomb?decoded=10&enc=gzip")
    eq(zlib.decompress(body, 31), b"<!DOCTYPE ", "tiny bomb exact")
    if brotli is None:
        eq(get(S.port, "/_fault/gzip-bomb?enc=br")[0], 501, "br without brotli")
    else:
        st, h, body = get(S.port, "/_fault/gzip-bomb?decoded=20000000&enc=br")
        eq(h["content-encoding"], "br", "br")
        eq(len(brotli.decompress(body)), 20_000_000, "br decoded")


@test
def c9_binary_as_html():
    magic = {"png": b"\x89PNG\r\n\x1a\n", "zip": b"PK\x03\x04", "pdf": b"%PDF-"}
    for kind in ("png", "zip", "pdf", "random"):
        st, h, body = get(S.port, "/_fault/binary-as-html?kind=" + kind)
        eq(h["content-type"], "text/html; charset=utf-8", kind)
        if kind in magic:
            check(body.startswith(magic[kind]), kind + " magic")
        check(len(body) > 1000, kind + " size")
    body = get(S.port, "/_fault/binary-as-html?kind=zip")[2]
    eq(zipfile.ZipFile(io.BytesIO(body)).testzip(), None, "valid zip")


@test
def c11_big():
    st, h, body = get(S.port, "/_fault/big?mb=2&length=1")
    eq((h["content-length"], len(body)), (str(2 << 20), 2 << 20), "with length")
    check(body.startswith(b"<!DOCTYPE html>") and body.endswith(b"</html>\n"), "html")
    st, h, body = get(S.port, "/_fault/big?mb=2&length=0")
    eq((h.get("transfer-encoding"), "content-length" in h, len(body)), ("chunked", False, 2 << 20), "chunked")
    buf, _, end = raw(S.port, request_bytes("/_fault/big?mb=2&length=0&te=close", close=False))
    st, h, body = split_response(buf)
    eq(("content-length" in h, "transfer-encoding" in h, h["connection"], len(body), end),
       (False, False, "close", 2 << 20, "eof"), "close-delimited")
    buf, dt, _ = raw(S.port, request_bytes("/_fault/big"), timeout=30)
    st, h, body = split_response(buf)
    eq((h["content-length"], len(body)), (str(50 << 20), 50 << 20), "default 50 MB")
    buf, _, _ = raw(S.port, request_bytes("/_fault/big?mb=50", method="HEAD"))
    st, h, body = split_response(buf)
    eq((h["content-length"], body), (str(50 << 20), b""), "HEAD big")


@test
def c11_huge_attr():
    st, h, body = get(S.port, "/_fault/huge-attr?mb=1")
    eq(int(h["content-length"]), len(body), "length")
    i = body.index(b'data-x="')
    eq(body[i + 8:i + 8 + (1 << 20) + 1], b"a" * (1 << 20) + b'"', "attribute of 1 MiB")
    check(body.endswith(b"</html>\n"), "tail")


# ----------------------------------------------------------------------------- tests: hostile input

@test
def h5_many_links():
    for n in (0, 1, 10, 11, 1000, 100000):
        st, h, body = get(S.port, "/_fault/many-links?n=%d&prefix=/p/" % n)
        eq(int(h["content-length"]), len(body), "n=%d length" % n)
        hrefs = re.findall(rb'href="/p/(\d+)"', body)
        eq(len(hrefs), n, "n=%d links" % n)
    body = get(S.port, "/_fault/many-links?n=2&prefix=" + urllib.parse.quote('/q"x/'))[2]
    check(b'href="/q&quot;x/1"' in body, "prefix escaped")
    st, h, body = get(S.port, "/_fault/many-links")
    eq(len(re.findall(rb"<a href=", body)), 100000, "default n")


@test
def h4_calendar():
    body = get(S.port, "/_fault/calendar?y=2026&m=12")[2]
    check(b'href="/_fault/calendar?y=2027&amp;m=1"' in body, "next wraps year")
    check(b'href="/_fault/calendar?y=2026&amp;m=11"' in body, "prev")
    body = get(S.port, "/_fault/calendar?y=2026&m=1")[2]
    check(b'href="/_fault/calendar?y=2025&amp;m=12"' in body, "prev wraps year")
    eq(get(S.port, "/_fault/calendar?y=99999&m=7")[0], 200, "far future")


@test
def h4_session():
    body = get(S.port, "/_fault/session?sid=abc")[2]
    sids = re.findall(rb"sid=([0-9a-f]{16})&amp;page=", body)
    eq(len(set(sids)), 3, "three new sids")
    check(b"abc" not in b"".join(sids), "ids are new")
    m = re.search(rb'href="(/_fault/session;jsessionid=[0-9a-f]{16}\?page=0)"', body)
    check(m, "jsessionid link")
    st, _, body2 = get(S.port, m.group(1).decode())
    eq(st, 200, "jsessionid path served")
    sids2 = re.findall(rb"sid=([0-9a-f]{16})&amp;page=", body2)
    check(not set(sids2) & set(sids), "next page gives new ids again")


@test
def h4_loop():
    body = get(S.port, "/_fault/loop/a/a/")[2]
    check(b'href="a/"' in body and b'href="/_fault/loop/a/a/a/"' in body, "deeper links")
    deep = "/_fault/loop/" + "b/" * 300
    st, _, body = get(S.port, deep)
    eq(st, 200, "deep")
    check(('href="%sb/"' % deep).encode() in body, "segment b continues")
    body = get(S.port, "/_fault/loop")[2]
    check(b'href="/_fault/loop/a/"' in body, "root of loop")


@test
def h6_base_trick():
    body = get(S.port, "/_fault/base-trick")[2]
    text = body.decode()
    first = re.search(r'<base href="([^"]*)">', text).group(1)
    eq(first, "http://base-trick.invalid/evil/", "first base")
    check('<base href="http://second-base.invalid/">' in text, "second base present")
    check('href="/ta\tb/pa\nth\r.html"' in text, "tab/newline href")
    check('href="\\\\evil.invalid\\path"' in text, "backslash href")
    check('href="java\tscript:alert(1)"' in text, "javascript with tab")
    check('href="http://0x7f.1/"' in text and 'href="file:///etc/passwd"' in text, "hostile hrefs")
    body = get(S.port, "/_fault/base-trick?base=" + urllib.parse.quote("http://127.0.0.1:9/", safe=""))[2]
    check(b'<base href="http://127.0.0.1:9/">' in body, "base override")


@test
def n12_http2():
    import importlib.util
    if importlib.util.find_spec("h2") is None:
        raise Skip("python3-h2 not installed: HTTP/2 faults not implemented")
    raise Skip("HTTP/2 not implemented in the server")


# ----------------------------------------------------------------------------- tests: lifetime

@test
def exits_on_stdin_eof_and_sigterm():
    s3 = Server(EMPTY_ROOT)
    hold = socket.create_connection(("127.0.0.1", s3.port))
    hold.sendall(request_bytes("/_fault/stall-headers?hold=30"))
    time.sleep(0.2)
    t0 = time.monotonic()
    s3.proc.stdin.close()
    try:
        rc = s3.proc.wait(3)
    except subprocess.TimeoutExpired:
        s3.stop()
        raise Fail("did not exit on stdin EOF")
    between(time.monotonic() - t0, 0, 3, "exit time")
    eq(rc, 0, "exit code")
    eq(s3.proc.stdout.read(), b"", "nothing more on stdout")
    hold.close()
    s3.stop()
    s4 = Server(EMPTY_ROOT)
    hold = socket.create_connection(("127.0.0.1", s4.port))
    hold.sendall(request_bytes("/_fault/stall-headers?hold=30"))
    time.sleep(0.2)
    s4.proc.send_signal(signal.SIGTERM)
    try:
        eq(s4.proc.wait(3), 0, "SIGTERM exit code")
    except subprocess.TimeoutExpired:
        raise Fail("did not exit on SIGTERM")
    finally:
        hold.close()
        s4.stop()


@test
def rejects_non_loopback_host():
    p = subprocess.run([PY, SERVER, "--root", EMPTY_ROOT, "--host", "0.0.0.0"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    check(p.returncode != 0 and b"loopback" in p.stderr, "0.0.0.0 refused")


# ----------------------------------------------------------------------------- main

def main():
    global S, S2
    only = sys.argv[1:]
    make_root()
    t_start = time.monotonic()
    S = Server(ROOT, "--blackhole-port", "0")
    S2 = Server(EMPTY_ROOT, "--robots-mode", "503", "--max-hold", "1.5")
    try:
        for fn in TESTS:
            if only and not any(o in fn.__name__ for o in only):
                continue
            t0 = time.monotonic()
            try:
                fn()
                RESULTS["pass"] += 1
                print("PASS %-40s %.2fs" % (fn.__name__, time.monotonic() - t0), flush=True)
            except Skip as e:
                RESULTS["skip"] += 1
                print("SKIP %-40s %s" % (fn.__name__, e), flush=True)
            except Fail as e:
                RESULTS["fail"] += 1
                print("FAIL %-40s %s" % (fn.__name__, e), flush=True)
            except Exception:
                RESULTS["fail"] += 1
                print("FAIL %-40s %s" % (fn.__name__, traceback.format_exc().strip().replace("\n", "\n     ")),
                      flush=True)
            if S.proc.poll() is not None:
                print("server died: %s" % S.proc.stderr.read().decode(errors="replace"))
                RESULTS["fail"] += 1
                break
    finally:
        S.stop()
        S2.stop()
        err = S.proc.stderr.read().decode(errors="replace").strip()
        if err:
            print("server stderr:\n" + err)
        shutil.rmtree(ROOT, ignore_errors=True)
        shutil.rmtree(EMPTY_ROOT, ignore_errors=True)
    print("%d skipped, %.1fs" % (RESULTS["skip"], time.monotonic() - t_start))
    print("%d passed, %d failed" % (RESULTS["pass"], RESULTS["fail"]))
    return 1 if RESULTS["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())

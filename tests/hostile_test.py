#!/usr/bin/python3
"""Hostile inputs for `medscrape extract` (content faults C1-C14 of docs/reliability.md).

Usage: /usr/bin/python3 tests/hostile_test.py <path-to-medscrape> [case-name-substring...]
Environment:
  MEDSCRAPE_SOURCE_DIR  repo root (default: this file's parent's parent)
  MEDSCRAPE_SANITIZED=1 the binary is an ASan build: no RLIMIT_AS, CPU limit 20 s,
                        wall timeout 60 s, and the CPU/RSS budget checks are skipped.

Every case writes one input into a temporary folder (big ones are generated
there, never committed), runs `medscrape extract -j 1 FILE` with RLIMIT_CPU
(2 s), RLIMIT_AS (256 MB) and a 20 s wall timeout, and checks:
  - the process exited 0 or 1 (no signal such as SIGXCPU/SIGSEGV/SIGABRT, never 2 or 3),
  - every stderr line starts with "medscrape: " (no sanitizer reports, no debug noise),
  - stdout is empty or exactly one newline-terminated line of strict UTF-8 JSON whose
    strings are all valid Unicode, with content_sha256 = SHA-256 of the input bytes,
  - exit 0 <=> one record; exit 1 <=> no record and one
    "medscrape: error: FILE: reason" line, and the summary counts agree,
  - user+sys CPU <= 2 s and peak RSS <= 256 MB (measured with wait4, printed per case),
plus per-case expectations: record vs error (with the reason), the title and view
count that precede the fault, and warnings when the input was cut, truncated or capped.
Not covered here (fetch-side): C10 decompression bombs, the HTTP-header half of C2, C14's 204.
"""

import gzip
import io
import os
import random
import re
import signal
import sys
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import (TITLE_ARTICLE, TITLE_XYWY, check, cut_after, eq, error_lines,  # noqa: E402
                     expect_error_line, insert_after, parse_records, reference_bytes,
                     reference_expected, run, sha256, summary)

SANITIZED = os.environ.get("MEDSCRAPE_SANITIZED") == "1"
CPU_LIMIT_S = 20 if SANITIZED else 2
AS_LIMIT = None if SANITIZED else 256 * 1024 * 1024
WALL_TIMEOUT_S = 60 if SANITIZED else 20
RSS_LIMIT_KB = 256 * 1024

MB = 1000 * 1000
MIB = 1024 * 1024
CUT_BYTES = 10 * MIB  # the contract's per-page input cap

ARTICLE_URL = "https://www.mfk.com/jingxuan/8137265.shtml"
AFTER_VIEWS = "9039次浏览</span></div>".encode("utf-8")   # end of the title/date/views block
SUMMARY_OPEN = b'<p class="summary">'                      # first tag after the views
TRUNCATION_RE = re.compile(r"truncat|\bcut\b", re.IGNORECASE)

runner = testlib.Runner(
    f"medscrape hostile-input tests (cpu limit {CPU_LIMIT_S}s, "
    f"address space {'unlimited (sanitized)' if AS_LIMIT is None else '256 MB'}, "
    f"wall {WALL_TIMEOUT_S}s)")


def article():
    return reference_bytes("mfk-article")


def xywy():
    return reference_bytes("xywy")


def after_views(payload):
    """The mfk article with payload inserted right after the views, before the summary."""
    return insert_after(article(), AFTER_VIEWS, payload)


def in_summary(payload):
    """The mfk article with payload at the start of the summary paragraph's text."""
    return insert_after(article(), SUMMARY_OPEN, payload)


def replace_once(data, old, new):
    check(data.count(old) == 1, f"fixture changed: {old!r} occurs {data.count(old)} times")
    return data.replace(old, new)


XYWY_META = b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />'
MFK_META = b'<meta charset="utf-8">'


def png_bytes():
    import struct
    import zlib
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + bytes(random.Random(y).randbytes(16 * 3)) for y in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("page.html", article())
    return buf.getvalue()


JPEG_BYTES = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
              + random.Random(7).randbytes(8192) + b"\xff\xd9")
GIF_BYTES = b"GIF89a\x10\x00\x10\x00\x80\x00\x00" + random.Random(8).randbytes(4096) + b"\x3b"


def cut_inside_char(data, marker, char_index):
    """data cut one byte into the char_index-th UTF-8 character after marker."""
    start = data.find(marker)
    check(start >= 0, f"fixture changed: {marker!r} not found")
    pos = start + len(marker)
    text = data[pos:pos + 64].decode("utf-8", errors="ignore")
    prefix = text[:char_index].encode("utf-8")
    check(len(text[char_index].encode("utf-8")) > 1, "expected a multi-byte character")
    return data[:pos + len(prefix) + 1]


def big_page(total_padding, unit):
    """The mfk article with a div of `total_padding` bytes of `unit` after the views."""
    count = total_padding // len(unit)
    return after_views(b'<div class="pad">' + unit * count + b"</div>")


# ----------------------------------------------------------------------------
# Cases. Each: name, build() -> input bytes, expectations.

CASES = []


def hostile(name, expect, *, title=None, views=None, reason=None, warned=False,
            truncated=False, extra=None, stdin=False, device=None):
    """expect: 'record' (exit 0), 'error' (exit 1, reason substring), or 'either'.

    device: read this existing path (e.g. /dev/zero) instead of a built file.
    """
    def register(build):
        CASES.append(dict(name=name, build=build, expect=expect, title=title, views=views,
                          reason=reason, warned=warned, truncated=truncated, extra=extra,
                          stdin=stdin, device=device))
        return build
    return register


# Baselines: the limits themselves must not break normal pages.
hostile("baseline: mfk article unchanged", "record", title=TITLE_ARTICLE, views=9039)(article)
hostile("baseline: xywy page (gb2312) unchanged", "record", title=TITLE_XYWY)(xywy)

# C14 empty body.
hostile("C14 empty file (0 bytes)", "error", reason="empty input")(lambda: b"")
hostile("C14 whitespace only", "error", reason="empty input")(
    lambda: b" \t\r\n\x0c" * 20000)
hostile("C14 UTF-8 BOM only", "either")(lambda: b"\xef\xbb\xbf")
hostile("C14 BOM and whitespace only", "either")(lambda: b"\xef\xbb\xbf  \n\t  \r\n")

# C9 binary served as HTML: skipped, parser never run.
hostile("C9 PNG image", "error", reason="not HTML")(png_bytes)
hostile("C9 ZIP archive (PK\\x03\\x04)", "error", reason="not HTML")(zip_bytes)
hostile("C9 gzip-compressed page saved as .html", "error", reason="not HTML")(
    lambda: gzip.compress(article()))
hostile("C9 JPEG image", "error", reason="not HTML")(lambda: JPEG_BYTES)
hostile("C9 GIF image", "error", reason="not HTML")(lambda: GIF_BYTES)
hostile("C9 random bytes (64 KiB)", "either")(lambda: random.Random(1234).randbytes(64 * 1024))
hostile("C9 ELF executable (/bin/true)", "either")(lambda: open("/bin/true", "rb").read())

# C13 NUL bytes and control characters.
hostile("C13 NUL bytes inside the mfk page (after the title)", "record",
        title=TITLE_ARTICLE, views=9039)(
    lambda: in_summary(b"\x00" * 16 + "中文\x00文字".encode("utf-8") + b"\x00"))
hostile("C13 NUL byte inside the <h1> title: dropped, never U+FFFD in the title", "record",
        title=TITLE_ARTICLE, views=9039)(
    lambda: replace_once(article(), "<h1>大腿肌肉".encode("utf-8"),
                         "<h1>大腿\x00肌肉".encode("utf-8")))
hostile("C13 NUL bytes before <!DOCTYPE>", "either")(lambda: b"\x00\x00\x00\x00" + article())
hostile("C13 control characters (C0, DEL, C1) in the summary", "record",
        title=TITLE_ARTICLE, views=9039)(
    lambda: in_summary(bytes(c for c in range(1, 32) if c not in (9, 10, 13)) + b"\x7f"
                       + "".join(chr(c) for c in range(0x80, 0xA0)).encode("utf-8")
                       + "\u2028\u2029\ufeff\ufffe".encode("utf-8")))

# C5/C7 invalid byte sequences in a UTF-8 page, invalid UTF-8 reaching the JSON writer.
INVALID_UTF8 = (b"\xff\xfe"            # never valid
                b"\xc3\x28"            # bad continuation
                b"\xe2\x82"            # truncated 3-byte sequence
                b"\xed\xa0\x80"        # encoded surrogate U+D800
                b"\xf4\x90\x80\x80"    # above U+10FFFF
                b"\xc0\xaf\xe0\x80\xaf"  # overlong '/'
                b"\x80\xbf")           # stray continuation bytes
hostile("C5 invalid UTF-8 sequences in the summary", "record",
        title=TITLE_ARTICLE, views=9039, warned=True)(lambda: in_summary(INVALID_UTF8))
hostile("C7 invalid UTF-8 inside the <h1> title", "record", views=9039)(
    lambda: replace_once(article(), "<h1>大腿".encode("utf-8"),
                         "<h1>大腿".encode("utf-8") + INVALID_UTF8))
hostile("C7 invalid UTF-8 inside the canonical URL", "record", title=TITLE_ARTICLE)(
    lambda: replace_once(article(), b'rel="canonical" href="https://www.mfk.com/jingxuan/8137265.shtml">',
                         b'rel="canonical" href="https://www.mfk.com/jingxuan/8137265.shtml?q=\xff\xfe\xc3\x28">'))
hostile("C7 character references to surrogates, NUL, > U+10FFFF", "record",
        title=TITLE_ARTICLE, views=9039)(
    lambda: in_summary(b"&#xD800;&#xDFFF;&#55296;&#0;&#x110000;&#99999999999;&#x1F600;&#128;"))

# C1-C4, C6 charset trouble.
hostile("C1 GBK page without any charset declaration", "record", title=TITLE_XYWY,
        extra=lambda rec: eq(rec["charset"]["source"], "detected", "charset.source"))(
    lambda: replace_once(xywy(), XYWY_META, b""))
hostile("C2 meta says UTF-8, bytes are GBK", "record", warned=True)(
    lambda: replace_once(xywy(), XYWY_META, b'<meta charset="utf-8" />'))
hostile("C2 meta says gb2312, bytes are UTF-8", "record")(
    lambda: replace_once(article(), MFK_META, b'<meta charset="gb2312">'))


def xywy_gbk_only():
    marker = "父亲今年68岁".encode("gb18030")
    return replace_once(xywy(), marker, marker + "，朱镕堃喆".encode("gbk"))


hostile("C3 gb2312 label with GBK-only characters", "record", title=TITLE_XYWY,
        extra=lambda rec: check("朱镕堃喆" in (rec.get("question") or ""),
                                f"question lost the GBK-only characters: {rec.get('question')!r}"))(
    xywy_gbk_only)
hostile("C4 garbage label utf8mb4 on a UTF-8 page", "record", title=TITLE_ARTICLE, views=9039)(
    lambda: replace_once(article(), MFK_META, b'<meta charset="utf8mb4">'))
hostile("C4 garbage label gbk2312 on a GBK page", "record", title=TITLE_XYWY)(
    lambda: replace_once(xywy(), b"charset=gb2312", b"charset=gbk2312"))
hostile("C4 empty charset label on a UTF-8 page", "record", title=TITLE_ARTICLE, views=9039)(
    lambda: replace_once(article(), MFK_META, b'<meta charset="">'))
hostile("C6 UTF-8 BOM beats a gb2312 meta", "record", title=TITLE_ARTICLE, views=9039,
        extra=lambda rec: eq(rec["charset"], {"name": "UTF-8", "source": "bom"}, "charset"))(
    lambda: b"\xef\xbb\xbf" + replace_once(article(), MFK_META, b'<meta charset="gb2312">'))
hostile("C6 UTF-16LE page with BOM", "record", title=TITLE_ARTICLE, views=9039,
        extra=lambda rec: eq(rec["charset"], {"name": "UTF-16LE", "source": "bom"}, "charset"))(
    lambda: b"\xff\xfe" + replace_once(article(), MFK_META, b"").decode("utf-8").encode("utf-16-le"))
hostile("C6 charset meta after byte 1024 (GBK page)", "record", title=TITLE_XYWY)(
    lambda: replace_once(xywy(), XYWY_META, b"<!-- " + b"x" * 1100 + b" -->" + XYWY_META))
hostile("C6 meta charset=utf-8 inside a comment before the real gb2312 meta", "record",
        title=TITLE_XYWY)(
    lambda: replace_once(xywy(), XYWY_META, b'<!-- <meta charset="utf-8"> -->' + XYWY_META))

# C8 HTML cut mid-tag / mid-comment / inside <script>: best effort, flagged.
hostile("C8 truncated mid-tag (<p cl)", "record", title=TITLE_ARTICLE, views=9039, truncated=True)(
    lambda: cut_after(article(), SUMMARY_OPEN, extra=5))
hostile("C8 truncated inside an attribute value", "record", title=TITLE_ARTICLE, views=9039,
        truncated=True)(
    lambda: cut_after(article(), b'<div class="articleCont" id="articleContent">', extra=30))
hostile("C8 truncated inside a comment", "record", title=TITLE_ARTICLE, views=9039, truncated=True)(
    lambda: cut_after(article(), b"<!-- articleContent start", extra=12))


def expect_article_body(rec):
    want = reference_expected("mfk-article")
    eq(rec.get("summary"), want["summary"], "summary (before the cut)")
    eq(rec.get("causes"), want["causes"], "causes (before the cut)")


hostile("C8 truncated inside the last <script>", "record", title=TITLE_ARTICLE, views=9039,
        truncated=True, extra=expect_article_body)(
    lambda: cut_after(article(), b"<script>$(function()", extra=15))
hostile("C8 truncated inside a multi-byte UTF-8 character", "record", title=TITLE_ARTICLE,
        views=9039)(lambda: cut_inside_char(article(), SUMMARY_OPEN, 3))
hostile("C8 GBK page truncated inside a 2-byte character", "record", title=TITLE_XYWY)(
    lambda: cut_after(xywy(), "父亲今年68岁".encode("gb18030"), extra=len("父亲今年68".encode("gb18030")) + 1))

# C11 big pages and attributes (the input is cut at 10 MiB).
hostile("C11 50 MB page (padding div after the views)", "record", title=TITLE_ARTICLE, views=9039,
        truncated=True)(lambda: big_page(50 * MB, "填充文字 padding text 0123456789.\n".encode("utf-8")))
hostile("C11 50 MB page on stdin (no size known in advance)", "record", title=TITLE_ARTICLE,
        views=9039, truncated=True, stdin=True)(
    lambda: big_page(50 * MB, "填充文字 padding text 0123456789.\n".encode("utf-8")))
hostile("C11 20 MB attribute", "record", title=TITLE_ARTICLE, views=9039, truncated=True)(
    lambda: after_views(b'<div data-x="' + b"a" * (20 * MB) + b'">x</div>'))
hostile("C11 12 MB text node", "record", title=TITLE_ARTICLE, views=9039, truncated=True)(
    lambda: after_views(b"<p>" + "长文本".encode("utf-8") * (12 * MB // 9) + b"</p>"))
hostile("C11 attribute just under the 10 MiB cut", "record", title=TITLE_ARTICLE, views=9039)(
    lambda: after_views(b'<div data-x="' + b"b" * (CUT_BYTES - 64 * 1024) + b'">x</div>'))
hostile("C11 endless input: /dev/zero given as a file (must end within the CPU budget)", "either",
        device="/dev/zero")(lambda: None)

# C12 parser bombs (guarded before Gumbo).
hostile("C12 240 KB of unclosed <span>", "record", title=TITLE_ARTICLE, views=9039, warned=True)(
    lambda: after_views(b"<span>" * 40000))
hostile("C12 100k nested <div>", "record", title=TITLE_ARTICLE, views=9039, warned=True)(
    lambda: after_views(b"<div>" * 100000 + b"</div>" * 100000))
hostile("C12 one tag with 40k attributes", "record", title=TITLE_ARTICLE, views=9039, warned=True)(
    lambda: after_views(b"<div " + b" ".join(b'a%d="%d"' % (i, i) for i in range(40000)) + b">x</div>"))
hostile("C12 350k <br> elements (over the 300k node budget)", "record", title=TITLE_ARTICLE,
        views=9039, truncated=True)(lambda: after_views(b"<br>" * 350000))
hostile("C12 30k nested unclosed <table><tr><td>", "record", title=TITLE_ARTICLE, views=9039,
        warned=True)(lambda: after_views(b"<table><tr><td>" * 30000))
hostile("C12 20k misnested <a><b></a></b> (adoption agency)", "record", title=TITLE_ARTICLE,
        views=9039)(lambda: after_views(b"<a href=x><b>t</a></b>" * 20000))
hostile("C12 200k stray end tags (parse-error flood)", "record", title=TITLE_ARTICLE, views=9039)(
    lambda: after_views(b"</zz>" * 200000))


def fill_to_cut(head, unit):
    """The article with `head` then `unit` repeated after the views, about CUT_BYTES in all."""
    page = after_views(head)
    return after_views(head + unit * ((CUT_BYTES - len(page)) // len(unit)))


# Pages inside every per-tag limit that once built 400 MB to 11 GB of tree: nodes that are
# not elements, attributes spread over many tags, elements Gumbo re-creates by itself, and
# attributes merged onto one element. The node and attribute budgets cut them.
hostile("C12 1.3M text nodes and 1.3M comments (a<!---->)", "record", title=TITLE_ARTICLE,
        views=9039, truncated=True)(lambda: fill_to_cut(b"", b"a<!---->"))
hostile("C12 10M unique attributes over 20k tags", "record", title=TITLE_ARTICLE, views=9039,
        truncated=True)(lambda: fill_to_cut(
            b"", b"<p " + b" ".join(b"a%d" % i for i in range(500)) + b">"))
hostile("C12 400 formatting elements re-created by every <div>x</div>", "record",
        title=TITLE_ARTICLE, views=9039, truncated=True)(lambda: fill_to_cut(
            b"<p>" + b"".join(b"<b a%d>" % i for i in range(400)) + b"</p>", b"<div>x</div>"))
hostile("C12 a re-created <b> with 500 attributes", "record", title=TITLE_ARTICLE, views=9039,
        truncated=True)(lambda: fill_to_cut(
            b"<p><b " + b" ".join(b"q%d" % i for i in range(500)) + b"></p>", b"<div>x</div>"))
hostile("C12 2000 <html> tags of 400 new attributes each (merged onto one element)", "record",
        title=TITLE_ARTICLE, views=9039, truncated=True)(lambda: after_views(b"".join(
            b"<html " + b" ".join(b"h%d_%d" % (j, i) for i in range(400)) + b">"
            for j in range(2000))))


# ----------------------------------------------------------------------------

def run_hostile(binary, tmp, spec):
    # Build, write, hash, then drop the bytes: a forked child's peak RSS (wait4)
    # starts at this process's RSS, so no big buffer may be alive while spawning.
    input_file = tmp / "input.html"
    if spec["device"]:
        input_sha, input_size = None, float("inf")  # endless: no hash to compare
    else:
        data = spec["build"]()
        input_file.write_bytes(data)
        input_sha, input_size = sha256(data), len(data)
        del data
    limits = testlib.make_limits(cpu_seconds=CPU_LIMIT_S, address_space_bytes=AS_LIMIT)
    if spec["device"]:
        path = spec["device"]
        r = run([binary, "extract", "-j", "1", path], timeout=WALL_TIMEOUT_S, limits=limits)
    elif spec["stdin"]:
        path = "-"
        r = run([binary, "extract", "-j", "1", "--url", ARTICLE_URL, "-"], stdin_path=input_file,
                timeout=WALL_TIMEOUT_S, limits=limits)
    else:
        path = input_file
        r = run([binary, "extract", "-j", "1", path], timeout=WALL_TIMEOUT_S, limits=limits)
    status = r.rc if r.signal is None else signal.Signals(r.signal).name
    if r.timed_out:
        status = "TIMEOUT"
    measured = (f"rc={status} cpu={r.cpu:.2f}s "
                f"rss={r.maxrss_kb / 1024:.1f}MB (test process at spawn: {r.rss_floor_kb / 1024:.0f}MB) "
                f"wall={r.wall:.2f}s in={input_size / MB:.2f}MB")

    # Survival.
    check(not r.timed_out, f"wall timeout ({WALL_TIMEOUT_S}s): killed")
    if r.signal is not None:
        name = signal.Signals(r.signal).name
        hint = f" (CPU limit {CPU_LIMIT_S}s exceeded)" if name in ("SIGXCPU", "SIGKILL") else ""
        raise testlib.TestFailure(f"killed by {name}{hint}")
    check(r.rc in (0, 1), f"exit code {r.rc}, expected 0 or 1")
    stray = [l for l in r.stderr_lines() if not l.startswith("medscrape: ")]
    check(not stray, f"stderr lines not from medscrape: {stray[:3]}")

    # Output shape.
    records = parse_records(r.stdout)
    check(len(records) <= 1, f"{len(records)} records for one input")
    if r.rc == 0:
        eq(len(records), 1, "records with exit 0")
        eq(error_lines(r), [], "error lines with exit 0")
    else:
        eq(len(records), 0, "records with exit 1")
        reason = expect_error_line(r, path)
    eq(summary(r)[:3], (1, len(records), 1 - len(records)), "summary (inputs, records, failed)")

    # Budget.
    if not SANITIZED:
        check(r.cpu <= CPU_LIMIT_S, f"CPU {r.cpu:.2f}s > {CPU_LIMIT_S}s")
        check(r.maxrss_kb <= RSS_LIMIT_KB, f"peak RSS {r.maxrss_kb / 1024:.1f} MB > 256 MB")

    # Case expectations.
    if spec["expect"] == "error":
        check(r.rc == 1, "expected an error (exit 1), got a record")
        if spec["reason"]:
            check(spec["reason"].lower() in reason.lower(),
                  f"error reason {reason!r} does not contain {spec['reason']!r}")
    elif spec["expect"] == "record":
        check(r.rc == 0, "expected a record (exit 0), got an error")
    if records:
        rec = records[0]
        if input_sha is not None:
            eq(rec.get("content_sha256"), input_sha, "content_sha256 (of all input bytes)")
        if spec["title"] is not None:
            eq(rec.get("title"), spec["title"], "title")
        if spec["views"] is not None:
            eq(rec.get("views"), spec["views"], "views")
        if spec["warned"] or spec["truncated"]:
            check(rec["warnings"], "warnings empty")
        if spec["truncated"]:
            check(any(TRUNCATION_RE.search(w) for w in rec["warnings"]),
                  f"no truncation/cut warning in {rec['warnings']}")
        if spec["extra"]:
            spec["extra"](rec)
        measured += f" warnings={rec['warnings']}"
    else:
        measured += f" error={error_lines(r)[0][len('medscrape: error: '):]!r}"
    return measured


@runner.case("P6 memory runs out on one page: that page fails, the next one still gets its record")
def out_of_memory_is_per_page(binary, tmp):
    # Under a 120 MB address-space limit the re-created-elements page (about 130 MB of
    # tree within its budgets) cannot be built, while the article needs under 60 MB.
    if SANITIZED:
        return "skipped: ASan needs an unlimited address space"
    bomb = tmp / "bomb.html"
    bomb.write_bytes(fill_to_cut(b"<p>" + b"".join(b"<b a%d>" % i for i in range(400)) + b"</p>",
                                 b"<div>x</div>"))
    page = tmp / "page.html"
    page.write_bytes(article())
    r = run([binary, "extract", "-j", "1", "--site", "mfk.com", bomb, page],
            timeout=WALL_TIMEOUT_S,
            limits=testlib.make_limits(cpu_seconds=10, address_space_bytes=120 * MIB))
    check(r.signal is None, f"killed by signal {r.signal}")
    eq(r.rc, 1, "exit code (one input failed)")
    reason = expect_error_line(r, bomb)
    check("out of memory" in reason, f"error {reason!r} does not say out of memory")
    records = parse_records(r.stdout)
    eq([rec["title"] for rec in records], [TITLE_ARTICLE], "records")
    eq(summary(r)[:3], (2, 1, 1), "summary (inputs, records, failed)")
    return f"bomb: {reason!r}"


def register(spec):
    @runner.case(spec["name"])
    def _(binary, tmp):
        return run_hostile(binary, tmp, spec)


for _spec in CASES:
    register(_spec)


if __name__ == "__main__":
    sys.exit(runner.main())

#!/usr/bin/python3
"""End-to-end tests of medscrape's command line (the contract in the CLI spec).

Usage: /usr/bin/python3 tests/cli_test.py <path-to-medscrape> [case-name-substring...]
Environment: MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).
Standard library only. Ends with the line "N passed, M failed"; exit 1 on any failure.
"""

import os
import random
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import (TITLE_ARTICLE, TITLE_XYWY, check, eq, error_lines, expect_error_line,  # noqa: E402
                     expect_exit, parse_records, reference_bytes, reference_path, reference_url,
                     run, sha256, summary, warning_lines)

runner = testlib.Runner("medscrape CLI tests")
case = runner.case

ARTICLE_URL = "https://www.mfk.com/jingxuan/8137265.shtml"
SITES = ("mfk.com", "120ask.com", "xywy.com")
ALL_REFS = ("mfk-article", "mfk-ask", "120ask", "xywy")
PNG_BYTES = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
             + bytes(range(256)) * 4)

GENERIC_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>一个普通的页面</title>
<link rel="canonical" href="https://example.org/health/page-1.html">
<meta name="description" content="这是一个没有专门提取器的页面。">
</head><body><h1>一个普通的页面</h1><p>正文内容。</p></body></html>
""".encode("utf-8")

GENERIC_NO_URL = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>无链接页面</title></head>
<body><p>没有 canonical, 没有 og:url。</p></body></html>
""".encode("utf-8")


def one_record(result):
    records = parse_records(result.stdout)
    eq(len(records), 1, "number of records on stdout")
    return records[0]


def expect_usage_error(result):
    expect_exit(result, 2)
    eq(result.stdout, b"", "stdout of a usage error")
    check(result.stderr.strip() != b"", "usage error printed nothing on stderr")
    check(b"medscrape" in result.stderr, "usage error message does not name medscrape")


def article_with_title(title):
    """The mfk article reference with its title (in <title> and <h1>) replaced."""
    data = reference_bytes("mfk-article")
    old = TITLE_ARTICLE.encode("utf-8")
    check(data.count(old) >= 2, "fixture changed: article title not found twice")
    return data.replace(old, title.encode("utf-8"))


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def subset_mismatches(expected, actual, where=""):
    """Paths where actual differs from expected, comparing only the keys expected has."""
    out = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '/'}: expected an object, got {actual!r:.80}"]
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{where}/{k}: missing")
            else:
                out += subset_mismatches(v, actual[k], f"{where}/{k}")
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected a list of {len(expected)}, got "
                    f"{len(actual) if isinstance(actual, list) else type(actual).__name__}"]
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += subset_mismatches(e, a, f"{where}/{i}")
    elif isinstance(expected, str) and isinstance(actual, str):
        # As the golden driver does: strings compare with all white space removed
        # (a "\n" between <p>s or <br> lines equals a space or nothing).
        if re.sub(r"\s+", "", expected) != re.sub(r"\s+", "", actual):
            out.append(f"{where}: expected {expected!r:.100}, got {actual!r:.100}")
    elif expected != actual:
        out.append(f"{where}: expected {expected!r:.100}, got {actual!r:.100}")
    return out


# ---------------------------------------------------------------- usage (exit 2)

@case("no arguments: usage on stderr, exit 2")
def _(binary, tmp):
    r = run([binary])
    expect_usage_error(r)
    check("extract" in r.stderr_text(), "usage text does not mention 'extract'")


USAGE_ERRORS = {
    "unknown option": ["extract", "--no-such-option", "{ref}"],
    "unknown short option": ["extract", "-Z", "{ref}"],
    "extract without PATH": ["extract"],
    "extract with only options, no PATH": ["extract", "-q", "-j", "2"],
    "-j 0": ["extract", "-j", "0", "{ref}"],
    "-j abc": ["extract", "-j", "abc", "{ref}"],
    "-j -1": ["extract", "-j", "-1", "{ref}"],
    "-j 2.5": ["extract", "-j", "2.5", "{ref}"],
    "-j 257 (> 256)": ["extract", "-j", "257", "{ref}"],
    "-j 99999999999999999999 (overflow)": ["extract", "-j", "99999999999999999999", "{ref}"],
    "-j without value": ["extract", "{ref}", "-j"],
    "--url without value": ["extract", "{ref}", "--url"],
    "--url with two inputs": ["extract", "--url", ARTICLE_URL, "{ref}", "{ref2}"],
    "--url with a file and stdin": ["extract", "--url", ARTICLE_URL, "{ref}", "-"],
    "--url with a newline": ["extract", "--url", ARTICLE_URL + "\nX-Injected: 1", "{ref}"],
    "--url with a tab": ["extract", "--url", "https://www.mfk.com/\tjingxuan/1.shtml", "{ref}"],
    "--url not absolute": ["extract", "--url", "/jingxuan/1.shtml", "{ref}"],
    "--url not http(s)": ["extract", "--url", "javascript:alert(1)", "{ref}"],
    "unknown --site": ["extract", "--site", "nosuch.example", "{ref}"],
    "--site with a near-miss name (mfk)": ["extract", "--site", "mfk", "{ref}"],
    "unknown --charset": ["extract", "--charset", "NOPE-42", "{ref}"],
    "unknown command": ["frobnicate", "{ref}"],
}


def usage_case(label, template):
    @case(f"usage error, exit 2: {label}")
    def _(binary, tmp):
        ref, ref2 = reference_path("mfk-article"), reference_path("xywy")
        args = [a.replace("{ref}", str(ref)).replace("{ref2}", str(ref2)) for a in template]
        expect_usage_error(run([binary] + args))


for _label, _template in USAGE_ERRORS.items():
    usage_case(_label, _template)


@case("-j 1 and -j 256 (bounds) are accepted")
def _(binary, tmp):
    for jobs in ("1", "256"):
        r = run([binary, "extract", "-q", "-j", jobs, reference_path("mfk-article")])
        expect_exit(r, 0)
        eq(one_record(r)["title"], TITLE_ARTICLE, f"title with -j {jobs}")


# ---------------------------------------------------------------- per-file errors (exit 1)

@case("missing file: exit 1, 'medscrape: error: PATH: No such file or directory'")
def _(binary, tmp):
    missing = tmp / "does-not-exist.html"
    r = run([binary, "extract", missing])
    expect_exit(r, 1)
    eq(r.stdout, b"", "stdout")
    expect_error_line(r, missing, contains="No such file or directory")
    eq(summary(r)[:3], (1, 0, 1), "summary (inputs, records, failed)")


@case("mixed good and bad inputs: good records written, one error per bad input, exit 1")
def _(binary, tmp):
    good1 = reference_path("mfk-article")
    missing = tmp / "missing.html"
    empty = write(tmp / "empty.html", b"")
    png = write(tmp / "image.html", PNG_BYTES)
    good2 = reference_path("xywy")
    r = run([binary, "extract", "-j", "4", missing, good1, empty, png, good2])
    expect_exit(r, 1)
    records = parse_records(r.stdout)
    eq([rec["title"] for rec in records], [TITLE_ARTICLE, TITLE_XYWY], "titles of the good records, in order")
    expect_error_line(r, missing, contains="No such file or directory")
    expect_error_line(r, empty, contains="empty input")
    expect_error_line(r, png, contains="not HTML")
    eq(len(error_lines(r)), 3, "number of error lines")
    eq(summary(r)[:3], (5, 2, 3), "summary (inputs, records, failed)")


@case("unreadable paths: nonexistent, broken symlink, HTML-less folder, /proc/self/mem")
def _(binary, tmp):
    missing = tmp / "nope.html"
    broken = tmp / "broken.html"
    os.symlink(tmp / "target-that-does-not-exist.html", broken)
    nohtml = tmp / "nohtml"
    write(nohtml / "readme.txt", b"<html><title>not scanned</title></html>")
    good = reference_path("mfk-ask")
    r = run([binary, "extract", missing, broken, nohtml, "/proc/self/mem", good])
    expect_exit(r, 1)
    records = parse_records(r.stdout)
    eq([rec["title"] for rec in records], ["肌肉痉挛怎么缓解?"], "titles")
    expect_error_line(r, missing, contains="No such file or directory")
    expect_error_line(r, broken, contains="No such file or directory")
    expect_error_line(r, nohtml, contains="no HTML files")
    expect_error_line(r, "/proc/self/mem")
    eq(len(error_lines(r)), 4, "number of error lines")
    eq(summary(r)[:3], (5, 1, 4), "summary (inputs, records, failed)")


@case("folder with no HTML files (empty / only .txt): error 'is a directory with no HTML files'")
def _(binary, tmp):
    empty = tmp / "empty"
    empty.mkdir()
    txt = tmp / "txt"
    write(txt / "a.txt", reference_bytes("mfk-article"))
    r = run([binary, "extract", empty, txt])
    expect_exit(r, 1)
    eq(r.stdout, b"", "stdout")
    expect_error_line(r, empty, contains="no HTML files")
    expect_error_line(r, txt, contains="no HTML files")


@case("a folder named like a page (trap.html/) inside a folder is walked, not read as a file")
def _(binary, tmp):
    root = tmp / "root"
    inner = write(root / "trap.html" / "inner.html", reference_bytes("xywy"))
    r = run([binary, "extract", root])
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["content_sha256"], sha256(inner.read_bytes()), "content_sha256")
    eq(error_lines(r), [], "error lines")


# ---------------------------------------------------------------- output (exit 3)

@case("-o /nonexistent-dir/x.jsonl: exit 3, 'medscrape: error: FILE: ...'")
def _(binary, tmp):
    target = "/nonexistent-dir/x.jsonl"
    check(not os.path.exists("/nonexistent-dir"), "/nonexistent-dir exists on this machine")
    r = run([binary, "extract", "-o", target, reference_path("mfk-article")])
    expect_exit(r, 3)
    eq(r.stdout, b"", "stdout (records must not fall back to stdout)")
    expect_error_line(r, target)


@case("-o naming a directory: exit 3")
def _(binary, tmp):
    r = run([binary, "extract", "-o", tmp, reference_path("mfk-article")])
    expect_exit(r, 3)
    eq(r.stdout, b"", "stdout")
    expect_error_line(r, tmp)


@case("-o /dev/full (disk full): exit 3, error names the file")
def _(binary, tmp):
    r = run([binary, "extract", "-o", "/dev/full", reference_path("mfk-article")])
    expect_exit(r, 3)
    expect_error_line(r, "/dev/full")


@case("stdout is /dev/full (disk full): exit 3 with an error line")
def _(binary, tmp):
    with open("/dev/full", "wb") as full:
        r = run([binary, "extract", reference_path("mfk-article")], stdout_file=full)
    expect_exit(r, 3)
    check(error_lines(r), "no 'medscrape: error:' line on stderr")


@case("-o FILE writes the same bytes as stdout, and truncates an existing FILE")
def _(binary, tmp):
    paths = [reference_path(n) for n in ALL_REFS]
    r1 = run([binary, "extract", "-q"] + paths)
    expect_exit(r1, 0)
    eq(len(parse_records(r1.stdout)), 4, "records on stdout")
    out = tmp / "out.jsonl"
    out.write_bytes(b"OLD CONTENT\n" * 100000)  # longer than the records: must be truncated
    r2 = run([binary, "extract", "-q", "-o", out] + paths)
    expect_exit(r2, 0)
    eq(r2.stdout, b"", "stdout when -o is given")
    check(out.read_bytes() == r1.stdout,
          f"-o file ({out.stat().st_size} bytes) differs from stdout ({len(r1.stdout)} bytes)")


# ---------------------------------------------------------------- stdin

@case("stdin '-' with --url: mfk article through a pipe")
def _(binary, tmp):
    data = reference_bytes("mfk-article")
    r = run([binary, "extract", "--url", ARTICLE_URL, "-"], stdin_bytes=data)
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["title"], TITLE_ARTICLE, "title")
    eq(rec["views"], 9039, "views")
    eq(rec["url"], ARTICLE_URL, "url")
    eq(rec["site"], "mfk.com", "site")
    eq(rec["page_type"], "article", "page_type")
    eq(rec["content_sha256"], sha256(data), "content_sha256")


@case("stdin '-' without --url: url from <link rel=canonical>")
def _(binary, tmp):
    data = reference_bytes("mfk-ask")
    r = run([binary, "extract", "-"], stdin_bytes=data)
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["url"], reference_url("mfk-ask"), "url")
    eq(rec["site"], "mfk.com", "site")
    eq(rec["page_type"], "question", "page_type")
    eq(rec["views"], 3562, "views")


@case("stdin '-' without --url, canonical or og:url: url null, generic record, exit 0")
def _(binary, tmp):
    r = run([binary, "extract", "-"], stdin_bytes=GENERIC_NO_URL)
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["url"], None, "url")
    eq(rec["site"], None, "site")
    eq(rec["page_type"], "generic", "page_type")
    eq(rec["title"], "无链接页面", "title")


@case("'-' among files keeps its place in the output order")
def _(binary, tmp):
    r = run([binary, "extract", "-q", "-j", "4", reference_path("xywy"), "-",
             reference_path("120ask")], stdin_bytes=reference_bytes("mfk-article"))
    expect_exit(r, 0)
    eq([rec["title"] for rec in parse_records(r.stdout)],
       [TITLE_XYWY, TITLE_ARTICLE, "晚上睡觉腿抽筋是怎么回事"], "titles in input order")


# ---------------------------------------------------------------- folders and order

@case("folder: *.html/*.htm/*.shtml recursively, sorted by path; .txt and symlinked folders ignored")
def _(binary, tmp):
    root = tmp / "pages"
    files = {
        "a-first.html": reference_bytes("mfk-article"),
        "b/120ask.html": reference_bytes("120ask"),
        "b/c/deep/xywy.html": reference_bytes("xywy"),
        "b/mfk-ask.html": reference_bytes("mfk-ask"),
        "c-copy.htm": article_with_title("htm副本标题"),
        "d/e/page.shtml": article_with_title("shtml副本标题"),
        "z-last.html": article_with_title("最后一个"),
    }
    for rel, data in files.items():
        write(root / rel, data)
    # Not inputs: wrong extensions, and a folder reached only through a symlink.
    write(root / "notes.txt", article_with_title("txt不应出现"))
    write(root / "b" / "page.html.bak", article_with_title("bak不应出现"))
    write(root / "b" / "style.css", b"body{}")
    outside = tmp / "outside"
    write(outside / "linked.html", article_with_title("符号链接不应出现"))
    os.symlink(outside, root / "b" / "linked-dir")
    expected = [sha256(files[rel]) for rel in sorted(files, key=lambda p: str(root / p))]
    r = run([binary, "extract", "-j", "3", root])
    expect_exit(r, 0)
    records = parse_records(r.stdout)
    titles = [rec["title"] for rec in records]
    for bad in ("txt不应出现", "bak不应出现", "符号链接不应出现"):
        check(bad not in titles, f"a non-input was extracted: {bad}")
    eq([rec["content_sha256"] for rec in records], expected,
       "records (by content_sha256) in path order")
    eq(summary(r)[:3], (7, 7, 0), "summary (inputs, records, failed)")


@case("-j 1 vs -j 4 over 60 generated pages: identical output, input order")
def _(binary, tmp):
    folder = tmp / "many"
    titles = [f"生成的标题{i:03d}" for i in range(60)]
    for i, title in enumerate(titles):
        write(folder / f"page-{i:03d}.html", article_with_title(title))
    r1 = run([binary, "extract", "-q", "-j", "1", folder])
    expect_exit(r1, 0)
    eq([rec["title"] for rec in parse_records(r1.stdout)], titles, "titles with -j 1 (folder order)")
    r4 = run([binary, "extract", "-q", "-j", "4", folder])
    expect_exit(r4, 0)
    check(r4.stdout == r1.stdout, "-j 4 output differs from -j 1 output")
    # Explicit list in a shuffled order: output follows the argument order.
    order = list(range(60))
    random.Random(20240601).shuffle(order)
    r = run([binary, "extract", "-q", "-j", "4"] + [folder / f"page-{i:03d}.html" for i in order])
    expect_exit(r, 0)
    eq([rec["title"] for rec in parse_records(r.stdout)], [titles[i] for i in order],
       "titles with -j 4 over a shuffled file list")


# ---------------------------------------------------------------- --url, --site, generic

@case("--url overrides the canonical link")
def _(binary, tmp):
    url = "https://www.mfk.com/jingxuan/1234567.shtml"
    r = run([binary, "extract", "--url", url, reference_path("mfk-article")])
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["url"], url, "url")
    eq(rec["site"], "mfk.com", "site")
    eq(rec["title"], TITLE_ARTICLE, "title")


@case("-o /dev/null and -o to a pipe: written as they are (nothing to lock or cut)")
def _(binary, tmp):
    r = run([binary, "extract", "-o", "/dev/null", reference_path("mfk-article")])
    expect_exit(r, 0)
    fifo = tmp / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    r = run([binary, "extract", "-o", fifo, reference_path("mfk-article")])
    out = reader.communicate(timeout=20)[0]
    expect_exit(r, 0)
    eq(parse_records(out)[0]["title"], TITLE_ARTICLE, "record through the pipe")


@case("--url is written as a URL: invalid UTF-8 and spaces percent-encoded, never raw")
def _(binary, tmp):
    url = os.fsdecode(b"https://www.mfk.com/jingxuan/1234567.shtml?q=\xff\xfe a")  # raw bytes
    r = run([binary, "extract", "--url", url, reference_path("mfk-article")])
    expect_exit(r, 0)
    rec = one_record(r)  # strict UTF-8 JSON
    eq(rec["url"], "https://www.mfk.com/jingxuan/1234567.shtml?q=%ff%fe+a", "url")
    eq(rec["site"], "mfk.com", "site")


@case("--url and canonical not matching any extractor → generic; --site mfk.com forces mfk")
def _(binary, tmp):
    # The router falls back to the page's own canonical link when --url does not
    # match, so the canonical link is removed to make the page truly unmatched.
    url = "https://mirror.example.net/jingxuan/8137265.shtml"
    canonical = b'<link rel="canonical" href="https://www.mfk.com/jingxuan/8137265.shtml">'
    data = reference_bytes("mfk-article")
    eq(data.count(canonical), 1, "canonical links in the fixture")
    page = write(tmp / "mirror.html", data.replace(canonical, b""))
    r = run([binary, "extract", "--url", url, page])
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["site"], None, "site without --site")
    eq(rec["page_type"], "generic", "page_type without --site")
    r = run([binary, "extract", "--url", url, "--site", "mfk.com", page])
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["url"], url, "url")
    eq(rec["site"], "mfk.com", "site")
    eq(rec["page_type"], "article", "page_type")
    eq(rec["extractor"]["site"], "mfk.com", "extractor.site")
    eq(rec["title"], TITLE_ARTICLE, "title")
    eq(rec["views"], 9039, "views")
    eq(warning_lines(r), [], "stderr warning lines with --site")


@case("generic page: warning line 'medscrape: warning: PATH: no extractor for URL', exit 0")
def _(binary, tmp):
    page = write(tmp / "generic.html", GENERIC_PAGE)
    r = run([binary, "extract", page])
    expect_exit(r, 0)
    rec = one_record(r)
    prefix = f"medscrape: warning: {page}: no extractor for URL"
    eq(len([l for l in r.stderr_lines() if l.startswith(prefix)]), 1, f"lines starting {prefix!r}")
    eq(error_lines(r), [], "error lines")
    eq(rec["site"], None, "site")
    eq(rec["page_type"], "generic", "page_type")
    eq(rec["url"], "https://example.org/health/page-1.html", "url")
    eq(rec["title"], "一个普通的页面", "title")
    eq(rec["description"], "这是一个没有专门提取器的页面。", "description")
    eq(rec["extractor"]["site"], None, "extractor.site")
    eq(rec["extractor"]["page_type"], "generic", "extractor.page_type")
    check(rec["warnings"], "record warnings empty for a generic record")
    inputs, records, failed, warned = summary(r)
    eq((inputs, records, failed, warned), (1, 1, 0, 1), "summary (inputs, records, failed, warned)")


# ---------------------------------------------------------------- --charset

@case("--charset GB18030 on the xywy page: charset {GB18030, forced}")
def _(binary, tmp):
    r = run([binary, "extract", "--charset", "GB18030", reference_path("xywy")])
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["charset"], {"name": "GB18030", "source": "forced"}, "charset")
    eq(rec["title"], TITLE_XYWY, "title")


@case("--charset UTF-8 on the mfk article: charset {UTF-8, forced}")
def _(binary, tmp):
    r = run([binary, "extract", "--charset", "UTF-8", reference_path("mfk-article")])
    expect_exit(r, 0)
    rec = one_record(r)
    eq(rec["charset"], {"name": "UTF-8", "source": "forced"}, "charset")
    eq(rec["title"], TITLE_ARTICLE, "title")


# ---------------------------------------------------------------- sites, version, help, summary

@case("'sites' lists mfk.com, 120ask.com, xywy.com with page types")
def _(binary, tmp):
    r = run([binary, "sites"])
    expect_exit(r, 0)
    text = r.stdout.decode("utf-8")
    for site in SITES:
        check(re.search(rf"(?<![\w.]){re.escape(site)}\b", text), f"'sites' does not list {site}")
    for page_type in ("article", "question"):
        check(page_type in text, f"'sites' does not mention page type {page_type}")


@case("--version prints 'medscrape <semver>'")
def _(binary, tmp):
    r = run([binary, "--version"])
    expect_exit(r, 0)
    check(re.fullmatch(r"medscrape \d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\n?", r.stdout.decode("utf-8")),
          f"--version output {r.stdout!r}")


def help_case(flag):
    @case(f"{flag}: the commands and the exit-code table, exit 0")
    def _(binary, tmp):
        r = run([binary, flag])
        expect_exit(r, 0)
        text = r.stdout.decode("utf-8")
        for word in ("extract", "crawl", "sites", "check", "select", "route"):
            check(word in text, f"help does not mention {word}")
        m = re.search(r"exit", text, re.IGNORECASE)
        check(m, "help does not mention exit codes")
        after = text[m.start():]
        for code in "0123":
            check(re.search(rf"(?<![\w.-]){code}(?![\w.])", after), f"help's exit-code table lacks {code}")


help_case("--help")
help_case("-h")

# Every command answers -h/--help with its own options, one line each, defaults shown.
COMMAND_HELP = {
    "extract": ("--url", "--site", "--charset", "-o,--output", "-j,--jobs", "-q,--quiet", "--sites"),
    "crawl": ("--job NAME=crawl", "--delay DUR=1s", "--concurrency", "=16", "--follow RE",
              "--max-urls-per-host", "=100000", "--log-format", "--sites"),
    "sites": ("--json", "--sites"),
    "check": ("PATH", "--sites"),
    "select": ("CSS", "FILE", "--site", "--sites"),
    "route": ("URL", "--follow", "--seed", "--sites"),
}


def command_help_case(command, words):
    @case(f"{command} --help and -h: its own options, exit 0, nothing else done")
    def _(binary, tmp):
        for flag in ("--help", "-h"):
            r = run([binary.resolve(), command, flag], cwd=tmp)
            expect_exit(r, 0)
            text = r.stdout.decode("utf-8")
            check(text.startswith(text.split("\n")[0]) and f"medscrape {command}" in text,
                  f"{command} {flag}: no usage line for the command")
            for word in words:
                check(word in text, f"{command} {flag}: help does not mention {word!r}")
        eq(sorted(p.name for p in tmp.iterdir()), [], f"{command} --help created files")


for _command, _words in COMMAND_HELP.items():
    command_help_case(_command, _words)


@case("summary line on stderr without -q; none with -q")
def _(binary, tmp):
    paths = [reference_path(n) for n in ALL_REFS]
    r = run([binary, "extract"] + paths)
    expect_exit(r, 0)
    inputs, records, failed, warned = summary(r)
    eq((inputs, records, failed), (4, 4, 0), "summary (inputs, records, failed)")
    with_warnings = sum(1 for rec in parse_records(r.stdout) if rec["warnings"])
    eq(warned, with_warnings, "summary 'with warnings' vs records with non-empty warnings")
    for flag in ("-q", "--quiet"):
        rq = run([binary, "extract", flag] + paths)
        expect_exit(rq, 0)
        check(not any(testlib.SUMMARY_RE.match(l) for l in rq.stderr_lines()),
              f"summary line printed despite {flag}")
        check(rq.stdout == r.stdout, f"stdout differs with {flag}")


# ---------------------------------------------------------------- provenance and references

REF_CHARSET = {"mfk-article": "UTF-8", "mfk-ask": "UTF-8", "120ask": "UTF-8", "xywy": "GB18030"}


@case("provenance: schema_version, content_sha256, fetched_at, charset, extractor, url")
def _(binary, tmp):
    paths = [reference_path(n) for n in ALL_REFS]
    r = run([binary, "extract", "-q"] + paths)
    expect_exit(r, 0)
    records = parse_records(r.stdout)
    eq(len(records), 4, "records")
    for name, path, rec in zip(ALL_REFS, paths, records):
        eq(rec["schema_version"], 1, f"{name}: schema_version")
        eq(rec["content_sha256"], sha256(path.read_bytes()), f"{name}: content_sha256")
        eq(rec["fetched_at"], None, f"{name}: fetched_at")
        eq(rec["charset"], {"name": REF_CHARSET[name], "source": "meta"}, f"{name}: charset")
        eq(rec["url"], reference_url(name), f"{name}: url")
        ext = rec["extractor"]
        eq(ext["site"], rec["site"], f"{name}: extractor.site")
        eq(ext["page_type"], rec["page_type"], f"{name}: extractor.page_type")
        check(isinstance(ext["version"], int) and not isinstance(ext["version"], bool)
              and ext["version"] >= 1, f"{name}: extractor.version {ext['version']!r}")


@case("references: records match the expected.json fields (white space ignored in strings)")
def _(binary, tmp):
    problems = []
    for name in ALL_REFS:
        r = run([binary, "extract", "-q", "--url", reference_url(name), reference_path(name)])
        expect_exit(r, 0)
        rec = one_record(r)
        problems += [f"{name}{p}" for p in subset_mismatches(testlib.reference_expected(name), rec)]
        for i, ans in enumerate(rec.get("answers") or []):
            doc = ans.get("doctor")
            eq(list(doc) if isinstance(doc, dict) else doc,
               ["name", "title", "hospital", "hospital_grade", "department"],
               f"{name}: answers/{i}/doctor keys")
    check(not problems, "\n".join(problems[:20]))


@case("output bytes: exactly one newline-terminated JSON line per record")
def _(binary, tmp):
    r = run([binary, "extract", "-q", reference_path("xywy")])
    expect_exit(r, 0)
    rec = one_record(r)
    eq(r.stdout.count(b"\n"), 1, "newlines in one record's output")
    eq(rec["title"], TITLE_XYWY, "title")


if __name__ == "__main__":
    sys.exit(runner.main())

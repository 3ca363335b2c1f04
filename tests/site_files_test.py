#!/usr/bin/python3
"""Site files as data, end to end, with the real binary and no rebuild.

Usage: /usr/bin/python3 tests/site_files_test.py <path-to-medscrape> [case-name-substring...]
Environment: MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).

A site the binary does not know is written as one YAML file in a test's temporary folder
and used by `extract --sites` and by a crawl of a loopback mirror of that site
(tests/http_test_server.py); a copy of a shipped file with one selector changed replaces
the shipped one; a mirror whose list pages are named as no site file declares is crawled
whole from its first list page; and `check`, `select`, `route`, `sites` and the crawl's
usage errors are held to what they print.

Standard library only. Ends with the line "N passed, M failed"; exit 1 on any failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import TITLE_ARTICLE, check, eq, parse_records, reference_path, run  # noqa: E402

runner = testlib.Runner("medscrape site files, end to end")
case = runner.case
SOURCE = testlib.source_dir()

# A site no shipped file knows: question pages /doc/<id>.html, list pages /browse/p<n>.html.
CLINIC_YAML = r"""# clinic.example: made up for the tests.
site: clinic.example
version: 2
hosts: '(?:www\.)?clinic\.example'
timezone: '+09:00'
pages:
  question:
    url: '/doc/\d+\.html'
    detect: article.doc
    fields:
      title:
        - {css: 'article.doc h1', required: true}
      published:
        - {css: 'article.doc time', type: date, required: true}
      views:
        - {css: 'article.doc .hits', type: count, unit: 次}
      answers:
        list: 'article.doc li.reply'
        require: b.who
        fields:
          doctor.name: [{css: b.who, required: true}]
          doctor.hospital: [{css: i.where}]
          text: [{css: p, type: joined, required: true}]
"""

CLINIC_DOCS = 12   # /doc/1.html .. /doc/12.html
CLINIC_LISTS = 4   # /browse/p1.html .. /browse/p4.html, three docs each


def clinic_doc(n):
    replies = "".join(f'<li class="reply"><b class="who">医生{n}{k}</b><i class="where">医院{k}</i>'
                      f'<p>回答{n}.{k}第一段</p><p>第二段</p></li>' for k in range(2))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>问题 {n}</title></head><body>'
            f'<article class="doc"><h1>问题 {n} 怎么办</h1><time>2026-03-{n:02d} 09:30</time>'
            f'<span class="hits">{n * 100}次</span><ul><li class="ad">广告</li>{replies}</ul>'
            f'</article><a href="/about.html">关于</a></body></html>')


def clinic_list(n):
    docs = "".join(f'<li><a href="/doc/{d}.html">问题 {d}</a></li>'
                   for d in range(3 * n - 2, 3 * n + 1))
    nav = "".join(f'<a href="/browse/p{k}.html">{k}</a>' for k in range(1, CLINIC_LISTS + 1))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>列表 {n}</title></head>'
            f'<body><ul>{docs}</ul><div class="pages">{nav}<a href="/help/faq1.html">帮助</a>'
            f'</div></body></html>')


def write_clinic(root):
    (root / "doc").mkdir(parents=True)
    (root / "browse").mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    for n in range(1, CLINIC_DOCS + 1):
        (root / "doc" / f"{n}.html").write_text(clinic_doc(n), encoding="utf-8")
    for n in range(1, CLINIC_LISTS + 1):
        (root / "browse" / f"p{n}.html").write_text(clinic_list(n), encoding="utf-8")


class Server:
    """tests/http_test_server.py over `root`, with its request log."""

    def __init__(self, root, log):
        self.log = log
        self.proc = subprocess.Popen(["/usr/bin/python3", str(SOURCE / "tests" / "http_test_server.py"),
                                      "--root", str(root), "--log", str(log)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        check(line.startswith("PORT "), f"http_test_server.py did not start: {line!r}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"

    def paths(self):
        if not self.log.exists():
            return []
        return [json.loads(l)["path"] for l in self.log.read_text().splitlines() if l.strip()]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        self.proc.wait(10)


def crawl(binary, folder, *args, cwd=None):
    argv = [binary.resolve(), "crawl", "--out", folder / "out.jsonl", "--state", folder / "state.db",
            "--allow-private", "--delay", "0", "--no-progress", *args]
    return run(argv, timeout=60, cwd=str(cwd or folder))


def records_of(path):
    return parse_records(Path(path).read_bytes()) if Path(path).exists() else []


def sites_dir(tmp, files):
    folder = tmp / "sites"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- a new site, no rebuild

@case("extract --sites: a site the binary does not know, from one YAML file")
def _(binary, tmp):
    folder = sites_dir(tmp, {"clinic.yaml": CLINIC_YAML})
    page = tmp / "doc7.html"
    page.write_text(clinic_doc(7), encoding="utf-8")
    r = run([binary, "extract", "--sites", folder, "--url", "https://www.clinic.example/doc/7.html", page])
    testlib.expect_exit(r, 0)
    [rec] = parse_records(r.stdout)
    eq((rec["site"], rec["page_type"], rec["extractor"]["version"]), ("clinic.example", "question", 2),
       "site, page type, version")
    eq(rec["title"], "问题 7 怎么办", "title")
    eq(rec["published"], "2026-03-07T09:30:00+09:00", "published (the file's timezone)")
    eq(rec["views"], 700, "views")
    eq(rec["answers"], [{"doctor": {"name": f"医生7{k}", "hospital": f"医院{k}"},
                         "text": f"回答7.{k}第一段\n第二段"} for k in range(2)], "answers (the ad skipped)")
    eq(rec["warnings"], [], "warnings")
    # The record schema takes any site's record, its own fields included.
    import jsonschema  # Debian's python3-jsonschema
    schema = json.loads((SOURCE / "schema" / "record.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(rec)
    # The same through the environment; without either the page is generic.
    r = run([binary, "extract", "--url", "https://www.clinic.example/doc/7.html", page],
            env=dict(os.environ, MEDSCRAPE_SITES=str(folder)))
    eq(parse_records(r.stdout)[0]["site"], "clinic.example", "site with MEDSCRAPE_SITES")
    r = run([binary, "extract", "--url", "https://www.clinic.example/doc/7.html", page],
            env={k: v for k, v in os.environ.items() if k != "MEDSCRAPE_SITES"})
    eq(parse_records(r.stdout)[0]["site"], None, "site without the site file")


@case("crawl --sites: a loopback mirror of the new site, list pages followed by the seed's shape")
def _(binary, tmp):
    root = tmp / "mirror"
    write_clinic(root)
    folder = sites_dir(tmp, {"clinic.yaml": CLINIC_YAML})
    with Server(root, tmp / "requests.jsonl") as server:
        r = crawl(binary, tmp, "--sites", folder, "--site", "clinic.example",
                  server.base + "/browse/p1.html")
        testlib.expect_exit(r, 0)
        recs = records_of(tmp / "out.jsonl")
        eq(sorted(rec["url"] for rec in recs),
           sorted(f"{server.base}/doc/{n}.html" for n in range(1, CLINIC_DOCS + 1)), "record URLs")
        check(all(rec["site"] == "clinic.example" and rec["title"] for rec in recs), "records")
        paths = server.paths()
        want = (["/robots.txt"] + [f"/browse/p{n}.html" for n in range(1, CLINIC_LISTS + 1)]
                + [f"/doc/{n}.html" for n in range(1, CLINIC_DOCS + 1)])
        eq(sorted(paths), sorted(want), "requests: every list and doc page once, nothing else")
        stats = json.loads((tmp / "out.stats.json").read_text())
        # /about.html (12 docs) and /help/faq1.html (4 lists) match no rule.
        eq(stats["run"]["dropped_links"], {"no_rule": CLINIC_DOCS + CLINIC_LISTS}, "dropped links")
    return f"{len(recs)} records, {len(paths)} requests"


@case("a copy of a shipped site file with one selector changed replaces the shipped one")
def _(binary, tmp):
    shipped = (SOURCE / "extractors" / "mfk.com.yaml").read_text(encoding="utf-8")
    changed = shipped.replace("- {css: '#articleContent p.summary', required: true}",
                              "- {css: '#articleContent p.no-such-summary', required: true}")
    check(changed != shipped, "extractors/mfk.com.yaml changed: the summary rule was not found")
    folder = sites_dir(tmp, {"mfk-fixed.yaml": changed})
    ref = reference_path("mfk-article")
    url = testlib.reference_url("mfk-article")
    before = parse_records(run([binary, "extract", "--url", url, ref]).stdout)[0]
    after = parse_records(run([binary, "extract", "--sites", folder, "--url", url, ref]).stdout)[0]
    check(before["summary"], "the shipped file finds the summary")
    eq(after["summary"], None, "summary with the changed file")
    eq(after["warnings"], ["summary: not found"], "warnings with the changed file")
    eq({k: v for k, v in after.items() if k not in ("summary", "warnings")},
       {k: v for k, v in before.items() if k not in ("summary", "warnings")}, "every other field")
    r = run([binary, "sites", "--json", "--sites", folder])
    testlib.expect_exit(r, 0)
    sources = {s["site"]: s["source"] for s in json.loads(r.stdout)}
    eq(sources["mfk.com"], str(folder / "mfk-fixed.yaml"), "source of mfk.com")
    eq(sources["120ask.com"], "built-in:120ask.com.yaml", "source of 120ask.com")
    eq(sources[None], "built-in:generic.yaml", "source of the generic site")
    text = run([binary, "sites", "--sites", folder]).stdout.decode()
    check(f"mfk.com (version 1, {folder / 'mfk-fixed.yaml'}" in text, f"sites text: {text[:300]!r}")


@case("a bad site file stops every command with exit 2 naming file:line:col and the key")
def _(binary, tmp):
    bad = CLINIC_YAML.replace("type: count, unit: 次", "type: count, unit: 次, index: two")
    folder = sites_dir(tmp, {"clinic.yaml": bad})
    want = f"medscrape: error: {folder / 'clinic.yaml'}:16:69: key 'pages.question.fields.views[0].index': "
    for args in (["extract", reference_path("mfk-article")], ["sites"], ["check", SOURCE / "fixtures"],
                 ["route", "https://www.mfk.com/"], ["select", "h1", reference_path("mfk-article")],
                 ["crawl", "--site", "mfk.com", "--out", tmp / "o.jsonl", "--state", tmp / "s.db",
                  "http://127.0.0.1:9/"]):
        r = run([binary.resolve(), args[0], "--sites", folder] + args[1:], cwd=str(tmp))
        testlib.expect_exit(r, 2)
        check(r.stderr_text().startswith(want), f"{args[0]}: stderr {r.stderr_text()[:200]!r}")
        eq(r.stdout, b"", f"{args[0]}: stdout")
    eq(sorted(p.name for p in tmp.iterdir()), ["sites"], "files created")


@case("schema/site.schema.json: every shipped site file validates; a broken one does not")
def _(binary, tmp):
    import jsonschema  # Debian's python3-jsonschema
    import yaml  # Debian's python3-yaml
    validator = jsonschema.Draft202012Validator(
        json.loads((SOURCE / "schema" / "site.schema.json").read_text()))
    files = sorted((SOURCE / "extractors").glob("*.yaml")) + [None]
    for path in files:
        text = CLINIC_YAML if path is None else path.read_text(encoding="utf-8")
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
        eq(errors, [], f"schema errors of {path or 'the test site'}")
    for broken in (CLINIC_YAML.replace("detect:", "detector:"),
                   CLINIC_YAML.replace("type: date", "type: datetime"),
                   CLINIC_YAML.replace("version: 2", "version: 0"),
                   CLINIC_YAML.replace("        list: 'article.doc li.reply'\n", "")):
        check(list(validator.iter_errors(yaml.safe_load(broken))), "the schema took a broken file")
    return f"{len(files) - 1} shipped files"


# ---------------------------------------------------------------- following links

def rename_lists(root):
    """fixtures/site with its list pages renamed as no site file declares:
    /jingxuan/index.shtml -> list_1.shtml, index_<n>.shtml -> list_<n>.shtml."""
    shutil.copytree(SOURCE / "fixtures" / "site", root)
    (root / "jingxuan" / "index.shtml").rename(root / "jingxuan" / "list_1.shtml")
    for n in (2, 3):
        (root / "jingxuan" / f"index_{n}.shtml").rename(root / "jingxuan" / f"list_{n}.shtml")
    for page in root.rglob("*.shtml"):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"/jingxuan/index_(\d+)\.shtml", r"/jingxuan/list_\1.shtml", text)
        page.write_text(text.replace("/jingxuan/index.shtml", "/jingxuan/list_1.shtml"), encoding="utf-8")


@case("a mirror whose list pages no site file names, seeded with its first list page: every page once")
def _(binary, tmp):
    root = tmp / "mirror"
    rename_lists(root)
    with Server(root, tmp / "requests.jsonl") as server:
        r = crawl(binary, tmp, "--site", "mfk.com", server.base + "/jingxuan/list_1.shtml")
        testlib.expect_exit(r, 0)
        recs = records_of(tmp / "out.jsonl")
        eq(len(recs), 37, "records (every article and Q&A page of the mirror)")
        paths = server.paths()
        eq(len(paths), len(set(paths)), "a page requested twice")
        for n in (1, 2, 3):
            check(f"/jingxuan/list_{n}.shtml" in paths, f"list_{n}.shtml not fetched")
        eq(len(paths), 1 + 3 + 37, "requests: robots.txt, 3 list pages, 37 pages")
        r = run([binary, "route", "--site", "mfk.com", "--seed", server.base + "/jingxuan/list_1.shtml",
                 server.base + "/jingxuan/list_3.shtml"])
        eq(r.stdout.decode().split("\t")[1].strip(), "hub (the shape of seed /jingxuan/list_1.shtml)",
           "route of list_3 with the seed")


@case("--follow adds list pages; without it and without the seed's shape they are not followed")
def _(binary, tmp):
    root = tmp / "mirror"
    rename_lists(root)
    with Server(root, tmp / "requests.jsonl") as server:
        # Seeded with an article, list pages are reached by links only: --follow decides.
        seed = server.base + "/jingxuan/8982101.shtml"
        run_a, run_b = tmp / "a", tmp / "b"
        run_a.mkdir()
        run_b.mkdir()
        r = crawl(binary, run_a, "--site", "mfk.com", "--max-depth", "2", seed)
        testlib.expect_exit(r, 0)
        plain = records_of(run_a / "out.jsonl")
        r = crawl(binary, run_b, "--site", "mfk.com", "--max-depth", "2", "--follow",
                  r"/jingxuan/list_\d+\.shtml$", seed)
        testlib.expect_exit(r, 0)
        followed = records_of(run_b / "out.jsonl")
        check(len(followed) > len(plain), f"--follow found no more pages ({len(followed)} vs {len(plain)})")
        stats = json.loads((run_a / "out.stats.json").read_text())
        check(stats["run"]["dropped_links"].get("no_rule", 0) > 0, f"dropped_links {stats['run']['dropped_links']}")
    return f"{len(plain)} records without --follow, {len(followed)} with"


@case("route: page types, hubs with their rule, and the reason a URL is not followed")
def _(binary, tmp):
    r = run([binary, "route", "--follow", r"/zhuanti/\d+", "--seed", "https://www.mfk.com/list/p1.html",
             "https://www.mfk.com/jingxuan/8137265.shtml", "https://mip.mfk.com/ask/1.shtml#x",
             "https://www.mfk.com/jingxuan/index_2.shtml", "https://www.mfk.com/zhuanti/12",
             "https://www.mfk.com/list/p7.html", "https://www.mfk.com/about.html",
             "https://www.example.org/x", "ftp://www.mfk.com/x"])
    testlib.expect_exit(r, 1)
    lines = dict(line.split("\t") for line in r.stdout.decode().splitlines())
    eq(lines, {
        "https://www.mfk.com/jingxuan/8137265.shtml": "mfk.com article",
        "https://mip.mfk.com/ask/1.shtml": "mfk.com question",
        "https://www.mfk.com/jingxuan/index_2.shtml": r"hub (mfk.com follow '/jingxuan/(?:index_\d+\.shtml)?$')",
        "https://www.mfk.com/zhuanti/12": r"hub (--follow '/zhuanti/\d+')",
        "https://www.mfk.com/list/p7.html": "hub (the shape of seed /list/p1.html)",
        "https://www.mfk.com/about.html": "not followed: no page type or follow rule of mfk.com matches /about.html",
        "https://www.example.org/x": "not followed: no site file covers www.example.org",
        "ftp://www.mfk.com/x": "not followed: not an absolute http(s) URL",
    }, "route lines")
    r = run([binary, "route", "https://www.mfk.com/jingxuan/1.shtml"])
    testlib.expect_exit(r, 0)
    r = run([binary, "route", "--follow", "(", "https://www.mfk.com/"])
    testlib.expect_exit(r, 2)
    check("--follow '('" in r.stderr_text(), f"stderr {r.stderr_text()!r}")


# ---------------------------------------------------------------- check and select

@case("check: the fixtures match; an edited expectation is a field-by-field diff, exit 1")
def _(binary, tmp):
    r = run([binary, "check", SOURCE / "fixtures"])
    testlib.expect_exit(r, 0)
    m = re.search(r"medscrape: check: (\d+) pages, \1 match, 0 differ", r.stderr_text())
    check(m and int(m.group(1)) >= 20, f"summary {r.stderr_text()[-200:]!r}")
    folder = tmp / "saved"
    folder.mkdir()
    for ext in ("html", "url", "expected.json"):
        shutil.copy(reference_path("mfk-ask", ext), folder / f"page.{ext}")
    expected = json.loads((folder / "page.expected.json").read_text())
    expected["views"] = 1
    expected["answers"][0]["doctor"]["name"] = "某医生"
    (folder / "page.expected.json").write_text(json.dumps(expected, ensure_ascii=False))
    (folder / "alone.html").write_text("<html></html>")  # No expectation: not a check.
    r = run([binary, "check", folder])
    testlib.expect_exit(r, 1)
    out = r.stdout.decode()
    eq(out.splitlines()[0], f"FAIL {folder / 'page.html'}", "first line")
    check('views: expected 1, got 3562' in out, f"no views diff in {out!r}")
    check('answers[0].doctor.name: expected "某医生", got "杜俊秋"' in out, f"no name diff in {out!r}")
    r = run([binary, "check", folder / "alone.html"])
    testlib.expect_exit(r, 1)
    check("no " in r.stdout.decode() and "alone.expected.json" in r.stdout.decode(), r.stdout.decode())


@case("select: each match's text and markup; none is exit 1; a bad selector exit 2")
def _(binary, tmp):
    ref = reference_path("mfk-article")
    r = run([binary, "select", "--site", "mfk.com", "div.articleTop > h1", ref])
    testlib.expect_exit(r, 0)
    out = r.stdout.decode().splitlines()
    check("mfk.com article: detect 'div.articleTop' matches" in out, f"{out[:3]}")
    check("1 match of 'div.articleTop > h1' in " + str(ref) in out, f"{out}")
    at = out.index("1 match of 'div.articleTop > h1' in " + str(ref))
    eq(out[at + 1], f"[0] {TITLE_ARTICLE}", "text of the match")
    check(out[at + 2].strip().startswith("<h1") and out[at + 2].strip().endswith("</h1>"),
          f"markup {out[at + 2]!r}")
    r = run([binary, "select", "span.no-such-thing", ref])
    testlib.expect_exit(r, 1)
    r = run([binary, "select", "h1::after", ref])
    testlib.expect_exit(r, 2)
    check("bad selector" in r.stderr_text(), r.stderr_text())


# ---------------------------------------------------------------- crawl usage, before any file

@case("crawl usage errors: exit 2 before any file exists, each saying why")
def _(binary, tmp):
    cases = [
        (["http://127.0.0.1:9/x"], "no site file covers 127.0.0.1"),
        (["--site", "mfk.com", "--include", "a(", "http://127.0.0.1:9/"], "--include 'a('"),
        (["--site", "mfk.com", "--exclude", "[", "http://127.0.0.1:9/"], "--exclude '['"),
        (["--site", "mfk.com", "--follow", "*x", "http://127.0.0.1:9/"], "--follow '*x'"),
        (["--site", "mfk.com", "not a url"], "seed 'not a url' is not an absolute http(s) URL"),
        (["--site", "mfk.com", "ftp://x/"], "seed 'ftp://x/' is not an absolute http(s) URL"),
        (["--site", "nosuch.example", "http://127.0.0.1:9/"], "unknown site 'nosuch.example'"),
        (["--site", "mfk.com", "--delay", "fast", "http://127.0.0.1:9/"], "--delay takes a duration"),
        (["--site", "mfk.com", "--max-time", "-1s", "http://127.0.0.1:9/"], "--max-time takes a duration"),
        (["--site", "mfk.com", "--out", "-", "http://127.0.0.1:9/"], "--out - : the crawl writes a file"),
        (["--site", "mfk.com", "--out", "nowhere/x.jsonl", "http://127.0.0.1:9/"], "folder nowhere"),
        (["--site", "mfk.com", "--concurrency", "0", "http://127.0.0.1:9/"], "--concurrency"),
        (["--site", "mfk.com", "--bogus", "http://127.0.0.1:9/"], "--bogus"),
        (["--site", "mfk.com", "--seeds", "missing.txt"], "cannot read seed file missing.txt"),
        ([], "at least one SEED"),
    ]
    for args, words in cases:
        work = tmp / f"run{cases.index((args, words))}"
        work.mkdir()
        r = run([binary.resolve(), "crawl", *args], cwd=str(work))
        testlib.expect_exit(r, 2)
        check(words in r.stderr_text(), f"{args}: {words!r} not in {r.stderr_text()!r}")
        eq(list(work.iterdir()), [], f"{args}: files created")


@case("crawl: durations like --delay 1s, and a missing out/ folder is made (cron runs in $HOME)")
def _(binary, tmp):
    root = tmp / "mirror"
    write_clinic(root)
    folder = sites_dir(tmp, {"clinic.yaml": CLINIC_YAML})
    home = tmp / "home"
    home.mkdir()
    with Server(root, tmp / "requests.jsonl") as server:
        r = run([binary.resolve(), "crawl", "--sites", folder, "--site", "clinic.example",
                 "--allow-private", "--delay", "50ms", "--max-time", "1m", "--no-progress",
                 server.base + "/doc/1.html"], cwd=str(home), timeout=60)
        testlib.expect_exit(r, 0)
    eq(sorted(p.name for p in (home / "out").iterdir()),
       ["crawl.db", "crawl.db.lock", "crawl.jsonl", "crawl.stats.json"], "files in the made out/")
    eq(len(records_of(home / "out" / "crawl.jsonl")), 1, "records")


if __name__ == "__main__":
    sys.exit(runner.main())

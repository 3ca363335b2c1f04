#!/usr/bin/python3
"""End-to-end tests of `medscrape export` and `medscrape stats`: the fixtures' records as CSV tables read back by
pandas and the csv module, and as a SQLite file queried with sqlite3; --latest, filters, bad
lines, empty input, and that an export that fails leaves no table behind.

Usage: /usr/bin/python3 tests/export_test.py <path-to-medscrape> [case-name-substring...]
Needs Debian's python3-pandas (scripts/install-deps). Ends with "N passed, M failed".
"""

import atexit
import csv
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crawl_cli_test as cli  # noqa: E402  (its fixtures/site server)
import testlib  # noqa: E402
from testlib import check, eq  # noqa: E402

runner = testlib.Runner("medscrape export and stats end-to-end tests")
case = runner.case
WORK = Path(tempfile.mkdtemp(prefix="medscrape_export_"))  # The fixtures' records, made once.
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
_records = {}


def fixture_records(binary):
    """The records `medscrape extract` makes of fixtures/ (JSON Lines file, parsed list)."""
    if not _records:
        path = WORK / "fixtures.jsonl"
        result = testlib.run([binary, "extract", "-q", "-o", path, testlib.source_dir() / "fixtures"])
        check(result.rc in (0, 1), result.describe())
        _records["path"] = path
        _records["list"] = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        check(len(_records["list"]) >= 40, f"only {len(_records['list'])} fixture records")
    return _records["path"], _records["list"]


def export(binary, *args, stdin_bytes=None):
    return testlib.run([binary, "export", *args], stdin_bytes=stdin_bytes)


def counts(records):
    answers = sum(len(r.get("answers") or []) for r in records)
    items = sum(len(r.get("causes") or []) + len(r.get("advice") or []) for r in records)
    return len(records), answers, items


def line(**fields):
    record = {"schema_version": 1, "url": "https://www.mfk.com/jingxuan/1.shtml", "site": "mfk.com",
              "page_type": "article", "title": "t", "published": "2026-01-15", "views": 1}
    record.update(fields)
    return json.dumps(record, ensure_ascii=False)


@case("CSV tables: row counts, BOM, pandas dtypes and Chinese text")
def csv_tables(binary, tmp):
    import pandas as pd
    path, records = fixture_records(binary)
    out = tmp / "csv"
    result = export(binary, "-o", out, path)
    eq(result.rc, 0, "exit code")
    n_pages, n_answers, n_items = counts(records)
    check(f"{n_pages} records, {n_answers} answers, {n_items} items" in result.stderr_text(),
          result.stderr_text())
    for name in ("pages", "answers", "items"):
        check((out / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbfpage_id,"), f"{name}.csv BOM")
        check(not (out / f"{name}.csv.tmp").exists(), f"{name}.csv.tmp left behind")
    pages = pd.read_csv(out / "pages.csv", encoding="utf-8-sig")
    answers = pd.read_csv(out / "answers.csv", encoding="utf-8-sig")
    items = pd.read_csv(out / "items.csv", encoding="utf-8-sig")
    eq((len(pages), len(answers), len(items)), (n_pages, n_answers, n_items), "row counts")
    eq(str(pages["page_id"].dtype), "int64", "page_id dtype")
    check(str(pages["views"].dtype) in ("float64", "int64"), f"views dtype {pages['views'].dtype}")
    eq(str(answers["position"].dtype), "int64", "position dtype")
    for i, record in enumerate(records):
        row = pages.iloc[i]
        eq(row["url"], record["url"], "url in order")
        eq(row["title"] if isinstance(row["title"], str) else None, record.get("title"), "title")
        views = None if pd.isna(row["views"]) else int(row["views"])
        eq(views, record.get("views"), f"views of {record['url']}")
        published = record.get("published")
        expected_date = published[:10] if published else None
        date = row["published_date"] if isinstance(row["published_date"], str) else None
        eq(date, expected_date, f"published_date of {record['url']}")
    # One answer row per answer, its doctor's name in Chinese as in the record.
    doctors = [a["doctor"]["name"] for r in records for a in (r.get("answers") or [])]
    got = [d if isinstance(d, str) else None for d in answers["doctor_name"]]
    eq(got, doctors, "doctor names")
    check(any("医师" in str(t) for t in answers["doctor_title"]), "Chinese job titles")
    eq(sorted(set(answers["kind"])), ["excerpt", "full"], "answer kinds")
    eq(sorted(set(items["kind"])), ["advice", "cause"], "item kinds")


@case("a crawl of fixtures/site, exported both ways: one row per record, answer and item")
def crawl_export(binary, tmp):
    site = cli.site()
    out = tmp / "site.jsonl"
    result = testlib.run([binary, "crawl", "--out", out, "--state", tmp / "state.db", "--site",
                          "mfk.com", "--delay", "0", "--allow-private", "--no-progress",
                          site.url("/jingxuan/index.shtml")], timeout=120, env=cli.clean_env())
    eq(result.rc, 0, "crawl exit code")
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    check(len(records) >= 30, f"only {len(records)} records crawled")
    n_pages, n_answers, n_items = counts(records)
    eq(export(binary, "-o", tmp / "tables", out).rc, 0, "csv exit code")
    eq(export(binary, "--format", "sqlite", "-o", tmp / "site.sqlite", out).rc, 0, "sqlite exit code")
    for name, expected in (("pages", n_pages), ("answers", n_answers), ("items", n_items)):
        with open(tmp / "tables" / f"{name}.csv", newline="", encoding="utf-8-sig") as f:
            eq(len(list(csv.DictReader(f))), expected, f"{name}.csv rows")
        db = sqlite3.connect(tmp / "site.sqlite")
        eq(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0], expected, f"{name} rows")
    db = sqlite3.connect(tmp / "site.sqlite")
    eq(sorted(r[0] for r in db.execute("SELECT url FROM pages")), sorted(r["url"] for r in records),
       "page URLs")
    statuses = {r[0] for r in db.execute("SELECT DISTINCT http_status FROM pages")}
    eq(statuses, {200}, "http_status from the crawl's provenance")
    check(db.execute("SELECT count(*) FROM pages WHERE fetched_at IS NULL").fetchone()[0] == 0,
          "every crawled record has fetched_at")
    # stats computes what the crawl's stats file says.
    stats = testlib.run([binary, "stats", "--format", "json", out])
    eq(stats.rc, 0, "stats exit code")
    crawl_stats = json.loads(out.with_suffix(".stats.json").read_text("utf-8"))
    eq(json.loads(stats.stdout)["sites"], crawl_stats["run"]["sites"], "stats = the crawl's stats file")


@case("stats: records per site and type, fill rates of nested fields, bad lines")
def stats(binary, tmp):
    path, records = fixture_records(binary)
    source = tmp / "with-bad.jsonl"
    source.write_bytes(path.read_bytes() + b"{oops\n[1]\n")
    result = testlib.run([binary, "stats", "--format", "json", source])
    eq(result.rc, 1, "exit code with bad lines")
    for expected in (f"{source}:{len(records) + 1}: not JSON", f"{source}:{len(records) + 2}: not a record"):
        check(expected in result.stderr_text(), f"missing {expected!r}: {result.stderr_text()}")
    report = json.loads(result.stdout)
    eq(report["records"], len(records), "records")
    eq(report["bad_lines"], 2, "bad lines")
    groups = {}
    for r in records:
        # A record of no site (a generic page) counts under "generic".
        groups.setdefault((r["site"] or "generic", r["page_type"]), []).append(r)
    for (site, page_type), group in groups.items():
        got = report["sites"][site][page_type]
        eq(got["records"], len(group), f"{site} {page_type} records")
        titles = sum(1 for r in group if r.get("title"))
        eq((got["fields"]["title"]["filled"], got["fields"]["title"]["of"]), (titles, len(group)),
           f"{site} {page_type} title fill")
        answers = [a for r in group for a in (r.get("answers") or [])]
        if answers:
            named = sum(1 for a in answers if a["doctor"]["name"])
            field = got["fields"]["answers[].doctor.name"]
            eq((field["filled"], field["of"]), (named, len(answers)), f"{site} {page_type} doctor names")
    text = testlib.run([binary, "stats", path])
    eq(text.rc, 0, "text exit code")
    check(f"{len(records)} records" in text.stdout.decode(), text.stdout.decode()[:200])
    check("answers[].doctor.hospital" in text.stdout.decode(), "nested field in the text report")


@case("CSV quoting: commas, quotes and newlines inside fields survive the csv module")
def csv_quoting(binary, tmp):
    title = 'a, "quoted" title\nsecond line\r\nthird'
    source = tmp / "quoting.jsonl"
    source.write_text(line(title=title, causes=[{"name": "x,y", "detail": 'he said "no"'}]) + "\n",
                      "utf-8")
    out = tmp / "quoting"
    eq(export(binary, "-o", out, source).rc, 0, "exit code")
    with open(out / "pages.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    eq(len(rows), 1, "pages rows")
    eq(rows[0]["title"], title, "title read back")
    eq(rows[0]["views"], "1", "views")
    eq(rows[0]["question"], "", "NULL is an empty field")
    with open(out / "items.csv", newline="", encoding="utf-8-sig") as f:
        items = list(csv.DictReader(f))
    eq([(i["kind"], i["position"], i["name"], i["detail"]) for i in items],
       [("cause", "1", "x,y", 'he said "no"')], "items read back")


@case("SQLite: typed columns, keys, the view, foreign keys that hold")
def sqlite_tables(binary, tmp):
    path, records = fixture_records(binary)
    out = tmp / "records.sqlite"
    result = export(binary, "--format", "sqlite", "-o", out, path)
    eq(result.rc, 0, "exit code")
    db = sqlite3.connect(out)
    n_pages, n_answers, n_items = counts(records)
    eq(db.execute("SELECT count(*) FROM pages").fetchone()[0], n_pages, "pages")
    eq(db.execute("SELECT count(*) FROM answers").fetchone()[0], n_answers, "answers")
    eq(db.execute("SELECT count(*) FROM items").fetchone()[0], n_items, "items")
    eq(db.execute("SELECT count(*) FROM answers_with_pages").fetchone()[0], n_answers, "view")
    types = dict(db.execute("SELECT typeof(views), count(*) FROM pages GROUP BY 1").fetchall())
    eq(sum(types.values()), n_pages, "views typed")
    check(set(types) <= {"integer", "null"}, f"views types {types}")
    eq(types.get("integer", 0), sum(1 for r in records if isinstance(r.get("views"), int)),
       "integer views")
    columns = {row[1]: (row[2], row[5]) for row in db.execute("PRAGMA table_info(pages)")}
    eq(columns["page_id"], ("INTEGER", 1), "pages key")
    eq(columns["views"][0], "INTEGER", "views column type")
    eq(db.execute("PRAGMA foreign_key_check").fetchall(), [], "foreign keys")
    fks = db.execute("PRAGMA foreign_key_list(answers)").fetchall()
    eq([(fk[2], fk[3], fk[4]) for fk in fks], [("pages", "page_id", "page_id")], "answers FK")
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    check({"pages_url", "answers_url", "items_url"} <= indexes, f"indexes {indexes}")
    dates = db.execute("SELECT DISTINCT length(published_date) FROM pages"
                       " WHERE published_date IS NOT NULL").fetchall()
    eq(dates, [(10,)], "published_date is YYYY-MM-DD")
    joined = db.execute("SELECT page_title, doctor_name FROM answers_with_pages"
                        " WHERE kind = 'excerpt' LIMIT 1").fetchone()
    check(joined is not None and all(joined), f"view row {joined}")
    check(not list(tmp.glob("records.sqlite.tmp-*")), "temporary file left behind")
    # Keys no column holds are kept in extra, as JSON.
    generic = [r for r in records if r["page_type"] == "generic" and r.get("description")]
    check(generic, "no generic record with a description among the fixtures")
    extras = dict(db.execute("SELECT url, extra FROM pages WHERE page_type = 'generic'").fetchall())
    for record in generic:
        eq(json.loads(extras[record["url"]])["description"], record["description"],
           f"extra.description of {record['url']}")


@case("--latest keeps the newest fetched_at per URL, ties to the later line")
def latest(binary, tmp):
    source = tmp / "versions.jsonl"
    a = "https://www.mfk.com/jingxuan/1.shtml"
    b = "https://www.mfk.com/jingxuan/2.shtml"
    source.write_text("\n".join([
        line(url=a, title="a new", fetched_at="2026-12-02T00:00:00Z"),
        line(url=a, title="a old", fetched_at="2026-12-01T00:00:00Z"),
        line(url=b, title="b first", fetched_at="2026-12-01T00:00:00Z"),
        line(url=b, title="b second", fetched_at="2026-12-01T00:00:00Z"),
    ]) + "\n", "utf-8")
    for args, expected in (((), ["a new", "a old", "b first", "b second"]),
                           (("--latest",), ["a new", "b second"])):
        out = tmp / ("latest" if args else "all")
        eq(export(binary, *args, "--format", "sqlite", "-o", out, source).rc, 0, "exit code")
        titles = [r[0] for r in sqlite3.connect(out).execute("SELECT title FROM pages ORDER BY page_id")]
        eq(titles, expected, f"titles with {args}")
    # Standard input is read twice by --latest: it is spooled first.
    result = export(binary, "--latest", "-o", tmp / "stdin", "-", stdin_bytes=source.read_bytes())
    eq(result.rc, 0, "exit code, stdin")
    with open(tmp / "stdin" / "pages.csv", newline="", encoding="utf-8-sig") as f:
        eq([r["title"] for r in csv.DictReader(f)], ["a new", "b second"], "titles from stdin")


@case("--site and --page-type filter the records")
def filters(binary, tmp):
    path, records = fixture_records(binary)
    out = tmp / "filtered.sqlite"
    eq(export(binary, "--format", "sqlite", "--site", "xywy.com", "--page-type", "question",
              "-o", out, path).rc, 0, "exit code")
    expected = [r["url"] for r in records if r["site"] == "xywy.com" and r["page_type"] == "question"]
    check(expected, "no xywy question among the fixtures")
    eq([r[0] for r in sqlite3.connect(out).execute("SELECT url FROM pages ORDER BY page_id")],
       expected, "filtered URLs")


@case("bad lines are errors naming file:line, the rest is exported, exit 1")
def bad_lines(binary, tmp):
    source = tmp / "bad.jsonl"
    source.write_text("\n".join([line(), "{not json", "", "[1, 2]", '{"title": "no url"}',
                                 line(url="https://www.mfk.com/jingxuan/3.shtml")]) + "\n", "utf-8")
    out = tmp / "bad"
    result = export(binary, "-o", out, source, tmp / "missing.jsonl")
    eq(result.rc, 1, "exit code")
    err = result.stderr_text()
    for expected in (f"{source}:2: not JSON", f"{source}:4: not a record", f"{source}:5: not a record",
                     f"{tmp / 'missing.jsonl'}: cannot read"):
        check(expected in err, f"missing {expected!r} in:\n{err}")
    check(f"{source}:3:" not in err, "a blank line is no error")
    with open(out / "pages.csv", newline="", encoding="utf-8-sig") as f:
        eq(len(list(csv.DictReader(f))), 2, "good records exported")


@case("memory stays flat, and a killed SQLite export leaves no database behind")
def big_and_killed(binary, tmp):
    import signal
    import subprocess
    import time
    path, records = fixture_records(binary)
    big = tmp / "big.jsonl"
    data = path.read_bytes()
    with open(big, "wb") as f:
        for _ in range(60000 // len(records) + 1):
            f.write(data)
    result = export(binary, "-o", tmp / "big", big)
    eq(result.rc, 0, "exit code")
    if not os.environ.get("MEDSCRAPE_SANITIZED"):  # ASan's shadow memory is no export's.
        check(result.maxrss_kb - result.rss_floor_kb < 40 * 1024,
              f"peak RSS {result.maxrss_kb} KiB for {big.stat().st_size >> 20} MB of records")
    target = tmp / "killed.sqlite"
    proc = subprocess.Popen([str(binary), "export", "--format", "sqlite", "-o", str(target), str(big)],
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not list(tmp.glob("killed.sqlite.tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    eq(proc.returncode, -signal.SIGKILL, "killed mid-export (not finished already)")
    check(not target.exists(), "a killed export left a database at the target path")
    eq(export(binary, "--format", "sqlite", "-o", target, path).rc, 0, "export again")
    eq(sqlite3.connect(target).execute("SELECT count(*) FROM pages").fetchone()[0], len(records),
       "pages after the second export")


@case("empty input: tables with their header only, exit 0")
def empty_input(binary, tmp):
    source = tmp / "empty.jsonl"
    source.write_bytes(b"")
    out = tmp / "empty"
    eq(export(binary, "-o", out, source).rc, 0, "exit code")
    eq((out / "answers.csv").read_bytes().count(b"\r\n"), 1, "header row only")
    eq(export(binary, "--format", "sqlite", "-o", tmp / "empty.sqlite", source).rc, 0, "sqlite")
    eq(sqlite3.connect(tmp / "empty.sqlite").execute("SELECT count(*) FROM pages").fetchone()[0], 0,
       "no pages")


@case("a failed export leaves no table behind")
def failed_export(binary, tmp):
    path, _ = fixture_records(binary)
    blocker = tmp / "file-not-folder"
    blocker.write_text("x")
    result = export(binary, "-o", blocker / "tables", path)
    eq(result.rc, 3, "exit code, folder cannot be made")
    result = export(binary, "--format", "sqlite", "-o", tmp / "no" / "such" / "dir" / "r.sqlite", path)
    eq(result.rc, 3, "exit code, sqlite in a missing folder")
    check(not (tmp / "no").exists(), "nothing created")
    eq(export(binary, "--format", "xlsx", "-o", tmp / "x", path).rc, 2, "unknown format")


if __name__ == "__main__":
    sys.exit(runner.main())

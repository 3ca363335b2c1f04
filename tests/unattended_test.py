#!/usr/bin/python3
"""End-to-end tests of crawls that run unattended (cron, systemd timers, Kubernetes CronJobs):
healing after an outage, discovery by a plain re-run, change decided on the extracted fields,
per-run output files across kill -9, a rotated output, exit codes (ratio, drift, signals),
periodic progress off a terminal, the stats file against schema/stats.schema.json, the
--metrics file read by prometheus_client's parser, and the drift alarm.

Usage: /usr/bin/python3 tests/unattended_test.py <path-to-medscrape> [case-name-substring...]
Needs Debian's python3-jsonschema and python3-prometheus-client (scripts/install-deps).
Every crawl is of a copy of fixtures/site served on 127.0.0.1 by tests/http_test_server.py, so
a case can change pages between runs or take the server down. Ends with "N passed, M failed".
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import TestFailure, check, eq, parse_records  # noqa: E402
import crawl_cli_test as cli  # noqa: E402  (spawn, clean_env, expect_exit: its cases stay unregistered here)

runner = testlib.Runner("medscrape unattended crawls, end to end")
case = runner.case

SEED = "/jingxuan/index.shtml"
FIXTURE_RECORDS = 37
FIXTURE_DONE = 40
DRIFT_RE = re.compile(r"^medscrape: drift: mfk\.com article summary 1\.00 -> 0\.00 \((\d+) records; "
                      r"baseline run \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$", re.M)


def hold_port(port=0):
    """A socket bound to 127.0.0.1:port (0: a free one) and not listening: connections to the
    port are refused, no other process is given it, and a server binding it with
    SO_REUSEADDR (http_test_server.py does) still can. Close it once the server is up."""
    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("127.0.0.1", port))
    return held


class Mirror:
    """A copy of fixtures/site in `folder`/site, served on a fixed port while started."""

    def __init__(self, folder, port=None):
        self.root = Path(folder) / "site"
        shutil.copytree(testlib.source_dir() / "fixtures" / "site", self.root)
        self.held = hold_port(port or 0)  # The port stays this mirror's while it is down.
        self.port = self.held.getsockname()[1]
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(testlib.source_dir() / "tests" / "http_test_server.py"),
             "--root", str(self.root), "--port", str(self.port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=cli.clean_env())
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            raise TestFailure(f"http_test_server.py did not start: {line!r}")
        if self.held is not None:
            self.held.close()
            self.held = None
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            try:
                self.held = hold_port(self.port)
            except OSError:  # Still taken by the closing server's sockets: go on unheld.
                self.held = None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def edit(self, path, old, new, count=1):
        file = self.root / path.lstrip("/")
        text = file.read_text(encoding="utf-8")
        check(old in text, f"{path}: no {old!r} to replace")
        file.write_text(text.replace(old, new, count), encoding="utf-8")

    def articles(self):
        return sorted(p for p in (self.root / "jingxuan").glob("[0-9]*.shtml"))


class Job:
    def __init__(self, folder, mirror, name="job"):
        self.dir = Path(folder) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.mirror = mirror
        self.out = self.dir / "out.jsonl"
        self.state = self.dir / "state.db"
        self.stats_path = self.dir / "out.stats.json"

    def argv(self, binary, *extra, out=None):
        return [binary, "crawl", "--out", out or self.out, "--state", self.state, "--site", "mfk.com",
                "--delay", "0", "--concurrency", "4", "--per-host", "4", "--allow-private",
                *extra, self.mirror.url(SEED)]

    def run(self, binary, *extra, out=None, **kwargs):
        return cli.spawn(self.argv(binary, *extra, out=out), **kwargs)

    def stats(self, path=None):
        return json.loads(Path(path or self.stats_path).read_text(encoding="utf-8"))


def records(path):
    return list(parse_records(Path(path).read_bytes())) if Path(path).exists() else []


def expect_exit(result, code):
    cli.expect_exit(result, code)


# ---------------------------------------------------------------- healing and discovery

@case("an outage heals: failed:connect URLs are retried by later runs, at most --max-attempts runs; "
      "--retry-failed retries now")
def _(binary, tmp):
    mirror = Mirror(tmp)  # Not started: the host refuses connections.
    job = Job(tmp, mirror)
    r = job.run(binary, "--retries", "0")
    expect_exit(r, 1)  # Every fetch failed: past --max-failed-ratio.
    eq(job.stats()["job"]["reasons"], {"failed:connect": 1}, "reasons after the outage")
    # Too soon for the default --retry-failed-after (1h): nothing is tried.
    r = job.run(binary, "--retries", "0")
    expect_exit(r, 0)
    eq((job.stats()["run"]["healed"], job.stats()["run"]["fetched"]), (0, 0), "healed, fetched too soon")
    # Due, still down: the second attempt; with --max-attempts 2 that is the last.
    for attempt, healed in ((2, 1), (3, 0)):
        r = job.run(binary, "--retries", "0", "--retry-failed-after", "0s", "--max-attempts", "2")
        eq(job.stats()["run"]["healed"], healed, f"run {attempt}: URLs given another chance")
        expect_exit(r, 1 if healed else 0)
    mirror.start()
    try:
        r = job.run(binary, "--retry-failed-after", "0s", "--max-attempts", "2")
        expect_exit(r, 0)
        eq(job.stats()["run"]["healed"], 0, "capped: no more attempts")
        eq(len(records(job.out)), 0, "records while capped")
        r = job.run(binary, "--retry-failed")
        expect_exit(r, 0)
        stats = job.stats()
        eq((stats["run"]["healed"], stats["run"]["records"]), (1, FIXTURE_RECORDS), "--retry-failed")
        eq(stats["job"]["states"], {"pending": 0, "done": FIXTURE_DONE, "failed": 0, "skipped": 0},
           "states after healing")
        # A permanent failure is never healed: a page gone (404) on a re-check.
        first = mirror.articles()[0]
        page = "/jingxuan/" + first.name
        os.rename(first, str(first) + ".away")
        job.run(binary, "--recrawl-after", "0s", "--retry-failed-after", "0s")
        os.rename(str(first) + ".away", first)
        eq(job.stats()["job"]["reasons"], {"failed:http_404": 1}, "a 404 on a recheck")
        job.run(binary, "--retry-failed-after", "0s")
        eq(job.stats()["run"]["healed"], 0, "a 404 is final")
        return f"{page} 404: final"
    finally:
        mirror.stop()


@case("a plain re-run finds the new page of a list page (seeds re-checked); list pages wait for "
      "--refresh-hubs")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        expect_exit(job.run(binary), 0)
        eq(len(records(job.out)), FIXTURE_RECORDS, "records of the first run")
        # A new article, linked from the seed list page only.
        article = mirror.articles()[0]
        new = article.with_name("9999001.shtml")
        shutil.copy(article, new)
        mirror.edit("/jingxuan/9999001.shtml", "<h1>", "<h1>新文章 ")
        mirror.edit(SEED, "</body>", '<a href="/jingxuan/9999001.shtml">new</a></body>')
        r = job.run(binary)
        expect_exit(r, 0)
        got = records(job.out)[FIXTURE_RECORDS:]
        eq([(g["url"], g["change"]) for g in got], [(mirror.url("/jingxuan/9999001.shtml"), "new")],
           "records of the re-run")
        stats = job.stats()["run"]
        eq((stats["fetched"], stats["refreshed"]), (2, 1), "re-run: the seed and the new page only")
        # A page linked from another list page is found once that hub is stale.
        shutil.copy(article, article.with_name("9999002.shtml"))
        hubs = sorted(p.name for p in (mirror.root / "jingxuan").glob("index_*.shtml"))
        check(hubs, "the fixture has list pages besides the seed")
        mirror.edit("/jingxuan/" + hubs[0], "</body>", '<a href="/jingxuan/9999002.shtml">n</a></body>')
        expect_exit(job.run(binary), 0)
        eq(len(records(job.out)), FIXTURE_RECORDS + 1, "other list pages not due yet (24h)")
        expect_exit(job.run(binary, "--refresh-hubs", "0s"), 0)
        eq(records(job.out)[-1]["url"], mirror.url("/jingxuan/9999002.shtml"), "found via a stale hub")
    finally:
        mirror.stop()


@case("change is decided on the extracted fields: a comment or an ad gives no record, a new title does")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        expect_exit(job.run(binary), 0)
        article = mirror.articles()[0]
        page = "/jingxuan/" + article.name
        mirror.edit(page, "</body>", "<!-- build 2026-12-04 --><div class='ad'>广告</div></body>")
        r = job.run(binary, "--recrawl-after", "0s")
        expect_exit(r, 0)
        stats = job.stats()["run"]
        eq((stats["records"], stats["unchanged"]), (0, FIXTURE_RECORDS), "cosmetic change: records, unchanged")
        mirror.edit(page, "<h1>", "<h1>更新 ")
        expect_exit(job.run(binary, "--recrawl-after", "0s"), 0)
        last = records(job.out)[-1]
        eq((last["url"], last["change"], len(records(job.out))),
           (mirror.url(page), "updated", FIXTURE_RECORDS + 1), "a changed title")
        check(last["title"].startswith("更新"), f"title {last['title']!r}")
    finally:
        mirror.stop()


# ---------------------------------------------------------------- output files

@case("--out with strftime fields: one file per run, exactly once across kill -9 and a torn tail; "
      "moved files are no error")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        pattern = str(job.dir / "out-%Y%m%d-%H%M%S.jsonl")
        proc = subprocess.Popen([str(a) for a in job.argv(binary, "--per-host", "1", "--delay", "0.03",
                                                         out=pattern)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=cli.clean_env())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum(len(records(f)) for f in job.dir.glob("out-*.jsonl")) < 8:
            time.sleep(0.02)
        proc.kill()
        proc.wait()
        first = list(job.dir.glob("out-*.jsonl"))
        eq(len(first), 1, "files after the killed run")
        first = first[0]
        with open(first, "ab") as f:
            f.write(b'{"url": "torn')  # What a kill mid-write leaves behind.
        time.sleep(1.1)  # The next run's name has another second.
        r = job.run(binary, out=pattern)
        expect_exit(r, 0)
        files = sorted(job.dir.glob("out-*.jsonl"))
        eq(len(files), 2, "one file per run")
        check(b"cut back to its last committed record" in r.stderr, "a warning names the cut file")
        urls = [rec["url"] for f in files for rec in records(f)]  # parse_records: strict lines
        eq(len(urls), FIXTURE_RECORDS, "records over both files")
        eq(len(set(urls)), FIXTURE_RECORDS, "each page once")
        stats = job.stats(job.dir / "state.stats.json")
        eq(sorted(o["path"] for o in stats["job"]["outputs"]), [str(f) for f in files], "outputs in stats")
        for o in stats["job"]["outputs"]:
            eq(o["committed_bytes"], Path(o["path"]).stat().st_size, f"committed bytes of {o['path']}")
        # Earlier files compressed or deleted: no error.
        subprocess.run(["gzip", str(files[0])], check=True)
        files[1].unlink()
        time.sleep(1.1)
        expect_exit(job.run(binary, out=pattern), 0)
    finally:
        mirror.stop()


@case("a rotated output (moved away by logrotate) is no error: new records go to a new file")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        expect_exit(job.run(binary, "--max-pages", "10"), 0)
        os.rename(job.out, str(job.out) + ".1")
        r = job.run(binary)
        expect_exit(r, 0)
        check(b"rotated or truncated" in r.stderr, "a warning says the file was rotated")
        eq(len(records(str(job.out) + ".1")) + len(records(job.out)), FIXTURE_RECORDS, "records in both")
        eq(len(records(job.out)), FIXTURE_RECORDS - 10, "records of the second run")
    finally:
        mirror.stop()


# ---------------------------------------------------------------- exit codes and progress

@case("exit codes: one 404 in 41 fetches is 0 (--max-failed-ratio 0.05), 1 past the ratio; "
      "SIGINT 130, SIGTERM 143, resumable")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        argv = job.argv(binary) + [mirror.url("/jingxuan/9999999.shtml")]
        expect_exit(cli.spawn(argv), 0)
        eq(job.stats()["run"]["failed"], 1, "failed this run")
        job2 = Job(tmp, mirror, "strict")
        expect_exit(cli.spawn(job2.argv(binary, "--max-failed-ratio", "0.03") +
                              [mirror.url("/jingxuan/9999999.shtml")]), 0)
        job3 = Job(tmp, mirror, "stricter")
        expect_exit(cli.spawn(job3.argv(binary, "--max-failed-ratio", "0") +
                              [mirror.url("/jingxuan/9999999.shtml")]), 1)
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            slow = Job(tmp, mirror, f"slow{code}")
            proc = subprocess.Popen([str(a) for a in slow.argv(binary, "--per-host", "1", "--delay", "0.05")],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, env=cli.clean_env())
            # Signalled once it is crawling (its handlers are set before the first record).
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not (slow.out.exists() and slow.out.stat().st_size > 0):
                time.sleep(0.02)
            proc.send_signal(sig)
            err = proc.communicate(timeout=20)[1].decode()
            eq(proc.returncode, code, f"exit code after signal {sig}: {err}")
            eq(slow.stats()["run"]["finish_reason"], "signal", "finish_reason")
            expect_exit(cli.spawn(slow.argv(binary)), 0)
            eq(len(records(slow.out)), FIXTURE_RECORDS, "records after the resume")
        # --max-pages is a finish reason of its own.
        capped = Job(tmp, mirror, "capped")
        r = cli.spawn(capped.argv(binary, "--max-pages", "5"))
        expect_exit(r, 0)
        eq(capped.stats()["run"]["finish_reason"], "max_pages", "finish_reason with --max-pages")
        check(b"crawl reached max_pages" in r.stderr, "summary names the limit")
    finally:
        mirror.stop()


@case("off a terminal: a progress line every --progress-interval; JSON progress events with ts and level")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        r = job.run(binary, "--per-host", "1", "--delay", "0.03", "--progress-interval", "0.3s")
        expect_exit(r, 0)
        lines = [l for l in r.stderr_text().splitlines() if l.startswith("medscrape: progress: ")]
        check(len(lines) >= 2, f"progress lines: {lines}")
        check(all(re.match(r"^medscrape: progress: \d+ done, \d+ queued, \d+ failed, \d+ records, "
                           r"[\d.]+ pages/s, 1 hosts$", l) for l in lines), f"progress lines {lines}")
        check("\x1b" not in r.stderr_text(), "no terminal escapes off a terminal")
        job2 = Job(tmp, mirror, "json")
        r = job2.run(binary, "--per-host", "1", "--delay", "0.03", "--progress-interval", "0.3s",
                     "--log-format", "json")
        objects = cli.json_lines(r.stderr_text(), "stderr")
        progress = [o for o in objects if o["event"] == "progress"]
        check(len(progress) >= 2, f"progress events: {progress}")
        for o in objects:
            check(cli.TS_RE.match(o["ts"]) and o["level"] in ("info", "warning", "error"), f"ts, level of {o}")
        # Default off a terminal: every 60 s, so none in a short run; 0 turns it off.
        r = Job(tmp, mirror, "quiet").run(binary, "--progress-interval", "0")
        check("progress" not in r.stderr_text(), "no progress with --progress-interval 0")
    finally:
        mirror.stop()


# ---------------------------------------------------------------- drift, stats, metrics

def break_summaries(mirror):
    for article in mirror.articles():
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace('class="summary"', 'class="lead"'), encoding="utf-8")


@case("drift: a changed layout exits 4 naming the field; an unchanged re-check raises nothing; "
      "--drift-threshold, --drift-min-records and --no-drift-check are honoured")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        jobs = {name: Job(tmp, mirror, name) for name in ("alarm", "lenient", "few", "off")}
        extra = {"alarm": [], "lenient": ["--drift-threshold", "1"], "few": ["--drift-min-records", "1000"],
                 "off": ["--no-drift-check"]}
        for name, job in jobs.items():
            expect_exit(job.run(binary, "--drift-min-records", "5"), 0)
        articles = sum(1 for r in records(jobs["alarm"].out) if r["page_type"] == "article")
        check(articles >= 5, f"article records: {articles}")
        break_summaries(mirror)
        for name, job in jobs.items():
            flags = extra[name] or ["--drift-min-records", "5"]
            if name == "off":
                flags = flags + ["--drift-min-records", "5"]
            r = job.run(binary, "--recrawl-after", "0s", *flags, "--metrics", job.dir / "m.prom")
            expect_exit(r, 4 if name == "alarm" else 0)
            drift = job.stats()["run"]["drift"]
            if name == "alarm":
                found = DRIFT_RE.findall(r.stderr_text())
                eq(found, [str(articles)], "drift line")
                eq([(d["site"], d["page_type"], d["field"], d["before"], d["after"]) for d in drift],
                   [("mfk.com", "article", "summary", 1.0, 0.0)], "drift in stats")
                metrics = read_metrics(job.dir / "m.prom")
                eq(metrics[("medscrape_drift", (("crawl_job", "state"), ("field", "summary"),
                                                ("page_type", "article"), ("site", "mfk.com")))], 1.0,
                   "drift flag in the metrics")
                warnings = job.stats()["run"]["sites"]["mfk.com"]["article"]["warnings"]
                eq(warnings.get("summary"), articles, "summary warnings this run")
            else:
                eq(drift, [], f"{name}: drift")
        # Re-checking the changed site: same fields, no records, no alarm (the baseline keeps).
        r = jobs["alarm"].run(binary, "--recrawl-after", "0s", "--drift-min-records", "5")
        expect_exit(r, 0)
        eq(jobs["alarm"].stats()["run"]["records"], 0, "records of the unchanged re-check")
        validate_stats(jobs["alarm"].stats())
        eq(len(jobs["alarm"].stats()["history"]), 2, "history entries")
    finally:
        mirror.stop()


def validate_stats(stats):
    import jsonschema
    schema = json.loads((testlib.source_dir() / "schema" / "stats.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(stats))
    check(not errors, "stats against schema/stats.schema.json: " +
          "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]))


def read_metrics(path):
    """(name, sorted labels) -> value, by prometheus_client's parser, after checking the text
    rules the parser lets pass: HELP and TYPE once per metric, before its samples; one line each."""
    from prometheus_client.parser import text_string_to_metric_families
    text = Path(path).read_text(encoding="utf-8")
    check(text.endswith("\n"), "metrics end with a newline")
    seen_type, seen_help, sampled = set(), set(), set()
    for line in text.splitlines():
        check(line.strip() == line and line, f"metrics line {line!r}")
        if line.startswith("# HELP "):
            name = line.split()[2]
            check(name not in seen_help and name not in sampled, f"HELP of {name} twice or late")
            seen_help.add(name)
        elif line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            check(name not in seen_type and name not in sampled, f"TYPE of {name} twice or late")
            eq(kind, "gauge", f"type of {name}")
            seen_type.add(name)
        else:
            name = re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            check(name in seen_type, f"sample of {name} before its TYPE")
            sampled.add(name)
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


@case("stats file against schema/stats.schema.json; --metrics as Prometheus text, written atomically")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        metrics = job.dir / "medscrape.prom"
        r = job.run(binary, "--metrics", metrics, mirror.url("/jingxuan/9999999.shtml"))
        expect_exit(r, 0)
        stats = job.stats()
        validate_stats(stats)
        values = read_metrics(metrics)
        label = ("crawl_job", "state")
        eq(values[("medscrape_crawl_urls", (label, ("state", "done")))], FIXTURE_DONE, "done URLs")
        eq(values[("medscrape_crawl_urls_by_reason", (label, ("reason", "http_404"), ("state", "failed")))],
           1, "404s")
        eq(values[("medscrape_crawl_last_run_records", (label,))], FIXTURE_RECORDS, "records")
        eq(values[("medscrape_crawl_last_run_exit_code", (label,))], 0, "exit code")
        eq(values[("medscrape_crawl_last_run_finish_reason", (label, ("reason", "finished")))], 1, "finish")
        eq(values[("medscrape_field_fill_rate", (label, ("field", "title"), ("page_type", "article"),
                                                 ("site", "mfk.com")))], 1.0, "title fill rate")
        eq(values[("medscrape_drift_fields", (label,))], 0, "drift fields")
        check(abs(values[("medscrape_crawl_last_run_end_time_seconds", (label,))] - time.time()) < 60,
              "end time")
        check(not list(job.dir.glob("*.tmp")), "no temporary file left")
        # The second run's stats: this run apart from the job's totals, the first in the history.
        expect_exit(job.run(binary, "--metrics", metrics), 0)
        stats = job.stats()
        validate_stats(stats)
        eq((stats["run"]["records"], stats["run"]["failed"], stats["job"]["states"]["failed"],
            len(stats["history"])), (0, 0, 1, 1), "second run vs job totals")
    finally:
        mirror.stop()


@case("--config: a YAML job file of long options and seed:, the command line overriding it; "
      "a bad key is exit 2 naming file:line")
def _(binary, tmp):
    mirror = Mirror(tmp).start()
    try:
        job = Job(tmp, mirror)
        config = job.dir / "job.yaml"
        config.write_text(
            "# nightly mfk job\n"
            f"seed:\n  - {mirror.url(SEED)}\n"
            f"out: {job.out}\nstate: {job.state}\nsite: mfk.com\nallow-private: true\n"
            "delay: 0s\nmax-pages: 3\nno-drift-check: false\nexclude:\n  - /ask/\n  - /private/\n",
            encoding="utf-8")
        r = cli.spawn([binary, "crawl", "--config", config])
        expect_exit(r, 0)
        eq(len(records(job.out)), 3, "records with max-pages 3 from the file")
        check(all("/ask/" not in rec["url"] for rec in records(job.out)), "exclude list from the file")
        r = cli.spawn([binary, "crawl", "--config", config, "--max-pages", "5"])
        expect_exit(r, 0)
        eq(len(records(job.out)), 8, "records after --max-pages 5 on the command line")
        for text, where, what in (("bogus: 1\n", ":1: bogus: unknown key", "unknown key"),
                                  ("retries: [1, 2]\n", ":1: retries: takes one value", "list"),
                                  ("sitemaps: maybe\n", ":1: sitemaps: is a flag", "flag"),
                                  ("delay: [\n", ":", "YAML syntax")):
            bad = job.dir / "bad.yaml"
            bad.write_text(text, encoding="utf-8")
            r = cli.spawn([binary, "crawl", "--config", bad, mirror.url(SEED)])
            expect_exit(r, 2)
            check(f"{bad}{where}" in r.stderr_text(), f"{what}: {r.stderr_text()!r}")
        check(not (job.dir / "bad.jsonl").exists(), "no file made on a usage error")
    finally:
        mirror.stop()


@case("extract --stats, --baseline (drift exits 4, naming the field), --metrics")
def _(binary, tmp):
    pages = sorted((testlib.source_dir() / "fixtures" / "site" / "jingxuan").glob("[0-9]*.shtml"))
    before = tmp / "before.json"
    r = testlib.run([binary, "extract", "-q", "--site", "mfk.com", "--stats", before, *pages])
    testlib.expect_exit(r, 0)
    stats = json.loads(before.read_text())
    group = stats["extract"]["sites"]["mfk.com"]["article"]
    eq((group["records"], group["fields"]["summary"]["rate"]), (len(pages), 1.0), "article fill")
    changed = tmp / "changed"
    changed.mkdir()
    for page in pages:
        (changed / page.name).write_text(
            page.read_text(encoding="utf-8").replace('class="summary"', 'class="lead"'), encoding="utf-8")
    argv = [binary, "extract", "-q", "--site", "mfk.com", "--baseline", before, "--drift-min-records", "5"]
    r = testlib.run(argv + ["--metrics", tmp / "m.prom", changed])
    testlib.expect_exit(r, 4)
    eq(r.stderr_text().strip(), f"medscrape: drift: mfk.com article summary 1.00 -> 0.00 "
                                f"({len(pages)} records; baseline file {before})", "drift line")
    values = read_metrics(tmp / "m.prom")
    eq(values[("medscrape_drift", (("field", "summary"), ("page_type", "article"), ("site", "mfk.com")))],
       1.0, "drift flag")
    eq(values[("medscrape_extract_exit_code", ())], 4, "exit code metric")
    # The same pages again: no drift; a higher threshold: none either.
    testlib.expect_exit(testlib.run(argv + pages), 0)
    testlib.expect_exit(testlib.run(argv + ["--drift-threshold", "1", changed]), 0)


if __name__ == "__main__":
    sys.exit(runner.main())

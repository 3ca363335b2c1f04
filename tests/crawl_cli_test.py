#!/usr/bin/python3
"""End-to-end tests of `medscrape crawl` as a process: the progress line on a terminal, the log
formats, --proxy and http_proxy, disk full (docs/reliability.md P3) and the exit codes schedulers see.

Usage: /usr/bin/python3 tests/crawl_cli_test.py <path-to-medscrape> [case-name-substring...]
Environment: MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).
Standard library only. Every crawl is of fixtures/site served on 127.0.0.1 by
tests/http_test_server.py (one server for the whole driver, so record URLs are comparable between
runs) with --site mfk.com. Ends with the line "N passed, M failed"; exit 1 on any failure.

Already covered elsewhere, so not repeated here: exit 0 on a clean crawl, exit 2 for unknown or
malformed options, exit 143 for SIGTERM and 5 for a locked job (tests/crawl_process_test.cc), and a
real crawl's records against the JSON Schema (tests/schema_test.py).
"""

import atexit
import errno
import json
import os
import pty
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import ForwardProxy, TestFailure, check, eq, parse_records  # noqa: E402

runner = testlib.Runner("medscrape crawl end-to-end tests")
case = runner.case

# fixtures/site: 3 list pages (hubs: followed, no record) and 37 pages (a record each) reachable
# from the seed, plus /private/..., which robots.txt disallows.
SEED_PATH = "/jingxuan/index.shtml"
MISSING_PATH = "/jingxuan/9999999.shtml"         # 404
PRIVATE_PATH = "/private/jingxuan/8170100.shtml"  # robots.txt: Disallow: /private/
FIXTURE_RECORDS = 37
FIXTURE_DONE = 40  # records + hubs

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                   "ALL_PROXY", "no_proxy", "NO_PROXY")
PROGRESS_RE = re.compile(r"\r\x1b\[Kmedscrape: (\d+) done, (\d+) queued, (\d+) failed, (\d+) records, "
                         r"(\d+\.\d) pages/s, (\d+) hosts")
TEXT_SUMMARY_RE = re.compile(r"^medscrape: crawl finished: (\d+) fetched, (\d+) records \((\d+) unchanged\) "
                             r"-> (.+); (\d+) done, (\d+) failed, (\d+) skipped, (\d+) pending \([\d.]+ s\)$")
EVENT_KEYS = ["ts", "level", "event", "url", "reason"]
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SUMMARY_KEYS = ["ts", "level", "event", "status", "finish_reason", "out", "fetched", "records", "unchanged",
                "bytes", "run_failed", "healed", "done", "failed",
                "skipped", "pending", "reasons", "drift", "seconds"]


# ---------------------------------------------------------------- the site server

class Site:
    """tests/http_test_server.py serving fixtures/site, with its request log."""

    def __init__(self, *extra):
        """extra: more http_test_server.py options (--latency 0.1, ...)."""
        self.dir = tempfile.TemporaryDirectory(prefix="medscrape-crawl-site-")
        self.log = Path(self.dir.name) / "requests.jsonl"
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(testlib.source_dir() / "tests" / "http_test_server.py"),
             "--root", str(testlib.source_dir() / "fixtures" / "site"), "--log", str(self.log),
             *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=clean_env())
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            raise TestFailure(f"http_test_server.py did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def requests(self):
        """Every request logged so far, oldest first (dicts with method, target, path, ...)."""
        if not self.log.exists():
            return []
        return [json.loads(l) for l in self.log.read_text(encoding="utf-8").splitlines() if l.strip()]

    def close(self):
        try:
            self.proc.stdin.close()  # the server exits on stdin EOF
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.dir.cleanup()


_SITE = None


def site():
    global _SITE
    if _SITE is None:
        _SITE = Site()
        atexit.register(_SITE.close)
    return _SITE


def clean_env(**extra):
    """This process's environment without proxy variables (libcurl would use them), plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update(extra)
    return env


# ---------------------------------------------------------------- running a crawl

def spawn(argv, stderr_mode="file", env=None, preexec=None, timeout=60):
    """Runs argv with stdout to a file and stderr to a file, a pipe or a pseudo-terminal.

    Returns a testlib.Result (stderr bytes as the child wrote them; a terminal turns "\\n" into
    "\\r\\n": see tty_text). Failures of the running case print the last Result.
    """
    argv = [os.path.abspath(argv[0]) if os.path.isfile(argv[0]) else argv[0]] + list(argv[1:])
    result = testlib.Result(argv)
    testlib.LAST_RESULTS.append(result)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        master = slave = None
        if stderr_mode == "pty":
            master, slave = pty.openpty()
            stderr = slave
        elif stderr_mode == "pipe":
            stderr = subprocess.PIPE
        else:
            stderr = err

        def child_setup():
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if preexec is not None:
                preexec()

        start = time.monotonic()
        try:
            proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=stderr, env=env if env is not None else clean_env(),
                                    preexec_fn=child_setup, start_new_session=True)
        finally:
            if slave is not None:
                os.close(slave)
        chunks = []
        reader = None
        if master is not None:
            def read_terminal():
                while True:
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # EIO: the child closed the terminal (exited)
                        break
                    if not data:
                        break
                    chunks.append(data)
            reader = threading.Thread(target=read_terminal, daemon=True)
        elif stderr_mode == "pipe":
            reader = threading.Thread(target=lambda: chunks.append(proc.stderr.read()), daemon=True)
        if reader is not None:
            reader.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            result.timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        result.wall = time.monotonic() - start
        if reader is not None:
            reader.join(10)
        if master is not None:
            os.close(master)
        if proc.stderr is not None:
            proc.stderr.close()
        if proc.returncode < 0:
            result.signal = -proc.returncode
        else:
            result.rc = proc.returncode
        out.seek(0)
        result.stdout = out.read()
        if stderr_mode == "file":
            err.seek(0)
            result.stderr = err.read()
        else:
            result.stderr = b"".join(chunks)
    return result


def tty_text(result):
    """What a terminal got, with its output "\\r\\n" turned back into "\\n"."""
    return result.stderr.decode("utf-8", errors="replace").replace("\r\n", "\n")


class Job:
    """One crawl job in its own folder: out.jsonl, out.stats.json, state.db."""

    def __init__(self, folder, name="job"):
        self.dir = Path(folder) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.out = self.dir / "out.jsonl"
        self.stats_path = self.dir / "out.stats.json"
        self.state = self.dir / "state.db"

    def argv(self, binary, *extra, seeds=(SEED_PATH,), allow_private=True):
        argv = [binary, "crawl", "--out", self.out, "--state", self.state, "--site", "mfk.com",
                "--delay", "0", "--concurrency", "4", "--per-host", "4",
                # Any failed URL exits 1 here; the default ratio has its own case.
                "--max-failed-ratio", "0"]
        if allow_private:
            argv.append("--allow-private")
        return argv + list(extra) + [site().url(p) for p in seeds]

    def run(self, binary, *extra, seeds=(SEED_PATH,), allow_private=True, **kwargs):
        return spawn(self.argv(binary, *extra, seeds=seeds, allow_private=allow_private), **kwargs)

    def stats(self):
        check(self.stats_path.exists(), f"no stats file {self.stats_path}")
        return json.loads(self.stats_path.read_text(encoding="utf-8"))

    def records(self):
        return records_by_url(self.out)

    def committed(self):
        """(output offset committed in the state, page URLs marked done) from the job's SQLite."""
        db = sqlite3.connect(str(self.state))
        try:
            offset = db.execute("SELECT offset FROM outputs WHERE path = ?", (str(self.out),)).fetchone()
            done = db.execute("SELECT COUNT(*) FROM urls WHERE state = 'done' AND kind = 'page'").fetchone()
        finally:
            db.close()
        return (int(offset[0]) if offset else 0), done[0]


def expect_exit(result, code):
    if result.timed_out or result.signal is not None or result.rc != code:
        raise TestFailure(f"expected exit {code}")


def records_by_url(path):
    """url -> record without fetched_at; strict JSON Lines, each URL once."""
    data = Path(path).read_bytes() if Path(path).exists() else b""
    records = {}
    for n, record in enumerate(parse_records(data), 1):
        check(isinstance(record.get("fetched_at"), str), f"{path} line {n}: fetched_at not set")
        record.pop("fetched_at")
        check(record["url"] not in records, f"{path} line {n}: {record['url']} appears twice")
        records[record["url"]] = record
    return records


def same_records(got, want, what):
    eq(sorted(got), sorted(want), f"{what}: record URLs")
    for url, record in want.items():
        if got[url] != record:
            diff = [k for k in set(record) | set(got[url]) if record.get(k) != got[url].get(k)]
            raise TestFailure(f"{what}: record of {url} differs in {sorted(diff)}")


_REFERENCE = None


def reference(binary):
    """The records of a clean direct crawl of the seed (cached) and the paths it requested."""
    global _REFERENCE
    if _REFERENCE is None:
        with tempfile.TemporaryDirectory(prefix="medscrape-crawl-ref-") as folder:
            job = Job(folder)
            before = len(site().requests())
            r = job.run(binary)
            expect_exit(r, 0)
            paths = [q["path"] for q in site().requests()[before:]]
            records = job.records()
            eq(len(records), FIXTURE_RECORDS, "records of a clean crawl of fixtures/site")
            _REFERENCE = (records, paths)
    return _REFERENCE


def json_lines(text, where):
    """Every line of text as a JSON object; fails naming the first line that is not one."""
    objects = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            raise TestFailure(f"{where} line {n} is not JSON: {line!r:.200}")
        check(isinstance(value, dict), f"{where} line {n} is not a JSON object: {line!r:.200}")
        objects.append(value)
    return objects


# ---------------------------------------------------------------- 1. progress line

@case("progress on a terminal: redrawn done/queued/failed, records, pages/s, hosts line; final = stats")
def _(binary, tmp):
    job = Job(tmp)
    url_404 = site().url(MISSING_PATH)
    # One request at a time, 30 ms apart: about 1.3 s, so periodic lines (every 0.5 s) show too.
    r = job.run(binary, "--delay", "0.03", "--per-host", "1",
                seeds=(SEED_PATH, MISSING_PATH, PRIVATE_PATH), stderr_mode="pty")
    expect_exit(r, 1)
    text = tty_text(r)
    lines = list(PROGRESS_RE.finditer(text))
    check(len(lines) >= 2, f"{len(lines)} progress lines on the terminal; expected the first one, "
                           f"periodic ones and the final one")
    # Redrawn in place: each line starts with "\r\x1b[K" and is followed by the next one, by a
    # log line that clears it (same prefix), or (the final one) by a newline.
    for m in lines[:-1]:
        check(text.startswith("\r\x1b[K", m.end()),
              f"progress line {m.group(0)!r} is not followed by a redraw: {text[m.end():m.end() + 40]!r}")
    final = lines[-1]
    check(text.startswith("\n", final.end()), f"final progress line does not end with a newline: "
                                              f"{text[final.end():final.end() + 40]!r}")
    done = [int(m.group(1)) for m in lines]
    failed = [int(m.group(3)) for m in lines]
    eq(done, sorted(done), "done counts over the progress lines (never decreasing)")
    eq(failed, sorted(failed), "failed counts over the progress lines (never decreasing)")
    stats = job.stats()
    got = tuple(int(final.group(i)) for i in (1, 2, 3, 4, 6))
    eq(got, (stats["job"]["states"]["done"], stats["job"]["states"]["pending"],
             stats["job"]["states"]["failed"], stats["run"]["records"], len(stats["job"]["hosts"])),
       "final progress line (done, queued, failed, records, hosts) vs stats file")
    eq(got, (FIXTURE_DONE, 0, 1, FIXTURE_RECORDS, 1), "final progress line (done, queued, failed, records, hosts)")
    rate, expected_rate = float(final.group(5)), stats["run"]["fetched"] / stats["run"]["seconds"]
    check(rate > 0 and abs(rate - expected_rate) <= 0.15 * expected_rate + 0.1,
          f"final pages/s {rate} vs stats fetched/seconds {expected_rate:.2f}")
    # The failed URL's log line clears the progress line first; the summary follows the final one.
    check(f"\r\x1b[Kmedscrape: failed: {url_404}: http_404\n" in text,
          "no 'medscrape: failed: URL: http_404' line clearing the progress line")
    after = text[final.end() + 1:].splitlines()
    check(after and TEXT_SUMMARY_RE.match(after[0]), f"summary line does not follow the final "
                                                     f"progress line: {after[:1]!r}")
    return f"{len(lines)} progress lines, final {final.group(0)[4:]!r}"


@case("progress: none when stderr is a pipe (same crawl, plain lines only)")
def _(binary, tmp):
    job = Job(tmp)
    r = job.run(binary, "--delay", "0.03", "--per-host", "1", seeds=(SEED_PATH, MISSING_PATH),
                stderr_mode="pipe")
    expect_exit(r, 1)
    text = r.stderr_text()
    for bad in ("\r", "\x1b", "pages/s", " queued"):
        check(bad not in text, f"{bad!r} on stderr through a pipe")
    lines = text.splitlines()
    eq(lines[0], f"medscrape: failed: {site().url(MISSING_PATH)}: http_404", "first stderr line")
    m = TEXT_SUMMARY_RE.match(lines[1])
    check(m, f"second stderr line is not the summary: {lines[1]!r}")
    eq((int(m.group(2)), int(m.group(5)), int(m.group(6))), (FIXTURE_RECORDS, FIXTURE_DONE, 1),
       "summary (records, done, failed)")
    eq(lines[2:], ["medscrape:   failed:http_404: 1"], "stderr lines after the summary")


@case("progress: --no-progress on a terminal prints no progress line")
def _(binary, tmp):
    job = Job(tmp)
    r = job.run(binary, "--no-progress", seeds=(SEED_PATH, MISSING_PATH), stderr_mode="pty")
    expect_exit(r, 1)
    text = tty_text(r)
    for bad in ("\r", "\x1b", "pages/s"):
        check(bad not in text, f"{bad!r} on the terminal with --no-progress")
    lines = text.splitlines()
    eq(lines[0], f"medscrape: failed: {site().url(MISSING_PATH)}: http_404", "first terminal line")
    check(TEXT_SUMMARY_RE.match(lines[1]), f"second terminal line is not the summary: {lines[1]!r}")


# ---------------------------------------------------------------- 2. log formats

@case("--log-format json: every stderr line an object; failed and skipped events name the URLs; summary object")
def _(binary, tmp):
    job = Job(tmp)
    url_404, url_private = site().url(MISSING_PATH), site().url(PRIVATE_PATH)
    r = job.run(binary, "--log-format", "json", seeds=(SEED_PATH, MISSING_PATH, PRIVATE_PATH))
    expect_exit(r, 1)
    objects = json_lines(r.stderr_text(), "stderr")
    events = [o for o in objects if o.get("event") != "summary"]
    for o in events:
        eq(list(o), EVENT_KEYS, f"keys of log event {o}")
        check(TS_RE.match(o.pop("ts")), f"ts of {o}")
        eq(o.pop("level"), "warning" if o["event"] == "failed" else "info", f"level of {o}")
    eq(sorted(events, key=lambda o: o["url"]),
       sorted([{"event": "failed", "url": url_404, "reason": "http_404"},
               {"event": "skipped", "url": url_private, "reason": "robots"}], key=lambda o: o["url"]),
       "log events")
    eq(len(objects), 3, "stderr lines (2 events, 1 summary)")
    summary = objects[-1]
    eq(list(summary), SUMMARY_KEYS, "keys of the summary object (the last line)")
    stats = job.stats()
    eq({k: summary[k] for k in SUMMARY_KEYS[3:-1]},
       {"status": "finished", "finish_reason": "finished", "out": str(job.out),
        "fetched": stats["run"]["fetched"], "records": stats["run"]["records"],
        "unchanged": stats["run"]["unchanged"], "bytes": stats["run"]["bytes"],
        "run_failed": stats["run"]["failed"], "healed": 0,
        "done": stats["job"]["states"]["done"], "failed": stats["job"]["states"]["failed"],
        "skipped": stats["job"]["states"]["skipped"], "pending": stats["job"]["states"]["pending"],
        "reasons": stats["job"]["reasons"], "drift": 0},
       "summary object vs stats file")
    eq((summary["fetched"], summary["records"], summary["done"], summary["failed"], summary["skipped"],
        summary["pending"], summary["reasons"]),
       (FIXTURE_DONE + 1, FIXTURE_RECORDS, FIXTURE_DONE, 1, 1, 0,
        {"failed:http_404": 1, "skipped:robots": 1}), "summary counts")
    check(isinstance(summary["seconds"], float) and 0 < summary["seconds"] < 60,
          f"summary seconds {summary['seconds']!r}")


@case("--log-format text: no JSON on stderr; 'medscrape: failed: URL: http_404' and the text summary")
def _(binary, tmp):
    job = Job(tmp)
    r = job.run(binary, "--log-format", "text", seeds=(SEED_PATH, MISSING_PATH, PRIVATE_PATH))
    expect_exit(r, 1)
    lines = r.stderr_lines()
    check(not any(l.lstrip().startswith("{") for l in lines), "a JSON line with --log-format text")
    eq(lines[0], f"medscrape: failed: {site().url(MISSING_PATH)}: http_404", "first stderr line")
    m = TEXT_SUMMARY_RE.match(lines[1])
    check(m, f"second stderr line is not the summary: {lines[1]!r}")
    eq(m.group(4), str(job.out), "output named in the summary")
    eq(tuple(int(m.group(i)) for i in (1, 2, 5, 6, 7, 8)),
       (FIXTURE_DONE + 1, FIXTURE_RECORDS, FIXTURE_DONE, 1, 1, 0),
       "summary (fetched, records, done, failed, skipped, pending)")
    eq(lines[2:], ["medscrape:   failed:http_404: 1", "medscrape:   skipped:robots: 1"],
       "reason lines")


@case("--log-format json on a terminal: no progress line, still one object per line")
def _(binary, tmp):
    job = Job(tmp)
    r = job.run(binary, "--log-format", "json", seeds=(SEED_PATH, MISSING_PATH), stderr_mode="pty")
    expect_exit(r, 1)
    text = tty_text(r)
    check("\x1b" not in text and "\r" not in text, f"terminal control characters in JSON logs: {text[:200]!r}")
    objects = json_lines(text, "terminal")
    eq([o["event"] for o in objects], ["failed", "summary"], "events")
    eq(objects[0]["url"], site().url(MISSING_PATH), "failed URL")


@case("--log-format json: a fatal error is an object too (exit 3, message names the state file)")
def _(binary, tmp):
    job = Job(tmp)
    not_a_database = tmp / "state-is-a-folder"
    not_a_database.mkdir()
    r = spawn([binary, "crawl", "--log-format", "json", "--site", "mfk.com", "--allow-private",
               "--out", job.out, "--state", not_a_database, site().url(SEED_PATH)])
    expect_exit(r, 3)
    objects = json_lines(r.stderr_text(), "stderr")
    eq(len(objects), 1, "stderr lines")
    eq(list(objects[0]), ["ts", "level", "event", "message"], "keys of the error object")
    eq(objects[0]["event"], "error", "event")
    check(str(not_a_database) in objects[0]["message"],
          f"error message {objects[0]['message']!r} does not name the state file")


@case("--log-format json: a usage error is an object too (exit 2, kind usage, no file created)")
def _(binary, tmp):
    job = Job(tmp)
    r = spawn([binary, "crawl", "--log-format", "json", "--site", "mfk.com", "--out", job.out,
               "--state", tmp / "no-such-dir" / "state.db", site().url(SEED_PATH)])
    expect_exit(r, 2)
    objects = json_lines(r.stderr_text(), "stderr")
    eq(len(objects), 1, "stderr lines")
    eq((objects[0]["event"], objects[0]["kind"], objects[0]["level"]), ("error", "usage", "error"),
       "event, kind and level")
    check(TS_RE.match(objects[0]["ts"]), f"ts {objects[0]['ts']!r}")
    check("no-such-dir" in objects[0]["message"], f"{objects[0]['message']!r} names no folder")
    check(not job.out.exists() and not (tmp / "no-such-dir").exists(), "a usage error created files")


@case("--log-format xml (and =xml, and no value): exit 2, the message names --log-format")
def _(binary, tmp):
    job = Job(tmp)
    for args in (["--log-format", "xml"], ["--log-format=xml"], ["--log-format"]):
        # The value-less form must come last; the others may follow the seed too.
        r = spawn([binary, "crawl", "--out", job.out, "--state", job.state, site().url(SEED_PATH)] + args)
        expect_exit(r, 2)
        eq(r.stdout, b"", f"stdout with {args}")
        first = r.stderr_lines()[0] if r.stderr_lines() else ""
        check(first.startswith("medscrape: error: ") and "--log-format" in first,
              f"{args}: first stderr line {first!r} does not name --log-format")
        if "xml" in " ".join(args):
            check("'xml'" in first, f"{args}: {first!r} does not quote the bad value")
        check(not job.out.exists() and not job.state.exists(), f"{args}: a usage error created job files")


# ---------------------------------------------------------------- 3. proxy

def check_proxied(job, proxy, binary, how):
    records, direct_paths = reference(binary)
    same_records(job.records(), records, f"crawl {how} vs a direct crawl")
    want = sorted(site().url(p) for p in direct_paths)
    eq(sorted(proxy.targets), want, f"targets the proxy forwarded ({how}) vs the direct crawl's requests")
    check(site().url("/robots.txt") in proxy.targets, f"/robots.txt did not go through the proxy ({how})")
    eq(len(proxy.targets), FIXTURE_DONE + 1, f"requests through the proxy ({how}): robots.txt + pages + hubs")


@case("--proxy: same records as a direct crawl; the proxy forwarded every URL, /robots.txt included")
def _(binary, tmp):
    reference(binary)
    with ForwardProxy() as proxy:
        before = len(site().requests())
        job = Job(tmp)
        r = job.run(binary, "--proxy", proxy.url)
        expect_exit(r, 0)
        check_proxied(job, proxy, binary, "with --proxy")
        # The origin saw the proxy's requests only: origin-form targets, one per proxied URL.
        seen = site().requests()[before:]
        eq(sorted(site().url(q["target"]) for q in seen), sorted(proxy.targets), "requests the origin saw")
    return f"{len(proxy.targets)} requests over {proxy.connections} proxy connections"


@case("http_proxy in the environment (no --proxy): same records, every URL through the proxy")
def _(binary, tmp):
    reference(binary)
    with ForwardProxy() as proxy:
        job = Job(tmp)
        r = job.run(binary, env=clean_env(http_proxy=proxy.url))
        expect_exit(r, 0)
        check_proxied(job, proxy, binary, "with http_proxy")


@case("proxy on loopback without --allow-private: refused at connect, the proxy never sees a connection")
def _(binary, tmp):
    with ForwardProxy() as proxy:
        before = len(site().requests())
        job = Job(tmp)
        seed = site().url(SEED_PATH)
        r = job.run(binary, "--proxy", proxy.url, allow_private=False, timeout=25)
        expect_exit(r, 1)
        check(any(seed in l and "blocked_address" in l for l in r.stderr_lines()),
              "no stderr line names the seed and blocked_address")
        stats = job.stats()
        eq(stats["job"]["reasons"], {"failed:blocked_address": 1}, "stats reasons")
        check(r.wall < 10, f"crawl took {r.wall:.1f} s: a refused host must fail at once")
        eq(proxy.connections, 0, "connections the proxy accepted")
        eq(proxy.targets, [], "requests the proxy received")
        eq(site().requests()[before:], [], "requests the origin received")
        eq(job.records(), {}, "records")


# ---------------------------------------------------------------- 4. disk full

def file_size_limit(limit):
    """preexec: writes past `limit` bytes of any file would raise SIGXFSZ, whose default action
    kills the process (exit 153); medscrape ignores it itself, so the write fails with EFBIG."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def check_committed_output(job, records, limit, what):
    """After an abort: whole lines only, each a clean-run record, and exactly what the state committed."""
    data = job.out.read_bytes()
    check(len(data) <= limit, f"{what}: output {len(data)} bytes over the {limit}-byte limit")
    check(data.endswith(b"\n"), f"{what}: output does not end with a newline (torn line)")
    got = records_by_url(job.out)  # strict: every line parses, each URL once
    for url, record in got.items():
        check(url in records and records[url] == record, f"{what}: {url} is not its clean-run record")
    offset, done_pages = job.committed()
    eq(offset, len(data), f"{what}: output offset committed in the state vs output size")
    eq(done_pages, len(got), f"{what}: pages marked done in the state vs records in the output")
    return got


@case("disk full mid-job (RLIMIT_FSIZE): exit 3 naming the output, no torn line, nothing done unwritten; "
      "a rerun gives exactly the clean run's records")
def _(binary, tmp):
    records, _ = reference(binary)
    job = Job(tmp)
    # RLIMIT_FSIZE is per process and the SQLite state (its WAL grows ~40 KB per page, far faster
    # than the ~3 KB records) counts too: a fresh job would hit it in the WAL first. So a first
    # run without a limit writes 30 records; the limited runs resume that job, their output starts
    # at that offset, and the limit sits half a record beyond it: inside the next record line, far
    # above the state's size and the few WAL pages written before that record.
    first = 34
    r = job.run(binary, "--max-pages", str(first))
    expect_exit(r, 0)
    start = job.out.stat().st_size
    eq(len(job.records()), first, f"records of the first run (--max-pages {first})")
    # RLIMIT_FSIZE caps the size of each file written: the largest of the state's files counts.
    state_bytes = max(p.stat().st_size for p in job.dir.glob("state.db*"))
    smallest = min(len(json.dumps(rec, ensure_ascii=False).encode()) for rec in records.values())
    limit = start + smallest // 2  # inside whichever record line comes next
    # The limited run commits a few WAL pages (4 KiB each: markers, the settled pages) before
    # the record that crosses the limit; the state's size after the first run varies by a page
    # or two with the timing of its commits.
    check(limit > state_bytes + 6 * 4096, f"test design: limit {limit} too close to the state's "
                                          f"{state_bytes} bytes; the state would fail first")
    # Twice: an abort must leave the job resumable every time (the page being written is not
    # counted as a crash), the second time with the progress line on a terminal.
    for attempt, mode in ((1, "file"), (2, "pty")):
        r = job.run(binary, stderr_mode=mode, preexec=file_size_limit(limit))
        expect_exit(r, 3)
        text = tty_text(r) if mode == "pty" else r.stderr_text()
        prefix = f"medscrape: error: {job.out}: "
        at = text.find(prefix)
        check(at >= 0, f"run {attempt}: no '{prefix}...' message on stderr")
        reason = text[at + len(prefix):].splitlines()[0]
        eq(reason, os.strerror(errno.EFBIG), f"run {attempt}: error reason")
        if mode == "pty":
            # A line of its own, not glued to the progress line showing when it happened.
            check(at == 0 or text.endswith("\n", 0, at) or text.endswith("\r\x1b[K", 0, at),
                  f"run {attempt}: error message glued to the line before: {text[max(0, at - 60):at]!r}")
        got = check_committed_output(job, records, limit, f"after disk-full run {attempt}")
        eq(len(got), first, f"records after disk-full run {attempt} (the next did not fit)")
    r = job.run(binary)
    expect_exit(r, 0)
    same_records(job.records(), records, "after the rerun without a limit")
    eq((job.stats()["job"]["states"]["failed"], job.stats()["job"]["reasons"]), (0, {}),
       "failed URLs after the rerun")
    offset, done_pages = job.committed()
    eq((offset, done_pages), (job.out.stat().st_size, FIXTURE_RECORDS), "committed (offset, done pages)")
    return f"limit {limit} bytes, state {state_bytes} bytes after the first run"


# ---------------------------------------------------------------- 5. exit codes

@case("exit 1: the crawl finished but a URL failed (a 404 seed only)")
def _(binary, tmp):
    job = Job(tmp)
    r = job.run(binary, seeds=(MISSING_PATH,))
    expect_exit(r, 1)
    eq(r.stderr_lines()[0], f"medscrape: failed: {site().url(MISSING_PATH)}: http_404", "first stderr line")
    stats = job.stats()
    eq((stats["job"]["states"], stats["job"]["reasons"], stats["run"]["records"]),
       ({"pending": 0, "done": 0, "failed": 1, "skipped": 0}, {"failed:http_404": 1}, 0),
       "stats (states, reasons, records)")
    eq(job.out.read_bytes(), b"", "output")


if __name__ == "__main__":
    sys.exit(runner.main())

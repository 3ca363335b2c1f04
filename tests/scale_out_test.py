#!/usr/bin/python3
"""End-to-end tests of shared crawl jobs on PostgreSQL (`crawl --state postgresql://...`,
`export --from`, `jobs`): several workers, on a throw-away PostgreSQL server on 127.0.0.1
(tests/pg_cluster.py), crawl fixtures/site served under several loopback host names
(127.0.0.2, 127.0.0.3, ...), killed, frozen and cut off from the database, and the records
they leave are compared with a clean one-process SQLite crawl's.

Usage: /usr/bin/python3 tests/scale_out_test.py <path-to-medscrape> [case-name-substring...]
Needs Debian's postgresql-15 (scripts/install-deps). Ends with "N passed, M failed".
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crawl_cli_test as cli  # noqa: E402  (Site, clean_env, records_by_url, same_records)
import testlib  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402
from testlib import check, eq  # noqa: E402

runner = testlib.Runner("medscrape shared crawl jobs on PostgreSQL")
case = runner.case

SEED = "/jingxuan/index.shtml"
PER_HOST_DONE = 40  # fixtures/site: 3 list pages and 37 pages
HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
# The server logs when a request arrived, not when its worker sent it: on a loaded machine
# (10 workers, PostgreSQL and the servers on 2 cores) two sends a delay apart can arrive a
# little closer. Requests not kept apart at all arrive within a few ms of each other.
ARRIVAL_JITTER = 0.03
RNG = random.Random(int(os.environ.get("MEDSCRAPE_TEST_SEED", "14")))

_PG = None


def pg():
    """One PostgreSQL server for every case; each case uses a database of its own."""
    global _PG
    if _PG is None:
        _PG = PgCluster().__enter__()
    return _PG


class Sites:
    """fixtures/site served once per host name, each server with its request log."""

    def __init__(self, *extra, hosts=HOSTS):
        self.sites = []
        for host in hosts:
            site = cli.Site("--host", host, *extra)
            site.base = f"http://{host}:{site.port}"
            self.sites.append(site)

    def seeds(self):
        return [s.base + SEED for s in self.sites]

    def close(self):
        for site in self.sites:
            site.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def worker_argv(binary, url, job, name, *extra, seeds=(), tmp):
    return [binary, "crawl", "--state", url, "--job", job, "--worker", name, "--site", "mfk.com",
            "--concurrency", "4", "--per-host", "2", "--allow-private", "--max-failed-ratio", "0",
            "--no-progress", "--stats", str(Path(tmp) / f"{job}-{name}.stats.json"), *extra,
            *seeds]


def crew(n, binary, url, job, *extra, seeds, tmp):
    """`n` workers w0, w1, ... of `job`, started at once with the same options."""
    return [start(worker_argv(binary, url, job, f"w{i}", *extra, seeds=seeds, tmp=tmp))
            for i in range(n)]


def start(argv):
    return subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=cli.clean_env())


def finish(proc, what, timeout=180):
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise testlib.TestFailure(f"{what} did not finish in {timeout} s: {err.decode()[-600:]}")
    return proc.returncode, err.decode(errors="replace")


def all_succeed(procs, codes=(0,)):
    """Waits for every worker; each must exit with one of `codes`."""
    for i, proc in enumerate(procs):
        rc, err = finish(proc, f"worker {i}")
        check(rc in codes, f"worker {i} of {len(procs)} exited {rc}: {err[-600:]}")


def reference(binary, tmp, seeds, *extra, pages=None, codes=(0,)):
    """A clean one-process crawl's records (SQLite), by URL, without fetched_at; `pages`
    records expected (37 per seed by default)."""
    job = cli.Job(Path(tmp), "reference")
    r = cli.spawn([str(a) for a in job.argv(binary, *extra, seeds=())] + list(seeds), timeout=180)
    check(r.rc in codes, f"the reference crawl exited {r.rc}")
    records = job.records()
    eq(len(records), 37 * len(seeds) if pages is None else pages, "records of the reference crawl")
    return records


def export(binary, url, job, out, *extra):
    return testlib.run([binary, "export", "--from", url, "--job", job, "-o", out, *extra],
                       timeout=120)


def exported(binary, url, job, tmp, name="all.jsonl"):
    """The job's records through `export --from`, by URL (each URL once)."""
    out = Path(tmp) / name
    r = export(binary, url, job, out)
    check(r.rc == 0, r.describe())
    return cli.records_by_url(out)


def one_row(db, sql):
    return pg().sql(sql, db=db).strip()


# ---------------------------------------------------------------- 1. one worker

@case("one worker: the SQLite crawl's records, export appends each once (a second export adds "
      "none), jobs lists the job, the schema is at version 3, --warc names the worker's file")
def _(binary, tmp):
    with Sites() as sites:
        want = reference(binary, tmp, sites.seeds(), "--delay", "0")
        url = pg().url("one")
        r = start(worker_argv(binary, url, "j1", "w1", "--delay", "0", "--warc",
                              Path(tmp) / "night", seeds=sites.seeds(), tmp=tmp))
        rc, err = finish(r, "the worker")
        check(rc == 0, f"worker exited {rc}: {err[-600:]}")
        check("-> job j1 (worker w1)" in err, f"summary names the job: {err[-300:]}")
        archive = Path(tmp) / "night-w1.warc.gz"
        check(archive.exists() and (Path(tmp) / "night-w1.cdxj").exists(),
              f"the worker's archive and index: {sorted(p.name for p in Path(tmp).iterdir())}")
        r = testlib.run([binary, "extract", "-q", "-o", Path(tmp) / "rex.jsonl", archive])
        check(r.rc == 0, r.describe())
        eq(sorted(cli.records_by_url(Path(tmp) / "rex.jsonl")), sorted(want),
           "pages re-extracted from the worker's WARC")
        out = Path(tmp) / "j1.jsonl"
        r = export(binary, url, "j1", out)
        check(r.rc == 0 and "111 new records" in r.stderr_text(), r.describe())
        cli.same_records(cli.records_by_url(out), want, "exported records")
        size = out.stat().st_size
        r = export(binary, url, "j1", out)
        check(r.rc == 0 and "0 new records" in r.stderr_text(), r.describe())
        eq(out.stat().st_size, size, "a second export appends nothing")
        r = testlib.run([binary, "jobs", "--state", url, "--format", "json"])
        check(r.rc == 0, r.describe())
        jobs = [json.loads(line) for line in r.stdout.decode().splitlines()]
        eq([(j["job"], j["done"], j["pending"], j["records"]) for j in jobs],
           [("j1", 3 * PER_HOST_DONE, 0, 111)], "jobs")
        eq([(w["name"], w["live"]) for w in jobs[0]["workers"]], [("w1", False)], "workers")
        eq(one_row("one", "SELECT max(version) FROM medscrape_schema"), "3", "schema version")
        # The tables export reads the same records from the database.
        r = export(binary, url, "j1", Path(tmp) / "tables.sqlite", "--format", "sqlite")
        check(r.rc == 0 and "111 records" in r.stderr_text(), r.describe())
        return f"{len(want)} records"


# ---------------------------------------------------------------- 2. kill -9

@case("three workers, three hosts, kill -9 of random workers at random moments (8 or more), "
      "restarted, and an export --watch killed too: each record once, a clean run's records")
def _(binary, tmp):
    with Sites("--latency", "0.2") as sites:
        want = reference(binary, tmp, sites.seeds(), "--delay", "0")
        url = pg().url("kills")
        names = ["w1", "w2", "w3"]
        argv = {n: worker_argv(binary, url, "jk", n, "--delay", "0", "--lease", "5s",
                               seeds=sites.seeds(), tmp=tmp) for n in names}
        procs = {n: start(argv[n]) for n in names}
        out = Path(tmp) / "watched.jsonl"
        exporter = start([binary, "export", "--from", url, "--job", "jk", "-o", out, "--watch"])
        kills = exporter_kills = restarts = 0
        deadline = time.monotonic() + 240
        while kills < 8:
            check(time.monotonic() < deadline, f"only {kills} kills before the deadline")
            time.sleep(RNG.uniform(0.1, 0.35))
            name = RNG.choice(names)
            if procs[name].poll() is None:
                procs[name].send_signal(signal.SIGKILL)
                procs[name].wait()
                kills += 1
            elif procs[name].returncode != 0:
                raise testlib.TestFailure(f"{name} exited {procs[name].returncode}: "
                                          f"{procs[name].stderr.read().decode()[-600:]}")
            procs[name] = start(argv[name])  # Restarted (a finished one runs again: no harm).
            restarts += 1
            if kills % 3 == 0 and exporter.poll() is None:
                exporter.send_signal(signal.SIGKILL)
                exporter.wait()
                exporter_kills += 1
                exporter = start([binary, "export", "--from", url, "--job", "jk", "-o", out,
                                  "--watch"])
        for name, proc in procs.items():
            rc, err = finish(proc, name)
            check(rc == 0, f"{name} exited {rc}: {err[-600:]}")
        exporter.send_signal(signal.SIGTERM)
        rc, err = finish(exporter, "export --watch")
        check(rc == 0, f"export --watch exited {rc} on SIGTERM: {err[-400:]}")
        eq(one_row("kills", "SELECT count(*) FROM urls WHERE state <> 'done'"), "0", "URLs not done")
        eq(one_row("kills", "SELECT count(*) - count(DISTINCT url_id) FROM records"), "0",
           "URLs with two records")
        r = export(binary, url, "jk", out)  # Whatever the watcher had not appended yet.
        check(r.rc == 0, r.describe())
        cli.same_records(cli.records_by_url(out), want, "records exported across kills")
        return f"{kills} worker kills, {exporter_kills} export kills, {restarts} starts"


# ---------------------------------------------------------------- 3. politeness

def gaps(site, since=0):
    """Requests to `site` (after its first `since`) and the smallest gap between two."""
    times = sorted(q["mono"] for q in site.requests()[since:])
    return len(times), min(b - a for a, b in zip(times, times[1:]))


@case("politeness under contention: with 3 and with 10 workers, no two requests to one host "
      "closer than --delay (each server's own log), robots.txt fetched once per host")
def _(binary, tmp):
    delay = 0.1
    report = []
    for workers in (3, 10):
        with Sites() as sites:
            url = pg().url(f"polite{workers}")
            all_succeed(crew(workers, binary, url, "jp", "--delay", f"{delay}s",
                             "--no-drift-check", seeds=sites.seeds(), tmp=tmp))
            eq(one_row(f"polite{workers}", "SELECT count(*) FROM urls WHERE state = 'done'"),
               str(3 * PER_HOST_DONE), f"done with {workers} workers")
            fetchers = one_row(f"polite{workers}", "SELECT count(DISTINCT worker) FROM records")
            check(int(fetchers) >= 2, f"only {fetchers} of {workers} workers wrote records")
            for site in sites.sites:
                n, smallest = gaps(site)
                check(n >= PER_HOST_DONE, f"{site.base}: only {n} requests")
                check(smallest >= delay - ARRIVAL_JITTER, f"{site.base}: two requests {smallest * 1000:.1f} ms "
                                         f"apart with {workers} workers (delay {delay * 1000:.0f} ms)")
                robots = sum(1 for q in site.requests() if q["path"] == "/robots.txt")
                eq(robots, 1, f"{site.base}: robots.txt fetches with {workers} workers")
                report.append(f"{workers} workers: {n} requests, {smallest * 1000:.0f} ms")
    return "; ".join(report[::3])


# ---------------------------------------------------------------- 4. outage

@case("PostgreSQL stopped mid-crawl and started again: the workers carry on, nothing lost or "
      "doubled")
def _(binary, tmp):
    with Sites("--latency", "0.1") as sites:
        want = reference(binary, tmp, sites.seeds(), "--delay", "0")
        url = pg().url("outage")
        procs = crew(3, binary, url, "jo", "--delay", "0", "--lease", "60s",
                     seeds=sites.seeds(), tmp=tmp)
        time.sleep(1.0)
        done_before = int(one_row("outage", "SELECT count(*) FROM urls WHERE state = 'done'"))
        check(done_before < 3 * PER_HOST_DONE, "the crawl ended before the outage")
        pg().stop("fast")
        time.sleep(3.0)
        check(all(p.poll() is None for p in procs), "a worker gave up during a 3 s outage")
        pg().start()
        all_succeed(procs)
        eq(one_row("outage", "SELECT count(*) - count(DISTINCT url_id) FROM records"), "0",
           "URLs with two records")
        cli.same_records(exported(binary, url, "jo", tmp), want, "records across the outage")
        return f"{done_before} URLs done before the outage"


# ---------------------------------------------------------------- 5. frozen worker

@case("a worker frozen (SIGSTOP) past its lease: the others take its URLs, its late results "
      "are dropped, each URL done once; a second process with its name is refused")
def _(binary, tmp):
    with Sites("--latency", "0.5") as sites:
        want = reference(binary, tmp, sites.seeds(), "--delay", "0")
        url = pg().url("frozen")
        argv = {n: worker_argv(binary, url, "jf", n, "--delay", "0", "--lease", "2s",
                               seeds=sites.seeds(), tmp=tmp) for n in ("a", "b")}
        a = start(argv["a"])
        held = []
        deadline = time.monotonic() + 30
        while not held:
            check(time.monotonic() < deadline, "worker a never held a lease")
            try:
                held = pg().sql("SELECT url FROM urls WHERE lease_owner = 'a'",
                                db="frozen").split()
            except subprocess.CalledProcessError:  # a has not made the tables yet
                time.sleep(0.05)
        a.send_signal(signal.SIGSTOP)
        try:
            twin = start(argv["a"])
            rc, err = finish(twin, "a second worker a")
            check(rc == 5 and "worker a is running in another process" in err,
                  f"a second 'a' exited {rc}: {err[-300:]}")
            b = start(argv["b"])
            time.sleep(4.0)  # a's leases expire; b takes them over.
        finally:
            a.send_signal(signal.SIGCONT)
        for name, proc in (("a", a), ("b", b)):
            rc, err = finish(proc, name)
            check(rc == 0, f"{name} exited {rc}: {err[-600:]}")
        for page in held:
            writers = pg().sql("SELECT r.worker FROM records r JOIN urls u ON u.id = r.url_id "
                               f"WHERE u.url = '{page}'", db="frozen").split()
            if writers:  # A hub has no record.
                eq(writers, ["b"], f"record of {page}, leased by a when it froze")
        eq(one_row("frozen", "SELECT count(*) - count(DISTINCT url_id) FROM records"), "0",
           "URLs with two records")
        cli.same_records(exported(binary, url, "jf", tmp), want, "records after the freeze")
        return f"{len(held)} URLs taken over"


# ---------------------------------------------------------------- 6. the job's definition

@case("joining: a worker without seeds takes the job's, one with other options is refused "
      "naming them, a newer schema is refused, --out is refused")
def _(binary, tmp):
    with Sites(hosts=HOSTS[:1]) as sites:
        url = pg().url("join")
        rc, err = finish(start(worker_argv(binary, url, "jj", "first", "--delay", "0",
                                           seeds=sites.seeds(), tmp=tmp)), "first")
        check(rc == 0, f"first worker exited {rc}: {err[-400:]}")
        eq(json.loads(one_row("join", "SELECT value FROM job_values WHERE key = 'seeds'")),
           sites.seeds(), "the job's seeds")
        rc, err = finish(start(worker_argv(binary, url, "jj", "joiner", "--delay", "0", tmp=tmp)),
                         "joiner")
        check(rc == 0, f"a worker without seeds exited {rc}: {err[-400:]}")
        rc, err = finish(start(worker_argv(binary, url, "jj", "other", "--delay", "2s", tmp=tmp)),
                         "other")
        check(rc == 3 and "other options" in err and '"delay_s":2.0' in err,
              f"a worker with another delay exited {rc}: {err[-400:]}")
        rc, err = finish(start(worker_argv(binary, url, "none", "w", "--delay", "0", tmp=tmp)),
                         "seedless")
        check(rc == 3 and "has no seeds" in err, f"a new job without seeds exited {rc}: {err[-300:]}")
        r = testlib.run([binary, "crawl", "--state", url, "--job", "jj", "--out",
                         Path(tmp) / "x.jsonl"] + sites.seeds())
        check(r.rc == 2 and "export --from" in r.stderr_text(), r.describe())
        future = pg().url("future")
        pg().sql("CREATE TABLE medscrape_schema(version int NOT NULL);"
                 " INSERT INTO medscrape_schema VALUES (99)", db="future")
        rc, err = finish(start(worker_argv(binary, future, "jj", "w", seeds=sites.seeds(),
                                           tmp=tmp)), "future")
        check(rc == 3 and "newer than this medscrape knows" in err,
              f"a newer schema: exit {rc}: {err[-300:]}")
        return "refused as expected"



# ---------------------------------------------------------------- 7. migrations

# ---------------------------------------------------------------- 9. shared host state

def peek(db, sql):
    """One value of a database a worker may not have set up yet ("" until it has)."""
    try:
        return pg().sql(sql, db=db).strip()
    except subprocess.CalledProcessError:
        return ""


@case("a host that fails everything: three workers share its circuit breaker (the fifth failure "
      "of any worker opens it for all, one probe at a time, dead after three opens), and the "
      "other host goes on")
def _(binary, tmp):
    failures, probes = 4, 2  # --breaker-failures; probes before the third open
    with Sites(hosts=HOSTS[:2]) as sites:
        bad = sites.sites[1]
        seeds = [sites.seeds()[0]] + [f"{bad.base}/_fault/always?n={i}" for i in range(30)]
        url = pg().url("breaker")
        procs = crew(3, binary, url, "jb", "--delay", "0", "--retries", "0", "--breaker-failures",
                     str(failures), "--breaker-cooldown", "1s", "--no-drift-check", seeds=seeds,
                     tmp=tmp)
        all_succeed(procs, codes=(0, 1))  # 1: more failures than --max-failed-ratio 0
        asked = [q for q in bad.requests() if q["path"] != "/robots.txt"]
        # At most the opening failures, the requests already in flight then (--per-host 2 in
        # all), and the probes; per-worker breakers would need three times the failures.
        check(failures + probes <= len(asked) <= failures + 2 + probes,
              f"{len(asked)} requests to the failing host (breaker at {failures} failures)")
        by_reason = dict(line.split("|") for line in pg().sql(
            "SELECT reason, count(*) FROM urls WHERE host = '%s' GROUP BY reason"
            % bad.base.split("/")[2], db="breaker").split())
        eq(int(by_reason.get("http_500", 0)), len(asked), "URLs failed http_500")
        eq(int(by_reason.get("host_unavailable", 0)), 30 - len(asked), "URLs failed host_unavailable")
        eq(one_row("breaker", "SELECT opens || ' ' || dead FROM hosts WHERE host = '%s'"
                   % bad.base.split("/")[2]), "3 true", "the failing host's row")
        eq(one_row("breaker", "SELECT count(*) FROM urls WHERE state = 'done'"),
           str(PER_HOST_DONE), "the other host's URLs done")
        return f"{len(asked)} requests to the failing host"


@case("a 429 with Retry-After pauses the host for every worker: no request of any worker "
      "reaches it until the pause ends")
def _(binary, tmp):
    pause = 2
    with Sites(hosts=HOSTS[:1]) as sites:
        base = sites.sites[0].base
        seeds = ([f"{base}/_fault/flaky?fail=1&code=429&retry_after={pause}&key=k{i}"
                  for i in range(3)] + [f"{base}/_fault/status?code=200&n={i}" for i in range(9)])
        url = pg().url("paused")
        all_succeed(crew(3, binary, url, "jp", "--delay", "0", "--no-drift-check", seeds=seeds,
                         tmp=tmp))
        eq(one_row("paused", "SELECT count(*) FROM urls WHERE state = 'done'"), str(len(seeds)),
           "URLs done")
        asked = [q for q in sites.sites[0].requests() if q["path"] != "/robots.txt"]
        limited, seen = [], set()
        for q in asked:  # each key's first request was answered 429
            key = q["query"] if q["path"] == "/_fault/flaky" else None
            if key and key not in seen:
                seen.add(key)
                limited.append(q["mono"])
        eq(len(limited), 3, "requests answered 429")
        # A request already on its way when the 429 came (--per-host 2) may arrive just after:
        # its lease was claimed before the pause was committed and may start 50 ms after.
        for at in limited:
            early = [q["target"] for q in asked if at + 0.3 < q["mono"] < at + pause - 0.1]
            check(not early, f"requests during a {pause} s Retry-After pause: {early}")
        return f"{len(asked)} requests, 3 pauses kept by all workers"


@case("redirects are claimed: with three workers and --delay, a redirect's target joins the "
      "frontier, so no two requests to the host are closer than the delay; a chain of new URLs "
      "ends after 5 hops as in one process; records as a clean run's")
def _(binary, tmp):
    delay = 0.15
    with Sites(hosts=HOSTS[:1]) as sites:
        base = sites.sites[0].base
        seeds = sites.seeds() + [f"{base}/_fault/redirect?code=302&to=/jingxuan/index.shtml%3Fr%3D{i}"
                                 for i in range(6)] + [f"{base}/_fault/redirect-chain?n=50"]
        # Exit 1: the chain's failure is more than --max-failed-ratio 0 allows.
        want = reference(binary, tmp, seeds, "--delay", "0", pages=37, codes=(0, 1))
        since = len(sites.sites[0].requests())  # the reference crawl's
        url = pg().url("redirects")
        all_succeed(crew(3, binary, url, "jr", "--delay", f"{delay}s", "--no-drift-check",
                         seeds=seeds, tmp=tmp), codes=(0, 1))
        n, smallest = gaps(sites.sites[0], since)
        check(n >= PER_HOST_DONE + 6 * 2 + 6, f"only {n} requests")
        check(smallest >= delay - ARRIVAL_JITTER, f"two requests {smallest * 1000:.1f} ms apart (delay "
                                 f"{delay * 1000:.0f} ms)")
        eq(one_row("redirects", "SELECT count(*) FROM urls WHERE reason = 'redirected'"), "11",
           "redirected URLs (6 seeds, 5 hops of the chain)")
        eq(one_row("redirects", "SELECT url FROM urls WHERE reason = 'too_many_redirects'"),
           f"{base}/_fault/redirect-chain?n=45", "the chain's URL that failed")
        chain = sum(1 for q in sites.sites[0].requests()[since:]
                    if q["path"].startswith("/_fault/redirect-chain"))
        eq(chain, 6, "requests of the redirect chain")
        cli.same_records(exported(binary, url, "jr", tmp), want, "records with redirects")
        return f"{n} requests, {smallest * 1000:.0f} ms apart at least"


@case("a seed that a later worker brings is crawled by the workers already running (the later "
      "one is killed at once): its host joins their scope")
def _(binary, tmp):
    with Sites(hosts=HOSTS[:2]) as sites:
        first, second = sites.seeds()
        url = pg().url("learn")
        early = start(worker_argv(binary, url, "jl", "early", "--delay", "0.1s", "--lease", "2s",
                                  "--no-drift-check", seeds=[first], tmp=tmp))
        deadline = time.time() + 30
        while time.time() < deadline and (peek(
                "learn", "SELECT count(*) FROM urls WHERE state = 'done'") or "0") == "0":
            time.sleep(0.1)
        late = start(worker_argv(binary, url, "jl", "late", "--delay", "0.1s", "--lease", "2s",
                                 "--no-drift-check", seeds=[second], tmp=tmp))
        while time.time() < deadline and second not in peek(
                "learn", "SELECT value FROM job_values WHERE key = 'seeds'"):
            time.sleep(0.02)
        late.kill()
        late.wait()
        if early.poll() is not None:
            rc, err = finish(early, "early worker")
            raise testlib.TestFailure(f"the early worker ended (exit {rc}) before the seed was "
                                      f"added: {err[-600:]}")
        all_succeed([early])
        host = second.split("/")[2]
        eq(one_row("learn", "SELECT count(*) FROM urls WHERE state = 'done' AND host = '%s'"
                   % host), str(PER_HOST_DONE), "URLs of the later seed's host done")
        writers = one_row("learn", "SELECT string_agg(DISTINCT worker, ',') FROM records"
                          " WHERE line LIKE '%%%s%%'" % host)
        check("early" in writers.split(","), f"records of {host} written by {writers!r}")
        return f"records of the new host by {writers}"


@case("workers that join at the same moment with different seeds: the job keeps every seed "
      "(the merge is one statement), and every host is crawled")
def _(binary, tmp):
    with Sites() as sites:
        url = pg().url("together")
        # The first creates the job; the three then join at once, each with a seed of its own.
        first = start(worker_argv(binary, url, "jt", "w0", "--delay", "0", "--no-drift-check",
                                  seeds=sites.seeds()[:1], tmp=tmp))
        all_succeed([first])
        procs = [start(worker_argv(binary, url, "jt", f"w{i + 1}", "--delay", "0",
                                   "--no-drift-check", seeds=[seed], tmp=tmp))
                 for i, seed in enumerate(sites.seeds())]
        all_succeed(procs)
        stored = json.loads(one_row("together", "SELECT value FROM job_values WHERE key = 'seeds'"))
        eq(sorted(stored), sorted(sites.seeds()), "the job's seeds")
        eq(one_row("together", "SELECT count(*) FROM urls WHERE state = 'done'"),
           str(3 * PER_HOST_DONE), "URLs done")
        return f"{len(stored)} seeds kept"


def version1_sql():
    """The version 1 schema, as the source defines it (the migration under test starts there)."""
    source = (testlib.source_dir() / "src" / "crawl" / "pg_state_store.cc").read_text()
    m = re.search(r'kVersion1Sql\[\] = R"sql\((.*?)\)sql"', source, re.S)
    check(m is not None, "kVersion1Sql not found in pg_state_store.cc")
    return m.group(1)


@case("a version 1 database with a job half done is migrated to version 3 by the next worker, "
      "which finishes the job: the clean run's records, robots.txt shared through the new columns; "
      "a job defined before the breaker options takes a worker's and keeps them")
def _(binary, tmp):
    with Sites(hosts=HOSTS[:1]) as sites:
        want = reference(binary, tmp, sites.seeds(), "--delay", "0")
        url = pg().url("v1")
        pg().sql("CREATE TABLE medscrape_schema(version int NOT NULL);" + version1_sql() +
                 "INSERT INTO medscrape_schema VALUES (1);", db="v1")
        check("robots_status" not in pg().sql("SELECT column_name FROM information_schema.columns"
                                              " WHERE table_name = 'hosts'", db="v1"),
              "version 1 has no robots columns")
        # What a version 1 worker leaves: the job, its seed pending, a list page leased by a
        # worker "old" that died (its lease expired), the host's row, the job's seeds.
        seed = sites.seeds()[0]
        host = seed.split("/")[2]
        page = sites.sites[0].base + "/jingxuan/index_2.shtml"
        pg().sql(f"""INSERT INTO jobs(name) VALUES ('jm');
            INSERT INTO hosts(job_id, host) SELECT id, '{host}' FROM jobs;
            INSERT INTO urls(job_id, url, host, kind, depth)
              SELECT id, '{seed}', '{host}', 'hub', 0 FROM jobs;
            INSERT INTO urls(job_id, url, host, kind, depth, lease_owner, lease_token, lease_expires)
              SELECT id, '{page}', '{host}', 'hub', 1, 'old', 7, now() - interval '1 second'
              FROM jobs;
            INSERT INTO job_values(job_id, key, value) SELECT id, 'seeds', '["{seed}"]' FROM jobs;
            """, db="v1")
        rc, err = finish(start(worker_argv(binary, url, "jm", "new", "--delay", "0", tmp=tmp)),
                         "new worker")
        check(rc == 0, f"the worker on a version 1 database exited {rc}: {err[-600:]}")
        eq(one_row("v1", "SELECT max(version) FROM medscrape_schema"), "3", "schema version")
        eq(one_row("v1", "SELECT robots_status FROM hosts"), "200", "robots.txt status stored")
        check("Disallow" in one_row("v1", "SELECT convert_from(robots_body, 'UTF8') FROM hosts"),
              "robots.txt body stored")
        eq(one_row("v1", "SELECT count(*) FROM urls WHERE lease_token IS NOT NULL"), "0",
           "leases left")
        cli.same_records(exported(binary, url, "jm", tmp), want, "records after the migration")
        # The definition an earlier medscrape stored, without the options added since.
        newer = ("max_delay_s", "breaker_failures", "breaker_cooldown_s", "breaker_max_opens")
        stored = json.loads(one_row("v1", "SELECT value FROM job_values WHERE key = 'definition'"))
        check(all(k in stored for k in newer), f"stored definition: {stored}")
        older = {k: v for k, v in stored.items() if k not in newer}
        pg().sql("UPDATE job_values SET value = '%s' WHERE key = 'definition'"
                 % json.dumps(older).replace("'", "''"), db="v1")
        rc, err = finish(start(worker_argv(binary, url, "jm", "later", "--delay", "0", tmp=tmp)),
                         "later worker")
        check(rc == 0, f"a worker joining a job defined before the breaker options exited {rc}: "
                       f"{err[-600:]}")
        again = json.loads(one_row("v1", "SELECT value FROM job_values WHERE key = 'definition'"))
        eq(again, stored, "the definition after the later worker")
        return "version 1 -> 3"

if __name__ == "__main__":
    try:
        sys.exit(runner.main())
    finally:
        if _PG is not None:
            _PG.__exit__(None, None, None)

#!/usr/bin/python3
"""Figures for shared crawl jobs on PostgreSQL (docs/scale-out.md), on one machine, against a
throw-away PostgreSQL 15 server on 127.0.0.1 (tests/pg_cluster.py) with fsync on.

1. claims: build/pg_claim_bench, the store alone: W worker processes claim and complete URLs
   as fast as they can over many hosts (1000) and over few (10, where workers contend for the
   same host rows); transactions/s and p50/p99 latency at 1, 3, 10 and 30 workers.
2. latency: real `medscrape crawl` workers on fixtures/site served under 20 loopback host
   names by tests/http_test_server.py with 200 ms added to every response, delay 0,
   concurrency 4 per worker: pages/s and CPU seconds with 1, 2 and 3 workers. Latency-bound
   work, so pages/s should grow with the workers while the CPU stays low (near-linear CPU
   scaling cannot be shown on one 2-core machine).
3. recovery: two workers, one killed with SIGKILL while it holds leases: the time until the
   other worker's reaper has given every one of its URLs back (about the lease).

Each figure is the median of --rounds runs, the contenders of a round in rotated order.

    /usr/bin/python3 bench/scale_out_bench.py [--rounds 3] [--seconds 8] [--only claims|latency|recovery]
"""
import argparse
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(ROOT / "tests"))
from pg_cluster import PgCluster  # noqa: E402

BUILD = Path(os.environ.get("MEDSCRAPE_BUILD_DIR", ROOT / "build"))
HOSTS = [f"127.0.0.{i}" for i in range(2, 22)]
SEED = "/jingxuan/index.shtml"
STATS = tempfile.mkdtemp(prefix="scale-out-bench-")


def note(text):
    print(f"scale_out_bench: {text}", file=sys.stderr, flush=True)


def build():
    if not (BUILD / "CMakeCache.txt").exists():
        subprocess.run(["cmake", "-S", ROOT, "-B", BUILD, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", BUILD, "--target", "medscrape", "pg_claim_bench"],
                   check=True, stdout=subprocess.DEVNULL)


def rotated(items, r):
    return items[r % len(items):] + items[:r % len(items)]


# ------------------------------------------------------------------- 1. claims

LINE = re.compile(r"(\d+) workers\s+(\d+) claims/s\s+(\d+) completes/s\s+(\d+) tx/s\s+claim p50\s+"
                  r"([\d.]+) p99\s+([\d.]+) ms\s+complete p50\s+([\d.]+) p99\s+([\d.]+) ms\s+"
                  r"misses\s+([\d.]+)%")


def claims(pg, rounds, seconds):
    cases = [(w, h) for h in (1000, 10) for w in (1, 3, 10, 30)]
    runs = {c: [] for c in cases}
    for r in range(rounds):
        for workers, hosts in rotated(cases, r):
            url = pg.url(f"claims_{workers}_{hosts}")
            out = subprocess.run([BUILD / "pg_claim_bench", url, str(workers), str(seconds),
                                  str(hosts), "60000"], capture_output=True, text=True, check=False)
            m = LINE.search(out.stdout)
            if out.returncode != 0 or not m:
                sys.exit(f"pg_claim_bench {workers} {hosts} failed: {out.stderr[-500:]}")
            runs[(workers, hosts)].append([float(x) for x in m.groups()[1:]])
            note(f"round {r + 1}: {out.stdout.strip()}  ({hosts} hosts)")
    print(f"\n1. claim + complete, {seconds} s per run, median of {rounds} "
          "(a miss: the host was held by another worker)")
    print(f"{'hosts':>6} {'workers':>7} {'claims/s':>9} {'tx/s':>7} {'claim p50':>10} "
          f"{'claim p99':>10} {'done p50':>9} {'done p99':>9} {'misses':>7}")
    for workers, hosts in cases:
        med = [statistics.median(col) for col in zip(*runs[(workers, hosts)])]
        print(f"{hosts:>6} {workers:>7} {med[0]:>9.0f} {med[2]:>7.0f} {med[3]:>8.2f}ms "
              f"{med[4]:>8.2f}ms {med[5]:>7.2f}ms {med[6]:>7.2f}ms {med[7]:>6.1f}%")


# ------------------------------------------------------------------- 2. latency

class Mirror:
    """fixtures/site under each loopback host name in HOSTS, 200 ms added to every response."""

    def __init__(self, latency):
        self.procs, self.seeds = [], []
        for host in HOSTS:
            proc = subprocess.Popen(
                ["/usr/bin/python3", ROOT / "tests" / "http_test_server.py", "--root",
                 ROOT / "fixtures" / "site", "--host", host, "--latency", str(latency)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            port = int(proc.stdout.readline().split()[1])
            self.procs.append(proc)
            self.seeds.append(f"http://{host}:{port}{SEED}")

    def close(self):
        for proc in self.procs:
            proc.stdin.close()
            proc.wait(10)


def worker_argv(url, job, name, seeds, *extra):
    return [BUILD / "medscrape", "crawl", "--state", url, "--job", job, "--worker", name,
            "--site", "mfk.com", "--delay", "0", "--concurrency", "4", "--per-host", "2",
            "--allow-private", "--no-progress", "--stats", f"{STATS}/{job}-{name}.json", *extra, *seeds]


def crawl_with(pg, mirror, workers, tag):
    """Runs `workers` workers to the end of a fresh job; (pages done, wall s, CPU s)."""
    url = pg.url(f"lat_{tag}")
    job = "latency"
    start = time.monotonic()  # A database per run: the workers race to create the job.
    procs = [subprocess.Popen(worker_argv(url, job, f"w{i}", mirror.seeds),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(workers)]
    cpu = 0.0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        err = proc.stderr.read().decode(errors="replace")
        if proc.returncode != 0:
            sys.exit(f"worker exited {proc.returncode}: {err[-500:]}")
    wall = time.monotonic() - start
    done = int(pg.sql("SELECT count(*) FROM urls WHERE state = 'done'", db=f"lat_{tag}"))
    return done, wall, cpu


def latency(pg, rounds):
    mirror = Mirror(0.2)
    try:
        runs = {w: [] for w in (1, 2, 3)}
        for r in range(rounds):
            for workers in rotated([1, 2, 3], r):
                done, wall, cpu = crawl_with(pg, mirror, workers, f"{workers}_{r}")
                runs[workers].append((done / wall, wall, cpu, done))
                note(f"round {r + 1}: {workers} workers: {done} pages in {wall:.1f} s, "
                     f"CPU {cpu:.1f} s")
    finally:
        mirror.close()
    print(f"\n2. latency-bound: {len(HOSTS)} hosts x 40 pages, +200 ms per response, delay 0, "
          f"concurrency 4 per worker; median of {rounds}")
    print(f"{'workers':>7} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'x 1 worker':>10} "
          f"{'CPU s':>6} {'CPU ms/page':>11}")
    base = statistics.median(r[0] for r in runs[1])
    for workers, rows in runs.items():
        rate = statistics.median(r[0] for r in rows)
        wall = statistics.median(r[1] for r in rows)
        cpu = statistics.median(r[2] for r in rows)
        pages = statistics.median(r[3] for r in rows)
        print(f"{workers:>7} {pages:>6.0f} {wall:>7.1f} {rate:>8.1f} {rate / base:>10.2f} "
              f"{cpu:>6.2f} {1000 * cpu / pages:>11.2f}")


# ------------------------------------------------------------------- 3. recovery

def recovery(pg, rounds, lease="5s"):
    mirror = Mirror(0.5)
    results = []
    try:
        for r in range(rounds):
            db = f"rec_{r}"
            url = pg.url(db)
            a = subprocess.Popen(worker_argv(url, "rec", "a", mirror.seeds, "--lease", lease), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            b = subprocess.Popen(worker_argv(url, "rec", "b", mirror.seeds, "--lease", lease),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            held = 0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                held = int(pg.sql("SELECT count(*) FROM urls WHERE lease_owner = 'a'"
                                  " AND state = 'pending'", db=db) or 0)
                done = int(pg.sql("SELECT count(*) FROM urls WHERE state = 'done'", db=db))
                if held >= 2 and done >= 40:
                    break
                time.sleep(0.05)
            a.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            a.wait()
            while int(pg.sql("SELECT count(*) FROM urls WHERE lease_owner = 'a'", db=db)) > 0:
                time.sleep(0.05)
            back = time.monotonic() - killed
            results.append(back)
            note(f"round {r + 1}: {held} leases of the killed worker back after {back:.2f} s")
            b.wait(300)
    finally:
        mirror.close()
    print(f"\n3. recovery after kill -9, lease {lease}: the killed worker's URLs back "
          f"after {statistics.median(results):.2f} s (median of {rounds}; "
          f"min {min(results):.2f}, max {max(results):.2f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--only", choices=["claims", "latency", "recovery"])
    args = ap.parse_args()
    build()
    with PgCluster(durable=True) as pg:
        if args.only in (None, "claims"):
            claims(pg, args.rounds, args.seconds)
        if args.only in (None, "latency"):
            latency(pg, args.rounds)
        if args.only in (None, "recovery"):
            recovery(pg, args.rounds)
    print(f"\nmachine: {os.cpu_count()} cores; PostgreSQL 15 on 127.0.0.1, fsync on, "
          "default settings otherwise")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    main()

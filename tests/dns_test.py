#!/usr/bin/python3
"""docs/reliability.md N6 against a real DNS server: NXDOMAIN vs a resolver that does not answer.

Usage: /usr/bin/python3 tests/dns_test.py <path-to-medscrape> [case-name-substring...]
Environment: MEDSCRAPE_FETCH_TEST = the fetch_test Catch2 binary (default: tests/fetch_test
next to medscrape); MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).

No mocks: the driver re-runs itself inside a private user+mount+network namespace
(`unshare -rmn`), where it brings up lo, bind-mounts over /etc/resolv.conf a file naming only
127.0.0.1 (`options timeout:1 attempts:1`) and over /etc/nsswitch.conf one with
`hosts: files dns`, hides nscd's socket, and runs tests/dns_test_server.py on 127.0.0.1:53
(*.lo -> 127.0.0.1, *.nx -> NXDOMAIN, *.silent -> no reply, ...). Everything started there
(glibc's getaddrinfo in medscrape and fetch_test included) talks to that server only, and no
test can reach the outside network. Without a working `unshare` the driver FAILS, saying why.

Standard library only. Ends with the line "N passed, M failed"; exit 1 on any failure.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import check, eq  # noqa: E402

PYTHON = "/usr/bin/python3"
HERE = Path(__file__).resolve().parent
RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"
DNS_LOG = None  # Set up inside the namespace: the DNS server's query log.

runner = testlib.Runner("medscrape DNS tests (N6), in a private network namespace")
case = runner.case


def bind_over(target, content, work):
    """Bind-mounts a file holding `content` over `target` (a symlink's target, if it is one)."""
    real = os.path.realpath(target)
    if not os.path.isfile(real):
        Path(real).parent.mkdir(parents=True, exist_ok=True)
        Path(real).touch()  # A dangling /etc/resolv.conf symlink: private to this mount namespace.
    source = work / Path(target).name
    source.write_text(content)
    subprocess.run(["mount", "--bind", str(source), real], check=True)


def nsswitch_with_dns():
    """The system's nsswitch.conf with `hosts: files dns` (no mdns, resolve or myhostname)."""
    try:
        lines = Path("/etc/nsswitch.conf").read_text().splitlines()
    except OSError:
        lines = []
    kept = [line for line in lines if not line.strip().startswith("hosts:")]
    return "\n".join(kept + ["hosts: files dns"]) + "\n"


def start_dns_server(work):
    log = work / "dns.jsonl"
    server = subprocess.Popen([PYTHON, str(HERE / "dns_test_server.py"), "--port", "53", "--log",
                               str(log)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = server.stdout.readline().decode()
    if not line.startswith("PORT "):
        raise RuntimeError("tests/dns_test_server.py did not start: " + line)
    return server, log


def set_up(work):
    """The namespace's network and name service; returns the running DNS server."""
    testlib.bring_up_loopback()
    bind_over("/etc/resolv.conf", RESOLV_CONF, work)
    bind_over("/etc/nsswitch.conf", nsswitch_with_dns(), work)
    for nscd in ("/run/nscd", "/var/run/nscd"):  # glibc would ask the host's nscd instead
        if os.path.isdir(nscd) and not os.path.islink(nscd):
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", nscd], check=True)
    server, log = start_dns_server(work)
    addresses = {info[4][0] for info in socket.getaddrinfo("probe.lo", 80, type=socket.SOCK_STREAM)}
    if addresses != {"127.0.0.1"} or dns_queries(log, "probe.lo") != 1:
        raise RuntimeError(f"getaddrinfo did not ask tests/dns_test_server.py (got {addresses})")
    return server, log


def dns_queries(log, name, qtype="A"):
    """How many queries for `name` of type `qtype` the DNS server logged."""
    count = 0
    for line in Path(log).read_text().splitlines():
        entry = json.loads(line)
        count += entry["name"] == name and entry["type"] == qtype
    return count


@case("fetcher: the [.dns] Catch2 tests (NXDOMAIN, silent resolver, own timeout, .lo, sharing)")
def fetcher_tests(binary, tmp):
    fetch_test = Path(os.environ.get("MEDSCRAPE_FETCH_TEST", binary.parent / "tests" / "fetch_test"))
    check(fetch_test.is_file(), f"{fetch_test} not found (set MEDSCRAPE_FETCH_TEST)")
    env = dict(os.environ, MEDSCRAPE_DNS_LOG=str(DNS_LOG))
    result = subprocess.run([str(fetch_test), "[.dns]"], capture_output=True, text=True, env=env,
                            timeout=60)
    output = (result.stdout + result.stderr).strip()
    check(result.returncode == 0, "fetch_test [.dns] failed:\n" + output[-6000:])
    return output.splitlines()[-1]


def run_crawl(binary, tmp, seeds):
    server = subprocess.Popen([PYTHON, str(HERE / "http_test_server.py"), "--root",
                               str(testlib.source_dir() / "fixtures" / "site"), "--port", "0"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        port = int(server.stdout.readline().decode().split()[1])
        argv = [str(binary.resolve()), "crawl", "--out", str(tmp / "dns.jsonl"), "--state",
                str(tmp / "dns.db"), "--site", "mfk.com", "--allow-private", "--delay", "0",
                "--retries", "2", "--no-progress", "--log-format", "json", "--max-failed-ratio", "0",
                *[seed.format(port=port) for seed in seeds]]
        return port, testlib.run(argv, timeout=40, cwd=str(tmp))
    finally:
        server.stdin.close()
        server.wait(timeout=10)


def url_states(db_path):
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT url, state, reason, attempts FROM urls").fetchall()
    return {url: (state, reason, attempts) for url, state, reason, attempts in rows}


@case("crawl: page.lo pages become records, NXDOMAIN fails dns at once, silence dns_timeout")
def crawl_end_to_end(binary, tmp):
    seeds = ["http://page.lo:{port}/jingxuan/index.shtml", "http://gone.nx/x",
             "http://slow.silent/x"]
    port, result = run_crawl(binary, tmp, seeds)
    eq(result.rc, 1, "crawl exit code (finished with failed URLs)")
    records = [json.loads(line) for line in (tmp / "dns.jsonl").read_text().splitlines()]
    eq(len(records), 37, "records from the page.lo mirror")
    check(all(r["url"].startswith(f"http://page.lo:{port}/") for r in records),
          "a record from another host")
    states = url_states(tmp / "dns.db")
    page_lo = [s for url, s in states.items() if url.startswith("http://page.lo:")]
    eq(sorted({s[0] for s in page_lo}), ["done"], "states of the page.lo URLs")
    # One lookup for the whole mirror (40 fetches): the answer is pinned and cached for 60 s.
    eq(dns_queries(DNS_LOG, "page.lo"), 1, "A queries for page.lo")
    # NXDOMAIN: failed at its first attempt, never retried (attempts counts retries scheduled).
    eq(states.get("http://gone.nx/x"), ("failed", "dns", 0), "state of http://gone.nx/x")
    eq(dns_queries(DNS_LOG, "gone.nx"), 1, "A queries for gone.nx")
    # No answer: retried --retries 2 times with backoff, then failed; one lookup per attempt.
    eq(states.get("http://slow.silent/x"), ("failed", "dns_timeout", 2),
       "state of http://slow.silent/x")
    eq(dns_queries(DNS_LOG, "slow.silent"), 3, "A queries for slow.silent")
    stats = json.loads((tmp / "dns.stats.json").read_text())
    eq(stats["job"]["states"], {"pending": 0, "done": 40, "failed": 2, "skipped": 0}, "stats states")
    eq(stats["job"]["reasons"], {"failed:dns": 1, "failed:dns_timeout": 1}, "stats reasons")
    return f"{len(records)} records, crawl {result.wall:.1f}s"


def main():
    global DNS_LOG
    if not testlib.inside_namespace():
        return testlib.enter_namespace(__file__)
    with tempfile.TemporaryDirectory(prefix="medscrape-dns-") as work:
        try:
            server, DNS_LOG = set_up(Path(work))
        except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
            return testlib.fail_setup(str(error))
        try:
            return runner.main()
        finally:
            server.stdin.close()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Through a proxy, the target's host is still judged (address policy), in a private network.

Usage: /usr/bin/python3 tests/proxy_test.py <path-to-medscrape> [case-name-substring...]
Environment: MEDSCRAPE_SOURCE_DIR = repo root (default: this file's parent's parent).

With a proxy, medscrape never sees the address a URL's host resolves to: the proxy resolves
and connects. So before any request the fetcher judges the host itself: IP literals in every
spelling against the address policy, metadata host names always, private names unless
--allow-private. These tests run a real logging forward proxy (testlib.ForwardProxy) and a real
origin (tests/http_test_server.py serving fixtures/site), and check what reaches the proxy.

No mocks and no way out: the driver re-runs itself inside a private user+mount+network
namespace (`unshare -rmn`), brings up lo and adds two public-looking addresses to it, 1.2.3.4
(the proxy, so a crawl without --allow-private may use it) and 1.2.3.5 (the origin). Nothing in
the namespace can reach a real network, whatever medscrape would send.

Standard library only. Ends with the line "N passed, M failed"; exit 1 on any failure.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import ForwardProxy, check, eq  # noqa: E402

PROXY_HOST, ORIGIN_HOST = "1.2.3.4", "1.2.3.5"
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                   "ALL_PROXY", "no_proxy", "NO_PROXY")
MIRROR_RECORDS = 37  # fixtures/site: pages reachable from /jingxuan/index.shtml

# The cloud metadata services in the spellings an attacker would try: refused even with
# --allow-private, through any proxy.
METADATA_SEEDS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest/meta-data/",           # decimal
    "http://0xa9fea9fe/latest/meta-data/",           # hex
    "http://0251.0376.0251.0376/latest/meta-data/",  # octal
    "http://169.254.43518/latest/meta-data/",        # a.b.c form
    "http://169.254.169.254./latest/meta-data/",     # trailing dot
    "http://[::ffff:169.254.169.254]/latest/",       # IPv4-mapped
    "http://[64:ff9b::a9fe:a9fe]/latest/",           # NAT64
    "http://[2002:a9fe:a9fe::1]/latest/",            # 6to4
    "http://[2001:0:4136:e378:8000:63bf:5601:5601]/latest/",  # Teredo client 169.254.169.254
    "http://[fd00:ec2::254]/latest/meta-data/",      # AWS IPv6
    "http://169.254.170.2/v2/credentials",           # AWS ECS
    "http://100.100.100.200/latest/meta-data/",      # Alibaba
    "http://169.254.0.23/meta-data/",                # Tencent
    "http://192.0.0.192/opc/v2/instance/",           # Oracle
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/",
    "http://metadata/computeMetadata/v1/",
    "http://metadata.tencentyun.com/latest/meta-data/",
    "http://ｍｅｔａｄａｔａ。google。internal/computeMetadata/v1/",  # full width, ideographic dots
]

# Private targets in several spellings: refused without --allow-private, through any proxy.
PRIVATE_SEEDS = [
    "http://127.0.0.1:9/x", "http://2130706433:9/x", "http://0x7f.1:9/x", "http://127.1:9/x",
    "http://10.0.0.1/x", "http://192.168.1.1/x", "http://[::1]:9/x", "http://[::ffff:10.0.0.1]/x",
    "http://localhost:9/x", "http://intranet/x", "http://db.internal/x", "http://printer.local/x",
    "http://router.home.arpa/x",
]

runner = testlib.Runner("medscrape through a proxy: the target's host is judged, in a private network")
case = runner.case


def env_without_proxies(**extra):
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update(extra)
    return env


class Origin:
    """tests/http_test_server.py serving fixtures/site on ORIGIN_HOST."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(testlib.source_dir() / "tests" / "http_test_server.py"),
             "--root", str(testlib.source_dir() / "fixtures" / "site"), "--host", ORIGIN_HOST],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env_without_proxies())
        line = self.proc.stdout.readline().decode()
        check(line.startswith("PORT "), f"http_test_server.py did not start: {line!r}")
        self.base = f"http://{ORIGIN_HOST}:{int(line.split()[1])}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        self.proc.wait(10)


def crawl(binary, tmp, seeds, *extra, env=None):
    argv = [binary.resolve(), "crawl", "--out", tmp / "out.jsonl", "--state", tmp / "state.db", "--site",
            "mfk.com", "--delay", "0", "--retries", "0", "--no-progress", "--log-format", "json",
            *extra, *seeds]
    return testlib.run(argv, timeout=60, cwd=str(tmp), env=env or env_without_proxies())


def states(tmp):
    with sqlite3.connect(tmp / "state.db") as db:
        return {url: (state, reason) for url, state, reason in
                db.execute("SELECT url, state, reason FROM urls")}


def records(tmp):
    path = tmp / "out.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def expect_refused(binary, tmp, seeds, proxy, *extra, env=None):
    """Each seed, crawled alone: exit 1, its URL failed:blocked_address and named on stderr,
    and nothing reached the proxy."""
    before = len(proxy.targets)
    for n, seed in enumerate(seeds):
        run_dir = tmp / f"seed{n}"
        run_dir.mkdir()
        result = crawl(binary, run_dir, [seed], *extra, env=env)
        eq(result.rc, 1, f"{seed}: exit code")
        eq(sorted(set(states(run_dir).values())), [("failed", "blocked_address")], f"{seed}: states")
        events = [json.loads(line) for line in result.stderr_lines() if line.startswith("{")]
        check(any(e.get("reason") == "blocked_address" for e in events),
              f"{seed}: no failed/blocked_address event on stderr")
        eq(proxy.targets[before:], [], f"{seed}: requests that reached the proxy")


@case("--proxy at a public address, no --allow-private: private targets in every spelling are "
      "refused before the proxy; a public origin is crawled through it")
def public_proxy(binary, tmp):
    with Origin() as origin, ForwardProxy(PROXY_HOST) as proxy:
        result = crawl(binary, tmp, [origin.base + "/jingxuan/index.shtml"], "--proxy", proxy.url)
        eq(result.rc, 0, "exit code of the origin's crawl")
        eq(len(records(tmp)), MIRROR_RECORDS, "records of the origin, crawled through the proxy")
        check(origin.base + "/robots.txt" in proxy.targets,
              "the origin's robots.txt did not go through the proxy")
        expect_refused(binary, tmp, PRIVATE_SEEDS + METADATA_SEEDS, proxy, "--proxy", proxy.url)
        return f"{len(proxy.targets)} requests through the proxy, " \
               f"{len(PRIVATE_SEEDS) + len(METADATA_SEEDS)} hosts refused"


@case("--proxy on loopback with --allow-private: metadata in every spelling is refused; "
      "private targets go through")
def metadata_through_proxy(binary, tmp):
    with ForwardProxy("127.0.0.1") as proxy:
        # (The proxy answers 502 for it: robots.txt unavailable, retried in 30 s; --max-time ends that.)
        result = crawl(binary, tmp, ["http://10.9.9.9/x"], "--proxy", proxy.url, "--allow-private",
                       "--max-time", "2")
        # With --allow-private a private target is the proxy's to reach (here: nothing there).
        check("http://10.9.9.9/robots.txt" in proxy.targets,
              f"the private target was not handed to the proxy ({result.rc}): {proxy.targets}")
        expect_refused(binary, tmp, METADATA_SEEDS, proxy, "--proxy", proxy.url, "--allow-private")
        return f"{len(METADATA_SEEDS)} metadata spellings refused"


@case("http_proxy / HTTPS_PROXY / all_proxy in the environment: the same refusals")
def proxy_from_environment(binary, tmp):
    with ForwardProxy("127.0.0.1") as proxy:
        seeds = METADATA_SEEDS[:6] + ["https://169.254.169.254/", "https://metadata.google.internal/"]
        for name in ("http_proxy", "HTTPS_PROXY", "all_proxy"):
            run_dir = tmp / name
            run_dir.mkdir()
            expect_refused(binary, run_dir, seeds, proxy, "--allow-private",
                           env=env_without_proxies(**{name: proxy.url}))
        eq(proxy.connections, 0, "connections the proxy accepted")


def main():
    if not testlib.inside_namespace():
        return testlib.enter_namespace(__file__)
    try:
        testlib.bring_up_loopback()
        for address in (PROXY_HOST, ORIGIN_HOST):
            subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", "lo"], check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        return testlib.fail_setup(f"cannot add {PROXY_HOST} and {ORIGIN_HOST} to lo: {error}")
    return runner.main()


if __name__ == "__main__":
    sys.exit(main())

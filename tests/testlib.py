"""Shared helpers for the Python end-to-end drivers (cli_test.py, hostile_test.py, crawl and
namespace tests): running medscrape, checking records, private network namespaces
(enter_namespace) and a logging forward proxy (ForwardProxy).

Standard library only. Each driver does:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import testlib

and registers cases with @runner.case("name"). A case gets a fresh temporary
folder (pathlib.Path) and fails by raising (testlib.check / testlib.eq raise
TestFailure with a message). The runner prints "ok"/"FAIL" per case and ends
with the line "N passed, M failed"; the exit status is 1 when M > 0.
Extra arguments after the binary select cases by name substring. Cases that
would start after MEDSCRAPE_TEST_BUDGET_S seconds (default 540, under ctest's
600 s timeout) are counted as failed without running, so the count line is
always printed even when the binary hangs.
"""

import fcntl
import hashlib
import http.client
import http.server
import json
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from pathlib import Path

SUMMARY_RE = re.compile(r"^medscrape: (\d+) inputs, (\d+) records, (\d+) failed, (\d+) with warnings")

TITLE_ARTICLE = "大腿肌肉痉挛的主要原因"
TITLE_XYWY = "老人经常腿抽筋怎么办"

# name -> fixtures/<dir>/<stem>.{html,url,expected.json}
REFERENCES = {
    "mfk-article": ("mfk", "mfk-article-seed"),
    "mfk-ask": ("mfk", "mfk-ask-reference"),
    "120ask": ("120ask", "120ask-reference"),
    "xywy": ("xywy", "xywy-reference"),
}


class TestFailure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def eq(actual, expected, what):
    if actual != expected:
        raise TestFailure(f"{what}: expected {expected!r}, got {actual!r}")


def source_dir():
    env = os.environ.get("MEDSCRAPE_SOURCE_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent


def reference_path(name, ext="html"):
    folder, stem = REFERENCES[name]
    return source_dir() / "fixtures" / folder / f"{stem}.{ext}"


def reference_bytes(name):
    return reference_path(name).read_bytes()


def reference_url(name):
    return reference_path(name, "url").read_text(encoding="utf-8").strip()


def reference_expected(name):
    return json.loads(reference_path(name, "expected.json").read_text(encoding="utf-8"))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# Running the binary

class Result:
    """Outcome of one run: exit code or signal, output bytes, resource use."""

    def __init__(self, argv):
        self.argv = argv
        self.rc = None          # exit code, None when killed by a signal
        self.signal = None      # signal number when killed
        self.timed_out = False
        self.stdout = b""
        self.stderr = b""
        self.cpu = 0.0          # user + sys seconds of the child
        self.maxrss_kb = 0      # peak RSS of the child, KiB (wait4; see run())
        self.rss_floor_kb = 0   # the test process's RSS when it forked the child
        self.wall = 0.0

    @property
    def command(self):
        return shlex.join(str(a) for a in self.argv)

    def stderr_text(self):
        return self.stderr.decode("utf-8", errors="replace")

    def stderr_lines(self):
        return self.stderr_text().splitlines()

    def describe(self):
        if self.timed_out:
            status = "TIMED OUT (killed)"
        elif self.signal is not None:
            try:
                status = f"killed by {signal.Signals(self.signal).name}"
            except ValueError:
                status = f"killed by signal {self.signal}"
        else:
            status = f"exit {self.rc}"
        tail = self.stderr_text()
        if len(tail) > 1500:
            tail = tail[:700] + "\n   [...]\n" + tail[-700:]
        return (f"$ {self.command}\n{status}; cpu {self.cpu:.2f}s; "
                f"peak rss {self.maxrss_kb / 1024:.1f} MB; wall {self.wall:.2f}s; "
                f"stdout {len(self.stdout)} bytes\nstderr:\n{tail}")


LAST_RESULTS = []  # results of the running case, shown when it fails


def make_limits(cpu_seconds=None, address_space_bytes=None):
    """A preexec_fn that applies rlimits in the child before exec."""
    def apply():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cpu_seconds is not None:
            # Soft limit → SIGXCPU; hard limit a second later → SIGKILL.
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        if address_space_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))
    return apply


def own_rss_kb():
    """This (test) process's current RSS in KiB: a forked child starts with it as its peak RSS."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def trim_own_heap():
    """Returns freed heap to the OS so a forked child does not start with a big RSS."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def run(argv, stdin_bytes=None, stdin_path=None, timeout=60, limits=None, cwd=None,
        stdout_file=None, env=None):
    """Runs argv; returns a Result. stdin_bytes, or the file stdin_path, is fed through a real pipe.

    Note: wait4's ru_maxrss of a forked child counts the RSS the parent had at fork
    time (Result.rss_floor_kb); hold no big buffers while spawning.

    stdout and stderr go to temporary files (no pipe deadlock with big output);
    stdout_file, if given, is an open binary file used as the child's stdout
    instead (then Result.stdout stays empty). Resource use comes from wait4.
    """
    result = Result(argv)
    LAST_RESULTS.append(result)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if stdin_bytes is not None or stdin_path is not None:
            stdin = subprocess.PIPE
        else:
            stdin = subprocess.DEVNULL
        trim_own_heap()
        result.rss_floor_kb = own_rss_kb()
        start = time.monotonic()
        try:
            proc = subprocess.Popen([str(a) for a in argv], stdin=stdin,
                                    stdout=stdout_file if stdout_file is not None else out,
                                    stderr=err, cwd=cwd, preexec_fn=limits,
                                    start_new_session=True, env=env)
        except OSError as e:
            raise TestFailure(f"cannot start {argv[0]}: {e}")
        feeder = None
        if stdin is subprocess.PIPE:
            def feed():
                try:
                    if stdin_path is not None:
                        with open(stdin_path, "rb") as src:
                            while True:
                                chunk = src.read(1 << 16)
                                if not chunk:
                                    break
                                proc.stdin.write(chunk)
                    else:
                        view = memoryview(stdin_bytes)
                        for i in range(0, len(view), 1 << 16):
                            proc.stdin.write(view[i:i + (1 << 16)])
                except (BrokenPipeError, OSError, ValueError):
                    pass
                finally:
                    try:
                        proc.stdin.close()
                    except OSError:
                        pass
            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                result.timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        result.wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
        if feeder is not None:
            feeder.join(5)
        if os.WIFSIGNALED(status):
            result.signal = os.WTERMSIG(status)
        else:
            result.rc = os.WEXITSTATUS(status)
        result.cpu = usage.ru_utime + usage.ru_stime
        result.maxrss_kb = usage.ru_maxrss
        out.seek(0)
        err.seek(0)
        result.stdout = out.read()
        result.stderr = err.read()
    return result


def expect_exit(result, code):
    if result.timed_out or result.signal is not None or result.rc != code:
        raise TestFailure(f"expected exit {code}")


def _check_strings(value, where):
    """Every string in a parsed record must be encodable as strict UTF-8 (no lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise TestFailure(f"{where}: string is not valid Unicode ({e})")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_strings(k, where + "{key}")
            _check_strings(v, f"{where}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_strings(v, f"{where}/{i}")


def parse_records(stdout):
    """stdout bytes → list of dicts. Strict: UTF-8, newline-terminated lines, JSON objects."""
    if not stdout:
        return []
    try:
        text = stdout.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise TestFailure(f"stdout is not valid UTF-8: {e}")
    check(text.endswith("\n"), "stdout does not end with a newline (torn last line)")
    records = []
    for n, line in enumerate(text[:-1].split("\n"), 1):
        check(line.strip() != "", f"stdout line {n} is blank")
        try:
            record = json.loads(line)  # strict=True: raw control characters rejected
        except json.JSONDecodeError as e:
            raise TestFailure(f"stdout line {n} is not JSON ({e}): {line[:200]!r}")
        check(isinstance(record, dict), f"stdout line {n} is not a JSON object")
        _check_strings(record, f"line {n}")
        check(list(record)[:1] == ["schema_version"],
              f"stdout line {n}: first key is not schema_version: {list(record)[:3]}")
        check(isinstance(record.get("warnings"), list),
              f"stdout line {n}: 'warnings' missing or not a list")
        records.append(record)
    return records


def error_lines(result):
    return [l for l in result.stderr_lines() if l.startswith("medscrape: error: ")]


def warning_lines(result):
    return [l for l in result.stderr_lines() if l.startswith("medscrape: warning: ")]


def summary(result):
    """(inputs, records, failed, warned) from the one summary line; fails if absent or repeated."""
    found = [SUMMARY_RE.match(l) for l in result.stderr_lines()]
    found = [m for m in found if m]
    eq(len(found), 1, "number of summary lines on stderr")
    return tuple(int(g) for g in found[0].groups())


def expect_error_line(result, path, contains=None):
    """Exactly one 'medscrape: error: PATH: reason' line for path; returns the reason."""
    prefix = f"medscrape: error: {path}: "
    lines = [l for l in result.stderr_lines() if l.startswith(prefix)]
    eq(len(lines), 1, f"number of stderr lines starting {prefix!r}")
    reason = lines[0][len(prefix):]
    check(reason.strip() != "", f"empty reason in {lines[0]!r}")
    if contains is not None:
        check(contains.lower() in reason.lower(),
              f"error reason {reason!r} does not contain {contains!r}")
    return reason


# --------------------------------------------------------------------------
# Page surgery

def insert_after(data, marker, payload, occurrence=1):
    """Inserts payload right after the n-th occurrence of marker (bytes)."""
    pos = -1
    for _ in range(occurrence):
        pos = data.find(marker, pos + 1)
        check(pos >= 0, f"fixture changed: marker {marker!r} not found")
    end = pos + len(marker)
    return data[:end] + payload + data[end:]


def cut_after(data, marker, extra=0, occurrence=1):
    """The prefix of data ending `extra` bytes after the start of the n-th marker."""
    pos = -1
    for _ in range(occurrence):
        pos = data.find(marker, pos + 1)
        check(pos >= 0, f"fixture changed: marker {marker!r} not found")
    return data[:pos + extra]


# --------------------------------------------------------------------------
# Runner

class Runner:
    def __init__(self, title):
        self.title = title
        self.cases = []

    def case(self, name):
        def register(fn):
            self.cases.append((name, fn))
            return fn
        return register

    def main(self):
        if len(sys.argv) < 2:
            print(f"usage: {sys.argv[0]} <path-to-medscrape> [case-name-substring...]")
            print("0 passed, 1 failed")
            return 1
        binary = Path(sys.argv[1])
        filters = sys.argv[2:]
        print(f"# {self.title}")
        print(f"# binary: {binary}; source dir: {source_dir()}")
        if not binary.is_file() or not os.access(binary, os.X_OK):
            print(f"FAIL binary present: {binary} does not exist or is not executable "
                  f"(build it first: cmake --build build)")
            print("0 passed, 1 failed")
            return 1
        passed = failed = 0
        budget = float(os.environ.get("MEDSCRAPE_TEST_BUDGET_S", "540"))
        deadline = time.monotonic() + budget
        for name, fn in self.cases:
            if filters and not any(f in name for f in filters):
                continue
            if time.monotonic() > deadline:
                # Stay inside ctest's timeout so the closing count line is printed.
                failed += 1
                print(f"FAIL {name}\n       not run: this driver's time budget ({budget:.0f}s, "
                      f"MEDSCRAPE_TEST_BUDGET_S) is used up")
                continue
            LAST_RESULTS.clear()
            started = time.monotonic()
            try:
                with tempfile.TemporaryDirectory(prefix="medscrape-test-") as tmp:
                    note = fn(binary, Path(tmp))
            except Exception as e:  # TestFailure or a bug in the test itself
                failed += 1
                print(f"FAIL {name}")
                if isinstance(e, TestFailure):
                    msg = str(e)
                else:
                    msg = "test raised " + "".join(
                        traceback.format_exception(type(e), e, e.__traceback__)).rstrip()
                for line in msg.splitlines():
                    print(f"       {line}")
                if LAST_RESULTS:
                    for line in LAST_RESULTS[-1].describe().splitlines():
                        print(f"       | {line}")
                continue
            passed += 1
            extra = f" ({note})" if note else ""
            print(f"ok   {name}{extra} [{time.monotonic() - started:.2f}s]")
            sys.stdout.flush()
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0


# ---------------------------------------------------------------- private network namespaces

NAMESPACE_MARK = "MEDSCRAPE_TEST_NAMESPACE"


def fail_setup(message):
    print(f"FAIL namespace setup: {message}")
    print("0 passed, 1 failed")
    return 1


def inside_namespace():
    return os.environ.get(NAMESPACE_MARK) == "1"


def enter_namespace(script):
    """Runs `script` (with this process's arguments) again inside a new user+mount+network
    namespace (unshare -rmn), where it is root of its own network with nothing outside."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return fail_setup("the `unshare` command (util-linux) is not installed; these tests need "
                          "a private user+mount+network namespace (unshare -rmn)")
    probe = subprocess.run([unshare, "-rmn", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return fail_setup("`unshare -rmn true` failed (exit %d): %s -- user namespaces may be "
                          "disabled (sysctl kernel.unprivileged_userns_clone, "
                          "user.max_user_namespaces) or blocked by a seccomp/AppArmor profile"
                          % (probe.returncode, probe.stderr.strip()))
    env = dict(os.environ, **{NAMESPACE_MARK: "1"})
    return subprocess.run([unshare, "-rmn", "/usr/bin/python3", str(Path(script).resolve()),
                           *sys.argv[1:]], env=env).returncode


def bring_up_loopback():
    if shutil.which("ip"):
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, siocgifflags, request))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))


# ---------------------------------------------------------------- a logging proxy

HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade"}


class ForwardProxy:
    """A forwarding HTTP/1.1 proxy on `host` (absolute-form GET only), logging every target."""

    def __init__(self, host="127.0.0.1"):
        self.targets = []
        self.connections = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes

            def log_message(self, *args):
                pass

            def do_GET(self):
                with proxy.lock:
                    proxy.targets.append(self.path)
                parts = urllib.parse.urlsplit(self.path)
                if parts.scheme != "http" or not parts.hostname:
                    self.send_error(400, "absolute-form http:// target expected")
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                origin = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=20)
                try:
                    origin.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                                   headers=headers)
                    response = origin.getresponse()
                    body = response.read()
                    self.send_response(response.status, response.reason)
                    for name, value in response.getheaders():
                        if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError as e:
                    self.send_error(502, f"origin: {e}")
                finally:
                    origin.close()

            def do_CONNECT(self):
                with proxy.lock:
                    proxy.targets.append("CONNECT " + self.path)
                self.send_error(405, "no tunnels here")

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def process_request(self, request, client_address):
                with proxy.lock:
                    proxy.connections += 1
                super().process_request(request, client_address)

        self.server = Server((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

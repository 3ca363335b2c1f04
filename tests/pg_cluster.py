"""A throw-away PostgreSQL server on 127.0.0.1 for the shared-job tests (Debian's
postgresql-15: initdb and pg_ctl, run as the `postgres` user when the tests run as root).

    with PgCluster() as pg:
        pg.url("crawl")      # postgresql://medscrape@127.0.0.1:PORT/crawl (created)
        pg.stop(); pg.start()  # an outage
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found: apt-get install postgresql-15 (scripts/install-deps)")
    return found[-1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, durable=False):
        """durable: keep fsync on (benchmarks); tests turn it off for speed."""
        self.durable = durable
        self.dir = tempfile.mkdtemp(prefix="medscrape-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = None  # Picked when the server first starts (__enter__).
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        os.chmod(self.dir, 0o755)

    def _run(self, *args, **kwargs):
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)

    def __enter__(self):
        self._run(_bin("initdb"), "-D", self.data, "-U", "medscrape", "-A", "trust",
                  "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\n"
                       f"fsync = {'on' if self.durable else 'off'}\n"
                       "max_connections = 200\nlog_min_messages = fatal\n")
        # A free port is picked just before the start (after initdb's seconds), and picked
        # again should another process take it first (the last `port` line counts).
        for attempt in range(3):
            self.port = _free_port()
            with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as conf:
                conf.write(f"port = {self.port}\n")
            try:
                self.start()
                return self
            except subprocess.CalledProcessError:
                log = self._log()  # At log_min_messages = fatal only the FATAL line shows.
                taken = "already in use" in log or "could not create any TCP/IP sockets" in log
                self._stop_quietly()  # A start that timed out may have left a server running.
                if attempt == 2 or not taken:
                    shutil.rmtree(self.dir, ignore_errors=True)
                    raise
        return self

    def _log(self):
        try:
            with open(os.path.join(self.dir, "log"), errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def _stop_quietly(self):
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass

    def start(self):
        self._run(_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"),
                  "-w", "-t", "60", "start")

    def stop(self, mode="fast"):
        self._run(_bin("pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop")

    def url(self, db="medscrape"):
        base = f"postgresql://medscrape@127.0.0.1:{self.port}"
        exists = self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'", db="postgres")
        if not exists.strip():
            self.sql(f'CREATE DATABASE "{db}"', db="postgres")
        return f"{base}/{db}"

    def sql(self, statement, db="medscrape"):
        """Runs one statement with psql; returns its rows, unaligned, '|' between fields."""
        out = subprocess.run(
            [_bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", "medscrape", "-d", db, "-c", statement],
            check=True, capture_output=True, text=True)
        return out.stdout

    def __exit__(self, *exc):
        self._stop_quietly()
        shutil.rmtree(self.dir, ignore_errors=True)

#!/usr/bin/python3
"""A small HTTP/2-over-TLS server for medscrape's fetch tests (N12: HTTP/2 stream reset).

Standard library plus the `h2` package (Debian python3-h2, installed by scripts/install-deps).
Binds 127.0.0.1 only.

Usage
-----
    /usr/bin/python3 tests/h2_test_server.py --cert CERT.pem --key KEY.pem [--port 0]

It binds (port 0 = an ephemeral port), prints exactly one line `PORT <n>` to stdout and flushes,
then serves until its stdin reaches EOF (or SIGTERM/SIGINT). TLS offers ALPN "h2" only; the
certificate is whatever the caller made (tests/fetch_h2_test.cc signs one for IP 127.0.0.1 with a
throwaway CA). Diagnostics go to stderr. Exits with status 3 and a message on stderr when the h2
package is missing.

Paths (GET)
-----------
/ok?n=K       200, a small text/html page whose body holds "ok K conn C conns T alpn P": C is
              this connection's number (1-based, in accept order), T the number of connections
              accepted so far, P the ALPN protocol selected ("h2"). A test that sees the same C and
              T == 1 everywhere knows one connection carried every stream.
/slow?ms=300  the same page (K = ms) after waiting ms milliseconds (at most 10000), so several
              streams are in flight at once.
/reset?code=internal
              200 headers and some body bytes, a short pause, then RST_STREAM on that stream with
              INTERNAL_ERROR (code=cancel: CANCEL). The connection stays open for other streams.
anything else 404.
"""

import argparse
import asyncio
import os
import signal
import ssl
import sys
import threading
import urllib.parse

try:
    import h2.config
    import h2.connection
    import h2.errors
    import h2.events
    import h2.exceptions
except ImportError:
    sys.stderr.write("h2_test_server.py: the python3-h2 package is missing "
                     "(run scripts/install-deps or apt-get install python3-h2)\n")
    sys.exit(3)

HTML_CT = "text/html; charset=utf-8"
MAX_SLOW_MS = 10000


def page(text):
    return ("<!DOCTYPE html>\n<html><head><title>h2 test</title></head>"
            "<body><p>%s</p></body></html>\n" % text).encode("utf-8")


class State:
    def __init__(self):
        self.conns = 0
        self.tasks = set()


class Connection:
    def __init__(self, st, reader, writer):
        st.conns += 1
        self.number = st.conns
        self.st = st
        self.reader = reader
        self.writer = writer
        self.h2 = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        ssl_object = writer.get_extra_info("ssl_object")
        self.alpn = (ssl_object.selected_alpn_protocol() if ssl_object else None) or "none"
        self.closed = False

    async def flush(self):
        data = self.h2.data_to_send()
        if data and not self.closed:
            self.writer.write(data)
            try:
                await self.writer.drain()
            except (ConnectionError, OSError):
                self.closed = True

    async def run(self):
        self.h2.initiate_connection()
        await self.flush()
        try:
            while not self.closed:
                data = await self.reader.read(65536)
                if not data:
                    break
                try:
                    events = self.h2.receive_data(data)
                except h2.exceptions.ProtocolError as e:
                    sys.stderr.write("h2_test_server.py: protocol error: %s\n" % e)
                    await self.flush()
                    break
                for event in events:
                    if isinstance(event, h2.events.RequestReceived):
                        self.start(event.stream_id, dict(event.headers))
                    elif isinstance(event, h2.events.DataReceived):
                        self.h2.acknowledge_received_data(event.flow_controlled_length,
                                                          event.stream_id)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        self.closed = True
                await self.flush()
        except (ConnectionError, OSError, ssl.SSLError):
            pass
        finally:
            self.closed = True
            self.writer.close()

    def start(self, stream_id, headers):
        task = asyncio.get_running_loop().create_task(self.handle(stream_id, headers))
        self.st.tasks.add(task)
        task.add_done_callback(self.st.tasks.discard)

    async def respond(self, stream_id, status, body):
        if self.closed:
            return
        try:
            self.h2.send_headers(stream_id, [(":status", str(status)),
                                             ("content-type", HTML_CT),
                                             ("content-length", str(len(body)))])
            self.h2.send_data(stream_id, body, end_stream=True)  # Bodies fit the default window.
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            return
        await self.flush()

    def body(self, label):
        return page("%s conn %d conns %d alpn %s" % (label, self.number, self.st.conns, self.alpn))

    async def handle(self, stream_id, headers):
        target = urllib.parse.urlsplit(headers.get(":path", "/"))
        query = urllib.parse.parse_qs(target.query)
        arg = lambda name, default: query.get(name, [default])[0]
        try:
            if target.path == "/ok":
                await self.respond(stream_id, 200, self.body("ok %s" % arg("n", "0")))
            elif target.path == "/slow":
                ms = min(max(int(arg("ms", "300")), 0), MAX_SLOW_MS)
                await asyncio.sleep(ms / 1000)
                await self.respond(stream_id, 200, self.body("ok %d" % ms))
            elif target.path == "/reset":
                code = {"internal": h2.errors.ErrorCodes.INTERNAL_ERROR,
                        "cancel": h2.errors.ErrorCodes.CANCEL}.get(arg("code", "internal"))
                if code is None:
                    await self.respond(stream_id, 400, page("bad code"))
                    return
                self.h2.send_headers(stream_id, [(":status", "200"), ("content-type", HTML_CT)])
                self.h2.send_data(stream_id, b"<!DOCTYPE html>\n<html><body>" + b"x" * 1000)
                await self.flush()
                await asyncio.sleep(0.05)
                self.h2.reset_stream(stream_id, error_code=code)
                await self.flush()
            else:
                await self.respond(stream_id, 404, page("not found"))
        except ValueError:
            await self.respond(stream_id, 400, page("bad parameter"))
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            pass  # The client gave up on the stream.


def parse_args(argv):
    ap = argparse.ArgumentParser(description="medscrape HTTP/2 test server")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port", type=int, default=0)
    return ap.parse_args(argv)


async def amain(cfg):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cfg.cert, cfg.key)
    context.set_alpn_protocols(["h2"])
    st = State()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    async def on_conn(reader, writer):
        await Connection(st, reader, writer).run()

    server = await asyncio.start_server(on_conn, "127.0.0.1", cfg.port, ssl=context,
                                        reuse_address=True)
    sys.stdout.write("PORT %d\n" % server.sockets[0].getsockname()[1])
    sys.stdout.flush()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def watch():
        try:
            while sys.stdin.buffer.read1(4096):
                pass
        except (OSError, ValueError):
            pass
        loop.call_soon_threadsafe(stop.set)
    threading.Thread(target=watch, daemon=True).start()
    await stop.wait()
    server.close()


def main():
    cfg = parse_args(sys.argv[1:])
    try:
        asyncio.run(amain(cfg))
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # Do not wait for the stdin thread.


if __name__ == "__main__":
    main()

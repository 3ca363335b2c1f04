#!/usr/bin/python3
"""A tiny authoritative DNS server over UDP for medscrape's DNS tests (docs/reliability.md N6).

Standard library only. Meant to run as the only nameserver of a private network namespace
(tests/dns_test.py bind-mounts a resolv.conf naming 127.0.0.1 there), so glibc's getaddrinfo talks
to it; it answers by the last label of the name asked for:

    *.lo        A 127.0.0.1 (TTL 60); AAAA and other types: NOERROR with no answer (NODATA)
    *.nx        NXDOMAIN (rcode 3)                 -> getaddrinfo EAI_NONAME
    *.empty     NOERROR, no answer for any type    -> getaddrinfo EAI_NODATA / EAI_NONAME
    *.servfail  SERVFAIL (rcode 2)                 -> getaddrinfo EAI_AGAIN
    *.refused   REFUSED (rcode 5)                  -> getaddrinfo EAI_FAIL
    *.silent    no reply at all                    -> getaddrinfo EAI_AGAIN after resolv.conf's timeout
    anything else: REFUSED

Usage
-----
    /usr/bin/python3 tests/dns_test_server.py [--host 127.0.0.1] [--port 53] [--log FILE]

It binds, prints one line `PORT <n>` to stdout and flushes, then serves until SIGTERM/SIGINT or
until its stdin reaches EOF (start it with stdin=subprocess.PIPE). With --log, every query is
appended to FILE (truncated at start) as one JSON object and flushed before the reply is sent:
{"time": epoch s, "name": "gone.nx", "type": "A", "action": "nxdomain"}; "type" is the mnemonic
for A, AAAA, ANY, MX, NS, SOA, TXT, CNAME, PTR, else the number; "action" is one of "answer",
"nodata", "nxdomain", "servfail", "refused", "silent", "malformed".
"""

import argparse
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

TYPE_NAMES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
              255: "ANY"}
RCODES = {"answer": 0, "nodata": 0, "servfail": 2, "nxdomain": 3, "refused": 5}
ZONES = {"nx": "nxdomain", "servfail": "servfail", "refused": "refused", "silent": "silent",
         "empty": "nodata"}
LOOPBACK = bytes([127, 0, 0, 1])
TTL = 60


def parse_question(packet):
    """(id, flags, name, qtype, question bytes) of a query; ValueError if malformed."""
    if len(packet) < 12:
        raise ValueError("short header")
    ident, flags, qdcount = struct.unpack("!HHH", packet[:6])
    if flags & 0x8000 or qdcount != 1:
        raise ValueError("not a single-question query")
    labels, at = [], 12
    while True:
        if at >= len(packet):
            raise ValueError("name runs past the packet")
        length = packet[at]
        at += 1
        if length == 0:
            break
        if length & 0xC0 or at + length > len(packet):
            raise ValueError("bad label")
        labels.append(packet[at:at + length].decode("ascii", "replace").lower())
        at += length
    if at + 4 > len(packet):
        raise ValueError("no type and class")
    qtype = struct.unpack("!H", packet[at:at + 2])[0]
    return ident, flags, ".".join(labels), qtype, packet[12:at + 4]


def action_for(name, qtype):
    zone = name.rsplit(".", 1)[-1]
    if zone == "lo":
        return "answer" if qtype == 1 else "nodata"
    return ZONES.get(zone, "refused")


def build_reply(ident, query_flags, question, action):
    """The reply to one query: the question echoed, an A record for "answer"."""
    opcode_and_rd = query_flags & 0x7900  # opcode bits and RD, as asked
    flags = 0x8000 | 0x0400 | 0x0080 | opcode_and_rd | RCODES[action]  # QR, AA, RA
    answers = 1 if action == "answer" else 0
    reply = struct.pack("!HHHHHH", ident, flags, 1, answers, 0, 0) + question
    if answers:
        # Name: a pointer to the question's name at offset 12; type A, class IN.
        reply += struct.pack("!HHHIH", 0xC00C, 1, 1, TTL, len(LOOPBACK)) + LOOPBACK
    return reply


class Server:
    def __init__(self, host, port, log_path):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.log = open(log_path, "w", encoding="utf-8") if log_path else None

    def record(self, name, qtype, action):
        if self.log is None:
            return
        entry = {"time": time.time(), "name": name, "type": TYPE_NAMES.get(qtype, str(qtype)),
                 "action": action}
        self.log.write(json.dumps(entry) + "\n")
        self.log.flush()

    def handle(self):
        packet, peer = self.sock.recvfrom(4096)
        try:
            ident, flags, name, qtype, question = parse_question(packet)
        except ValueError as error:
            print(f"dns_test_server: malformed query from {peer}: {error}", file=sys.stderr)
            self.record("", 0, "malformed")
            return
        action = action_for(name, qtype)
        self.record(name, qtype, action)
        if action != "silent":
            self.sock.sendto(build_reply(ident, flags, question, action), peer)

    def serve(self, watch_stdin):
        selector = selectors.DefaultSelector()
        selector.register(self.sock, selectors.EVENT_READ, "dns")
        if watch_stdin:
            selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
        while True:
            for key, _ in selector.select():
                if key.data == "dns":
                    self.handle()
                elif not os.read(sys.stdin.fileno(), 4096):
                    return  # The harness went away.


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--log")
    parser.add_argument("--no-stdin-watch", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = Server(args.host, args.port, args.log)
    print(f"PORT {server.sock.getsockname()[1]}", flush=True)
    try:
        server.serve(not args.no_stdin_watch)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

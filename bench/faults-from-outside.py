#!/usr/bin/env python3
"""Issue 3's fault cases, replayed from outside against the packaged jar, and a leak check.

Starts `java -jar gateway/target/xgate.jar` on a config of its own, with loopback origins this script runs (raw
sockets, so each one misbehaves exactly as asked), then replays each case as a client would and checks what an
nginx user expects:

  stall      an origin that reads the request and never answers: 504 after proxy_read_timeout (1 s), and the
             error log's "upstream timed out (110: Connection timed out) while reading response header"
  reset      an origin that resets its connection mid-body: the client gets the head and part of the body, then
             its connection is closed (the status is out, as in nginx)
  bad        an origin whose head has a space before a header's colon: 502, "upstream sent invalid header"
  slow       a 16 MiB response to a client reading at ~4 MiB/s through proxy_buffers 4 16k: a spill file exists in
             proxy_temp_path during the transfer and is gone after, the origin is done long before the client,
             and the bytes arrive intact
  abort      a client that leaves mid-response (proxy_buffering off): the origin sees its connection closed, i.e.
             its request cancelled
  retry      a 1 MiB POST body (over client_body_buffer_size 16k, so spilled to client_body_temp_path) whose first
             peer refuses the connection arrives intact at the second peer (nginx retries: nothing was sent)
  pipeline   three pipelined requests answered in order on one connection

Then the leak check: the gateway's open file descriptors (sockets included) are counted after a first round of
requests and again after all cases and a short settle; they must come back to the same count, and both temp
paths must be empty.

Usage (from the repository root, after `mvn -q package -DskipTests`):
  python3 bench/faults-from-outside.py [--jar gateway/target/xgate.jar] [--keep WORKDIR]
Exits 0 when every case passes. Linux only (reads /proc/PID/fd).
"""
import argparse
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BIG = 16 * 1024 * 1024
BODY = bytes((i * 7 + 3) % 251 for i in range(1024 * 1024))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def big_body():
    block = bytes(range(256)) * 256   # 64 KiB
    return block * (BIG // len(block))


class Origins:
    """Loopback origins, one listening socket per behaviour, each connection served by its own thread."""

    def __init__(self):
        self.ports = {}
        self.aborted = threading.Event()
        self.big_sent = {}
        self.echoed = []
        self.sockets = []
        self.big_bytes = big_body()
        for name in ("stall", "reset", "bad", "big", "echo", "plain"):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            s.listen(64)
            self.ports[name] = s.getsockname()[1]
            self.sockets.append(s)
            threading.Thread(target=self.accept, args=(s, getattr(self, name)), daemon=True).start()

    def accept(self, listener, serve):
        while True:
            try:
                c, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self.run, args=(c, serve), daemon=True).start()

    def run(self, c, serve):
        try:
            head, rest = read_head(c)
            if head is not None:
                serve(c, head, rest)
        except OSError:
            pass
        finally:
            c.close()

    def stall(self, c, head, rest):
        c.settimeout(30)
        while c.recv(65536):   # until the gateway gives up and closes
            pass

    def reset(self, c, head, rest):
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + b"r" * 65536)
        time.sleep(0.2)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))   # close with RST

    def bad(self, c, head, rest):
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello")

    def big(self, c, head, rest):
        try:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                      % len(self.big_bytes))
            c.sendall(self.big_bytes)
            self.big_sent[head.split(b" ")[1]] = time.time()
        except OSError:
            self.aborted.set()
            return
        c.settimeout(30)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass

    def echo(self, c, head, rest):
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = rest
        while len(body) < length:
            more = c.recv(65536)
            if not more:
                break
            body += more
        self.echoed.append(body)
        answer = ("%d %s" % (len(body), hashlib.sha256(body).hexdigest())).encode()
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))

    def plain(self, c, head, rest):
        path = head.split(b" ")[1]
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(path), path))

    def close(self):
        for s in self.sockets:
            s.close()


def read_head(c):
    data = b""
    while b"\r\n\r\n" not in data:
        more = c.recv(65536)
        if not more:
            return None, b""
        data += more
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def request(port, raw, timeout=30):
    """Sends raw bytes, reads until the gateway closes; returns the bytes read."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(raw)
        out = b""
        while True:
            try:
                more = c.recv(65536)
            except ConnectionResetError:
                break
            if not more:
                break
            out += more
        return out


def get(path):
    return b"GET %s HTTP/1.1\r\nHost: faults.test\r\nConnection: close\r\n\r\n" % path.encode()


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def files_under(path):
    found = []
    for root, _, names in os.walk(path):
        found += [os.path.join(root, n) for n in names]
    return found


def left_after(path, seconds=3.0):
    """The files under path once they are gone or seconds have passed (temp files are deleted off the event loop)."""
    deadline = time.time() + seconds
    while files_under(path) and time.time() < deadline:
        time.sleep(0.05)
    return files_under(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jar", default="gateway/target/xgate.jar")
    ap.add_argument("--keep", help="work in this directory and keep it")
    args = ap.parse_args()
    wd = args.keep or tempfile.mkdtemp(prefix="xgate-faults-")
    os.makedirs(wd, exist_ok=True)
    origins = Origins()
    port = free_port()
    dead = free_port()   # nothing listens there: the connection is refused
    proxy_temp = os.path.join(wd, "proxy_temp")
    body_temp = os.path.join(wd, "client_body_temp")
    p = origins.ports
    conf = os.path.join(wd, "xgate.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; error_log {wd}/error.log info; pid {wd}/xgate.pid;
http {{
  access_log off;
  proxy_temp_path {proxy_temp}; client_body_temp_path {body_temp};
  upstream stall {{ server 127.0.0.1:{p['stall']}; }}
  upstream reset {{ server 127.0.0.1:{p['reset']}; }}
  upstream bad {{ server 127.0.0.1:{p['bad']}; }}
  upstream big {{ server 127.0.0.1:{p['big']}; }}
  upstream retry {{ server 127.0.0.1:{dead}; server 127.0.0.1:{p['echo']}; }}
  upstream plain {{ server 127.0.0.1:{p['plain']}; }}
  server {{
    listen 127.0.0.1:{port}; server_name faults.test;
    client_body_buffer_size 16k; client_max_body_size 10m;
    location /stall/ {{ proxy_pass http://stall; proxy_read_timeout 1s; }}
    location /reset/ {{ proxy_pass http://reset; }}
    location /bad/ {{ proxy_pass http://bad; }}
    location /big/ {{ proxy_pass http://big; proxy_buffers 4 16k; }}
    location /unbuffered/ {{ proxy_pass http://big; proxy_buffering off; }}
    location /retry/ {{ proxy_pass http://retry; }}
    location / {{ proxy_pass http://plain; }}
  }}
}}
""")
    gateway = subprocess.Popen(["java", "-jar", args.jar, "-c", conf, "-p", wd],
                               stdout=open(os.path.join(wd, "gateway.out"), "w"), stderr=subprocess.STDOUT)
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print("%-4s %-9s %s" % ("ok" if ok else "FAIL", name, detail), flush=True)

    try:
        for _ in range(150):
            try:
                if request(port, get("/ready"), timeout=2).startswith(b"HTTP/1.1 200"):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            print("the gateway did not start; see", wd)
            return 2
        for i in range(5):
            request(port, get("/warm/%d" % i))
        time.sleep(1)
        start_fds = fds(gateway.pid)

        t = time.time()
        answer = request(port, get("/stall/x"))
        took = time.time() - t
        check("stall", answer.startswith(b"HTTP/1.1 504") and 0.9 < took < 10,
              "%s after %.1f s" % (answer.split(b"\r\n")[0].decode(), took))

        answer = request(port, get("/reset/x"))
        head, _, body = answer.partition(b"\r\n\r\n")
        check("reset", head.startswith(b"HTTP/1.1 200") and 0 < len(body) < 1048576,
              "200 head, %d of 1048576 body bytes, then closed" % len(body))

        answer = request(port, get("/bad/x"))
        check("bad", answer.startswith(b"HTTP/1.1 502"), answer.split(b"\r\n")[0].decode())

        spill_seen = []
        with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            c.sendall(get("/big/slow"))
            data = b""
            while True:
                more = c.recv(65536)
                if not more:
                    break
                data += more
                if len(spill_seen) < 1 and files_under(proxy_temp):
                    spill_seen.append(files_under(proxy_temp)[0])
                time.sleep(len(more) / (4 * 1024 * 1024))   # ~4 MiB/s
        client_done = time.time()
        body = data.partition(b"\r\n\r\n")[2]
        spill_left = left_after(proxy_temp)
        intact = hashlib.sha256(body).digest() == hashlib.sha256(origins.big_bytes).digest()
        origin_ahead = client_done - origins.big_sent.get(b"/big/slow", client_done)
        check("slow", intact and bool(spill_seen) and not spill_left and origin_ahead > 1,
              "%d bytes intact: %s; spill file during: %s, after: %s; origin done %.1f s before the client"
              % (len(body), intact, bool(spill_seen), spill_left or "none", origin_ahead))

        with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            c.sendall(get("/unbuffered/abort"))
            c.recv(65536)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        check("abort", origins.aborted.wait(5), "the origin's send failed: its connection was closed")

        post = (b"POST /retry/upload HTTP/1.1\r\nHost: faults.test\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n" % len(BODY)) + BODY
        answer = request(port, post)
        expected = ("%d %s" % (len(BODY), hashlib.sha256(BODY).hexdigest())).encode()
        body_left = left_after(body_temp)
        check("retry", answer.startswith(b"HTTP/1.1 200") and answer.endswith(expected) and not body_left,
              "second peer got %s; body temp files left: %s"
              % (answer.partition(b"\r\n\r\n")[2].decode(), body_left or "none"))

        raw = b"".join(b"GET /p%d HTTP/1.1\r\nHost: faults.test\r\n\r\n" % i for i in range(3))
        answer = request(port, raw + b"GET /p3 HTTP/1.1\r\nHost: faults.test\r\nConnection: close\r\n\r\n")
        order = [answer.find(b"/p%d" % i) for i in range(4)]
        check("pipeline", -1 not in order and order == sorted(order), "answers in order: %s" % (order == sorted(order)))

        time.sleep(3)   # closing connections settle
        end_fds = fds(gateway.pid)
        check("leaks", end_fds == start_fds and not files_under(proxy_temp) and not files_under(body_temp),
              "open fds %d before, %d after; temp files left: %s"
              % (start_fds, end_fds, (files_under(proxy_temp) + files_under(body_temp)) or "none"))
        with open(os.path.join(wd, "error.log")) as log:
            text = log.read()
        check("errorlog", "upstream timed out (110: Connection timed out) while reading response header" in text
              and "connect() failed (111: Connection refused) while connecting to upstream" in text
              and "upstream sent invalid" in text, "the timeout, the refused connect and the invalid header")
    finally:
        gateway.terminate()
        gateway.wait(30)
        origins.close()
        if not args.keep:
            shutil.rmtree(wd, ignore_errors=True)
    failed = results.count(False)
    print("%d passed, %d failed" % (results.count(True), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Memory that idle keep-alive client connections cost a running xgate.

Usage: bench/idle-connections.py --pid PID --port PORT [--connections 10000] [--path /]
Opens N connections to 127.0.0.1:PORT, sends one keep-alive request on each and reads its response, keeps them all
open and idle, and prints the gateway's RSS and Java heap (jcmd GC.heap_info) before, with the connections open,
and after closing them, plus the gateway's open file descriptors at each step (the leak check: the count returns to
where it started). Needs `ulimit -n` above N for this script and for the gateway.
"""
import argparse
import os
import re
import socket
import subprocess
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def heap_used_kb(pid):
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, text=True)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True).stdout
    m = re.search(r"used (\d+)K", out)
    return int(m.group(1)) if m else -1


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def snapshot(pid, label):
    time.sleep(1)
    s = {"label": label, "rss_kb": rss_kb(pid), "heap_used_kb": heap_used_kb(pid), "fds": fds(pid)}
    print(f"{label:<28} rss {s['rss_kb'] / 1024:8.1f} MiB   heap used after GC {s['heap_used_kb'] / 1024:7.1f} MiB"
          f"   open fds {s['fds']}", flush=True)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--path", default="/")
    a = ap.parse_args()
    before = snapshot(a.pid, "before")
    request = f"GET {a.path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    socks = []
    for i in range(a.connections):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?i)content-length:\s*(\d+)", head)
        need = int(m.group(1)) if m else 0
        while len(rest) < need:
            rest += s.recv(65536)
        socks.append(s)
    idle = snapshot(a.pid, f"{a.connections} idle connections")
    per = (idle["rss_kb"] - before["rss_kb"]) * 1024 / a.connections
    per_heap = (idle["heap_used_kb"] - before["heap_used_kb"]) * 1024 / a.connections
    print(f"per idle connection: {per:.0f} bytes of RSS, {per_heap:.0f} bytes of live heap", flush=True)
    for s in socks:
        s.close()
    time.sleep(2)
    after = snapshot(a.pid, "after closing them")
    print(f"open fds back to the start: {after['fds'] == before['fds']} ({before['fds']} -> {after['fds']})")


if __name__ == "__main__":
    main()

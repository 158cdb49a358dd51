#!/usr/bin/env python3
"""Concurrent sign load for serve_pg.sh.

serve_load.py OUT CSR N THREADS DEADLINE URL... [-kill|-term PID AFTER]

N sign requests of the CSR in CSR, each with its own host
(h<i>.example), dealt round-robin to the URLs, THREADS at a time, each
thread on its own keep-alive connection per URL.  With -kill, once the
first URL has answered AFTER requests with a certificate, its process
PID gets SIGKILL (-term: SIGTERM; the time is the line "kill T" in
OUT).  Every answer
is a JSON line in OUT: {"i","url","start","end","status","pem"} (status
0 when no HTTP answer came).  Stops sending at DEADLINE seconds (wall
clock, from start); exits 0 unless a thread crashed.
"""
import http.client
import json
import os
import signal
import sys
import threading
import time
import urllib.parse

args = sys.argv[1:]
kill_pid = kill_after = None
kill_sig = signal.SIGKILL
for flag, sig in (("-kill", signal.SIGKILL), ("-term", signal.SIGTERM)):
    if flag in args:
        k = args.index(flag)
        kill_pid, kill_after = int(args[k + 1]), int(args[k + 2])
        kill_sig = sig
        del args[k:k + 3]
out_path, csr_path, n, nthreads, deadline = args[:5]
urls = args[5:]
n, nthreads = int(n), int(nthreads)
deadline = time.time() + float(deadline)
csr = open(csr_path).read()
lock = threading.Lock()
out = open(out_path, "w")
next_i = 0
first_ok = 0
killed = False


def take():
    global next_i
    with lock:
        if next_i >= n or time.time() > deadline:
            return None
        next_i += 1
        return next_i - 1


def record(line):
    with lock:
        out.write(json.dumps(line) + "\n")
        out.flush()


def worker():
    global first_ok, killed
    conns = {}
    while True:
        i = take()
        if i is None:
            break
        url = urls[i % len(urls)]
        body = json.dumps({"certificate_request": csr,
                           "hosts": ["h%d.example" % i]})
        start = time.time()
        status, pem = 0, None
        try:
            c = conns.get(url)
            if c is None:
                u = urllib.parse.urlsplit(url)
                c = http.client.HTTPConnection(u.hostname, u.port,
                                               timeout=30)
                conns[url] = c
            c.request("POST", "/api/v1/cfssl/sign", body,
                      {"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            status = r.status
            if status == 200:
                pem = json.loads(data)["result"]["certificate"]
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                del conns[url]
        except (OSError, http.client.HTTPException):
            c = conns.pop(url, None)
            if c is not None:
                c.close()
        record({"i": i, "url": url, "start": start, "end": time.time(),
                "status": status, "pem": pem})
        if kill_pid is not None and url == urls[0] and status == 200:
            with lock:
                first_ok += 1
                go = first_ok >= kill_after and not killed
                if go:
                    killed = True
            if go:
                os.kill(kill_pid, kill_sig)
                with lock:
                    out.write("kill %r\n" % time.time())
                    out.flush()
    for c in conns.values():
        c.close()


threads = [threading.Thread(target=worker) for _ in range(nthreads)]
for t in threads:
    t.start()
for t in threads:
    t.join()
out.close()

#!/usr/bin/env python3
"""Checks for serve_pg.sh: the answers of serve_load.py against the rows.

serve_check.py LOAD ROWS: LOAD is serve_load.py's output, ROWS lines of
"<decimal serial>|<base64 of the row's pem>" (psql).  Prints
"received=N unique=U missing=M differ=D rows=R" where N counts the
certificates received, U their distinct serials, M those without a row,
D those whose row's pem is not the certificate received byte for byte.
"""
import base64
import json
import sys


def der_len(d, p):
    b = d[p]
    if b < 0x80:
        return b, p + 1
    k = b & 0x7f
    return int.from_bytes(d[p + 1:p + 1 + k], "big"), p + 1 + k


def serial(pem):
    """The serial of a PEM certificate: Certificate, tbsCertificate,
    [0] version if present, then the INTEGER."""
    b64 = "".join(l for l in pem.splitlines() if not l.startswith("-----"))
    d = base64.b64decode(b64)
    p = 0
    for _ in range(2):  # into Certificate, then tbsCertificate
        assert d[p] == 0x30
        _, p = der_len(d, p + 1)
    if d[p] == 0xa0:
        n, q = der_len(d, p + 1)
        p = q + n
    assert d[p] == 0x02
    n, q = der_len(d, p + 1)
    return int.from_bytes(d[q:q + n], "big", signed=True)


rows = {}
for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    if not line:
        continue
    s, pem = line.split("|", 1)
    rows[int(s)] = base64.b64decode(pem).decode()
received = missing = differ = 0
seen = set()
for line in open(sys.argv[1]):
    if line.startswith("kill "):
        continue
    a = json.loads(line)
    if a["status"] != 200:
        continue
    received += 1
    s = serial(a["pem"])
    seen.add(s)
    if s not in rows:
        missing += 1
    elif rows[s] != a["pem"]:
        differ += 1
print("received=%d unique=%d missing=%d differ=%d rows=%d" %
      (received, len(seen), missing, differ, len(rows)))

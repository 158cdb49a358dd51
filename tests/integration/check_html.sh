#!/bin/sh
# kiln check -format html, the issue's acceptance: a folder of 20
# certificates (3 expired, 3 expiring within 30 days, 14 valid for 60 days
# to 5 years) rendered by headless Chromium.  The DOM must list every
# certificate once, in order of expiry, and the screenshot must not be
# blank and must show the status colours.  Chromium is a test dependency
# (scripts/setup-debian.sh installs it): without it the test fails.
. "$(dirname "$0")/lib.sh"

start=$(date +%s)
command -v chromium >/dev/null 2>&1 ||
    fail "chromium is not installed: run make setup (scripts/setup-debian.sh)"
command -v python3 >/dev/null 2>&1 ||
    fail "python3 is not installed: run make setup (scripts/setup-debian.sh)"


# The CA, and profiles for every lifetime: fixed past dates for the
# expired ones, short expiries for those expiring within 30 days.
cp "$DATA"/ecdsa/ca-csr.json .
"$KILN" gencert -initca ca-csr.json 2>/dev/null | "$BIN"/cfssljson -bare ca
cat >ca-config.json <<'EOF'
{
  "signing": {
    "default": { "expiry": "8760h", "usages": ["digital signature", "server auth"] },
    "profiles": {
      "old1": { "expiry": "8760h", "usages": ["server auth"],
        "not_before": "2020-01-01T00:00:00Z", "not_after": "2021-01-01T00:00:00Z" },
      "old2": { "expiry": "8760h", "usages": ["server auth"],
        "not_before": "2022-03-01T00:00:00Z", "not_after": "2023-03-01T00:00:00Z" },
      "old3": { "expiry": "8760h", "usages": ["server auth"],
        "not_before": "2023-06-01T00:00:00Z", "not_after": "2024-06-01T00:00:00Z" },
      "d5": { "expiry": "120h", "usages": ["server auth"] },
      "d10": { "expiry": "240h", "usages": ["server auth"] },
      "d20": { "expiry": "480h", "usages": ["server auth"] },
      "d60": { "expiry": "1440h", "usages": ["server auth"] },
      "d90": { "expiry": "2160h", "usages": ["server auth"] },
      "d180": { "expiry": "4320h", "usages": ["server auth"] },
      "y1": { "expiry": "8760h", "usages": ["server auth"] },
      "y2": { "expiry": "17520h", "usages": ["server auth"] },
      "y3": { "expiry": "26280h", "usages": ["server auth"] },
      "y5": { "expiry": "43800h", "usages": ["server auth"] },
      "century": { "expiry": "8760h", "usages": ["server auth"],
        "not_before": "2000-01-01T00:00:00Z", "not_after": "2090-01-01T00:00:00Z" }
    }
  }
}
EOF

# svc-01 to svc-20, ECDSA P-256; their keys and requests stay next to
# them, and kiln check skips those.
mkdir certs csr
i=1
for p in old1 old2 old3 d5 d10 d20 d60 d90 d180 y1 y2 y3 y5 \
    d60 d90 d180 y1 y2 y3 y5; do
	n=$(printf 'svc-%02d' $i)
	printf '{"CN":"%s","hosts":["%s.example"],"key":{"algo":"ecdsa","size":256}}\n' \
	    "$n" "$n" >csr/$n.json
	"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
	    -profile $p csr/$n.json 2>/dev/null | "$BIN"/cfssljson -bare certs/$n
	[ -s certs/$n.pem ] || fail "gencert -profile $p: no certs/$n.pem"
	i=$((i + 1))
done

# The statuses, from the JSON: what the page must show.
run json "$KILN" check -format json certs
assert_eq 2 "$rc" "json: exit 2 (expired)"
assert_eq "20 3 3 14" \
    "$(jq -r '[(.certificates | length),
        ([.certificates[] | select(.status == "expired")] | length),
        ([.certificates[] | select(.status == "expiring")] | length),
        ([.certificates[] | select(.status == "ok")] | length)] | join(" ")' json.out)" \
    "json: 20 certificates, 3 expired, 3 expiring, 14 ok"

# The page.
run report "$KILN" check -format html certs
mv report.out report.html
assert_eq 2 "$rc" "html: exit 2, as the other formats"
assert_eq "" "$(cat report.err)" "html: nothing on stderr"
assert_eq 20 "$(grep -c '^<tr class="' report.html)" "html: 20 table rows"
assert_eq 0 "$(grep -c '<script' report.html || true)" "html: no script"
assert_contains "$(sed -n 1p report.html)" "<!DOCTYPE html>" "html: a document"

# Chromium, offline: every host name fails to resolve, and nothing runs
# in the background.  Its profile and HOME are in $T.
chrome() {
	HOME=$T timeout 60 chromium --headless=new --no-sandbox --disable-gpu \
	    --hide-scrollbars --no-first-run --no-default-browser-check \
	    --disable-extensions --disable-sync --disable-default-apps \
	    --disable-background-networking --disable-component-update \
	    --disable-breakpad --disable-domain-reliability \
	    --host-resolver-rules='MAP * ~NOTFOUND' \
	    --user-data-dir="$T/chrome" "$@" "file://$T/report.html"
}
version=$(chromium --version 2>/dev/null || true)
chrome --window-size=1400,2400 --screenshot="$T/shot.png" >chrome.log 2>&1 ||
    fail "chromium --screenshot failed ($?): $(tail -5 chrome.log)"
chrome --dump-dom >dom.html 2>chrome-dom.log ||
    fail "chromium --dump-dom failed ($?): $(tail -5 chrome-dom.log)"

# The DOM: every CN exactly once in the table, in order of expiry (ties
# of the same lifetime: the earlier issued, or the earlier path, first).
i=1
while [ $i -le 20 ]; do
	n=$(printf 'svc-%02d' $i)
	assert_eq 1 "$(grep -o "<td class=\"cn\">$n</td>" dom.html | wc -l | tr -d ' ')" \
	    "DOM: $n once in the table"
	i=$((i + 1))
done
assert_eq "01 02 03 04 05 06 07 14 08 15 09 16 10 17 11 18 12 19 13 20" \
    "$(grep -o '<td class="cn">svc-[0-9]*</td>' dom.html |
        sed 's/.*svc-\([0-9]*\).*/\1/' | tr '\n' ' ' | sed 's/ $//')" \
    "DOM: the rows by expiry"
assert_eq 20 "$(grep -o '<rect class="bar ' dom.html | wc -l | tr -d ' ')" \
    "DOM: 20 bars"
assert_eq 3 "$(grep -o '<rect class="bar expired"' dom.html | wc -l | tr -d ' ')" \
    "DOM: 3 expired bars"
assert_eq 1 "$(grep -o '<line class="today"' dom.html | wc -l | tr -d ' ')" \
    "DOM: today's line"

# The screenshot, decoded with zlib and struct only: its size, how many
# colours, how much is not white, and the pixels of three status colours
# (kiln_check_html's ok, expiring and expired).
[ -s shot.png ] || fail "no screenshot"
cat >png.py <<'EOF'
import struct, sys, zlib
from collections import Counter

data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG")
pos, idat = 8, []
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat.append(body)
    pos += 12 + n
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit("unexpected PNG: depth %d, colour type %d, interlace %d"
             % (depth, ctype, interlace))
bpp = 3 if ctype == 2 else 4
stride = w * bpp
raw = zlib.decompress(b"".join(idat))
prev = bytearray(stride)
counts = Counter()
right = -1
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc
                                  else b if pb <= pc else c)) & 255
    elif f != 0:
        sys.exit("bad filter %d" % f)
    counts.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
    prev = line
    for i in range(0, stride, bpp):
        if line[i:i + 3] == b"\xcc\xcc\xcc":
            right = max(right, i // bpp)
white = counts.get(b"\xff\xff\xff", 0)
# width height colours non-white-per-mille ok expiring expired, and the
# rightmost pixel of the table's borders (#ccc)
print(w, h, len(counts), (w * h - white) * 1000 // (w * h),
      *(counts.get(bytes.fromhex(c), 0) for c in ("009e73", "e69f00", "7a0019")),
      right)
EOF
stats=$(python3 png.py shot.png) || fail "png.py: $stats"
set -- $stats
assert_eq "1400 2400" "$1 $2" "screenshot: the window's size"
[ "$3" -ge 5 ] || fail "screenshot: $3 colours, want at least 5"
ok
[ "$4" -gt 10 ] || fail "screenshot: $4 per mille not white, want more than 1%"
ok
[ "$5" -ge 1000 ] || fail "screenshot: $5 pixels of ok's #009e73, want 1000"
ok
[ "$6" -ge 300 ] || fail "screenshot: $6 pixels of expiring's #e69f00, want 300"
ok
[ "$7" -ge 1000 ] || fail "screenshot: $7 pixels of expired's #7a0019, want 1000"
ok

# The table fits a 1400 px window: its right border is on the page.
[ "$8" -lt 1390 ] || fail "screenshot: the table's right border at x=$8, off a 1400 px page"
ok

# Long reasons (the key identifiers of a certificate of another CA of the
# same name) wrap in the status column rather than running off the page,
# and bars as wide as the plot get their label inside.
mkdir wide other
"$KILN" gencert -initca ca-csr.json 2>/dev/null | "$BIN"/cfssljson -bare other/ca
for n in svc-03 svc-13; do cp "certs/$n.pem" wide/; done
"$KILN" gencert -ca other/ca.pem -ca-key other/ca-key.pem -config ca-config.json \
    -profile y5 csr/svc-13.json 2>/dev/null | "$BIN"/cfssljson -bare wide/foreign
# Valid from before the axis to after it: a bar across the whole plot.
"$KILN" gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json \
    -profile century csr/svc-20.json 2>/dev/null | "$BIN"/cfssljson -bare wide/century
run wide "$KILN" check -ca ca.pem -format html wide
cp wide.out report.html
chrome --window-size=1400,600 --screenshot="$T/wide.png" >chrome.log 2>&1 ||
    fail "chromium --screenshot failed ($?): $(tail -5 chrome.log)"
chrome --dump-dom >wide-dom.html 2>chrome-dom.log ||
    fail "chromium --dump-dom failed ($?): $(tail -5 chrome-dom.log)"
assert_contains "$(cat wide-dom.html)" \
    '<span class="st">untrusted</span><span class="why">not issued by the CA given: its authority key identifier is ' \
    "wide: the reason under the status"
assert_eq 4 "$(grep -o '<text class="note"' wide-dom.html | wc -l | tr -d ' ')" \
    "wide: every bar labelled, those as wide as the plot too"
cp wide.png "${KEEP_SHOT:-/dev/null}" 2>/dev/null || :
wstats=$(python3 png.py wide.png) || fail "png.py: $wstats"
# shellcheck disable=SC2086
set -- $wstats
[ "$8" -ge 0 ] && [ "$8" -lt 1390 ] ||
    fail "wide: the table's right border at x=$8, off a 1400 px page"
ok
set -- $stats

# No certificate: the page says so, the exit status is 3, and stderr
# has the same line as with the table.
mkdir empty
run none "$KILN" check -format html empty
assert_eq 3 "$rc" "empty folder: exit 3"
assert_contains "$(cat none.out)" '<p class="none">No certificate found.</p>' \
    "empty folder: the page says so"
assert_eq "kiln: check: no certificate found" "$(cat none.err)" "empty folder: stderr"

# A problem: on the page and on stderr.
printf -- '-----%s CERTIFICATE-----\nAAAA\n-----%s CERTIFICATE-----\n' BEGIN END \
    >certs/broken.pem
run broken "$KILN" check -format html certs
assert_eq 2 "$rc" "broken + expired: exit 2"
assert_eq "kiln: check: certs/broken.pem: certificate 1: not a certificate" \
    "$(cat broken.err)" "broken: stderr"
assert_contains "$(cat broken.out)" \
    '<li><code>certs/broken.pem</code>: certificate 1: not a certificate</li>' \
    "broken: on the page"

echo "check_html.sh: $version; screenshot $1x$2, $(wc -c <shot.png | tr -d ' ') bytes," \
    "$3 colours, $4 per mille not white, ok/expiring/expired pixels $5/$6/$7;" \
    "$(($(date +%s) - start)) s"
finish

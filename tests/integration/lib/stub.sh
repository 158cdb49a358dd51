# The stand-in API server of the k8s tests, sourced after lib.sh.
# start_stub ADDR NODE: k8s_stub.py on ADDR:6443 serving NODE's
# pki/apiserver.crt and pki/apiserver.key, client certificates verified
# against NODE's pki/ca.crt (all three read again for each connection);
# up to 10 s for it to be ready, else the test fails with its log.  It is
# stopped on exit (ON_EXIT), and its log shown when the test fails.
STUB=
stop_stub() {
	[ -z "$STUB" ] || stop_pid "$STUB" || :
	STUB=
}
start_stub() {
	ON_EXIT=stop_stub
	FAIL_LOGS="$T/stub.log"
	python3 "$HERE/k8s_stub.py" "$1" 6443 "$2/pki/apiserver.crt" \
	    "$2/pki/apiserver.key" "$2/pki/ca.crt" ready >stub.log 2>&1 &
	STUB=$!
	wait_for 10 "$STUB" test -s ready || fail "the stub API server did not start ($(cat stub.log))"
}

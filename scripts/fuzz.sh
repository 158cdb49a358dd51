#!/bin/sh
# Build kiln's libFuzzer targets in ./build-fuzz and run them, two at a
# time, each for SECONDS (30 by default) from a scratch copy of its seed
# corpus (tests/fuzz/corpus/NAME), so the repository is left as it is.
#
#	scripts/fuzz.sh [SECONDS] [TARGET...]
#
# TARGET is a name such as "config" or "certs"; none means every target.
# Exits 1 if a target finds a crash, a leak or a timeout, after printing
# the reproducer's path and the start of the sanitizer's report.
# Environment: FUZZ_JOBS (2), FUZZ_WORK (a fresh mktemp -d folder, removed
# when every target passes, kept with its logs and reproducers otherwise),
# FUZZ_BUILD (build-fuzz), CC (clang).
set -eu

ALL="config request duration manifest cfssljson certs csr key serials kubeconfig serve_request"
secs=30
case ${1-} in
'' | *[!0-9]*) ;;
*)
	secs=$1
	shift
	;;
esac
targets=${*:-$ALL}

cd "$(dirname "$0")/.."
root=$(pwd)
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-2}

for t in $targets; do
	[ -f "tests/fuzz/fuzz_$t.c" ] || {
		echo "fuzz.sh: no target \"$t\" (targets: $ALL)" >&2
		exit 2
	}
done

cmake -S . -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" -DKILN_FUZZ=ON \
    -DKILN_TESTS=OFF -DKILN_WERROR=ON </dev/null >/dev/null
cmake --build "$build" -j "$jobs" --target \
    $(for t in $targets; do printf 'fuzz_%s ' "$t"; done) </dev/null

work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/kiln-fuzz.XXXXXX")}
mkdir -p "$work"
echo "fuzz.sh: ${secs}s per target, $jobs at a time; logs in $work"

# Run one target; its log is $work/NAME.log, its findings $work/NAME.out/.
run() {
	t=$1
	rm -rf "$work/$t.corpus" "$work/$t.out"
	mkdir -p "$work/$t.corpus" "$work/$t.out"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp -R "tests/fuzz/corpus/$t/." "$work/$t.corpus/"
	fi
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$root/$build/fuzz/fuzz_$t" -max_total_time="$secs" \
	    -rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
	    -artifact_prefix="$work/$t.out/" "$work/$t.corpus" \
	    </dev/null >"$work/$t.log" 2>&1 && rc=0 || rc=$?
	echo "$rc" >"$work/$t.rc"
}

# Two (FUZZ_JOBS) at a time: start a batch, wait for all of it.
set -- $targets
while [ $# -gt 0 ]; do
	pids=
	n=0
	while [ $# -gt 0 ] && [ $n -lt "$jobs" ]; do
		echo "fuzz.sh: $1 ..."
		run "$1" &
		pids="$pids $!"
		n=$((n + 1))
		shift
	done
	for p in $pids; do
		wait "$p" || :
	done
done

status=0
for t in $targets; do
	rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
	last=$(grep -E '^#[0-9]+' "$work/$t.log" | tail -n 1 || :)
	found=$(ls "$work/$t.out" 2>/dev/null | head -n 1)
	if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
		echo "ok   $t: $last"
		continue
	fi
	status=1
	echo "FAIL $t (exit $rc): $last"
	for f in "$work/$t.out"/*; do
		[ -e "$f" ] && echo "     reproducer: $f"
	done
	sed -n '/==ERROR\|runtime error\|ERROR: libFuzzer/,$p' "$work/$t.log" |
	    head -n 25 | sed 's/^/     /'
	echo "     log: $work/$t.log"
done
if [ $status = 0 ] && [ -z "${FUZZ_WORK-}" ]; then
	rm -rf "$work"
fi
exit $status

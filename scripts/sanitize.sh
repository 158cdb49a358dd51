#!/bin/sh
# The whole test suite again, every kiln binary and the unit tests built
# with AddressSanitizer and UBSan (gcc), in build-asan/ (or $BUILD).
# A sanitizer report anywhere fails the run: through the exit status
# (86) and, since Criterion's forked tests and the negative tests of the
# integration scripts can swallow a status, through the report files the
# sanitizers write into $BUILD/sanitizer-logs/.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build-asan}
case $build in
/*) ;;
*) build=$top/$build ;;
esac
jobs=$(nproc 2>/dev/null || echo 2)
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
logs=$build/sanitizer-logs

cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=gcc \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_WERROR=ON \
    -DCMAKE_C_FLAGS="$san -g" \
    -DCMAKE_EXE_LINKER_FLAGS="$san" </dev/null >/dev/null
cmake --build "$build" -j"$jobs" </dev/null

rm -rf "$logs"
mkdir -p "$logs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86:log_path=$logs/asan
LSAN_OPTIONS=suppressions=$top/scripts/lsan.supp:print_suppressions=0
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

st=0
# Less the tests labelled nosanitize (tests/CMakeLists.txt), which build
# or package kiln themselves and so would not run the sanitized binaries.
(cd "$build" && ctest -j2 -LE nosanitize --output-on-failure) </dev/null ||
    st=$?

reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
	for f in $reports; do
		echo "==> $f" >&2
		cat "$f" >&2
	done
	echo "sanitize: sanitizer reports in $logs" >&2
	exit 1
fi
[ "$st" = 0 ] || { echo "sanitize: ctest failed ($st)" >&2; exit "$st"; }
echo "sanitize: the whole suite passed under ASan and UBSan"

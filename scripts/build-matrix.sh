#!/bin/sh
# Build kiln, tests included, in every configuration a user or CI may
# pick: gcc and clang, Release and Debug, with and without AddressSanitizer
# and UBSan, each with KILN_WERROR OFF and ON.  Slow (16 builds), so not
# part of "make test"; run it after touching the build or the compiler
# flags.  Builds only, runs no test.
#
#	scripts/build-matrix.sh [-jN]
#
# Environment: MATRIX_DIR (build-matrix: one folder per configuration,
# kept), and to run a part of it CCS ("gcc clang"), TYPES ("Release
# Debug"), SANS ("none asan"), WERRORS ("ON OFF").  Exits 1 if any
# configuration fails, after a table of them all; an OFF build that
# succeeds with warnings is listed with its count of warnings, which kiln
# keeps at 0.
set -eu

jobs=-j2
case ${1-} in
-j*) jobs=$1 ;;
'') ;;
*)
	echo "usage: scripts/build-matrix.sh [-jN]" >&2
	exit 2
	;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${MATRIX_DIR:-$top/build-matrix}
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
mkdir -p "$dir"

status=0
summary=
for cc in ${CCS:-gcc clang}; do
	for type in ${TYPES:-Release Debug}; do
		for s in ${SANS:-none asan}; do
			for w in ${WERRORS:-ON OFF}; do
				name=$cc-$type-$s-werror$w
				b=$dir/$name
				flags=
				[ "$s" = none ] || flags=$san
				echo "build-matrix: $name ..."
				rc=0
				{
					cmake -S "$top" -B "$b" -DCMAKE_C_COMPILER="$cc" \
					    -DCMAKE_BUILD_TYPE="$type" \
					    -DKILN_WERROR="$w" \
					    -DCMAKE_C_FLAGS="$flags" \
					    -DCMAKE_EXE_LINKER_FLAGS="$flags" &&
					    cmake --build "$b" --clean-first --parallel "${jobs#-j}"
				} </dev/null >"$b.log" 2>&1 || rc=$?
				warn=$(grep -c 'warning:' "$b.log" || :)
				if [ "$rc" = 0 ] && [ "$warn" = 0 ]; then
					line="ok   $name"
				elif [ "$rc" = 0 ]; then
					line="WARN $name: $warn warnings, see $b.log"
					status=1
				else
					line="FAIL $name: see $b.log"
					status=1
				fi
				echo "$line"
				summary="$summary$line
"
			done
		done
	done
done
echo "build-matrix: summary"
printf '%s' "$summary"
exit $status

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/fuzz/run.sh: builds the libFuzzer harnesses (clang, ASan + UBSan) and
# runs each for a bounded time, starting from the committed seed corpus.
#
#   tests/fuzz/run.sh [--build-only] [HARNESS...]
#
#   FUZZ_SECONDS   seconds per harness (default 300; `make fuzz-short`: 60)
#   FUZZ_BUILD     build and work dir (default build/fuzz)
#   CLANG          compiler (default clang)
#   FUZZ_JOBS      harnesses run at once (default 1)
#   FUZZ_PKG_CFLAGS, FUZZ_PKG_LIBS   the project's library flags (the Makefile
#                  passes its PKG_CFLAGS and PKG_LIBS)
#
# Every tests/fuzz/fuzz_<name>.c is a harness; its seeds are
# tests/fuzz/corpus/<name>/ and its optional dictionary tests/fuzz/<name>.dict.
# The project's sources (all of src/ but main.c) are compiled with the same
# sanitizers. A harness that finds a crash, a leak, undefined behaviour or a
# violated contract check stops; its input is saved as
# $FUZZ_BUILD/artifacts/<name>-crash-* and this script exits 1. Replay one
# with: $FUZZ_BUILD/fuzz_<name> FILE. New inputs found along the way stay in
# $FUZZ_BUILD/corpus/<name>/ (not committed).
#
# The summary (executions, coverage, time per harness) is printed and
# written to $FUZZ_BUILD/summary.txt.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CLANG=${CLANG:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-300}
FUZZ_JOBS=${FUZZ_JOBS:-1}
OUT=${FUZZ_BUILD:-$ROOT/build/fuzz}
[[ "$OUT" == /* ]] || OUT="$ROOT/$OUT"

build_only=0
if [[ "${1:-}" == --build-only ]]; then
    build_only=1
    shift
fi

die() {
    echo "fuzz: $*" >&2
    exit 2
}
command -v "$CLANG" >/dev/null || die "$CLANG is needed (scripts/install-deps)"

# The libraries the project links: the Makefile passes its own
# PKG_CFLAGS/PKG_LIBS; run by hand, the same list is worked out here.
if [[ -n "${FUZZ_PKG_LIBS:-}" ]]; then
    PKG_CFLAGS=${FUZZ_PKG_CFLAGS:-}
    PKG_LIBS=$FUZZ_PKG_LIBS
else
    PKGS=(libseccomp mount libcap json-c)
    pkg-config --exists libmicrohttpd 2>/dev/null && PKGS+=(libmicrohttpd)
    PKG_CFLAGS=$(pkg-config --cflags "${PKGS[@]}") || die "pkg-config ${PKGS[*]} failed"
    PKG_LIBS="$(pkg-config --libs "${PKGS[@]}") -lm"
fi
SAN=("-fsanitize=address,undefined" -fno-sanitize-recover=all -fno-omit-frame-pointer)
read -r -a pkg_cflags <<<"$PKG_CFLAGS"
read -r -a pkg_libs <<<"$PKG_LIBS"
CFLAGS=(-std=gnu11 -D_GNU_SOURCE '-DRUSTBOX_VERSION="fuzz"' -g -O1 -Wall -Wno-unused-parameter "${pkg_cflags[@]}")

harnesses=()
if [[ $# -gt 0 ]]; then
    harnesses=("$@")
else
    for f in "$HERE"/fuzz_*.c; do
        n=$(basename "$f" .c)
        harnesses+=("${n#fuzz_}")
    done
fi

# ---- build ---------------------------------------------------------------------

mkdir -p "$OUT/obj" "$OUT/artifacts" "$OUT/logs"
objs=()
for src in "$ROOT"/src/*.c; do
    name=$(basename "$src" .c)
    [[ "$name" == main ]] && continue
    obj="$OUT/obj/$name.o"
    if [[ ! -e "$obj" || "$src" -nt "$obj" || -n "$(find "$ROOT/src" -name '*.h' -newer "$obj" -print -quit)" ]]; then
        "$CLANG" "${CFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer-no-link -c -o "$obj" "$src" ||
            die "cannot compile $src"
    fi
    objs+=("$obj")
done
for h in "${harnesses[@]}"; do
    src="$HERE/fuzz_$h.c"
    [[ -f "$src" ]] || die "no harness $src"
    "$CLANG" "${CFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer -I"$ROOT/src" -I"$HERE" -o "$OUT/fuzz_$h" "$src" \
        "${objs[@]}" "${pkg_libs[@]}" || die "cannot build fuzz_$h"
done
echo "fuzz: built ${harnesses[*]} in $OUT"
[[ "$build_only" == 1 ]] && exit 0

# ---- run -----------------------------------------------------------------------

run_one() {
    local h=$1
    local log="$OUT/logs/$h.log" seeds="$HERE/corpus/$h" work="$OUT/corpus/$h"
    local -a args=(-max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$OUT/artifacts/$h-")
    [[ -f "$HERE/$h.dict" ]] && args+=(-dict="$HERE/$h.dict")
    mkdir -p "$work"
    [[ -d "$seeds" ]] || seeds=""
    local t0 t1 rc
    t0=$(date +%s)
    "$OUT/fuzz_$h" "${args[@]}" "$work" ${seeds:+"$seeds"} >"$log" 2>&1
    rc=$?
    t1=$(date +%s)
    echo "$rc $((t1 - t0))" >"$OUT/logs/$h.rc"
}

for h in "${harnesses[@]}"; do
    echo "fuzz: $h for ${FUZZ_SECONDS}s"
    run_one "$h" &
    while [[ $(jobs -rp | wc -l) -ge "$FUZZ_JOBS" ]]; do
        wait -n
    done
done
wait

# ---- summary -------------------------------------------------------------------

# (a summary function, not a { } | tee pipeline: that would set failed in a
# subshell and lose it)
failed=0
summary() {
    printf '%-14s %12s %8s %8s %7s %9s  %s\n' harness execs exec/s cov ft seconds result
    for h in "${harnesses[@]}"; do
        log="$OUT/logs/$h.log"
        read -r rc secs <"$OUT/logs/$h.rc"
        execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{ print $2 }' | tail -n 1)
        speed=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{ print $2 }' | tail -n 1)
        last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
        cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
        ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
        result=ok
        if [[ "$rc" != 0 ]]; then
            result="FAILED (exit $rc): $(grep -m1 -E 'ERROR: |fuzz check failed|runtime error' "$log" | cut -c1-160)"
            failed=1
        fi
        printf '%-14s %12s %8s %8s %7s %9s  %s\n' "$h" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
            "$secs" "$result"
    done
}
summary >"$OUT/summary.txt"
cat "$OUT/summary.txt"
if [[ "$failed" -ne 0 ]]; then
    echo "fuzz: a harness failed; logs in $OUT/logs, inputs in $OUT/artifacts"
    find "$OUT/artifacts" -mindepth 1 -printf '  %f\n' 2>/dev/null
    exit 1
fi
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# coverage.sh: adds the coverage the kernel-matrix guests collected to the
# host's. Run after `make coverage` and `make kernel-matrix COVERAGE=1`
# (docs/cgroups.md, "Coverage from the guests").
#
# Each guest's counters are in KM_OUT/<package>/gcov/<absolute path of the
# object dir>/*.gcda; with the .gcno files of COV_BUILD/obj next to them lcov
# reads them like a local build. Writes COV_BUILD/kernel-<release>.info per
# kernel, adds them to COV_BUILD/coverage.info (created when `make coverage`
# has not run) and regenerates COV_BUILD/html.
#
# Environment: KM_OUT (build/kernel-matrix), COV_BUILD (build/cov).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
km_out=$(realpath -m "${KM_OUT:-build/kernel-matrix}")
cov=$(realpath -m "${COV_BUILD:-build/cov}")
obj=$cov/obj

ls "$obj"/*.gcno >/dev/null 2>&1 || { echo "coverage: no .gcno in $obj: make kernel-matrix COVERAGE=1 first" >&2; exit 1; }
adds=()
for g in "$km_out"/*/gcov; do
    [[ -d "$g$obj" ]] || continue
    kdir=$(dirname "$g")
    kver=$(cat "$kdir/kernel-release" 2>/dev/null || basename "$kdir")
    cp "$obj"/*.gcno "$g$obj/"
    info=$cov/kernel-$kver.info
    lcov --quiet --capture --directory "$g$obj" --base-directory "$PWD" --output-file "$info"
    lcov --quiet --remove "$info" '/usr/*' --output-file "$info"
    echo "coverage: $kver: $(lcov --summary "$info" 2>&1 | grep -E 'lines' | xargs)"
    adds+=(--add-tracefile "$info")
done
if [[ ${#adds[@]} -eq 0 ]]; then
    echo "coverage: no guest counters under $km_out (run make kernel-matrix COVERAGE=1)" >&2
    exit 1
fi
if [[ -s "$cov/coverage.info" ]]; then
    adds+=(--add-tracefile "$cov/coverage.info")
fi
lcov --quiet "${adds[@]}" --output-file "$cov/coverage.info.new"
mv "$cov/coverage.info.new" "$cov/coverage.info"
genhtml --quiet --output-directory "$cov/html" "$cov/coverage.info"
lcov --summary "$cov/coverage.info" 2>&1 | grep -E 'lines|functions'

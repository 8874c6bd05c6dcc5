#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# matrix.sh BUILD PKG...: `make kernel-matrix`. Boots each Debian kernel
# package PKG under qemu (TCG) as a pure cgroup v2 host and runs there, in
# one boot, guest.sh: the --dry-run check, the parity battery, the system
# tests, the failure matrix and the leak check. Then compares the guest's
# parity results with the host's own (parity_compare.sh) and prints one line
# per kernel, "kernel-matrix: <release>: PASS", or FAIL: and the failed steps and
# tests. Exits 1 if any failed.
#
#   BUILD  the build dir holding rustbox, helpers/ and fault/ (compiled on
#          the host; nothing is compiled in a guest)
#
# Environment (defaults):
#   KERNEL_CACHE (build/kernels)  downloaded .debs, kept between runs
#   KM_OUT (build/kernel-matrix)  snapshot, VMs, results: KM_OUT/<PKG>/
#   KERNEL_TIMEOUT (3000)         seconds one guest may take
#   KM_SMP (1), KM_MEM (3072)     vCPUs and MiB of each guest
#   KM_PARALLEL (1)               1: all guests at once; 0: one after another
#
# The binaries and tests/ are copied to KM_OUT/snap first, so edits or
# rebuilds in the tree during the run do not change what the guests test.
set -uo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 BUILD PKG..." >&2
    exit 64
fi
t_start=$(date +%s)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(realpath "$1")
shift
cd "$top" || exit 1
out=$(realpath -m "${KM_OUT:-build/kernel-matrix}")
cache=$(realpath -m "${KERNEL_CACHE:-build/kernels}")
export KERNEL_TIMEOUT=${KERNEL_TIMEOUT:-3000}

if [[ "$(id -u)" != 0 ]]; then
    echo "kernel-matrix: needs root (the parity battery runs rustbox on the host)" >&2
    exit 1
fi
for f in "$build/rustbox" "$build/helpers/busyloop" "$build/helpers/memtouch"; do
    [[ -x "$f" ]] || { echo "kernel-matrix: $f is missing: build first" >&2; exit 1; }
done

snap=$out/snap
rm -rf "$snap"
mkdir -p "$snap/build/kernel" "$cache"
cp -a VERSION tests "$snap/"
cp -a "$build/rustbox" "$snap/build/rustbox"
cp -a "$build/helpers" "$snap/build/helpers"
cp -a "$build/setuid" "$snap/build/setuid"
# The failure matrix's and leak check's preload libraries (make fault-libs),
# found beside the binary.
if [[ -d "$build/fault" ]]; then
    cp -a "$build/fault" "$snap/build/fault"
fi
"${CC:-cc}" -std=gnu11 -O1 -Wall -o "$snap/build/kernel/cpuspin" tests/kernel/cpuspin.c || exit 1
chmod -R a+rX "$snap"

echo "kernel-matrix: parity battery on this host ($(uname -r))"
if ! tests/kernel/parity.sh "$snap/build/rustbox" "$snap/build/helpers" "$snap/build/kernel" \
    "$out/host-parity.json"; then
    echo "kernel-matrix: the parity battery failed on the host" >&2
    exit 1
fi

# run_kernel PKG: one guest, start to verdict; leaves PASS or FAIL in
# KM_OUT/<PKG>/result and its seconds in .../seconds.
run_kernel() {
    local pkg=$1 t0 vm kout rc prc status=FAIL
    t0=$(date +%s)
    vm=$out/vm/$pkg kout=$out/$pkg
    rm -rf "$kout"
    mkdir -p "$kout"
    if tests/kernel/mkvm.sh "$pkg" "$cache" "$vm"; then
        RB_SRC=$snap tests/kernel/runvm.sh "$vm" "$kout" /run/kmatrix-src/tests/kernel/guest.sh
        rc=$?
        [[ -s "$kout/steps" ]] && sed "s/^/kernel-matrix: $pkg: step /" "$kout/steps"
        prc=1
        if [[ -s "$kout/parity.json" ]]; then
            tests/kernel/parity_compare.sh "$out/host-parity.json" "$kout/parity.json" >"$kout/parity-compare.txt"
            prc=$?
            sed "s/^/kernel-matrix: $pkg: /" "$kout/parity-compare.txt"
        else
            echo "kernel-matrix: $pkg: no parity results from the guest"
        fi
        [[ "$rc" == 0 && "$prc" == 0 ]] && status=PASS
    fi
    echo "$status" >"$kout/result"
    echo "$(($(date +%s) - t0))" >"$kout/seconds"
}

# Guests are mostly single-threaded work (bats, one run at a time): side by
# side they use the host's cores better than one after the other.
if [[ "${KM_PARALLEL:-1}" == 1 ]]; then
    # The .debs are fetched one at a time, before the guests start.
    for pkg in "$@"; do
        tests/kernel/mkvm.sh "$pkg" "$cache" "$out/vm/$pkg" >/dev/null || true
    done
    for pkg in "$@"; do
        run_kernel "$pkg" &
    done
    wait
else
    for pkg in "$@"; do
        run_kernel "$pkg"
    done
fi

# digest KOUT: for a failed guest, what failed and why, so the end of the
# output (all a CI log may keep) names it: each failed step's failing tests
# with their diagnostics, or the step log's last lines.
digest() {
    local kout=$1 name rc
    while read -r name rc _; do
        [[ "$rc" == 0 ]] && continue
        echo "--- step $name exited $rc"
        case $name in
        system) awk '/^not ok /{p=1; print; next} /^(ok|not ok) /{p=0} p && /^#/' "$kout/$name.log" | head -60 ;;
        failure_matrix) grep -E 'FAIL|error|Error' "$kout/$name.log" | head -40 ;;
        *) tail -n 20 "$kout/$name.log" ;;
        esac
    done <"$kout/steps"
    [[ -s "$kout/steps" ]] || { echo "--- no steps recorded; console tail:"; tail -n 30 "$kout/console.log" 2>/dev/null; }
}

# why_failed KOUT: one line naming the failed steps and, for the system
# tests, the first failing tests, so the last lines of a CI log say what broke.
why_failed() {
    local kout=$1 name rc line=""
    while read -r name rc _; do
        [[ "$rc" == 0 ]] && continue
        line+=" step $name exited $rc"
        if [[ "$name" == system ]]; then
            line+=" ($(grep -E '^not ok ' "$kout/system.log" | head -n 4 | cut -c1-90 | paste -sd ';' -))"
        fi
        line+=";"
    done <"$kout/steps" 2>/dev/null
    [[ -n "$line" ]] || line=" no step failed; see the parity comparison or the console"
    echo "$line"
}

failed=0
for pkg in "$@"; do
    kout=$out/$pkg
    if [[ "$(cat "$kout/result" 2>/dev/null)" != PASS ]]; then
        digest "$kout" | sed "s/^/kernel-matrix: $pkg: /"
    fi
done
for pkg in "$@"; do
    kout=$out/$pkg
    kver=$(cat "$kout/kernel-release" 2>/dev/null || cat "$out/vm/$pkg/kernel-release" 2>/dev/null || echo "$pkg")
    status=$(cat "$kout/result" 2>/dev/null || echo FAIL)
    echo "kernel-matrix: $kver: took $(cat "$kout/seconds" 2>/dev/null || echo '?') s"
    [[ "$status" == PASS ]] || failed=1
done
for pkg in "$@"; do
    kout=$out/$pkg
    kver=$(cat "$kout/kernel-release" 2>/dev/null || cat "$out/vm/$pkg/kernel-release" 2>/dev/null || echo "$pkg")
    status=$(cat "$kout/result" 2>/dev/null || echo FAIL)
    if [[ "$status" == PASS ]]; then
        echo "kernel-matrix: $kver: PASS"
    else
        echo "kernel-matrix: $kver: FAIL:$(why_failed "$kout")"
    fi
done
echo "kernel-matrix: total $(($(date +%s) - t_start)) s; results in $out"
exit "$failed"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# guest.sh: the kernel-matrix run inside one guest (a pure cgroup v2 host),
# started by the guest's /init (tests/kernel/mkvm.sh) in the host's tree.
#
#   RB_SRC  the snapshot of the project the matrix made (build/rustbox,
#           build/helpers, build/fault, build/kernel/cpuspin, tests/,
#           VERSION), read-only
#   RB_OUT  the results dir, the guest's only writable share
#
# Steps, each logged to RB_OUT/<step>.log, with its status and seconds in
# RB_OUT/steps:
#   dryrun     --dry-run selects v2, nothing missing
#   parity     the parity battery (parity.sh) -> RB_OUT/parity.json
#   system     bats tests/system, as `make system` runs it
#   failure_matrix   tests/failure_matrix/run.sh: every cell for this
#              backend, baseline equivalence checked in each
#   leak_check tests/leak_check/run.sh, LEAK_RUNS (default 200) lifecycles
#   leftovers  tests/leftovers.sh: nothing of any box is left
# Exits 0 when every step passed. Coverage: a binary built with --coverage
# writes its counters under /run/kmatrix-gcov (GCOV_PREFIX); they are copied to
# RB_OUT/gcov at the end for tests/kernel/coverage.sh.
set -uo pipefail

src=${RB_SRC:?} out=${RB_OUT:?}
rustbox=$src/build/rustbox helpers=$src/build/helpers
export RUSTBOX=$rustbox HELPERS=$helpers LEAK_RUNS=${LEAK_RUNS:-200}
# The set-uid copy of the system tests (make setuid-bin; its config path is
# below the guest's own /run).
export RUSTBOX_SETUID=$src/build/setuid/rustbox
export GCOV_PREFIX=/run/kmatrix-gcov GCOV_PREFIX_STRIP=0
export TMPDIR=/tmp
# Emulation runs programs 10-50 times slower than the host: the system tests
# scale the limits of programs that do real work, and their waits, by this
# (tscale in tests/system/common.bash).
export RB_TEST_TIME_SCALE=${RB_TEST_TIME_SCALE:-10}
# The guest's clock runs on while a vCPU waits for the host, and the task on
# it is charged for the wait: bounds on measured times get this much more
# (slack in tests/system/common.bash).
export RB_TEST_CLOCK_SLACK=${RB_TEST_CLOCK_SLACK:-1}
cd "$src" || exit 1

kver=$(uname -r)
echo "$kver" >"$out/kernel-release"
: >"$out/steps"
failed=()

# step NAME CMD...: runs CMD with its output in NAME.log (and on the console).
step() {
    local name=$1 t0 rc
    shift
    t0=$(date +%s%N)
    echo "guest: $kver: $name ..."
    "$@" 2>&1 | tee "$out/$name.log"
    rc=${PIPESTATUS[0]}
    echo "$name $rc $((($(date +%s%N) - t0) / 1000000000))" >>"$out/steps"
    echo "guest: $kver: $name: exit $rc"
    [[ "$rc" == 0 ]] || failed+=("$name")
}

# shellcheck disable=SC2317 # called through step
check_dryrun() {
    local cfg=/tmp/rbk-dryrun.json report
    # Below root's /run, not the sticky /tmp: a work_root or state_dir yet to
    # be made in a dir anyone may write is refused at config load.
    echo '{"state_dir": "/run/rbk-dryrun/state", "work_root": "/run/rbk-dryrun/work", "name_prefix": "rbkdry"}' >"$cfg"
    [[ "$(stat -f -c %T /sys/fs/cgroup)" == cgroup2fs ]] || { echo "/sys/fs/cgroup is not cgroup2"; return 1; }
    echo "root controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
    report=$(RUSTBOX_CONFIG=$cfg "$rustbox" --dry-run run -- /bin/true) || return 1
    echo "$report"
    jq -e '.controls.cgroup_backend == "v2" and .controls.missing == [] and .cgroup.memory and .cgroup.pids
           and .cgroup.cpu and .would_run' <<<"$report" >/dev/null || { echo "dry-run: not v2 with nothing missing"; return 1; }
    [[ ! -e /run/rbk-dryrun ]] || { echo "dry-run created /run/rbk-dryrun"; return 1; }
    echo "dry-run: v2, nothing missing"
}

step dryrun check_dryrun
step parity tests/kernel/parity.sh "$rustbox" "$helpers" "$src/build/kernel" "$out/parity.json"
step system bats --tap --timing --print-output-on-failure tests/system
step failure_matrix tests/failure_matrix/run.sh
step leak_check tests/leak_check/run.sh
step leftovers tests/leftovers.sh
# What rustbox keeps by design: the persistent parent groups (docs/cgroups.md).
echo "guest: cgroups left at the root: $(cd /sys/fs/cgroup && find . -mindepth 1 -maxdepth 1 -type d -printf '%P ')"

if [[ -d /run/kmatrix-gcov ]]; then
    cp -a /run/kmatrix-gcov "$out/gcov"
fi
if [[ ${#failed[@]} -eq 0 ]]; then
    echo "guest: $kver: all steps passed"
    exit 0
fi
echo "guest: $kver: failed: ${failed[*]}"
exit 1

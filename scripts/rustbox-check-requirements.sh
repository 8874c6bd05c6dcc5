#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# rustbox-check-requirements.sh: does this host have what rustbox needs?
# Reports the kernel, the cgroup mode and controllers, the namespaces, seccomp
# and pidfd, one line each marked ✓ or ✗, then rustbox's own capability
# report (`rustbox --dry-run run`) when the binary is installed.
# Changes nothing. See rustbox-check-requirements.sh(8).
set -euo pipefail

prog=${0##*/}
RUSTBOX_BIN=${RUSTBOX_BIN:-/usr/bin/rustbox}
# Oldest kernel with everything rustbox uses: pidfd_open(2) came with 5.3.
MIN_KERNEL=5.3

usage() {
    cat <<EOF
usage: $prog [--config FILE]

Checks the kernel, cgroups, namespaces, seccomp and pidfd, one line each (✓/✗).
  --config FILE  rustbox configuration for the capability report
                 (default: \$RUSTBOX_CONFIG, then /etc/rustbox/config.json)
  -h, --help     this text
Exit status: 0 every check passed, 1 some check failed, 64 usage error.
EOF
}

rb=("$RUSTBOX_BIN")
while [ $# -gt 0 ]; do
    case $1 in
        --config) [ $# -ge 2 ] || { usage >&2; exit 64; }; rb+=(--config "$2"); shift 2 ;;
        --config=*) rb+=(--config "${1#--config=}"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done

failed=0
ok() { printf '✓ %s\n' "$*"; }
bad() { printf '✗ %s\n' "$*"; failed=1; }

# version_ge A B: whether dotted version A >= B.
version_ge() {
    [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# Kernel
release=$(uname -r)
kver=${release%%-*}
kver=${kver%%+*}
if version_ge "$kver" "$MIN_KERNEL"; then ok "kernel $release (>= $MIN_KERNEL)"; else bad "kernel $release (needs >= $MIN_KERNEL)"; fi
if [ "$(id -u)" -eq 0 ]; then ok "running as root"; else bad "not running as root (rustbox needs root to build boxes)"; fi

# Cgroups
cgfs=$(stat -fc %T /sys/fs/cgroup 2>/dev/null || echo none)
case $cgfs in
    cgroup2fs)
        ok "cgroup mode: unified (v2 only)"
        available=$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null || true)
        for c in cpu memory pids; do
            if grep -qw "$c" <<<"$available"; then ok "cgroup v2 controller $c"; else bad "cgroup v2 controller $c missing"; fi
        done
        ;;
    tmpfs)
        if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
            ok "cgroup mode: hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)"
        else
            ok "cgroup mode: legacy (v1)"
        fi
        for c in cpu memory pids; do
            if [ -e "/sys/fs/cgroup/$c/cgroup.procs" ]; then
                ok "cgroup v1 controller $c (/sys/fs/cgroup/$c)"
            else
                bad "cgroup v1 controller $c missing (/sys/fs/cgroup/$c)"
            fi
        done
        ;;
    *)
        bad "cgroup mode: no cgroup filesystem at /sys/fs/cgroup ($cgfs)"
        ;;
esac

# Namespaces
for ns in pid mnt net ipc uts; do
    if [ -e "/proc/self/ns/$ns" ]; then ok "$ns namespace"; else bad "$ns namespace missing"; fi
done
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
    if unshare --pid --mount --net --ipc --uts --fork true 2>/dev/null; then
        ok "namespaces can be created (unshare --pid --mount --net --ipc --uts)"
    else
        bad "namespaces cannot be created (unshare --pid --mount --net --ipc --uts fails)"
    fi
fi

# seccomp: filter mode, and the actions rustbox's policy uses.
actions=$(cat /proc/sys/kernel/seccomp/actions_avail 2>/dev/null || true)
if grep -q '^Seccomp:' /proc/self/status && grep -qw user_notif <<<"$actions" && grep -qw errno <<<"$actions"; then
    ok "seccomp filters (actions: $actions)"
else
    bad "seccomp filters with the user_notif and errno actions (available: ${actions:-none})"
fi

# pidfd: pidfd_open(2) came with 5.3; probed directly where python3 is at hand.
if ! version_ge "$kver" 5.3; then
    bad "pidfd: kernel $kver has no pidfd_open (needs >= 5.3)"
elif command -v python3 >/dev/null && ! python3 -c 'import os; os.close(os.pidfd_open(os.getpid()))' 2>/dev/null; then
    bad "pidfd: pidfd_open fails on this host"
else
    ok "pidfd (pidfd_open)"
fi

# rustbox's own view: what a run would apply here.
if command -v "$RUSTBOX_BIN" >/dev/null; then
    rc=0
    report=$("${rb[@]}" --dry-run run --code true 2>&1) || rc=$?
    if [ "$rc" -eq 0 ] && jq -e . >/dev/null 2>&1 <<<"$report"; then
        summary=$(jq -r '"backend \(.controls.cgroup_backend), pidfd \(.pidfd_mode), namespaces \(.namespace_support), missing: \(if (.controls.missing | length) == 0 then "none" else (.controls.missing | join(",")) end)"' <<<"$report")
        if jq -e '.would_run' >/dev/null <<<"$report"; then
            ok "rustbox would run boxes here ($summary)"
        else
            bad "rustbox would not run boxes here ($summary)"
        fi
    else
        bad "rustbox capability report failed (exit $rc): $report"
    fi
else
    echo "- $RUSTBOX_BIN not found: its capability report is skipped"
fi

exit "$failed"

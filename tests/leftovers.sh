#!/usr/bin/env bash
# leftovers.sh: run at the end of `make check`. Fails (exit 1, listing them)
# if anything rustbox or its tests make is still on the host: a mount, a
# cgroup, a work or test dir, or a process running as a box uid.
set -euo pipefail

FIRST_UID=60000
LAST_UID=160000
found=0

report() {
    local what=$1 list=$2
    if [[ -n "$list" ]]; then
        echo "leftover $what:"
        printf '%s\n' "$list" | sed 's/^/  /'
        found=1
    fi
}

mounts=$(awk '$5 ~ /rbt|rustbox/ || $4 ~ /rbt|rustbox/ { print $5 }' /proc/self/mountinfo)
report mounts "$mounts"

cgroups=$(find /sys/fs/cgroup -maxdepth 3 -type d \( -name 'rbt*-*' -o -name 'rustbox-*' \) 2>/dev/null || true)
report cgroups "$cgroups"

dirs=$(find /tmp -maxdepth 1 \( -name 'rbtest.*' -o -name 'rustbox-*' \) 2>/dev/null || true)
report "temp dirs" "$dirs"

procs=$(ps -e -o uid=,pid=,args= | awk -v lo="$FIRST_UID" -v hi="$LAST_UID" '$1 >= lo && $1 <= hi')
report "processes (uid pid args)" "$procs"

if [[ "$found" -ne 0 ]]; then
    exit 1
fi
echo "leftovers: none (mounts, cgroups, temp dirs, box processes)"

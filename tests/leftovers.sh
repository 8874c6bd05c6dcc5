#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# leftovers.sh: run at the end of `make check`. Fails (exit 1, listing them)
# if anything rustbox or its tests make is still on the host: a mount, a
# cgroup, a work or test dir, or a process running as a box uid.
#
# Test suites use name prefixes "rb<letters>" (rbt.., rbfm, rblk, rbadv, ...)
# and uid ranges from 1,000,000 up; an installation uses "rustbox" and
# 1900000000 + box id (60000 + box id in earlier versions).
set -euo pipefail

uid_ranges=("60000 160000" "1000000 4000000" "1900000000 1900066000")
found=0

report() {
    local what=$1 list=$2
    if [[ -n "$list" ]]; then
        echo "leftover $what:"
        printf '%s\n' "$list" | sed 's/^/  /'
        found=1
    fi
}

mounts=$(awk '$5 ~ /\/(rb[a-z]*|rustbox)[-.]/ || $4 ~ /\/(rb[a-z]*|rustbox)-[0-9]/ { print $5 }' /proc/self/mountinfo)
report mounts "$mounts"

cgroups=$(find /sys/fs/cgroup -maxdepth 4 -type d -regextype posix-extended \
    -regex '.*/(rb[a-z]*|rustbox)-[0-9]+' 2>/dev/null || true)
report cgroups "$cgroups"

# Box dirs under the default work_root of this release, /var/lib/rustbox/boxes,
# and of older ones, /tmp.
dirs=$({
    find /tmp -maxdepth 1 -type d -regextype posix-extended \
        \( -regex '/tmp/rb[a-z]*\.[A-Za-z0-9_]+' -o -regex '/tmp/rustbox-[0-9]+' \)
    find /var/lib/rustbox/boxes -maxdepth 1 -type d -regextype posix-extended -regex '.*/rustbox-[0-9]+'
} 2>/dev/null || true)
report "temp dirs" "$dirs"

procs=""
for range in "${uid_ranges[@]}"; do
    read -r lo hi <<<"$range"
    procs+=$(ps -e -o uid=,pid=,args= | awk -v lo="$lo" -v hi="$hi" '$1 >= lo && $1 < hi')
done
report "processes (uid pid args)" "$procs"

if [[ "$found" -ne 0 ]]; then
    exit 1
fi
echo "leftovers: none (mounts, cgroups, temp dirs, box processes)"

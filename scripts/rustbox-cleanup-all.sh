#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# rustbox-cleanup-all.sh: lists every box that no live process holds (dead
# boxes and idle persistent ones) and, with --yes, tears them all down with
# `rustbox health --recover --cleanup`: processes, mounts, cgroups, dirs and
# locks, each verified, and an automatic quarantine lifted if the host is then
# clean. See rustbox-cleanup-all.sh(8).
set -euo pipefail

prog=${0##*/}
RUSTBOX_BIN=${RUSTBOX_BIN:-/usr/bin/rustbox}

usage() {
    cat <<EOF
usage: $prog [--config FILE] [--yes]

Lists the boxes no live process holds (dry run). Busy boxes are never touched.
  --config FILE  rustbox configuration (default: \$RUSTBOX_CONFIG, then /etc/rustbox/config.json)
  --yes          tear them down with 'rustbox health --recover --cleanup'
                 (idle persistent boxes too: the judge must init them again)
  -h, --help     this text
Exit status: that of rustbox: 0 clean, 1 leftovers or not healthy, 2 error, 64 usage error.
EOF
}

rb=("$RUSTBOX_BIN")
yes=0
while [ $# -gt 0 ]; do
    case $1 in
        --config) [ $# -ge 2 ] || { usage >&2; exit 64; }; rb+=(--config "$2"); shift 2 ;;
        --config=*) rb+=(--config "${1#--config=}"); shift ;;
        --yes) yes=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done

if [ "$yes" -eq 1 ]; then
    rc=0
    "${rb[@]}" health --recover --cleanup || rc=$?
    exit "$rc"
fi

rc=0
audit=$("${rb[@]}" audit) || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "$prog: 'rustbox audit' failed (exit $rc)" >&2
    exit 2
fi
boxes=$(jq -r '.boxes[] | select(.state != "busy")
    | "  box \(.box_id) (\(.state)): \(.mounts) mounts, \(.cgroups) cgroups, \(.processes) processes\(if .dir then ", dir" else "" end)"' <<<"$audit")
busy=$(jq '[.boxes[] | select(.state == "busy")] | length' <<<"$audit")
if [ -z "$boxes" ]; then
    echo "nothing to clean up ($busy busy boxes left alone)"
    exit 0
fi
echo "boxes no live process holds:"
printf '%s\n' "$boxes"
echo "dry run: nothing changed; --yes tears them down (rustbox health --recover --cleanup); $busy busy boxes left alone"
exit 1

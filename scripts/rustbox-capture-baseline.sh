#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# rustbox-capture-baseline.sh: records what of rustbox exists on the host now
# (mounts, cgroups, box processes, temp dirs) with `rustbox baseline capture`,
# into a file that `rustbox baseline diff FILE` later compares against. It
# refuses on a host with leftovers (`rustbox health --verify-clean` fails):
# a baseline that contains them would hide them from every later diff.
# See rustbox-capture-baseline.sh(8).
set -euo pipefail

prog=${0##*/}
RUSTBOX_BIN=${RUSTBOX_BIN:-/usr/bin/rustbox}

usage() {
    cat <<EOF
usage: $prog [--config FILE] [--output FILE] [--force]

Captures the host's rustbox resources as a baseline (JSON).
  --config FILE  rustbox configuration (default: \$RUSTBOX_CONFIG, then /etc/rustbox/config.json)
  --output FILE  where to write it (default: <state_dir>/baseline.json)
  --force        capture even though leftovers exist
  -h, --help     this text
Exit status: 0 written, 1 refused (leftovers), 2 error, 64 usage error.
EOF
}

config=${RUSTBOX_CONFIG:-}
output=
force=0
while [ $# -gt 0 ]; do
    case $1 in
        --config) [ $# -ge 2 ] || { usage >&2; exit 64; }; config=$2; shift 2 ;;
        --config=*) config=${1#--config=}; shift ;;
        --output) [ $# -ge 2 ] || { usage >&2; exit 64; }; output=$2; shift 2 ;;
        --output=*) output=${1#--output=}; shift ;;
        --force) force=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
if [ -z "$config" ] && [ -e /etc/rustbox/config.json ]; then
    config=/etc/rustbox/config.json
fi

rb=("$RUSTBOX_BIN")
[ -z "$config" ] || rb+=(--config "$config")
if [ -z "$output" ]; then
    state_dir=/var/lib/rustbox
    if [ -n "$config" ]; then
        state_dir=$(jq -er '.state_dir // "/var/lib/rustbox"' "$config") || { echo "$prog: cannot read state_dir from $config" >&2; exit 2; }
    fi
    output=$state_dir/baseline.json
fi

rc=0
clean=$("${rb[@]}" health --verify-clean) || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "$prog: 'rustbox health --verify-clean' failed (exit $rc)" >&2
    exit 2
fi
if [ "$rc" -eq 1 ] && [ "$force" -eq 0 ]; then
    echo "$prog: refusing: the host has leftovers ($(jq -r '"\(.mounts) mounts, \(.cgroups) cgroups, \(.processes) processes, \(.temp_dirs) temp dirs"' <<<"$clean")); clean up first (rustbox health --recover) or pass --force" >&2
    exit 1
fi

"${rb[@]}" baseline capture --output "$output"
jq -r --arg f "$output" '"baseline written to \($f): \(.mounts | length) mounts, \(.cgroups | length) cgroups, \(.processes | length) processes, \(.temp_dirs | length) temp dirs"' "$output"
echo "compare later with: rustbox baseline diff $output"

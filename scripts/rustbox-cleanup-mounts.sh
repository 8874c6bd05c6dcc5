#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# rustbox-cleanup-mounts.sh: lists the mounts of rustbox boxes that no live
# box owns (a dead box's tmpfs root) and, with --yes, has rustbox clean those
# boxes up. With --kind cgroups (what rustbox-cleanup-cgroups.sh runs) it does
# the same for cgroups: those of dead boxes and any of an idle persistent box,
# which must have none between runs. The listing comes from `rustbox baseline
# capture` (what exists) and `rustbox audit` (which boxes are busy, idle or
# dead); the removal is `rustbox health --recover`, rustbox's own cleanup.
# See rustbox-cleanup-mounts.sh(8) and rustbox-cleanup-cgroups.sh(8).
set -euo pipefail

RUSTBOX_BIN=${RUSTBOX_BIN:-/usr/bin/rustbox}

kind=mounts
if [ "${1:-}" = --kind ] && [ $# -ge 2 ]; then
    kind=$2
    shift 2
fi
case $kind in
    mounts) states='["dead"]' ;;
    cgroups) states='["dead", "idle"]' ;;
    *) echo "${0##*/}: unknown kind '$kind' (mounts or cgroups)" >&2; exit 64 ;;
esac
prog=rustbox-cleanup-$kind.sh

usage() {
    cat <<EOF
usage: $prog [--config FILE] [--yes]

Lists the $kind named <name_prefix>-<id> that belong to no live box (dry run).
  --config FILE  rustbox configuration (default: \$RUSTBOX_CONFIG, then /etc/rustbox/config.json)
  --yes          clean them up with 'rustbox health --recover'
  -h, --help     this text
Exit status: 0 nothing left, 1 leftover $kind remain, 2 error, 64 usage error.
EOF
}

config=${RUSTBOX_CONFIG:-}
yes=0
while [ $# -gt 0 ]; do
    case $1 in
        --config) [ $# -ge 2 ] || { usage >&2; exit 64; }; config=$2; shift 2 ;;
        --config=*) config=${1#--config=}; shift ;;
        --yes) yes=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
if [ -z "$config" ] && [ -e /etc/rustbox/config.json ]; then
    config=/etc/rustbox/config.json
fi

rb=("$RUSTBOX_BIN")
[ -z "$config" ] || rb+=(--config "$config")
prefix=rustbox
if [ -n "$config" ]; then
    prefix=$(jq -er '.name_prefix // "rustbox"' "$config") || { echo "$prog: cannot read name_prefix from $config" >&2; exit 2; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# rb_json OUT ARGS...: runs rustbox, keeping its JSON; exit 0 and 1 are answers, anything else is an error.
rb_json() {
    local out=$1 rc=0
    shift
    "${rb[@]}" "$@" >"$out" || rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "$prog: 'rustbox $*' failed (exit $rc)" >&2
        exit 2
    fi
}

# Prints "PATH<TAB>ID<TAB>STATE" for every leftover of the kind: those of
# boxes in one of the states listed for it.
list_leftovers() {
    rb_json "$tmp/baseline.json" baseline capture
    rb_json "$tmp/audit.json" audit
    jq -r --arg p "$prefix-" --arg kind "$kind" --argjson states "$states" --slurpfile audit "$tmp/audit.json" '
        ($audit[0].boxes | map({key: (.box_id | tostring), value: .state}) | from_entries) as $state
        | .[$kind][]
        | . as $path
        | ([split("/")[] | select(startswith($p)) | ltrimstr($p) | select(test("^[0-9]+$"))] | last) as $id
        | select($id != null and ($states | index($state[$id])) != null)
        | "\($path)\t\($id)\t\($state[$id])"' "$tmp/baseline.json"
}

leftovers=$(list_leftovers)
if [ -z "$leftovers" ]; then
    echo "no leftover $kind (prefix $prefix)"
    exit 0
fi
echo "leftover $kind (prefix $prefix):"
printf '%s\n' "$leftovers" | while IFS=$'\t' read -r path id state; do
    echo "  $path  (box $id, $state)"
done
if [ "$yes" -eq 0 ]; then
    echo "dry run: nothing changed; --yes cleans them up (rustbox health --recover)"
    exit 1
fi

echo "running: rustbox health --recover"
rb_json "$tmp/recover.json" health --recover
leftovers=$(list_leftovers)
if [ -n "$leftovers" ]; then
    echo "$prog: $kind still left after recovery:" >&2
    printf '%s\n' "$leftovers" | cut -f1 | sed 's/^/  /' >&2
    exit 1
fi
echo "no leftover $kind (prefix $prefix)"

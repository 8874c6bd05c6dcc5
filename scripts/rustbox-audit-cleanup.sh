#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# rustbox-audit-cleanup.sh: the daily audit (run from /etc/cron.d/rustbox).
# Runs `rustbox audit` (leftover resources, box states, quarantine history),
# keeps the report as <state_dir>/audit/audit-<UTC time>.json (the newest
# --keep of them), prints one summary line, and warns on stderr when the host
# is not clean, so that cron mails the warning. Read-only: it cleans nothing.
# See rustbox-audit-cleanup.sh(8).
set -euo pipefail

prog=${0##*/}
RUSTBOX_BIN=${RUSTBOX_BIN:-/usr/bin/rustbox}

usage() {
    cat <<EOF
usage: $prog [--config FILE] [--dir DIR] [--keep N]

Runs 'rustbox audit', keeps its report and prints a one-line summary.
  --config FILE  rustbox configuration (default: \$RUSTBOX_CONFIG, then /etc/rustbox/config.json)
  --dir DIR      where reports go (default: <state_dir>/audit)
  --keep N       how many reports to keep (default: 30)
  -h, --help     this text
Exit status: 0 clean, 1 leftovers found, 2 error, 64 usage error.
EOF
}

config=${RUSTBOX_CONFIG:-}
dir=
keep=30
while [ $# -gt 0 ]; do
    case $1 in
        --config) [ $# -ge 2 ] || { usage >&2; exit 64; }; config=$2; shift 2 ;;
        --config=*) config=${1#--config=}; shift ;;
        --dir) [ $# -ge 2 ] || { usage >&2; exit 64; }; dir=$2; shift 2 ;;
        --dir=*) dir=${1#--dir=}; shift ;;
        --keep) [ $# -ge 2 ] || { usage >&2; exit 64; }; keep=$2; shift 2 ;;
        --keep=*) keep=${1#--keep=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$prog: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
case $keep in
    ''|*[!0-9]*|0) echo "$prog: --keep takes a positive number, not '$keep'" >&2; exit 64 ;;
esac
if [ -z "$config" ] && [ -e /etc/rustbox/config.json ]; then
    config=/etc/rustbox/config.json
fi

rb=("$RUSTBOX_BIN")
[ -z "$config" ] || rb+=(--config "$config")
if [ -z "$dir" ]; then
    state_dir=/var/lib/rustbox
    if [ -n "$config" ]; then
        state_dir=$(jq -er '.state_dir // "/var/lib/rustbox"' "$config") || { echo "$prog: cannot read state_dir from $config" >&2; exit 2; }
    fi
    dir=$state_dir/audit
fi
mkdir -p "$dir"

report=$dir/audit-$(date -u +%Y%m%dT%H%M%SZ).json
rc=0
"${rb[@]}" audit >"$report.tmp" || rc=$?
if [ "$rc" -gt 1 ]; then
    rm -f "$report.tmp"
    echo "$prog: 'rustbox audit' failed (exit $rc)" >&2
    exit 2
fi
mv "$report.tmp" "$report"

# Keep the newest $keep reports (their names sort by time).
find "$dir" -maxdepth 1 -name 'audit-*.json' -printf '%f\n' | sort -r | tail -n +"$((keep + 1))" |
    while read -r old; do rm -f "$dir/$old"; done

summary=$(jq -r '
    def mttr: if .quarantine_history.mean_time_to_recovery_s == null then ""
              else ", mean time to recovery \(.quarantine_history.mean_time_to_recovery_s) s" end;
    "audit: \(if .leftovers.clean then "clean" else "LEFTOVERS" end), status \(.status), "
    + "\(.leftovers.mounts) mounts, \(.leftovers.cgroups) cgroups, \(.leftovers.processes) processes, "
    + "\(.leftovers.temp_dirs) temp dirs left; \(.stale_boxes) stale boxes, \(.orphan_processes) orphan processes; "
    + "\(.quarantine_history.quarantines) quarantines\(mttr)"' "$report")
echo "$summary"
echo "report: $report"
if [ "$rc" -ne 0 ]; then
    echo "$prog: the host is not clean: $summary (report $report; see /usr/share/doc/rustbox/runbooks/cleanup-failure.md)" >&2
fi
exit "$rc"

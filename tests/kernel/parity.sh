#!/usr/bin/env bash
# parity.sh RUSTBOX HELPERS KBIN OUT: runs the parity battery with the
# rustbox binary RUSTBOX and writes what it measured to OUT (JSON). The
# same battery on the v1 host and in the v2 guests, compared by
# parity_compare.sh, shows that both backends give the same verdicts and
# agree on CPU time and peak memory (docs/cgroups.md, "Parity").
#
#   HELPERS  build/helpers (busyloop, memtouch), bound at /opt/h
#   KBIN     the dir holding cpuspin (tests/kernel/cpuspin.c), bound at /opt/k
#
# Every case runs PARITY_REPEAT times (default 3). Uses its own config
# (prefix rbkpar, uids from 710000) under a temp dir it removes.
set -euo pipefail

if [[ $# -ne 4 ]]; then
    echo "usage: $0 RUSTBOX HELPERS KBIN OUT" >&2
    exit 64
fi
rustbox=$1 helpers=$2 kbin=$3 out=$4
repeat=${PARITY_REPEAT:-3}

# name|arguments of `rustbox run` (split at blanks)
CASES=(
    "ok|-- /bin/true"
    "re|--code exit_3"
    "tle_cpu|--time 0.5 --extra-time 0 --wall-time 30 --dir /opt/h=$helpers -- /opt/h/busyloop"
    "mle|--memory 64M --wall-time 30 --dir /opt/h=$helpers -- /opt/h/memtouch 256"
    "cpu_0.3|--time 5 --wall-time 30 --dir /opt/k=$kbin -- /opt/k/cpuspin 0.3"
    "mem_64|--memory 256M --wall-time 30 --dir /opt/h=$helpers -- /opt/h/memtouch 64"
)

tmp=$(mktemp -d /tmp/rbkpar.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
cat >"$tmp/config.json" <<JSON
{"state_dir": "$tmp/state", "work_root": "$tmp/work", "name_prefix": "rbkpar",
 "first_uid": 710000, "first_gid": 710000, "num_boxes": 10}
JSON
export RUSTBOX_CONFIG=$tmp/config.json

for c in "${CASES[@]}"; do
    name=${c%%|*}
    read -r -a args <<<"${c#*|}"
    # "exit_3" stands for the shell code "exit 3", which has a blank.
    for i in "${!args[@]}"; do
        [[ "${args[$i]}" == exit_3 ]] && args[i]="exit 3"
    done
    for ((n = 0; n < repeat; n++)); do
        rc=0
        "$rustbox" run "${args[@]}" >"$tmp/run.json" 2>"$tmp/run.err" || rc=$?
        if ! jq -e 'type == "object"' "$tmp/run.json" >/dev/null 2>&1; then
            echo "parity: $name: no result (exit $rc): $(head -c 300 "$tmp/run.err")" >&2
            echo '{}' >"$tmp/run.json"
        fi
        jq -c --arg name "$name" --argjson rc "$rc" \
            '{name: $name, exit_status: $rc, verdict, reason, cpu_time_s, wall_time_s, memory_peak_kib,
              backend: .controls.cgroup_backend, missing: .controls.missing, cleanup: .cleanup.outcome}' \
            "$tmp/run.json" >>"$tmp/all.jsonl"
    done
done

jq -s --arg kernel "$(uname -r)" --argjson repeat "$repeat" '
    {schema: "rustbox.kernel-parity/1", kernel: $kernel, repeat: $repeat,
     backend: (map(.backend) | unique | join(",")),
     cases: (group_by(.name) | map({key: .[0].name, value: {
         verdicts: map(.verdict), reasons: map(.reason), exit_status: map(.exit_status),
         cleanup: map(.cleanup), cpu_time_s: map(.cpu_time_s), wall_time_s: map(.wall_time_s),
         memory_peak_kib: map(.memory_peak_kib)}}) | from_entries)}' "$tmp/all.jsonl" >"$out"
echo "parity: $(jq -r '.kernel + " (" + .backend + "): " + ([.cases | to_entries[] | .key + "=" + (.value.verdicts | unique | join("/"))] | join(" "))' "$out")"

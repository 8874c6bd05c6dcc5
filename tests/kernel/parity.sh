#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
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
# (prefix rbkpar, uids from 3700000) under a temp dir it removes.
set -euo pipefail

if [[ $# -ne 4 ]]; then
    echo "usage: $0 RUSTBOX HELPERS KBIN OUT" >&2
    exit 64
fi
rustbox=$1 helpers=$2 kbin=$3 out=$4
repeat=${PARITY_REPEAT:-3}

# name|arguments of `rustbox run` (split at blanks): the verdict battery,
# OK RE SIG TLE(cpu) TLE(wall) MLE OLE SV and a fork bomb, plus two
# measurement cases (cpu_0.3, mem_64). Only the limits a case is about are
# tight: emulated, touching 256 MiB alone can take more than the default
# second of CPU.
H="--dir /opt/h=$helpers"
CASES=(
    "ok|--time 20 --wall-time 60 -- /bin/true"
    "re|--time 20 --wall-time 60 --code exit_3"
    "sig|--time 20 --wall-time 60 $H -- /opt/h/sigabrt"
    "tle_cpu|--time 0.5 --extra-time 0 --wall-time 60 $H -- /opt/h/busyloop"
    "tle_wall|--time 20 --wall-time 1 -- /bin/sleep 30"
    "mle|--memory 64M --time 20 --wall-time 60 $H -- /opt/h/memtouch 256"
    "ole|--output-limit 64K --time 20 --wall-time 60 $H -- /opt/h/outbomb 1048576"
    "sv|--time 20 --wall-time 60 $H -- /opt/h/try_syscall mount"
    "forkbomb|--processes 10 --time 20 --wall-time 60 $H -- /opt/h/forkbomb count 20"
    "cpu_0.3|--time 20 --wall-time 60 --dir /opt/k=$kbin -- /opt/k/cpuspin 0.3"
    "mem_64|--memory 256M --time 20 --wall-time 60 $H -- /opt/h/memtouch 64"
)

tmp=$(mktemp -d /tmp/rbkpar.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
cat >"$tmp/config.json" <<JSON
{"state_dir": "$tmp/state", "work_root": "$tmp/work", "name_prefix": "rbkpar",
 "first_uid": 3700000, "first_gid": 3700000, "num_boxes": 10}
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
              stdout: ((.stdout // "") | if length > 200 then "\(length) bytes: \(.[:40])..." else . end),
              backend: .controls.cgroup_backend, missing: .controls.missing, cleanup: .cleanup.outcome}' \
            "$tmp/run.json" >>"$tmp/all.jsonl"
    done
done

jq -s --arg kernel "$(uname -r)" --argjson repeat "$repeat" '
    {schema: "rustbox.kernel-parity/1", kernel: $kernel, repeat: $repeat,
     backend: (map(.backend) | unique | join(",")),
     cases: (group_by(.name) | map({key: .[0].name, value: {
         verdicts: map(.verdict), reasons: map(.reason), exit_status: map(.exit_status), stdout: map(.stdout),
         cleanup: map(.cleanup), cpu_time_s: map(.cpu_time_s), wall_time_s: map(.wall_time_s),
         memory_peak_kib: map(.memory_peak_kib)}}) | from_entries)}' "$tmp/all.jsonl" >"$out"
echo "parity: $(jq -r '.kernel + " (" + .backend + "): " + ([.cases | to_entries[] | .key + "=" + (.value.verdicts | unique | join("/"))] | join(" "))' "$out")"

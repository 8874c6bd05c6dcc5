#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# parity_compare.sh A.json B.json: compares two parity.sh results (the v1
# host's and a v2 guest's). Exit 0 when, for every case,
#   - the verdict, reason and stdout (the program's output; cpu_0.3 prints
#     its own clock) are the same in every run on both sides, and every
#     cleanup is verified (success or partial);
#   - CPU time (median of the runs) of the CPU-bound cases (cpu_0.3,
#     tle_cpu) differs by at most PARITY_CPU_TOL_S (default 0.10 s), and
#     cpu_0.3 reports at least 0.29 s on each side;
#   - peak memory (median) of the memory cases (mem_64, mle) differs by at
#     most PARITY_MEM_TOL_KIB (default 8192 KiB) or PARITY_MEM_TOL_PCT
#     (default 10) percent of the larger, whichever is more, and mem_64
#     reports at least 64 MiB on each side.
# The other cases' CPU time and memory are not compared: under emulation
# the start of /bin/sh alone costs 0.1-0.3 s of CPU, and a few hundred KiB
# of page cache are charged differently by the two memory controllers.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 A.json B.json" >&2
    exit 64
fi
report=$(jq -n -r --slurpfile a "$1" --slurpfile b "$2" \
    --argjson cpu_tol "${PARITY_CPU_TOL_S:-0.10}" \
    --argjson mem_tol "${PARITY_MEM_TOL_KIB:-8192}" \
    --argjson mem_pct "${PARITY_MEM_TOL_PCT:-10}" '
def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
def same: unique | length == 1;
def abs: if . < 0 then -. else . end;
$a[0] as $A | $b[0] as $B |
[($A.cases | keys[]) as $k | $A.cases[$k] as $x | ($B.cases[$k] // {}) as $y |
 ($x.cpu_time_s | median) as $xc | ($y.cpu_time_s // [] | median) as $yc |
 ($x.memory_peak_kib | median) as $xm | ($y.memory_peak_kib // [] | median) as $ym |
 ([$xm, ($ym // 0)] | max) as $big |
 [ (if ($y | length) == 0 then "missing on \($B.kernel)" else empty end),
   (if (($x.verdicts + ($y.verdicts // [])) | same) | not
    then "verdicts \($x.verdicts) vs \($y.verdicts)" else empty end),
   (if (($x.reasons + ($y.reasons // [])) | same) | not
    then "reasons \($x.reasons) vs \($y.reasons)" else empty end),
   (if $k != "cpu_0.3" and ((($x.stdout // []) + ($y.stdout // [])) | same | not)
    then "stdout \($x.stdout) vs \($y.stdout)" else empty end),
   (if ($x.cleanup + ($y.cleanup // [])) | all(. == "success" or . == "partial") | not
    then "cleanup \($x.cleanup) vs \($y.cleanup)" else empty end),
   (if ($k == "cpu_0.3" or $k == "tle_cpu") and ($yc == null or (($xc - $yc) | abs) > $cpu_tol)
    then "cpu_time_s \($xc) vs \($yc) (tolerance \($cpu_tol) s)" else empty end),
   (if $k == "cpu_0.3" and ($xc < 0.29 or ($yc // 0) < 0.29)
    then "cpu_time_s \($xc) / \($yc) below the 0.3 s the program burnt" else empty end),
   (if ($k == "mem_64" or $k == "mle") and
       ($ym == null or (($xm - $ym) | abs) > ([$mem_tol, $big * $mem_pct / 100] | max))
    then "memory_peak_kib \($xm) vs \($ym) (tolerance max(\($mem_tol) KiB, \($mem_pct)%))" else empty end),
   (if $k == "mem_64" and ($xm < 65536 or ($ym // 0) < 65536)
    then "memory_peak_kib \($xm) / \($ym) below the 64 MiB the program touched" else empty end)
 ] as $bad |
 "\(if ($bad | length) == 0 then "ok  " else "FAIL" end) \($k): \($x.verdicts[0]) / \($y.verdicts[0] // "-")" +
 "  cpu \($xc) / \($yc) s  peak \($xm) / \($ym) KiB" +
 (if ($bad | length) > 0 then "  -- " + ($bad | join("; ")) else "" end)
] as $lines |
"parity \($A.kernel) (\($A.backend)) vs \($B.kernel) (\($B.backend)):", ($lines[] | "  " + .),
(if any($lines[]; startswith("FAIL")) then "parity: FAIL" else "parity: ok" end)')
echo "$report"
[[ "$(tail -n 1 <<<"$report")" == "parity: ok" ]]

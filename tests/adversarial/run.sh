#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/adversarial/run.sh: the adversarial suite. Runs every hostile program
# of ./manifest under rustbox, checks its verdict and checks, and after each
# case that nothing of the suite is left on the host.
#
#   RUSTBOX=build/rustbox tests/adversarial/run.sh [CASE...]
#
# Needs root, gcc, jq. Uses a private config (state dir, work root, name
# prefix "rbadv", uids 800000..800999) in a temporary directory /tmp/rbadv.XXXX,
# removed at the end. Prints one line per case and "N passed, N failed";
# exits 1 if any case failed, 2 if the suite could not run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUSTBOX=${RUSTBOX:-$ROOT/build/rustbox}
[[ "$RUSTBOX" == /* ]] || RUSTBOX="$PWD/$RUSTBOX"
CC=${CC:-gcc}
PREFIX=rbadv
FIRST_UID=800000
NUM_BOXES=1000
PERSIST_ID=7
CASE_TIMEOUT=60

die() {
    echo "adversarial: $*" >&2
    exit 2
}
[[ "$(id -u)" -eq 0 ]] || die "must run as root"
[[ -x "$RUSTBOX" ]] || die "no rustbox binary at $RUSTBOX (run make, or set RUSTBOX)"
for tool in "$CC" jq timeout; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done

T=$(mktemp -d /tmp/rbadv.XXXX) || die "mktemp failed"
chmod 0755 "$T"
mkdir -p "$T/state" "$T/work" "$T/opt" "$T/res"
cat >"$T/config.json" <<EOF
{"state_dir": "$T/state", "work_root": "$T/work", "name_prefix": "$PREFIX", "first_uid": $FIRST_UID, "first_gid": $FIRST_UID, "num_boxes": $NUM_BOXES}
EOF
export RUSTBOX_CONFIG="$T/config.json"
SECRET="rbadv-secret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export RBADV_SECRET="$SECRET"
printf '%s\n' "$SECRET" >"$T/secret.txt"
chmod 0600 "$T/secret.txt"
: >"$T/secret-append.txt"
HOST_HOSTNAME=$(uname -n)

# ---- leftovers ---------------------------------------------------------------

# Prints what the suite has left on the host, one "kind: what" per line.
leftovers() {
    grep -F -e "$T" -e "${PREFIX}-" /proc/self/mountinfo | awk '{ print "mount: " $5 }'
    find /sys/fs/cgroup -maxdepth 4 -type d -name "${PREFIX}-*" 2>/dev/null | sed 's/^/cgroup: /'
    ls -A "$T/work" 2>/dev/null | sed 's/^/box dir: /'
    # A box is its lock file; its lock dir is made once and kept.
    find "$T/state/boxes" -mindepth 2 -maxdepth 2 -printf 'lock: %P\n' 2>/dev/null || true
    ps -e -o uid=,pid=,args= |
        awk -v lo="$FIRST_UID" -v hi="$((FIRST_UID + NUM_BOXES))" '$1 >= lo && $1 < hi { print "process: " $0 }'
}

# After a failed case: remove what it left (processes by pid, mounts deepest
# first, cgroups, dirs), so that the next cases start clean.
force_clean() {
    local pid mp cg
    for pid in $(ps -e -o uid=,pid= | awk -v lo="$FIRST_UID" -v hi="$((FIRST_UID + NUM_BOXES))" '$1 >= lo && $1 < hi { print $2 }'); do
        kill -9 "$pid" 2>/dev/null
    done
    sleep 0.2
    while read -r mp; do
        [[ -n "$mp" ]] && umount -l "$mp" 2>/dev/null
    done < <(awk -v t="$T" 'index($5, t) == 1 { print length($5), $5 }' /proc/self/mountinfo | sort -rn | cut -d' ' -f2-)
    while read -r cg; do
        [[ -n "$cg" ]] && rmdir "$cg" 2>/dev/null
    done < <(find /sys/fs/cgroup -maxdepth 4 -depth -type d -name "${PREFIX}-*" 2>/dev/null)
    if ! grep -qF "$T/work" /proc/self/mountinfo; then
        rm -rf "${T:?}/work/"* "${T:?}/state/boxes/"* 2>/dev/null
    fi
}

finish() {
    local left
    left=$(leftovers)
    if [[ -n "$left" ]]; then
        force_clean
    fi
    if grep -qF "$T" /proc/self/mountinfo; then
        echo "adversarial: mounts are still under $T; not removing it" >&2
    else
        rm -rf "$T"
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---- build -----------------------------------------------------------------

build() {
    local src name
    for src in "$HERE"/*.c; do
        name=$(basename "$src" .c)
        "$CC" -std=gnu11 -O1 -Wall -o "$T/opt/$name" "$src" -lpthread 2>"$T/res/build-$name.log" ||
            die "cannot compile $src: $(cat "$T/res/build-$name.log")"
    done
    cp "$HERE"/*.py "$T/opt/"
    chmod -R a+rX "$T/opt"
    # A setuid-root binary: only the mount's nosuid and no_new_privs keep it
    # from running as root inside the box.
    chown root:root "$T/opt/suid_probe"
    chmod 4755 "$T/opt/suid_probe"
}

# ---- one case ----------------------------------------------------------------

trim() {
    local s=$1
    s="${s#"${s%%[![:space:]]*}"}"
    s="${s%"${s##*[![:space:]]}"}"
    printf '%s' "$s"
}

subst() {
    local s=$1
    s=${s//\$T/$T}
    s=${s//\$SECRET/$SECRET}
    s=${s//\$HOSTNAME/$HOST_HOSTNAME}
    printf '%s' "$s"
}

# program_argv PROG ARGS...: the command line inside the box.
program_argv() {
    local prog=$1
    shift
    case "$prog" in
    *.c) ARGV=("/opt/adv/${prog%.c}" "$@") ;;
    *.py) ARGV=(/usr/bin/python3 "/opt/adv/$prog" "$@") ;;
    *) ARGV=("$prog" "$@") ;;
    esac
}

# rb OUT ERR ARGS...: rustbox ARGS with the secret in its environment and
# host descriptors 7 (secret file), 8 (a host directory) and 9 (a host file
# open for appending) inherited. Sets RC.
rb() {
    local out=$1 err=$2
    shift 2
    timeout -k 5 "$CASE_TIMEOUT" "$RUSTBOX" "$@" >"$out" 2>"$err" </dev/null \
        7<"$T/secret.txt" 8<"$T" 9>>"$T/secret-append.txt"
    RC=$?
}

PASSED=0
FAILED=0
FAILED_NAMES=()

# check_result NAME FILE RC VERDICTS CHECKS...: appends problems to PROBLEMS.
check_result() {
    local file=$1 rc=$2 verdicts=$3
    shift 3
    local n verdict want_rc c got
    n=$(jq -s 'map(select(type == "object")) | length' "$file" 2>/dev/null) || n=0
    if [[ "$n" != 1 ]]; then
        PROBLEMS+=("stdout is not one JSON object (exit $rc): $(head -c 300 "$file")")
        OBSERVED="exit:$rc"
        return
    fi
    verdict=$(jq -r .verdict "$file")
    OBSERVED="$verdict($(jq -r '.reason // "-"' "$file"))"
    if [[ ",$verdicts," != *",$verdict,"* ]]; then
        PROBLEMS+=("verdict $verdict, expected $verdicts")
    fi
    want_rc=1
    [[ "$verdict" == OK ]] && want_rc=0
    [[ "$verdict" == IE ]] && want_rc=2
    [[ "$rc" == "$want_rc" ]] || PROBLEMS+=("exit status $rc for verdict $verdict, expected $want_rc")
    got=$(jq -r '.cleanup.outcome // "none"' "$file")
    [[ "$got" == success ]] || PROBLEMS+=("cleanup outcome $got: $(jq -c .cleanup "$file")")
    if jq -r .stdout "$file" | grep -qE '^(ESCAPED|LEAKED)'; then
        PROBLEMS+=("the program reports: $(jq -r .stdout "$file" | grep -E '^(ESCAPED|LEAKED)' | head -3 | tr '\n' ';')")
    fi
    if grep -qF "$SECRET" "$file"; then
        PROBLEMS+=("the caller's secret is visible in the result")
    fi
    for c in "$@"; do
        c=$(subst "$c")
        case "$c" in
        @*) ;;
        out:*) jq -r .stdout "$file" | grep -qF -- "${c#out:}" || PROBLEMS+=("stdout lacks '${c#out:}'") ;;
        '!out:'*) ! jq -r .stdout "$file" | grep -qF -- "${c#!out:}" || PROBLEMS+=("stdout contains '${c#!out:}'") ;;
        reason=*)
            got=$(jq -r '.reason // "null"' "$file")
            [[ "$got" == "${c#reason=}" ]] || PROBLEMS+=("reason '$got', expected '${c#reason=}'")
            ;;
        outlen\<=*)
            got=$(jq -r '.stdout | length' "$file")
            [[ "$got" -le "${c#outlen<=}" ]] || PROBLEMS+=("stdout holds $got characters, more than ${c#outlen<=}")
            ;;
        jq:*) jq -e "${c#jq:}" "$file" >/dev/null 2>&1 || PROBLEMS+=("not true: ${c#jq:} ($(jq -c '{cpu_time_s, wall_time_s, memory_peak_kib, signal}' "$file"))") ;;
        *) PROBLEMS+=("unknown check '$c' in the manifest") ;;
        esac
    done
}

run_case() {
    local name=$1 progspec=$2 verdicts=$3 checks=$4 flags=$5
    local -a prog flagv checkv
    read -r -a prog <<<"$(subst "$progspec")"
    read -r -a flagv <<<"$(subst "$flags")"
    read -r -a checkv <<<"$checks"
    local res="$T/res/$name.json" errf="$T/res/$name.err" t0 t1 c k
    for c in "${checkv[@]}"; do
        if [[ "$c" == @dirs=* ]]; then
            for ((k = 1; k <= ${c#@dirs=}; k++)); do
                flagv+=(--dir "/d$k:tmp")
            done
        fi
    done
    PROBLEMS=()
    OBSERVED="-"
    t0=$(date +%s.%N)
    if [[ " $checks " == *" @pair "* ]]; then
        run_pair "$name" "${prog[@]}"
    elif [[ " $checks " == *" @persist "* ]]; then
        run_persist "$name" "${prog[@]}"
    else
        program_argv "${prog[@]}"
        rb "$res" "$errf" run "${flagv[@]}" --dir "/opt/adv=$T/opt" -- "${ARGV[@]}"
    fi
    if [[ " $checks " == *" @usage-ok "* && "$RC" == 64 ]]; then
        # A refusal: one line on stderr, no result on stdout.
        OBSERVED="usage-error(64)"
        [[ ! -s "$res" ]] || PROBLEMS+=("a usage error with output on stdout")
        [[ "$(grep -c . "$errf")" == 1 ]] || PROBLEMS+=("a usage error without exactly one stderr line")
    elif [[ -s "$res" || ${#PROBLEMS[@]} -eq 0 ]]; then
        check_result "$res" "$RC" "$verdicts" "${checkv[@]}"
    fi
    if [[ -s "$errf" ]] && grep -qF "$SECRET" "$errf"; then
        PROBLEMS+=("the caller's secret is visible on rustbox's stderr")
    fi
    local left
    left=$(leftovers)
    if [[ -n "$left" ]]; then
        PROBLEMS+=("left on the host: $(tr '\n' ';' <<<"$left")")
        force_clean
    fi
    t1=$(date +%s.%N)
    local status=PASS
    if [[ ${#PROBLEMS[@]} -gt 0 ]]; then
        status=FAIL
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
    else
        PASSED=$((PASSED + 1))
    fi
    printf '%-20s expected %-8s observed %-22s %5.2fs  %s\n' "$name" "$verdicts" "$OBSERVED" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$status"
    if [[ -n "${ADV_VERBOSE:-}" && -s "$res" ]]; then
        jq -r '.stdout // ""' "$res" 2>/dev/null | head -c 2000 | sed 's/^/    | /'
    fi
    if [[ "$status" == FAIL ]]; then
        local p
        for p in "${PROBLEMS[@]}"; do
            echo "    - $p"
        done
        if [[ -s "$errf" ]]; then
            echo "    - rustbox stderr: $(head -c 400 "$errf" | tr '\n' ' ')"
        fi
        if [[ -s "$res" ]]; then
            echo "    - program stdout: $(jq -r '.stdout // ""' "$res" 2>/dev/null | head -c 400 | tr '\n' '|')"
            echo "    - program stderr: $(jq -r '.stderr // ""' "$res" 2>/dev/null | head -c 300 | tr '\n' '|')"
        fi
    fi
}

# Two boxes at once: a writer leaves secrets in every shared-looking place
# and signals readiness through its /box/READY (a one-shot box's root is in
# its own mount namespace alone: the runner looks through the writer
# process's /proc/<pid>/root); the reader then runs in another box and
# looks for them.
run_pair() {
    local name=$1
    shift
    local wres="$T/res/$name.writer.json" werr="$T/res/$name.writer.err" ready="" wrc
    program_argv "$@" write
    ( rb "$wres" "$werr" run --wall-time 10 --dir "/opt/adv=$T/opt" -- "${ARGV[@]}"; echo "$RC" >"$T/res/$name.writer.rc" ) &
    local wpid=$!
    local pid
    for _ in $(seq 1 500); do
        for pid in $(ps -e -o uid=,pid=,args= |
            awk -v lo="$FIRST_UID" -v hi="$((FIRST_UID + NUM_BOXES))" '$1 >= lo && $1 < hi && $NF == "write" { print $2 }'); do
            [[ -e "/proc/$pid/root/box/READY" ]] && ready=/proc/$pid/root/box/READY && break
        done
        [[ -n "$ready" ]] && break
        sleep 0.01
    done
    if [[ -z "$ready" ]]; then
        PROBLEMS+=("the writer box never became ready")
    fi
    program_argv "$@" read
    rb "$res" "$errf" run --dir "/opt/adv=$T/opt" -- "${ARGV[@]}"
    local rrc=$RC
    [[ -n "$ready" ]] && rm -f "$ready"
    wait "$wpid"
    wrc=$(cat "$T/res/$name.writer.rc" 2>/dev/null || echo "?")
    local saved=("${PROBLEMS[@]}")
    PROBLEMS=()
    check_result "$wres" "$wrc" OK out:WROTE
    local p
    for p in "${PROBLEMS[@]}"; do
        saved+=("writer: $p")
    done
    PROBLEMS=("${saved[@]}")
    if [[ -s "$wres" && -s "$res" && "$(jq .box_id "$wres")" == "$(jq .box_id "$res")" ]]; then
        PROBLEMS+=("writer and reader ran in the same box")
    fi
    RC=$rrc
}

# A persistent box whose /box holds a copy of the program made by root
# (owner and mode kept: for suid_probe, a setuid-root file in the work dir).
run_persist() {
    local name=$1 pname=$2
    shift 2
    local path
    rb "$T/res/$name.init" "$T/res/$name.init.err" init --box-id "$PERSIST_ID"
    path=$(tr -d '\n' <"$T/res/$name.init")
    if [[ "$RC" != 0 || ! -d "$path/box" ]]; then
        PROBLEMS+=("init failed (exit $RC): $(cat "$T/res/$name.init.err")")
        return
    fi
    cp -a "$T/opt/${pname%.c}" "$path/box/"
    rb "$res" "$errf" run --box-id "$PERSIST_ID" -- "/box/${pname%.c}" "$@"
    local rrc=$RC
    rb "$T/res/$name.cleanup" "$T/res/$name.cleanup.err" cleanup --box-id "$PERSIST_ID"
    [[ "$RC" == 0 ]] || PROBLEMS+=("cleanup --box-id $PERSIST_ID failed (exit $RC): $(cat "$T/res/$name.cleanup.err")")
    RC=$rrc
}

# ---- main --------------------------------------------------------------------

build
echo "adversarial: $RUSTBOX, config $RUSTBOX_CONFIG"
start=$(date +%s)
while IFS='|' read -r name progspec verdicts checks flags; do
    name=$(trim "$name")
    [[ -z "$name" || "$name" == \#* ]] && continue
    if [[ $# -gt 0 ]]; then
        want=0
        for a in "$@"; do [[ "$a" == "$name" ]] && want=1; done
        [[ "$want" == 1 ]] || continue
    fi
    run_case "$name" "$(trim "$progspec")" "$(trim "$verdicts")" "$(trim "$checks")" "$(trim "${flags:-}")"
done <"$HERE/manifest"

echo "$PASSED passed, $FAILED failed ($(($(date +%s) - start)) s)"
if [[ "$FAILED" -gt 0 ]]; then
    echo "failed: ${FAILED_NAMES[*]}"
    exit 1
fi
exit 0

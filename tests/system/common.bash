# SPDX-License-Identifier: Apache-2.0
# common.bash: shared setup for the rustbox system tests.
#
# Every .bats file calls, at its top:
#   setup_file()    { rb_setup_file TAG FIRST_BOX_ID; }
#   teardown_file() { rb_teardown_file; }
# and gets a private directory $T (config, state dir, work root), its own
# name prefix "rbt<TAG><4 random chars>" and its own range of box ids, so
# that the files never touch a real installation (/var/lib/rustbox,
# /tmp/rustbox-*) or each other's mounts and cgroups.
#
# Environment: RUSTBOX (the binary under test), HELPERS (build/helpers).

: "${RUSTBOX:?set RUSTBOX to the absolute path of the rustbox binary}"
: "${HELPERS:?set HELPERS to the absolute path of build/helpers}"


rb_setup_file() {
    local tag=$1 run
    # Cgroup names are host-wide: a per-invocation suffix keeps two runs of
    # the same file (say, two checkouts tested at once) from sharing them.
    run=$(tr -dc 'a-z0-9' </dev/urandom | head -c 4) || true
    export RB_PREFIX="rbt${tag}${run}"
    export RB_FIRST_ID=$2
    # Every file gets its own uid range as well: cleanup treats any process of
    # a box's uid as the box's, so suites running at the same time (other
    # developers' runs on one host) must not share uids.
    export RB_FIRST_UID=$((1000000 + RB_FIRST_ID * 1000))
    T=$(mktemp -d /tmp/rbtest.XXXXXX)
    chmod 0755 "$T"
    export T
    mkdir -p "$T/state" "$T/work" "$T/bin"
    # Under emulation (RB_TEST_TIME_SCALE > 1) the default limits (1 s CPU, 3 s
    # wall) are scaled too: a shell running three commands takes more than a
    # second of CPU there. On a host the built-in defaults stay (and the
    # hello test checks them as the defaults).
    local limits=""
    if emulated; then
        limits=", \"limits\": {\"cpu_time_s\": $(tscale 1), \"wall_time_s\": $(tscale 3)}"
    fi
    cat >"$T/config.json" <<EOF
{"state_dir": "$T/state", "work_root": "$T/work", "name_prefix": "$RB_PREFIX", "num_boxes": 100000,
 "first_uid": $RB_FIRST_UID, "first_gid": $RB_FIRST_UID$limits}
EOF
    export RUSTBOX_CONFIG="$T/config.json"
    # The backend auto selection takes here (docs/cgroups.md): v2 on a pure
    # cgroup v2 host (the kernel-matrix guests), v1 on a v1 or hybrid one.
    if [[ "$(stat -f -c %T /sys/fs/cgroup)" == cgroup2fs ]]; then
        export RB_BACKEND=v2
    else
        export RB_BACKEND=v1
    fi
    ln -s "$RUSTBOX" "$T/bin/isolate"
    export ISOLATE="$T/bin/isolate"
    # The helper programs, bound read-only into a box at /opt/h.
    export HDIR="/opt/h=$HELPERS"
    : >"$T/box_ids"        # every box id a run reported or a test used
    : >"$T/persistent_ids" # boxes created with init / --init
}

# Cleans up this file's boxes, then asserts nothing of its prefix is left on
# the host: no mount, no cgroup, no process of a box uid it used. Removes $T
# only when no mount is left under it.
rb_teardown_file() {
    local id p problems="" mounts cgroups procs=""
    [[ -n "${T:-}" && -d "$T" ]] || return 0
    for id in $(box_ids "$T/persistent_ids"); do
        "$RUSTBOX" cleanup --box-id "$id" >/dev/null 2>&1 || true
    done
    mounts=$(grep -F -e "$T" -e "${RB_PREFIX}-" /proc/self/mountinfo || true)
    cgroups=$(find /sys/fs/cgroup -maxdepth 3 -name "${RB_PREFIX}-*" 2>/dev/null || true)
    for id in $(box_ids "$T/box_ids" "$T/persistent_ids"); do
        p=$(box_procs "$((RB_FIRST_UID + id))")
        if [[ -n "$p" ]]; then procs+="uid $((RB_FIRST_UID + id)): $p"$'\n'; fi
    done
    [[ -z "$mounts" ]] || problems+=$'leftover mounts:\n'"$mounts"$'\n'
    [[ -z "$cgroups" ]] || problems+=$'leftover cgroups:\n'"$cgroups"$'\n'
    [[ -z "$procs" ]] || problems+=$'leftover processes:\n'"$procs"$'\n'
    if [[ -z "$problems" ]]; then
        rm -rf "$T"
        return 0
    fi
    echo "teardown of $RB_PREFIX found leftovers:" >&2
    echo "$problems" >&2
    rb_force_clean
    return 1
}

# box_ids FILE...: the numeric box ids listed in FILEs, once each.
box_ids() {
    { grep -hE '^[0-9]+$' "$@" || true; } | sort -un
}

# Last resort after a failed teardown, so that one broken run does not poison
# the next ones: kill the leftover box processes (by pid), unmount what is
# left under $T (deepest first), remove the prefix's cgroups.
rb_force_clean() {
    local id pid mp cg
    for id in $(box_ids "$T/box_ids" "$T/persistent_ids"); do
        for pid in $(box_procs "$((RB_FIRST_UID + id))" | cut -d' ' -f1); do
            kill -9 "$pid" 2>/dev/null || true
        done
    done
    sleep 0.2
    while read -r mp; do
        umount -l "$mp" 2>/dev/null || true
    done < <(awk -v t="$T" 'index($5, t) == 1 { print length($5), $5 }' /proc/self/mountinfo |
        sort -rn | cut -d' ' -f2-)
    while read -r cg; do
        if [[ -n "$cg" ]]; then rmdir "$cg" 2>/dev/null || true; fi
    done < <(find /sys/fs/cgroup -maxdepth 3 -depth -name "${RB_PREFIX}-*" 2>/dev/null)
    if ! grep -qF "$T" /proc/self/mountinfo; then
        rm -rf "$T"
    fi
}

# tscale SECONDS: SECONDS times RB_TEST_TIME_SCALE (default 1). Limits for
# programs that do real work (touching memory, starting a shell) are given
# through it: emulated, as in the kernel-matrix guests, the same work takes
# 10-50 times longer. Limits a test is about (TLE at 0.5 s) are not scaled.
tscale() {
    awk -v s="$1" -v k="${RB_TEST_TIME_SCALE:-1}" 'BEGIN { print s * k }'
}

# slack SECONDS: SECONDS plus RB_TEST_CLOCK_SLACK (default 0). An upper bound
# on a measured time goes through it. Emulated, the guest's clock keeps
# running while its vCPU waits for the host, and the task on that vCPU is
# charged for the wait: on a loaded host a program that ran for a moment can
# show a third of a second of CPU time. guest.sh sets 1; a host adds nothing,
# so there the bounds stay as tight as the claims they check.
slack() {
    awk -v s="$1" -v k="${RB_TEST_CLOCK_SLACK:-0}" 'BEGIN { print s + k }'
}

# emulated: whether the suite runs in an emulated kernel-matrix guest.
emulated() {
    [[ "${RB_TEST_TIME_SCALE:-1}" != 1 ]]
}

# backend_independent: skips the test in an emulated guest, visibly. For
# tests whose outcome is the same on every cgroup backend and kernel (option
# parsing, exit codes, the layout): they run on the host, and the guests'
# time goes to what rests on the kernel.
backend_independent() {
    ! emulated || skip "emulated guest: backend-independent, run on the host"
}

# rb ARGS...: runs "$RUSTBOX" ARGS; sets $status, $out (stdout), $err
# (stderr). Remembers the box id a run reports, for the teardown checks.
rb() {
    rb_exec "$RUSTBOX" "$@"
}

# iso ARGS...: the same through the "isolate" symlink.
iso() {
    rb_exec "$ISOLATE" "$@"
}

rb_exec() {
    local o="$BATS_TEST_TMPDIR/rb.out" e="$BATS_TEST_TMPDIR/rb.err"
    "$@" >"$o" 2>"$e" </dev/null && status=0 || status=$?
    # Read without a subprocess: under emulation every exec costs ~0.1 s.
    out=$(<"$o")
    err=$(<"$e")
    # The box id of a result or cleanup object: a top-level key, before any
    # nested object.
    if [[ "$out" =~ ^\{[^{}]*\"box_id\":\ ?([0-9]+) ]]; then
        echo "${BASH_REMATCH[1]}" >>"$T/box_ids"
    fi
    return 0
}

# rb_init N: creates persistent box N (and remembers it for the teardown).
rb_init() {
    echo "$1" >>"$T/persistent_ids"
    rb init --box-id "$1"
    expect_status 0
}

# Box uid of box N.
box_uid() {
    echo $((RB_FIRST_UID + $1))
}

show() {
    echo "exit status: $status"
    echo "stdout: $out"
    echo "stderr: $err"
}

fail() {
    echo "FAIL: $*"
    show
    return 1
}

expect_status() {
    [[ "$status" == "$1" ]] || fail "exit status $status, expected $1"
}

# expect_status_in A B...: the exit status is one of them.
expect_status_in() {
    local s
    for s in "$@"; do
        [[ "$status" == "$s" ]] && return 0
    done
    fail "exit status $status, expected one of: $*"
}

# The assertions on stdout's JSON below each run jq once, whatever the number
# of filters: jq takes ~20 ms to start on a host and half a second in an
# emulated kernel-matrix guest, where the suite runs too.

# The stdout is exactly one JSON object.
expect_one_json() {
    local why
    why=$(jq -rs 'if length == 1 and (.[0] | type) == "object" then empty
                  else "stdout holds \(length) JSON values (\(map(type) | join(","))), expected one object" end' \
        <<<"$out" 2>/dev/null) || fail "stdout is not JSON"
    [[ -z "$why" ]] || fail "$why"
}

# expect_jq FILTER EXPECTED [FILTER EXPECTED...]: jq -r FILTER on stdout
# prints exactly EXPECTED (trailing newlines aside, as in "$(jq -r ...)"),
# for each pair.
expect_jq() {
    local prog="" n=0 why f
    [[ $(($# % 2)) == 0 ]] || fail "expect_jq takes FILTER EXPECTED pairs"
    local -a filters=() wants=()
    while (($#)); do
        filters+=("$1") wants+=("$2")
        prog+="${prog:+, }((try ([$1] | map(if type == \"string\" then . else tojson end) | join(\"\\n\")
                                | until(endswith(\"\\n\") | not; .[:-1]))
                           catch \"jq error: \\(.)\") as \$got
                          | select(\$got != \$ARGS.positional[$n])
                          | \"\\(\$ARGS.positional[$n + \$half]) is '\\(\$got)', expected '\\(\$ARGS.positional[$n])'\")"
        n=$((n + 1))
        shift 2
    done
    why=$(jq -r --argjson half "$n" "$prog" --args "${wants[@]}" "${filters[@]}" <<<"$out" 2>&1) ||
        fail "jq on stdout failed: $why"
    [[ -z "$why" ]] || fail "$why"
}

# expect_true FILTER...: each FILTER on stdout is true (its last output is
# neither false nor null, as for jq -e).
expect_true() {
    local prog="" n=0 why f
    for f in "$@"; do
        prog+="${prog:+, }(select(([try ($f) catch false] | last) as \$v | \$v == false or \$v == null)
                          | \"not true: \\(\$ARGS.positional[$n])\")"
        n=$((n + 1))
    done
    why=$(jq -r "$prog" --args "$@" <<<"$out" 2>&1) || fail "jq on stdout failed: $why"
    [[ -z "$why" ]] || fail "$why"
}

# expect_verdict V: one JSON object with verdict V and the exit status that
# goes with it (0 for OK, 2 for IE, 1 otherwise), cleanup verified clean
# (SPEC §5: "success", or "partial" when a fallback was needed).
expect_verdict() {
    local want_status=1 why
    [[ "$1" == OK ]] && want_status=0
    [[ "$1" == IE ]] && want_status=2
    why=$(jq -rs --arg v "$1" '
        if length != 1 or (.[0] | type) != "object" then "stdout holds \(length) JSON values, expected one object"
        else .[0]
             | (select(.verdict != $v) | "verdict is \(.verdict), expected \($v)"),
               (select(.schema != "rustbox.result/1") | "schema is \(.schema)"),
               (select($v != "IE" and (.cleanup.outcome | IN("success", "partial") | not))
                | "cleanup outcome is \(.cleanup.outcome)")
        end' <<<"$out" 2>/dev/null) || fail "stdout is not JSON"
    [[ -z "$why" ]] || fail "$why"
    expect_status "$want_status"
}

# expect_err_line [PATTERN]: stderr is exactly one line (matching the
# extended regex PATTERN, case-insensitively, when given).
expect_err_line() {
    local n
    n=$(printf '%s\n' "$err" | grep -c .) || true
    [[ -n "$err" && "$n" == 1 ]] || fail "stderr has $n non-empty lines, expected exactly 1"
    if [[ $# -gt 0 ]]; then
        grep -qiE -- "$1" <<<"$err" || fail "stderr does not match /$1/"
    fi
}

# A listing of what this file's rustbox has made on the host: entries of the
# work root, boxes of the state dir (a box is its lock file; a lock dir is
# made once and kept), mounts under $T, cgroups of the prefix.
host_snapshot() {
    {
        find "$T/work" -mindepth 1 -maxdepth 1 -printf 'work: %f\n' 2>/dev/null || true
        find "$T/state/boxes" -mindepth 2 -maxdepth 2 -printf 'state-box: %P\n' 2>/dev/null || true
        grep -F "$T" /proc/self/mountinfo | awk '{ print "mount: " $5 }'
        find /sys/fs/cgroup -maxdepth 3 -name "${RB_PREFIX}-*" 2>/dev/null | sed 's/^/cgroup: /'
    } | sort
}

# box_procs UID: "pid args" of each process running as box uid UID, except
# those inside another sandbox's box cgroup (a cgroup named X-N whose X is
# not this file's prefix): while developers run other suites on the same
# host, the same box id, hence uid, can be in use there. A process of one of
# this file's boxes that escaped its cgroup is listed.
box_procs() {
    local pid cg
    for pid in $(pgrep -u "$1" || true); do
        cg=$(cut -d: -f3 "/proc/$pid/cgroup" 2>/dev/null) || continue
        if grep -qE '/[A-Za-z0-9_.]+-[0-9]+(/|$)' <<<"$cg" && ! grep -qF "/${RB_PREFIX}-" <<<"$cg"; then
            continue
        fi
        echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    done
}

# no_box_processes UID: no process of this file's boxes runs as UID.
no_box_processes() {
    local p
    p=$(box_procs "$1")
    [[ -z "$p" ]] || fail "processes of uid $1 still alive: $p"
}

# ---- holding a box's cgroup: a real cleanup failure -------------------------
# Used by the health and metrics tests. Each test file that holds cgroups
# sets HOLDERS (a file listing the holding pids) and calls thaw_all and kills
# the holders in its teardown_file.

# The directory of box N's cgroup holding its memory controller.
box_cgroup() {
    local name="${RB_PREFIX}-$1"
    if [[ "$RB_BACKEND" == v1 ]]; then
        echo "/sys/fs/cgroup/memory/$name"
    else
        find /sys/fs/cgroup -maxdepth 3 -type d -name "$name" | head -n 1
    fi
}

# poll TICKS INTERVAL CMD...: runs CMD until it succeeds, at most TICKS
# times, INTERVAL seconds apart.
poll() {
    local ticks=$1 interval=$2 i
    shift 2
    for ((i = 0; i < ticks; i++)); do
        "$@" && return 0
        sleep "$interval"
    done
    return 1
}

box_cgroup_exists() {
    local cg
    cg=$(box_cgroup "$1")
    [[ -n "$cg" && -d "$cg" ]]
}

# wait_box_cgroup N: prints box N's group once it exists, within 5 s
# (scaled); on v2 its path is only known once it has been made.
wait_box_cgroup() {
    poll "$(tscale 100)" 0.05 box_cgroup_exists "$1" && box_cgroup "$1"
}

# wait_box_running N: a process of box N's uid runs (its payload has started).
wait_box_running() {
    poll "$(tscale 100)" 0.05 pgrep -u "$(box_uid "$1")" >/dev/null
}

runs_as() {
    [[ "$(stat -c %u "/proc/$1" 2>/dev/null)" == "$2" ]]
}

# wait_for_uid PID UID: process PID runs as UID within 5 s (scaled). setpriv
# changes its uid only after its own exec, which an emulated kernel takes
# well over a tenth of a second to do.
wait_for_uid() {
    poll "$(tscale 250)" 0.02 runs_as "$1" "$2"
}

freezer_dir() {
    echo "/sys/fs/cgroup/freezer/${RB_PREFIX}_freezer"
}

# hold_box_cgroup N: a root process that cannot die sits in box N's cgroup,
# so the cgroup cannot be removed. On v1 it is frozen (v1 freezer); cgroup v2
# kills frozen tasks, so there it sits in a child group of the box's that is
# not rustbox's to remove.
hold_box_cgroup() {
    local cg pid freezer
    cg=$(box_cgroup "$1")
    # Holding a group that is already gone would make a stray one instead.
    [[ -n "$cg" && -d "$cg" ]] || fail "box $1's cgroup is gone before it could be held"
    sleep 1000 &
    pid=$!
    echo "$pid" >>"$HOLDERS"
    if [[ "$RB_BACKEND" == v1 ]]; then
        freezer=$(freezer_dir)
        echo "$pid" >"$cg/cgroup.procs"
        mkdir -p "$freezer"
        echo "$pid" >"$freezer/cgroup.procs"
        echo FROZEN >"$freezer/freezer.state"
    else
        mkdir "$cg/hold"
        echo "$pid" >"$cg/hold/cgroup.procs"
    fi
}

# A payload that runs until the test calls release_box: however slow the host,
# the box's groups are still there when the test acts on them.
# shellcheck disable=SC2034 # used by the test files
UNTIL_RELEASED='while [ ! -e /box/go ]; do sleep 0.05; done'

# release_box N: ends box N's UNTIL_RELEASED payload.
release_box() {
    touch "$T/work/$RB_PREFIX-$1/root/box/go"
}

# thaw_all: lets every held cgroup go (the holders are then killed by the
# caller, or by rustbox's cleanup).
thaw_all() {
    local cg pid freezer
    freezer=$(freezer_dir)
    if [[ -d "$freezer" ]]; then
        echo THAWED >"$freezer/freezer.state" 2>/dev/null || true
        sleep 0.1
        rmdir "$freezer" 2>/dev/null || true
    fi
    while read -r cg; do
        while read -r pid; do
            kill -9 "$pid" 2>/dev/null || true
        done <"$cg/cgroup.procs"
        # A killed task leaves the group only once it has exited, which an
        # emulated guest under load can take far longer than a moment for;
        # until then rmdir says EBUSY and the box's group cannot go either.
        poll "$(tscale 100)" 0.05 rmdir "$cg" 2>/dev/null || true
    done < <(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/${RB_PREFIX}-*/hold" 2>/dev/null)
}

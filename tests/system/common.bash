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
    cat >"$T/config.json" <<EOF
{"state_dir": "$T/state", "work_root": "$T/work", "name_prefix": "$RB_PREFIX", "num_boxes": 100000,
 "first_uid": $RB_FIRST_UID, "first_gid": $RB_FIRST_UID}
EOF
    export RUSTBOX_CONFIG="$T/config.json"
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
    local o="$BATS_TEST_TMPDIR/rb.out" e="$BATS_TEST_TMPDIR/rb.err" id
    "$@" >"$o" 2>"$e" </dev/null && status=0 || status=$?
    out=$(cat "$o")
    err=$(cat "$e")
    id=$(jq -r 'select(type == "object") | .box_id // empty' "$o" 2>/dev/null | head -n 1) || true
    if [[ "$id" =~ ^[0-9]+$ ]]; then
        echo "$id" >>"$T/box_ids"
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

# The stdout is exactly one JSON object.
expect_one_json() {
    local n
    n=$(jq -s 'map(select(type == "object")) | length' <<<"$out" 2>/dev/null) ||
        fail "stdout is not JSON"
    [[ "$n" == 1 ]] || fail "stdout holds $n JSON objects, expected 1"
    [[ "$(jq -s length <<<"$out")" == 1 ]] || fail "stdout holds more than one JSON value"
}

# expect_jq FILTER EXPECTED: jq -r FILTER on stdout prints exactly EXPECTED.
expect_jq() {
    local got
    got=$(jq -r "$1" <<<"$out" 2>&1) || fail "jq '$1' failed: $got"
    [[ "$got" == "$2" ]] || fail "$1 is '$got', expected '$2'"
}

# expect_true FILTER: FILTER on stdout is true.
expect_true() {
    jq -e "$1" <<<"$out" >/dev/null 2>&1 || fail "not true: $1"
}

# expect_verdict V: one JSON object with verdict V and the exit status that
# goes with it (0 for OK, 2 for IE, 1 otherwise), cleanup verified clean
# (SPEC §5: "success", or "partial" when a fallback was needed).
expect_verdict() {
    local want_status=1
    [[ "$1" == OK ]] && want_status=0
    [[ "$1" == IE ]] && want_status=2
    expect_one_json
    expect_jq .verdict "$1"
    expect_status "$want_status"
    expect_jq .schema rustbox.result/1
    if [[ "$1" != IE ]]; then
        expect_true '.cleanup.outcome == "success" or .cleanup.outcome == "partial"'
    fi
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
# work root and state boxes, mounts under $T, cgroups of the prefix.
host_snapshot() {
    {
        ls -A "$T/work" 2>/dev/null | sed 's/^/work: /'
        ls -A "$T/state/boxes" 2>/dev/null | sed 's/^/state-box: /'
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

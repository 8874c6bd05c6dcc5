#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cgroup backend selection (SPEC §4, docs/cgroups.md): auto picks the
# host's backend with nothing missing; forcing the backend the host lacks
# is refused in strict mode (IE, exit 2, the missing control named) and
# runs degraded with "cgroup" in controls.missing otherwise. Written for
# either kind of host: on a v1 or hybrid host the native backend is v1 and
# the foreign one v2, on a pure cgroup v2 host the other way round.
# Persistent boxes of this file: 600-699 (uids: common.bash gives the file its own range).
# shellcheck disable=SC2154 # $out and $status are set by rb (common.bash)

load common

setup_file() {
    rb_setup_file bk 600
    export NATIVE=$RB_BACKEND FOREIGN=v2
    if [[ "$NATIVE" == v2 ]]; then FOREIGN=v1; fi
    # config-<backend>-strict-<bool>.json: this file's config forcing a backend.
    local b s
    for b in v1 v2; do
        for s in true false; do
            jq --arg b "$b" --argjson s "$s" '. + {cgroup_backend: $b, strict: $s}' "$T/config.json" \
                >"$T/config-$b-strict-$s.json"
        done
    done
}
teardown_file() { rb_teardown_file; }

# cfg BACKEND STRICT: the config file forcing BACKEND with strict STRICT.
cfg() {
    echo "$T/config-$1-strict-$2.json"
}

@test "--dry-run with cgroup_backend auto: the host's backend, nothing missing, nothing created" {
    local before after
    before=$(host_snapshot)
    rb --dry-run run -- /bin/true
    after=$(host_snapshot)
    expect_status 0
    expect_one_json
    expect_jq .controls.cgroup_backend "$NATIVE"
    expect_true \
        '.controls.missing == []' \
        '.controls.applied | index("cgroup") != null'
    expect_jq .cgroup.requested auto
    expect_true \
        '.cgroup.memory and .cgroup.pids and .cgroup.cpu' \
        '.would_run == true'
    [[ "$before" == "$after" ]] || fail "--dry-run changed the host: before=[$before] after=[$after]"
}

@test "forcing the host's own backend is the same as auto" {
    rb --config "$(cfg "$NATIVE" true)" --dry-run run -- /bin/true
    expect_status 0
    expect_jq \
        .controls.cgroup_backend "$NATIVE" \
        .cgroup.requested "$NATIVE"
    expect_true '.controls.missing == []'
    rb --config "$(cfg "$NATIVE" true)" run -- /bin/true
    expect_verdict OK
    expect_jq .controls.cgroup_backend "$NATIVE"
    expect_true '.controls.missing == []'
}

@test "--dry-run forcing the foreign backend, strict: would not run, says why" {
    rb --config "$(cfg "$FOREIGN" true)" --dry-run run -- /bin/true
    expect_status 0
    expect_one_json
    expect_jq \
        .cgroup.requested "$FOREIGN" \
        .controls.cgroup_backend none
    expect_true \
        '.controls.missing == ["cgroup"]' \
        '.would_run == false' \
        '.cgroup.detail | type == "string" and length > 0'
}

@test "a run forcing the foreign backend, strict: IE, exit 2, one line naming the control, nothing created" {
    local before after
    before=$(host_snapshot)
    rb --config "$(cfg "$FOREIGN" true)" run -- /bin/true
    after=$(host_snapshot)
    expect_verdict IE
    expect_err_line 'missing controls: cgroup'
    expect_true \
        '.reason | test("strict mode: missing controls: cgroup")' \
        '.controls.missing == ["cgroup"]'
    expect_jq .controls.cgroup_backend none
    expect_true '.controls.strict == true'
    # the why: no cgroup2 hierarchy on a v1 host, no v1 controllers on a v2 one
    if [[ "$FOREIGN" == v2 ]]; then
        expect_true '.reason | test("not a cgroup2 hierarchy")'
    else
        expect_true '.reason | test("cgroup v1 controllers missing")'
    fi
    [[ "$before" == "$after" ]] || fail "the refused run changed the host: before=[$before] after=[$after]"
}

@test "a run forcing the foreign backend, not strict: runs, cgroup listed missing, cleans up" {
    rb --config "$(cfg "$FOREIGN" false)" run --code 'echo degraded'
    expect_verdict OK
    expect_true \
        '.stdout == "degraded\n"' \
        '.controls.missing == ["cgroup"]' \
        '.controls.applied | index("cgroup") == null' \
        '.controls.applied | contains(["pid_ns","mount_ns","net_ns","seccomp","caps_dropped","no_new_privs","rlimits"])'
    expect_jq .controls.cgroup_backend none
    expect_true '.controls.strict == false'
    # a non-zero exit keeps its verdict without the cgroup too
    rb --config "$(cfg "$FOREIGN" false)" run --code 'exit 3'
    expect_verdict RE
    expect_true '.exit_code == 3'
}

@test "the program runs in its box's group, <prefix>-<id>, under the backend's parent" {
    rb_init 600
    rb run --box-id 600 --code 'cat /proc/self/cgroup'
    expect_verdict OK
    if [[ "$NATIVE" == v2 ]]; then
        # one group in the unified hierarchy, under the prefix's parent
        expect_jq .stdout "0::/$RB_PREFIX/$RB_PREFIX-600"
    else
        # the memory, pids and cpuacct hierarchies each hold the group
        local c
        for c in memory pids cpuacct; do
            grep -qE "^[0-9]+:([a-z_]+,)*${c}(,[a-z_]+)*:/${RB_PREFIX}-600\$" <<<"$(jq -r .stdout <<<"$out")" ||
                fail "no $c group ${RB_PREFIX}-600 in: $(jq -r .stdout <<<"$out")"
        done
    fi
    [[ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "${RB_PREFIX}-600")" ]] || fail "the run's group is left"
    rb cleanup --box-id 600
    expect_status 0
}

@test "v2: the parent group holds no process and passes memory, pids and cpu on" {
    [[ "$NATIVE" == v2 ]] || skip "the host is not a pure cgroup v2 host"
    rb run -- /bin/true
    expect_verdict OK
    local parent="/sys/fs/cgroup/$RB_PREFIX"
    [[ -d "$parent" ]] || fail "no parent group $parent"
    [[ -z "$(cat "$parent/cgroup.procs")" ]] || fail "$parent holds processes: $(cat "$parent/cgroup.procs")"
    local c
    for c in memory pids cpu; do
        grep -qw "$c" "$parent/cgroup.subtree_control" || fail "$c not enabled in $parent/cgroup.subtree_control"
    done
    [[ -z "$(find "$parent" -mindepth 1 -type d)" ]] || fail "groups left under $parent: $(find "$parent" -mindepth 1 -type d)"
}

@test "v2: limits land in the run's group: memory.max, memory.swap.max 0, pids.max" {
    [[ "$NATIVE" == v2 ]] || skip "the host is not a pure cgroup v2 host"
    rb_init 610
    local g="/sys/fs/cgroup/$RB_PREFIX/$RB_PREFIX-610" seen="$T/seen-610"
    "$RUSTBOX" run --box-id 610 --memory 48M --processes 7 --wall-time 20 --code 'sleep 10' >/dev/null 2>&1 &
    local pid=$! i
    for ((i = 0; i < 500; i++)); do
        # (cgroup files have size 0 to stat: read one, with a builtin)
        if read -r _ <"$g/cgroup.procs" 2>/dev/null; then
            { cat "$g/memory.max" "$g/pids.max"; cat "$g/memory.swap.max" 2>/dev/null || echo 0; } >"$seen"
            break
        fi
        sleep 0.02
    done
    # cgroup.kill (what cleanup uses) ends the box at once
    [[ -e "$g/cgroup.kill" ]] && echo 1 >"$g/cgroup.kill"
    wait "$pid" || true
    [[ -s "$seen" ]] || fail "the run's group $g never held the program"
    [[ "$(sed -n 1p "$seen")" == $((48 << 20)) ]] || fail "memory.max $(sed -n 1p "$seen")"
    [[ "$(sed -n 2p "$seen")" == 7 ]] || fail "pids.max $(sed -n 2p "$seen")"
    [[ "$(sed -n 3p "$seen")" == 0 ]] || fail "memory.swap.max $(sed -n 3p "$seen")"
    [[ ! -d "$g" ]] || fail "$g is left"
    rb cleanup --box-id 610
    expect_status 0
}

@test "a box group left on the host: verify-clean counts it, recover removes it" {
    local g
    if [[ "$NATIVE" == v2 ]]; then
        # under the parent group, where every box group of the prefix lives
        g="/sys/fs/cgroup/$RB_PREFIX/$RB_PREFIX-650"
    else
        g="/sys/fs/cgroup/memory/$RB_PREFIX-650"
    fi
    mkdir -p "$g"
    rb health --verify-clean
    expect_status 1
    expect_true '.clean == false' '.cgroups == 1'
    rb health --recover
    expect_status 0
    expect_true '.clean == true'
    [[ ! -d "$g" ]] || fail "recover left $g"
    rb health --verify-clean
    expect_status 0
}

# The unit groups the systemd-style test below makes, removed whatever the
# test's end: its worker process first, then the groups, deepest first.
teardown() {
    local slice="/sys/fs/cgroup/${RB_PREFIX}.slice" pid
    [[ -d "$slice" ]] || return 0
    for pid in $(cat "$T/unit-worker" 2>/dev/null); do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    find "$slice" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}

@test "v2: a systemd-style unit group as the parent: refused while it holds the worker, used once the worker is in a leaf" {
    [[ "$NATIVE" == v2 ]] || skip "the host is not a pure cgroup v2 host"
    # What a judge.service with Delegate=yes looks like: the unit's group
    # holds the worker itself until something moves it into a leaf.
    local unit="/sys/fs/cgroup/${RB_PREFIX}.slice/judge.service" worker cfg="$T/config-unit.json"
    mkdir -p "$unit"
    sleep 600 &
    worker=$!
    echo "$worker" >"$T/unit-worker"
    echo "$worker" >"$unit/cgroup.procs"
    jq --arg p "${RB_PREFIX}.slice/judge.service/boxes" '. + {cgroup_parent: $p}' "$T/config.json" >"$cfg"

    rb --config "$cfg" --dry-run run -- /bin/true
    expect_status 0
    expect_true '.would_run == false' '.cgroup.detail | test("judge.service holds processes")'
    rb --config "$cfg" run -- /bin/true
    expect_verdict IE
    expect_err_line 'missing controls: cgroup'
    expect_true '.reason | test("judge.service holds processes")'
    [[ ! -e "$unit/boxes" ]] || fail "a refused run created $unit/boxes"

    # The worker moves to a leaf (DelegateSubgroup=, or the wrapper of docs/cgroups.md).
    mkdir "$unit/worker"
    echo "$worker" >"$unit/worker/cgroup.procs"
    rb --config "$cfg" run --code 'cat /proc/self/cgroup'
    expect_verdict OK
    expect_true '.stdout | test("^0::/'"${RB_PREFIX}"'\\.slice/judge\\.service/boxes/'"${RB_PREFIX}"'-[0-9]+\n$")'
    [[ -z "$(find "$unit/boxes" -mindepth 1 -type d)" ]] || fail "the run's group is left: $(find "$unit/boxes" -mindepth 1)"
    grep -qw memory "$unit/cgroup.subtree_control" || fail "memory not passed on by the unit group"
}

@test "v1: TCP buffers count against --memory (memory.kmem.tcp.limit_in_bytes)" {
    [[ "$NATIVE" == v1 ]] || skip "cgroup v1 only: v2 always charges socket buffers to memory.max"
    # 20 loopback connections filled from both ends and never read: without
    # the TCP limit v1 left their buffers out of the box's memory and about
    # 150-200 MiB sat in them under --memory 64M, verdict OK. Now the sends
    # stop at the limit (or the box ends MLE). What the sends accepted may
    # pass the limit by what the kernel lets each socket force past it (one
    # buffer of at most 64 KiB each, 2.5 MiB for 40 sockets): 4 MiB of slack.
    rb run --memory 64M --time "$(tscale 5)" --wall-time "$(tscale 20)" --dir "$HDIR" -- /opt/h/tcp_park 20
    local parked
    if [[ "$(jq -r .verdict <<<"$out" 2>/dev/null)" == MLE ]]; then
        expect_verdict MLE
        return 0
    fi
    expect_verdict OK
    parked=$(jq -r '.stdout | capture("parked (?<k>[0-9]+) KiB").k // empty' <<<"$out")
    [[ -n "$parked" ]] || fail "tcp_park did not say what it parked"
    ((parked <= (64 + 4) * 1024)) || fail "$parked KiB parked in TCP buffers under --memory 64M, verdict OK"
    expect_true '.stdout | test("connections 20\n")'
}

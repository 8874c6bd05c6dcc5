#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Box lifecycle (SPEC §1, §3): persistent boxes, one-shot boxes, busy boxes,
# parallel one-shots. Persistent boxes of this file: 300-399.

load common

setup_file() { rb_setup_file bx 300; }
teardown_file() { rb_teardown_file; }

@test "init creates the box root on the host, cleanup removes it" {
    rb_init 300
    local root="$T/work/$RB_PREFIX-300/root"
    [[ -d "$root/box" ]] || fail "no $root/box after init"
    grep -qF " $root " /proc/self/mountinfo || fail "the box root $root is not a mount on the host"
    rb cleanup --box-id 300
    expect_status 0
    [[ ! -e "$root" ]] || fail "$root still exists after cleanup"
    ! grep -qF "$RB_PREFIX-300" /proc/self/mountinfo || fail "a mount of box 300 is left"
    [[ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "$RB_PREFIX-300")" ]] || fail "a cgroup of box 300 is left"
}

@test "files of a persistent box survive to the next run and are gone after cleanup" {
    rb_init 310
    rb run --box-id 310 --code 'echo persisted > f; mkdir -p d; echo deep > d/g'
    expect_verdict OK
    expect_true '.box_id == 310'
    local box="$T/work/$RB_PREFIX-310/root/box"
    [[ "$(cat "$box/f")" == persisted ]] || fail "f not visible on the host at $box/f"

    rb run --box-id 310 --code 'cat f d/g'
    expect_verdict OK
    expect_true '.stdout == "persisted\ndeep\n"'

    rb cleanup --box-id 310
    expect_status 0
    [[ ! -e "$box" ]] || fail "$box still exists after cleanup"

    rb_init 310
    rb run --box-id 310 --code 'ls -A; test ! -e f'
    expect_verdict OK
    expect_true '.stdout == ""'
    rb cleanup --box-id 310
    expect_status 0
}

@test "/tmp of a persistent box does not carry over between runs" {
    rb_init 315
    rb run --box-id 315 --code 'echo x > /tmp/x'
    expect_verdict OK
    rb run --box-id 315 --code 'test ! -e /tmp/x'
    expect_verdict OK
    rb cleanup --box-id 315
    expect_status 0
}

@test "a one-shot box leaves nothing behind" {
    local before after
    before=$(host_snapshot)
    rb run --code 'echo x > f; echo y > /tmp/y'
    expect_verdict OK
    after=$(host_snapshot)
    [[ "$before" == "$after" ]] || fail "host changed: before=[$before] after=[$after]"
}

@test "a one-shot box's root is a bounded tmpfs of its run alone: no dir or mount of it on the host while it runs" {
    local runner
    "$RUSTBOX" run --wall-time "$(tscale 20)" --code 'grep " / " /proc/self/mountinfo; sleep 2' >"$T/oneshot.json" &
    runner=$!
    wait_box_running 0 || fail "the one-shot run's program never started"
    [[ ! -e "$T/work/${RB_PREFIX}-0" ]] || fail "the run made a box dir on the host"
    ! grep -q " ${RB_PREFIX}-0 " /proc/self/mountinfo || fail "a mount of the box on the host: $(grep " ${RB_PREFIX}-0 " /proc/self/mountinfo)"
    wait "$runner" && status=0 || status=$?
    out=$(cat "$T/oneshot.json")
    expect_verdict OK
    expect_true '.stdout | test(" - tmpfs '"${RB_PREFIX}"'-0 .*size=[0-9]+k,nr_inodes=[0-9]+")'
}

@test "a busy box refuses a second run and a cleanup, the first run still succeeds" {
    rb_init 320
    local pid bg_out="$BATS_TEST_TMPDIR/bg.out"
    # The first run holds the box until the test says so (a file in /box),
    # however slow the host: no race with the checks below.
    "$RUSTBOX" run --box-id 320 --time "$(tscale 6)" --wall-time "$(tscale 60)" \
        --code 'while [ ! -e /box/go ]; do sleep 0.05; done; echo done' \
        >"$bg_out" 2>/dev/null &
    pid=$!
    # wait until the program really runs in the box
    for _ in $(seq "$(tscale 100)"); do
        pgrep -u "$(box_uid 320)" >/dev/null && break
        sleep 0.02
    done
    pgrep -u "$(box_uid 320)" >/dev/null || fail "the first run did not start"

    rb run --box-id 320 --code 'echo second'
    expect_status_in 64 2
    expect_err_line '320'
    [[ "$out" != *second* ]] || fail "the second run ran"

    rb cleanup --box-id 320
    expect_status_in 64 2
    expect_err_line '320'

    rb init --box-id 320
    expect_status_in 64 2
    expect_err_line '320'

    touch "$T/work/$RB_PREFIX-320/root/box/go"
    local bg_status=0
    wait "$pid" || bg_status=$?
    out=$(cat "$bg_out")
    status=$bg_status
    expect_verdict OK
    expect_true '.stdout == "done\n"'

    rb cleanup --box-id 320
    expect_status 0
}

@test "a one-shot run does not take a busy persistent box's id" {
    rb_init 330
    "$RUSTBOX" run --box-id 330 --wall-time 5 --code 'sleep 1' >/dev/null 2>&1 &
    local pid=$!
    rb run --code 'echo ok'
    expect_verdict OK
    expect_true '.box_id != 330'
    wait "$pid"
    rb cleanup --box-id 330
    expect_status 0
}

# barrier_code NAME N: box code that marks NAME in /sync, waits (up to 3 s,
# scaled) until N runs have marked it, then prints "NAME met" or "NAME
# alone". Runs that all print "met" were in their boxes at the same time.
barrier_code() {
    local max
    max=$(tscale 150)
    echo "touch /sync/$1; n=0; while [ \$(ls /sync | wc -l) -lt $2 ] && [ \$n -lt $max ]; do sleep 0.02; n=\$((n + 1)); done; if [ \$n -lt $max ]; then echo '$1 met'; else echo '$1 alone'; fi"
}

# barrier_run OUT ERR NAME N: a one-shot run of barrier_code in the background,
# with limits that leave room for the polling loop (it forks twice a round).
barrier_run() {
    "$RUSTBOX" run --time "$(tscale 2)" --wall-time "$(tscale 6)" --dir "/sync=$sync:rw" \
        --code "$(barrier_code "$3" "$4")" >"$1" 2>"$2" &
}

@test "two overlapping one-shot runs, 10 times: both OK with distinct box ids" {
    backend_independent
    local i a b sa sb ida idb before after sync
    before=$(host_snapshot)
    for i in $(seq 10); do
        a="$BATS_TEST_TMPDIR/a$i" b="$BATS_TEST_TMPDIR/b$i" sync="$BATS_TEST_TMPDIR/sync$i"
        mkdir -m 1777 "$sync"
        barrier_run "$a" "$a.err" a 2
        local pa=$!
        barrier_run "$b" "$b.err" b 2
        local pb=$!
        sa=0 sb=0
        wait "$pa" || sa=$?
        wait "$pb" || sb=$?
        ida=$(jq -r .box_id "$a" 2>/dev/null) || true
        idb=$(jq -r .box_id "$b" 2>/dev/null) || true
        echo "$ida" >>"$T/box_ids"
        echo "$idb" >>"$T/box_ids"
        [[ "$sa" == 0 && "$sb" == 0 ]] || {
            echo "round $i: exit $sa / $sb"
            cat "$a" "$a.err" "$b" "$b.err"
            return 1
        }
        [[ "$(jq -r .stdout "$a")" == "a met" && "$(jq -r .stdout "$b")" == "b met" ]] || {
            echo "round $i: the two runs were not in their boxes at the same time"
            cat "$a" "$b"
            return 1
        }
        [[ "$ida" != "$idb" ]] || {
            echo "round $i: both runs used box $ida at the same time"
            return 1
        }
    done
    after=$(host_snapshot)
    [[ "$before" == "$after" ]] || fail "host changed: before=[$before] after=[$after]"
}

@test "eight overlapping one-shot runs all succeed with distinct box ids" {
    local i pids=() s bad="" sync="$BATS_TEST_TMPDIR/sync"
    mkdir -m 1777 "$sync"
    for i in $(seq 8); do
        barrier_run "$BATS_TEST_TMPDIR/r$i" "$BATS_TEST_TMPDIR/e$i" "r$i" 8
        pids+=($!)
    done
    for i in $(seq 8); do
        s=0
        wait "${pids[$((i - 1))]}" || s=$?
        jq -r .box_id "$BATS_TEST_TMPDIR/r$i" >>"$T/box_ids" 2>/dev/null || true
        [[ "$s" == 0 ]] || bad+="run $i: exit $s: $(cat "$BATS_TEST_TMPDIR/r$i" "$BATS_TEST_TMPDIR/e$i")"$'\n'
        [[ "$(jq -r .stdout "$BATS_TEST_TMPDIR/r$i" 2>/dev/null)" == "r$i met" ]] ||
            bad+="run $i did not meet the others: $(cat "$BATS_TEST_TMPDIR/r$i")"$'\n'
    done
    [[ -z "$bad" ]] || {
        echo "$bad"
        return 1
    }
    local ids
    ids=$(cat "$BATS_TEST_TMPDIR"/r[0-9] | jq -r .box_id | sort -u)
    [[ "$(wc -l <<<"$ids")" == 8 ]] || fail "box ids not distinct: $ids"
}

# A config like the file's own but with one key replaced (jq expression).
config_with() {
    jq "$1" "$T/config.json" >"$BATS_TEST_TMPDIR/config.json"
    echo "$BATS_TEST_TMPDIR/config.json"
}

@test "a work_root below a regular file: IE naming the path, the real controls, no cleanup failure counted" {
    local cfg strict_controls
    : >"$BATS_TEST_TMPDIR/afile"
    cfg=$(config_with ".work_root = \"$BATS_TEST_TMPDIR/afile/work\" | .state_dir = \"$BATS_TEST_TMPDIR/state\"")
    RUSTBOX_CONFIG=$cfg rb run --dry-run -- /bin/true
    strict_controls=$(jq -c '.controls' <<<"$out")
    RUSTBOX_CONFIG=$cfg rb run -- /bin/true
    expect_status 2
    expect_jq .verdict IE
    expect_true "(.reason | contains(\"$BATS_TEST_TMPDIR/afile/work\")) and (.reason | contains(\"Not a directory\"))"
    # The result reports the controls this host applies, as --dry-run does.
    [[ "$(jq -c '.controls' <<<"$out")" == "$strict_controls" ]] ||
        fail "controls $(jq -c .controls <<<"$out") differ from the host's $strict_controls"
    expect_jq .cleanup.outcome success
    RUSTBOX_CONFIG=$cfg rb health
    expect_status 0
    expect_jq .status healthy
    expect_jq .failed_cleanup_count 0
}

@test "an unusable state_dir: the error names the path and the errno" {
    local cfg
    cfg=$(config_with '.state_dir = "/proc/rustbox-no-such-dir"')
    RUSTBOX_CONFIG=$cfg rb run -- /bin/true
    expect_status 2
    grep -qF '/proc/rustbox-no-such-dir/boxes/' <<<"$err" || fail "the error does not name the state dir"
    grep -qF 'No such file or directory' <<<"$err" || fail "the error does not name the errno"
    ! grep -q 'no free box' <<<"$err" || fail "the error blames the box ids"
}

@test "rustbox run in a persistent box hands the work dir back as isolate does: no special files, the caller's, modes normalised" {
    rb_init 340
    local B="$T/work/$RB_PREFIX-340/root/box" deep
    deep="$B/deep/$(printf 'd/%.0s' $(seq 299))d"
    rb_exec timeout "$(tscale 60)" "$RUSTBOX" run --box-id 340 --dir "$HDIR" -- /opt/h/mkspecial 300
    expect_verdict OK
    expect_jq .stdout made
    [[ -z "$(find "$B" \( -type l -o -type p -o -type s \) -print)" ]] ||
        fail "special files left: $(find "$B" \( -type l -o -type p -o -type s \) -print)"
    [[ "$(stat -c '%u %a' "$deep/leaf")" == "$(id -u) 644" ]] || fail "the deepest file: $(stat -c '%u %a' "$deep/leaf")"
    [[ -z "$(find "$B" \( ! -user "$(id -u)" -o -perm /6022 \) -print)" ]] ||
        fail "not handed back: $(find "$B" \( ! -user "$(id -u)" -o -perm /6022 \) -printf '%p %u %m\n' | head)"
    # --special-files keeps them (the caller's, the symlink not followed).
    rm -rf "$B/deep" "$B/open" "$B/suid" "$B/sgid"
    rb_exec timeout "$(tscale 60)" "$RUSTBOX" run --box-id 340 --special-files --dir "$HDIR" -- /opt/h/mkspecial 1
    expect_verdict OK
    [[ -L "$B/out.txt" && -p "$B/fifo" && "$(stat -c %u "$B/out.txt") $(stat -c %u "$B/fifo")" == "$(id -u) $(id -u)" ]] ||
        fail "--special-files: $(ls -l "$B")"
    rb cleanup --box-id 340
    expect_status 0
}

# A local user outside every box range (and every range of the suites):
# tests/leftovers.sh watches it, so its processes must be gone by the end.
ATTACKER_UID=3999990

# What a failed test below may leave behind: the attacker (by its pid) and a
# mount outside the box dirs, which no cleanup of the file's boxes reaches.
teardown() {
    local mp
    if [[ -s "$T/attacker.pid" ]]; then
        kill "$(<"$T/attacker.pid")" 2>/dev/null || true
        rm -f "$T/attacker.pid"
    fi
    for mp in "$T/race/target" "$T/moved-391/root" "$T/pre/target"; do
        if mountpoint -q "$mp" 2>/dev/null; then umount -l "$mp"; fi
    done
    rm -rf "$T/moved-391"
}

# as_attacker CMD...: CMD as that user, no supplementary groups.
as_attacker() {
    setpriv --reuid="$ATTACKER_UID" --regid="$ATTACKER_UID" --clear-groups "$@"
}

# race_init CFG ID WORK TARGET ATTEMPTS: inits box ID under CFG ATTEMPTS times
# (cleanup in between) while the attacker keeps renaming dirs of its own,
# each holding root -> TARGET, onto the box's name in WORK. Sets `landed` to
# the attempt at which a mount appeared on TARGET; stops early when init is
# refused at config load (status 64).
race_init() {
    local cfg=$1 id=$2 work=$3 target=$4 attempts=$5 i apid
    landed=""
    # setpriv itself in the background (not a function's subshell), so that
    # $! is the attacker and kill reaches it. No fork per try: the window is
    # a few syscalls wide.
    setpriv --reuid="$ATTACKER_UID" --regid="$ATTACKER_UID" --clear-groups /usr/bin/python3 -c '
import os, sys
work, target, name = sys.argv[1:]
stage, box = os.path.join(work, ".stage%d" % os.getpid()), os.path.join(work, name)
while True:
    try:
        if not os.path.lexists(stage):
            os.mkdir(stage)
        if not os.path.lexists(stage + "/root"):
            os.symlink(target, stage + "/root")
        os.rename(stage, box)
    except OSError:
        pass' "$work" "$target" "$RB_PREFIX-$id" &
    apid=$!
    echo "$apid" >"$T/attacker.pid"
    for i in $(seq "$attempts"); do
        RUSTBOX_CONFIG=$cfg rb init --box-id "$id"
        if mountpoint -q "$target"; then
            landed="attempt $i"
            break
        fi
        [[ "$status" != 64 ]] || break
        RUSTBOX_CONFIG=$cfg rb cleanup --box-id "$id"
    done
    kill "$apid" 2>/dev/null || true
    wait "$apid" 2>/dev/null || true
    rm -f "$T/attacker.pid"
    if [[ -n "$landed" ]]; then
        RUSTBOX_CONFIG=$cfg rb cleanup --box-id "$id"
        local said=$out
        umount -l "$target" 2>/dev/null || true
        fail "init mounted the box's tmpfs on $target ($landed); cleanup then said: $said"
    fi
}

@test "a local user racing init with a planted root symlink: no mount lands outside the box" {
    local w="$T/race" cfg id=390
    mkdir -p "$w/work" "$w/target"
    : >"$w/target/sentinel"
    echo "$id" >>"$T/persistent_ids"
    # A work_root anyone may write, as /tmp was by default: refused at
    # config load, so no box is ever made there.
    chmod 1777 "$w/work"
    cfg=$(config_with ".work_root = \"$w/work\"")
    race_init "$cfg" "$id" "$w/work" "$w/target" 100
    expect_status 64
    grep -qF '"work_root"' <<<"$err" || fail "the refusal does not name work_root: $err"
    # Root's own work_root: the attacker cannot plant anything, and the box
    # is made and cleaned through dir fds whatever it tries.
    chmod 0755 "$w/work"
    race_init "$cfg" "$id" "$w/work" "$w/target" 20
    expect_status 0
    [[ -e "$w/target/sentinel" ]] || fail "the target dir changed"
    rm -rf "$w"
}

@test "cleanup finds a box's mount by its id when the box path no longer leads to it" {
    local id=391 moved="$T/moved-391"
    rb_init "$id"
    # The mount stays, but not under the box dir any more.
    mv "$T/work/$RB_PREFIX-$id" "$moved"
    grep -qF " $moved/root " /proc/self/mountinfo || fail "setup: the box dir did not move with its mount"
    rb health --verify-clean
    expect_status 1
    expect_jq .mounts 1
    rb cleanup --box-id "$id"
    local said=$out
    if grep -qF " $moved/root " /proc/self/mountinfo; then
        umount -l "$moved/root"
        rm -rf "$moved"
        fail "cleanup left the box's mount at $moved/root and said: $said"
    fi
    expect_status 0
    rm -rf "$moved"
    rb health --verify-clean
    expect_status 0
}

@test "pre-existing box dirs are leftovers: never reused, a one-shot run takes another id, health counts and recovers them" {
    local w="$T/pre" cfg i
    mkdir -p "$w/work" "$w/target"
    cfg=$(config_with ".work_root = \"$w/work\" | .state_dir = \"$w/state\"")
    for i in 0 1 2; do
        mkdir "$w/work/$RB_PREFIX-$i"
        ln -s "$w/target" "$w/work/$RB_PREFIX-$i/root"
    done
    RUSTBOX_CONFIG=$cfg rb run -- /bin/true
    expect_status 0
    expect_jq .verdict OK .box_id 3
    ! mountpoint -q "$w/target" || { umount -l "$w/target"; fail "a mount landed on the planted target"; }
    [[ -L "$w/work/$RB_PREFIX-0/root" ]] || fail "the run touched a leftover"
    RUSTBOX_CONFIG=$cfg rb health --verify-clean
    expect_status 1
    expect_jq .temp_dirs 3 .mounts 0
    RUSTBOX_CONFIG=$cfg rb health --recover --cleanup
    expect_status 0
    [[ -z "$(ls -A "$w/work")" ]] || fail "leftovers survive recovery: $(ls -A "$w/work")"
    [[ -d "$w/target" ]] || fail "recovery removed the planted target"
    rm -rf "$w"
}

@test "a work_root or state_dir another user could change is refused at config load, naming the key" {
    backend_independent
    local w="$T/cfgchk" cfg
    mkdir -p "$w/open" "$w/sticky/mine" "$w/theirs"
    chmod 0777 "$w/open"
    chmod 1777 "$w/sticky"
    chown "$ATTACKER_UID" "$w/theirs"
    ln -s "$w/open" "$w/link"
    for bad in "work_root=$w/open/work" "work_root=$w/open" "work_root=$w/sticky" "work_root=$w/sticky/new/work" \
        "work_root=$w/theirs/work" "work_root=$w/link/work" "state_dir=$w/open/state"; do
        cfg=$(config_with ".${bad%%=*} = \"${bad#*=}\"")
        RUSTBOX_CONFIG=$cfg rb run -- /bin/true
        [[ "$status" == 64 ]] || fail "$bad: exit $status, expected 64"
        grep -qF "\"${bad%%=*}\"" <<<"$err" || fail "$bad: the error does not name the key: $err"
        [[ "$(wc -l <<<"$err")" == 1 ]] || fail "$bad: more than one line: $err"
    done
    # Root's own dir below a sticky one is fine.
    cfg=$(config_with ".work_root = \"$w/sticky/mine/work\"")
    RUSTBOX_CONFIG=$cfg rb run -- /bin/true
    expect_status 0
    [[ ! -e "$w/open/work" && ! -e "$w/sticky/new" ]] || fail "a refused config created a dir"
    rm -rf "$w"
}

@test "a box dir is root's (0711: no listing), its box/ the caller's (0700): other users read nothing" {
    local id=392 d
    rb_init "$id"
    d="$T/work/$RB_PREFIX-$id"
    [[ "$(stat -c '%u %a' "$d")" == "0 711" ]] || fail "box dir: $(stat -c '%u %a' "$d"), expected 0 711"
    [[ "$(stat -c '%u %a' "$d/root/box")" == "$(id -u) 700" ]] ||
        fail "box/: $(stat -c '%u %a' "$d/root/box"), expected $(id -u) 700"
    echo secret >"$d/root/box/input.txt"
    ! as_attacker cat "$d/root/box/input.txt" 2>/dev/null || fail "another user reads the box's files"
    ! as_attacker ls "$d" >/dev/null 2>&1 || fail "another user lists the box dir"
    rb cleanup --box-id "$id"
    expect_status 0
}

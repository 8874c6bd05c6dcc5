#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The command line and the config (SPEC §1, §8): help, version, --dry-run,
# and bad input (one stderr line, exit 64, nothing created).
# Persistent boxes of this file: 500-599.

load common

setup_file() { rb_setup_file cl 500; }
teardown_file() { rb_teardown_file; }

# expect_usage_error PATTERN ARGS...: rustbox ARGS exits 64 with one stderr
# line matching PATTERN, prints nothing on stdout, and creates nothing.
expect_usage_error() {
    local pattern=$1 before after
    shift
    before=$(host_snapshot)
    rb "$@"
    after=$(host_snapshot)
    expect_status 64
    expect_err_line "$pattern"
    [[ -z "$out" ]] || fail "stdout not empty"
    [[ "$before" == "$after" ]] || fail "host changed: before=[$before] after=[$after]"
}

@test "--help, run --help and version exit 0" {
    backend_independent
    rb --help
    expect_status 0
    [[ "$out" == *run* && "$out" == *cleanup* ]] || fail "--help does not list the commands"
    rb run --help
    expect_status 0
    [[ "$out" == *--time* && "$out" == *--memory* ]] || fail "run --help does not list the limits"
    rb version
    expect_status 0
    local v
    v=$(cat "$BATS_TEST_DIRNAME/../../VERSION")
    [[ "$out" == *"$v"* ]] || fail "version does not print $v"
}

@test "the binary loads no library but libc (and a sanitizer's): libseccomp and json-c are linked in" {
    # Each call of rustbox (three per isolate run) would pay the dynamic
    # loader for every shared library (docs/performance.md).
    run readelf -d "$RUSTBOX"
    [[ "$status" -eq 0 ]] || fail "readelf failed: $output"
    local needed
    needed=$(grep -o 'Shared library: \[[^]]*\]' <<<"$output" | sed 's/.*\[\(.*\)\]/\1/' | sort | tr '\n' ' ')
    [[ "$needed" == *libc.so* ]] || fail "no libc in NEEDED: $needed"
    local lib sanitized=0
    [[ " $needed" == *" libasan.so"* ]] && sanitized=1
    for lib in $needed; do
        case $lib in
            libc.so.* | ld-linux-*.so.*) ;;
            # a sanitizer build's runtime and what it pulls in
            libasan.so.* | libubsan.so.* | libm.so.* | libgcc_s.so.* | libstdc++.so.*)
                [[ $sanitized == 1 ]] || fail "$lib loaded at start-up: $needed" ;;
            *) fail "$lib loaded at start-up: $needed" ;;
        esac
    done
}

@test "help of the other commands exits 0" {
    backend_independent
    local c
    for c in init cleanup; do
        rb "$c" --help
        expect_status 0
        [[ -n "$out" ]] || fail "$c --help printed nothing"
    done
}

@test "--dry-run run prints the capability report: the host's backend, nothing missing, nothing created" {
    local before after
    before=$(host_snapshot)
    rb --dry-run run -- /bin/true
    after=$(host_snapshot)
    expect_status 0
    expect_one_json
    local backend missing
    backend=$(jq -r '[.. | objects | select(has("cgroup_backend")) | .cgroup_backend][0]' <<<"$out")
    missing=$(jq -c '[.. | objects | select(has("missing")) | .missing][0]' <<<"$out")
    [[ "$backend" == "$RB_BACKEND" ]] || fail "cgroup_backend '$backend'"
    [[ "$missing" == "[]" ]] || fail "missing '$missing'"
    expect_true '[.. | objects | select(has("applied")) | .applied][0] | contains(["pid_ns","mount_ns","net_ns","ipc_ns","uts_ns","cgroup","seccomp","caps_dropped","no_new_privs","rlimits"])'
    [[ "$before" == "$after" ]] || fail "--dry-run changed the host: before=[$before] after=[$after]"
}

@test "--config FILE is used over \$RUSTBOX_CONFIG" {
    local other="$T/other"
    mkdir -p "$other/state" "$other/work"
    printf '{"state_dir": "%s/state", "work_root": "%s/work", "name_prefix": "%s", "num_boxes": 100000}\n' \
        "$other" "$other" "$RB_PREFIX" >"$other/config.json"
    echo 510 >>"$T/persistent_ids"
    rb --config "$other/config.json" init --box-id 510
    expect_status 0
    [[ -d "$other/work/$RB_PREFIX-510/root/box" ]] || fail "box not under the --config work_root"
    [[ ! -e "$T/work/$RB_PREFIX-510" ]] || fail "box made under \$RUSTBOX_CONFIG's work_root"
    rb --config "$other/config.json" cleanup --box-id 510
    expect_status 0
    [[ ! -e "$other/work/$RB_PREFIX-510" ]] || fail "box left after cleanup"
}

@test "unknown flag: exit 64, one line naming it, nothing created" {
    backend_independent
    expect_usage_error 'frobnicate' run --frobnicate -- /bin/true
}

@test "unknown command: exit 64" {
    backend_independent
    expect_usage_error 'frobnicate' frobnicate
}

@test "malformed size --memory 12Q: exit 64, one line, nothing created" {
    backend_independent
    expect_usage_error '12Q|memory' run --memory 12Q -- /bin/true
}

@test "other malformed values: exit 64 each" {
    backend_independent
    expect_usage_error 'time' run --time abc -- /bin/true
    expect_usage_error 'time' run --time -1 -- /bin/true
    expect_usage_error 'wall' run --wall-time 1x -- /bin/true
    expect_usage_error 'processes|many' run --processes=many -- /bin/true
    expect_usage_error 'file-size|12Q' run --file-size 12Q -- /bin/true
    expect_usage_error 'output-limit|1Z' run --output-limit 1Z -- /bin/true
    expect_usage_error 'box' run --box-id abc -- /bin/true
    expect_usage_error 'box' init --box-id -3
    expect_usage_error 'box' init --box-id 100000
    expect_usage_error 'time' run --time -- /bin/true
}

@test "run with no program: exit 64, one line, nothing created" {
    backend_independent
    expect_usage_error 'program|command|code|--' run
    expect_usage_error 'program|command|code|--' run --time 1
    expect_usage_error 'program|command|code|--' run --
}

@test "init and cleanup without --box-id: exit 64" {
    backend_independent
    expect_usage_error 'box' init
    expect_usage_error 'box' cleanup
}

@test "run on a box that was never initialised: one line naming the box, nothing created" {
    local before after
    before=$(host_snapshot)
    rb run --box-id 555 -- /bin/true
    after=$(host_snapshot)
    expect_status_in 64 2
    expect_err_line '555'
    [[ -z "$out" ]] || fail "stdout not empty"
    [[ "$before" == "$after" ]] || fail "host changed: before=[$before] after=[$after]"
}

@test "an unknown config key: exit 64 naming the key, nothing created" {
    backend_independent
    local bad="$T/bad"
    mkdir -p "$bad"
    printf '{"state_dir": "%s/state", "work_root": "%s/work", "name_prefix": "%s", "bogus_key": 1}\n' \
        "$bad" "$bad" "$RB_PREFIX" >"$bad/config.json"
    rb --config "$bad/config.json" run -- /bin/true
    expect_status 64
    expect_err_line 'bogus_key'
    [[ -z "$out" ]] || fail "stdout not empty"
    [[ ! -e "$bad/work" && ! -e "$bad/state" ]] || fail "created: $(ls "$bad")"
    # the same through $RUSTBOX_CONFIG
    RUSTBOX_CONFIG="$bad/config.json" rb run -- /bin/true
    expect_status 64
    expect_err_line 'bogus_key'
    [[ ! -e "$bad/work" && ! -e "$bad/state" ]] || fail "created: $(ls "$bad")"
}

@test "a nested unknown config key and a wrong type: exit 64 naming the key" {
    backend_independent
    local bad="$T/bad2"
    mkdir -p "$bad"
    printf '{"state_dir": "%s/state", "work_root": "%s/work", "limits": {"cpu_time_s": 1, "bogus_limit": 2}}\n' "$bad" "$bad" >"$bad/a.json"
    rb --config "$bad/a.json" run -- /bin/true
    expect_status 64
    expect_err_line 'bogus_limit'
    printf '{"state_dir": "%s/state", "work_root": "%s/work", "num_boxes": "many"}\n' "$bad" "$bad" >"$bad/b.json"
    rb --config "$bad/b.json" run -- /bin/true
    expect_status 64
    expect_err_line 'num_boxes'
    printf '{"state_dir": "%s/state", "work_root": "%s/work", "strict": "yes"}\n' "$bad" "$bad" >"$bad/c.json"
    rb --config "$bad/c.json" run -- /bin/true
    expect_status 64
    expect_err_line 'strict'
    [[ ! -e "$bad/work" && ! -e "$bad/state" ]] || fail "created: $(ls "$bad")"
}

@test "a config file that is not JSON: one line naming the file, nothing runs" {
    backend_independent
    local bad="$T/bad3"
    mkdir -p "$bad"
    printf '{"work_root": "%s/work",' "$bad" >"$bad/broken.json"
    rb --config "$bad/broken.json" run -- /bin/true
    expect_status_in 64 2
    expect_err_line 'broken.json'
    [[ -z "$out" ]] || fail "stdout not empty"
    [[ ! -e "$bad/work" ]] || fail "a work root was created"
}

@test "a missing --config file: one line naming it" {
    backend_independent
    rb --config "$T/does-not-exist.json" run -- /bin/true
    expect_status_in 64 2
    expect_err_line 'does-not-exist.json'
    [[ -z "$out" ]] || fail "stdout not empty"
}

@test "a state_dir too long for its paths: exit 64 naming the key, nothing created, no hang" {
    backend_independent
    # 508 bytes made `health --quarantine` write under <state_dir>/he/; 510
    # cut the health and the metrics lock to one file, and it waited on
    # itself forever (hence the timeout: a hang fails as 124, not forever).
    local bad="$T/bad4" len sd
    mkdir -p "$bad"
    for len in 508 510; do
        # an absolute path of $len bytes in components a filesystem takes
        sd="$bad/s"
        while (( ${#sd} + 10 <= len )); do sd+="/ddddddddd"; done
        while (( ${#sd} < len )); do sd+="e"; done
        (( ${#sd} == len )) || fail "built a state_dir of ${#sd} bytes, not $len"
        printf '{"state_dir": "%s", "work_root": "%s/work", "name_prefix": "%s"}\n' \
            "$sd" "$bad" "$RB_PREFIX" >"$bad/config.json"
        rb_exec timeout "$(tscale 20)" "$RUSTBOX" --config "$bad/config.json" health --quarantine --reason long-state-dir
        expect_status 64
        expect_err_line "state_dir.*$len bytes.*at most"
        [[ -z "$out" ]] || fail "stdout not empty"
        [[ "$(ls -A "$bad")" == config.json ]] || fail "created: $(ls -A "$bad")"
    done
}

@test "--dry-run says which box uid and gid range is in use" {
    rb --dry-run run -- /bin/true
    expect_status 0
    expect_jq \
        .box_ids.num_boxes 100000 \
        .box_ids.first_uid "$RB_FIRST_UID" \
        .box_ids.last_uid "$((RB_FIRST_UID + 99999))" \
        .box_ids.first_gid "$RB_FIRST_UID" \
        .box_ids.last_gid "$((RB_FIRST_UID + 99999))"
}

# A process of nobody's, started by the test; killed by the test's end
# whatever happens.
NOBODY_PID_FILE=
teardown() {
    local pid
    if [[ -n "$NOBODY_PID_FILE" && -s "$NOBODY_PID_FILE" ]]; then
        pid=$(<"$NOBODY_PID_FILE")
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}

# shellcheck disable=SC2154 # $err is set by rb (common.bash)
@test "a box uid range holding 65534 is refused: exit 64 naming first_uid and num_boxes, nobody's processes live" {
    backend_independent
    # Box 4 of this range runs as 65534 (nobody): cleanup and health treat
    # every process of a box uid as the box's, and once killed an innocent
    # sleep of nobody's as an orphan.
    local u="$T/u65534" pid before after got="" errs=""
    mkdir -p "$u"
    printf '{"state_dir": "%s/state", "work_root": "%s/work", "name_prefix": "%s", "first_uid": 65530, "first_gid": 65530, "num_boxes": 10}\n' \
        "$u" "$u" "$RB_PREFIX" >"$u/config.json"
    NOBODY_PID_FILE="$u/nobody.pid"
    setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60 &
    pid=$!
    echo "$pid" >"$NOBODY_PID_FILE"
    wait_for_uid "$pid" 65534 || fail "setpriv did not become nobody"
    before=$(host_snapshot)

    # every command that could sweep the range, then what became of the sleep
    rb --config "$u/config.json" health --check
    got+="check:$status " errs+="$err"$'\n'
    rb --config "$u/config.json" health --recover
    got+="recover:$status " errs+="$err"$'\n'
    rb --config "$u/config.json" run -- /bin/true
    got+="run:$status " errs+="$err"$'\n'
    [[ -z "$out" ]] || fail "run printed a result"
    rb --config "$u/config.json" init --box-id 4
    got+="init:$status " errs+="$err"$'\n'
    # isolate's syntax reports it with status 2
    RUSTBOX_CONFIG="$u/config.json" iso --cg --run --box-id=4 -- /bin/true
    got+="isolate:$status " errs+="$err"$'\n'

    runs_as "$pid" 65534 || fail "nobody's sleep ($pid) was killed; exit statuses: $got"
    [[ "$got" == "check:64 recover:64 run:64 init:64 isolate:2 " ]] || fail "exit statuses: $got"
    [[ "$(grep -c 'keys "first_uid" and "num_boxes": box uids 65530..65539 include 65534' <<<"$errs")" == 5 ]] ||
        fail "not one line naming first_uid, num_boxes and 65534 each: $errs"
    after=$(host_snapshot)
    [[ "$before" == "$after" ]] || fail "host changed: before=[$before] after=[$after]"
    [[ ! -e "$u/state" && ! -e "$u/work" ]] || fail "created: $(ls "$u")"
}

@test "a meta path into a box's directory is refused: a symlink the box planted is not followed" {
    local wd="$T/work/$RB_PREFIX-520/root/box" target="$T/root-only" sum
    printf 'root only\n' >"$target"
    chmod 0600 "$target"
    sum=$(sha256sum <"$target")
    rb_init 520
    # the box plants /box/meta -> a root-only file outside
    rb run --box-id 520 --code "ln -s '$target' /box/meta"
    expect_verdict OK
    # (should the work dir lose its symlinks after a run, the writer must still
    # not follow one: plant it as the box could while the judge waits)
    [[ -L "$wd/meta" ]] || ln -s "$target" "$wd/meta"

    rb run --box-id 520 --meta "$wd/meta" -- /bin/true
    [[ "$(sha256sum <"$target")" == "$sum" ]] || fail "the meta write went through the box's symlink: $(cat "$target")"
    expect_status_in 64 2
    expect_err_line "$wd/meta"
    # isolate's -M, status 2
    iso --run --box-id=520 -M "$wd/meta" -- /bin/true
    [[ "$(sha256sum <"$target")" == "$sum" ]] || fail "isolate's -M went through the box's symlink: $(cat "$target")"
    expect_status 2
    expect_err_line "$wd/meta"
    # a symlink outside the box is not followed either
    ln -s "$target" "$T/meta-link"
    rb run --box-id 520 --meta "$T/meta-link" -- /bin/true
    [[ "$(sha256sum <"$target")" == "$sum" ]] || fail "the meta write followed $T/meta-link: $(cat "$target")"
    expect_status_in 64 2
    expect_err_line "$T/meta-link"
    [[ "$(stat -c %a "$target")" == 600 ]] || fail "the target's mode changed"

    # a plain path outside still gets its meta file, replacing an old one
    echo stale >"$T/meta"
    rb run --box-id 520 --meta "$T/meta" -- /bin/true
    expect_verdict OK
    grep -q '^exitcode:0$' "$T/meta" || fail "meta file: $(cat "$T/meta")"
    ! grep -q stale "$T/meta" || fail "the old meta file was not replaced"
    [[ -z "$(find "$T" -maxdepth 1 -name '.meta.*')" ]] || fail "a temp file was left: $(ls -A "$T")"
    rb cleanup --box-id 520
    expect_status 0
}

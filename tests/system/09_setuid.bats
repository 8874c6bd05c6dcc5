#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A set-uid install (SPEC §3; README "Set-uid install"), as isolate is often
# installed for an unprivileged judge user: such a caller cannot choose the
# config, and every host path it names (--dir sources, --meta) is used with
# its own rights.
#
# The binary under test is a set-uid root copy of RUSTBOX_SETUID (make
# setuid-bin: built with a config path of its own beside it, so that a
# set-uid rustbox never reads a real installation's), run as CALLER, a uid
# outside every box range of the suites. Persistent boxes: 900-999.

load common

CALLER=2999990

setup_file() {
    rb_setup_file su 900
    [[ -n "${RUSTBOX_SETUID:-}" ]] || return 0
    # The config path built into the copy (make setuid-bin), below /run.
    SUID_CONFIG=$(<"$(dirname "$RUSTBOX_SETUID")/config-path")
    install -d -m 0755 -o root -g root "$(dirname "$SUID_CONFIG")"
    cp "$T/config.json" "$SUID_CONFIG"
    mkdir -p "$T/suid"
    cp "$RUSTBOX_SETUID" "$T/suid/rustbox"
    ln -s rustbox "$T/suid/isolate"
    chown root:root "$T/suid/rustbox"
    chmod 4755 "$T/suid/rustbox"
    # A root-only directory hiding a world-readable one: the caller cannot
    # reach it, a box's bind would.
    mkdir -p "$T/private/sub" "$T/pub" "$T/rootonly" "$T/caller"
    echo SECRET-CONTENT >"$T/private/sub/f"
    chmod 0644 "$T/private/sub/f"
    chmod 0755 "$T/private/sub"
    chmod 0700 "$T/private"
    echo PUBLIC-CONTENT >"$T/pub/f"
    ln -s "$T/private/sub" "$T/link-to-private"
    chmod 0755 "$T/rootonly"
    chown "$CALLER:$CALLER" "$T/caller"
    export SUID_CONFIG
}

teardown_file() {
    if [[ -n "${SUID_CONFIG:-}" ]]; then
        rm -f "$SUID_CONFIG"
        rmdir "$(dirname "$SUID_CONFIG")" 2>/dev/null || true
    fi
    rb_teardown_file
}

setup() {
    [[ -n "${RUSTBOX_SETUID:-}" ]] || fail "RUSTBOX_SETUID is not set: build it with make setuid-bin (make system and the kernel matrix set it)"
    if findmnt -n -o OPTIONS -T "$T/suid" | grep -qw nosuid; then
        fail "$T is on a nosuid filesystem: the set-uid copy cannot be tested there"
    fi
}

# caller ARGS...: the set-uid copy run by CALLER, no supplementary group.
caller() {
    rb_exec setpriv --reuid="$CALLER" --regid="$CALLER" --clear-groups "$T/suid/rustbox" "$@"
}

caller_iso() {
    rb_exec setpriv --reuid="$CALLER" --regid="$CALLER" --clear-groups "$T/suid/isolate" "$@"
}

@test "set-uid: the copy runs as root for the caller, with the built-in config (RUSTBOX_CONFIG ignored)" {
    echo '{"work_root": "/nonexistent-rbsu"}' >"$T/evil-env.json"
    RUSTBOX_CONFIG="$T/evil-env.json" caller run -- /bin/cat /proc/self/status
    expect_verdict OK
    # The box ran as a box uid of the built-in config's range, not the caller's.
    local uid
    uid=$(jq -r .stdout <<<"$out" | awk '/^Uid:/ { print $2 }')
    ((uid >= RB_FIRST_UID && uid < RB_FIRST_UID + 100000)) || fail "box uid $uid"
}

@test "set-uid: --config from an unprivileged caller is refused, exit 64, nothing done" {
    cat >"$T/evil.json" <<EOF
{"state_dir": "$T/evil-state", "work_root": "$T/evil-work", "name_prefix": "${RB_PREFIX}e", "num_boxes": 10,
 "first_uid": 2999000, "first_gid": 2999000}
EOF
    local before after
    before=$(host_snapshot)
    caller --config "$T/evil.json" run -- /bin/echo ran
    after=$(host_snapshot)
    expect_status 64
    expect_err_line "--config.*refused"
    [[ -z "$out" ]] || fail "stdout not empty"
    [[ ! -e "$T/evil-state" && ! -e "$T/evil-work" ]] || fail "the caller's config was used"
    [[ "$before" == "$after" ]] || fail "host changed: before=[$before] after=[$after]"
    # isolate's syntax: refused too, with isolate's status for bad usage.
    caller_iso --config="$T/evil.json" --box-id=901 --init
    expect_status 2
    expect_err_line "--config.*refused"
    [[ ! -e "$T/evil-state" && ! -e "$T/evil-work" ]] || fail "the caller's config was used (isolate syntax)"
    # A meta file named gets status:XX, written as the caller: no judge
    # reads the refusal as a run.
    caller_iso --config="$T/evil.json" --box-id=901 -M "$T/caller/refused.meta" --run -- /bin/true
    expect_status 2
    grep -qx 'status:XX' "$T/caller/refused.meta" || fail "meta: $(cat "$T/caller/refused.meta" 2>&1)"
    [[ "$(stat -c %u "$T/caller/refused.meta")" == "$CALLER" ]] || fail "the meta file is not the caller's"
    [[ ! -e "$T/evil-state" && ! -e "$T/evil-work" ]] || fail "the caller's config was used (meta)"
}

@test "set-uid: a --dir source the caller cannot read is refused: Permission denied, nothing of it shown" {
    caller run --dir "/x=$T/private/sub" -- /bin/cat /x/f
    expect_verdict IE
    [[ "$out" != *SECRET-CONTENT* ]] || fail "the box read a file the caller cannot"
    expect_true '.reason | contains("'"$T"'/private/sub: Permission denied")'
    # A file bind, and isolate's syntax (Judge0's).
    caller run --dir "/x=$T/private/sub/f" -- /bin/cat /x
    expect_verdict IE
    [[ "$out" != *SECRET-CONTENT* ]] || fail "the box read a file the caller cannot (file bind)"
    expect_true '.reason | contains("Permission denied")'
    # Through a symlink the caller can read: followed with its rights.
    caller run --dir "/x=$T/link-to-private" -- /bin/cat /x/f
    expect_verdict IE
    [[ "$out" != *SECRET-CONTENT* ]] || fail "the box read a file the caller cannot (through a symlink)"
    expect_true '.reason | contains("Permission denied")'
    echo 901 >>"$T/persistent_ids"
    caller_iso --box-id=901 --init
    expect_status 0
    caller_iso --box-id=901 --dir="/x=$T/private/sub" --run -- /bin/cat /x/f
    [[ "$status" != 0 ]] || fail "isolate syntax: the run succeeded"
    [[ "$out$err" != *SECRET-CONTENT* ]] || fail "isolate syntax: the box read a file the caller cannot"
    [[ "$err" == "Cannot mount $T/private/sub on x: Permission denied" ]] || fail "isolate syntax: not isolate's Permission denied"
    caller_iso --box-id=901 --cleanup
    expect_status 0
}

@test "set-uid: a --dir source the caller can read is bound" {
    caller run --dir "/x=$T/pub" -- /bin/cat /x/f
    expect_verdict OK
    expect_jq .stdout PUBLIC-CONTENT
    caller run --dir "/x=$T/pub/f" -- /bin/cat /x
    expect_verdict OK
    expect_jq .stdout PUBLIC-CONTENT
}

@test "set-uid: --meta is written with the caller's rights, owned by the caller" {
    caller run --meta "$T/rootonly/meta" -- /bin/true
    [[ "$status" != 0 ]] || fail "meta into a directory the caller cannot write was accepted"
    [[ ! -e "$T/rootonly/meta" ]] || fail "root wrote the meta file for the caller"
    caller run --meta "$T/caller/meta" -- /bin/true
    expect_verdict OK
    [[ "$(stat -c %u:%g "$T/caller/meta")" == "$CALLER:$CALLER" ]] || fail "meta owned by $(stat -c %u:%g "$T/caller/meta")"
    grep -q '^status:\|^time:' "$T/caller/meta" || fail "meta file: $(cat "$T/caller/meta")"
}

@test "set-uid: a hard link the caller puts in box/ to a root-owned file it may write is never given away" {
    # box/ of an isolate-syntax box is on the disk: the caller can link
    # files of the same filesystem into it. Run and hand-back chown box/'s
    # tree (to the box user, then to the caller), never such a file.
    echo 902 >>"$T/persistent_ids"
    caller_iso --box-id=902 --init
    expect_status 0
    local D=$out
    echo shared >"$T/rootonly/shared"
    chmod 0666 "$T/rootonly/shared"
    setpriv --reuid="$CALLER" --regid="$CALLER" --clear-groups ln "$T/rootonly/shared" "$D/box/link" ||
        fail "setup: the caller cannot link the file"
    caller_iso --box-id=902 -M "$T/caller/hl.meta" --run -- /usr/bin/stat -c %u /box/link
    expect_status 0
    [[ "$out" == 0 ]] || fail "during the run the linked file was owned by uid $out"
    [[ "$(stat -c '%u %a' "$T/rootonly/shared")" == "0 666" ]] ||
        fail "the root-owned file was given away: $(stat -c '%u %a' "$T/rootonly/shared")"
    caller_iso --box-id=902 --cleanup
    expect_status 0
    [[ "$(cat "$T/rootonly/shared")" == shared ]] || fail "cleanup changed the linked file"
}

@test "set-uid: --as-uid/--as-gid from an unprivileged caller is refused, exit 2: it cannot act for root or another user" {
    echo 903 >>"$T/persistent_ids"
    caller_iso --box-id=903 --as-uid=0 --as-gid=0 --init
    expect_status 2
    [[ "$err" == *"--as-uid and --as-gid are allowed only to root"* ]] || fail "stderr: $err"
    caller_iso --box-id=903 --as-uid=0 --as-gid=0 --dir="/x=$T/private/sub" --run -- /bin/cat /x/f
    expect_status 2
    [[ "$out$err" != *SECRET-CONTENT* ]] || fail "the caller read root's file as root"
}

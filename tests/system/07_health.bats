#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Cleanup outcomes, worker health, quarantine, recovery, baseline and audit
# (SPEC §5), produced for real on this host.

load common

setup_file() {
    rb_setup_file hl 700
    # Failures wait out cleanup_timeout_s; keep them short, but long enough
    # for a killed process to be gone in an emulated guest.
    jq --argjson t "$(tscale 1)" '. + {"cleanup_timeout_s": $t}' "$T/config.json" >"$T/config.tmp" &&
        mv "$T/config.tmp" "$T/config.json"
    export HOLDERS="$T/holders"
    : >"$HOLDERS"
}

teardown_file() {
    local pid
    thaw_all
    for pid in $(cat "$HOLDERS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    sleep 0.2
    "$RUSTBOX" health --recover --cleanup >/dev/null 2>&1 || true
    rb_teardown_file
}

health_field() {
    "$RUSTBOX" health 2>/dev/null | jq -r "$1"
}

# kill_keeper_mid_run: a one-shot run (box 0) whose rustbox is killed with
# SIGKILL while its program runs, leaving the box behind, never released.
kill_keeper_mid_run() {
    local runner
    "$RUSTBOX" run --wall-time "$(tscale 30)" --code 'sleep 600' >/dev/null 2>&1 &
    runner=$!
    # A one-shot box has nothing on the host to wait for: its program is.
    wait_box_running 0 || fail "the one-shot run's program never started"
    kill -9 "$runner"
    wait "$runner" 2>/dev/null || true
    echo 0 >>"$T/box_ids"
}

@test "a clean run: cleanup success, worker healthy, failure count 0" {
    rb run --code 'echo ok'
    expect_verdict OK
    expect_jq \
        .cleanup.outcome success \
        '.cleanup.errors | length' 0
    rb health
    expect_status 0
    expect_jq \
        .status healthy \
        .can_accept_submissions true \
        .failed_cleanup_count 0 \
        .backend_selection.pidfd_mode native
}

cwd_is() {
    [[ "$(readlink "/proc/$1/cwd")" == "$(realpath "$2")" ]]
}

@test "partial: a host process keeps the box mount busy; only the lazy unmount frees it" {
    local holder
    rb_init 701
    (cd "$T/work/${RB_PREFIX}-701/root/box" && exec sleep 30) &
    holder=$!
    echo "$holder" >>"$HOLDERS"
    poll "$(tscale 100)" 0.05 cwd_is "$holder" "$T/work/${RB_PREFIX}-701/root/box" ||
        fail "the holder never entered the box"
    rb cleanup --box-id 701
    kill "$holder" 2>/dev/null || true
    expect_status 0
    expect_one_json
    expect_jq .cleanup.outcome partial
    ! grep -qF "${RB_PREFIX}-701" /proc/self/mountinfo || fail "the box mount is still in the mount table"
    [[ ! -e "$T/work/${RB_PREFIX}-701" ]] || fail "the box dir is still there"
    rb health
    expect_jq \
        .status healthy \
        .failed_cleanup_count 0
}

@test "failure x3: IE and exit 2 each time, then quarantine; runs refused with 75; recovery lifts it" {
    local cg before after i
    rb_init 702
    "$RUSTBOX" run --box-id 702 --wall-time "$(tscale 20)" --code "$UNTIL_RELEASED" >"$T/first.json" 2>/dev/null &
    local runner=$!
    cg=$(wait_box_cgroup 702) || fail "box 702's cgroup never appeared"
    hold_box_cgroup 702
    release_box 702
    wait "$runner" && status=0 || status=$?
    out=$(cat "$T/first.json")
    expect_verdict IE
    expect_jq .cleanup.outcome failure
    expect_true \
        '.reason | startswith("cleanup_failed")' \
        '[.cleanup.errors[] | select(startswith("cgroup_removal_failed"))] | length == 1'
    [[ "$(health_field .failed_cleanup_count)" == 1 ]] || fail "failed_cleanup_count is not 1"
    [[ "$(health_field .status)" == unhealthy ]] || fail "one failure must leave the worker unhealthy"
    [[ "$(health_field .last_cleanup_error)" == "cgroup_removal_failed: $cg:"* ]] ||
        fail "last_cleanup_error does not name the kind and the cgroup: $(health_field .last_cleanup_error)"

    # The group still cannot go: every further run of the box fails its cleanup.
    for i in 2 3; do
        rb run --box-id 702 --code 'true'
        expect_status 2
        expect_jq \
            .verdict IE \
            .cleanup.outcome failure
        [[ "$(health_field .failed_cleanup_count)" == "$i" ]] || fail "failed_cleanup_count is not $i"
    done
    rb health
    expect_status 1
    expect_jq \
        .status quarantined \
        .quarantine_reason cleanup_failure \
        .can_accept_submissions false

    before=$(host_snapshot)
    rb run --code 'echo never'
    expect_status 75
    expect_err_line 'quarantined'
    [[ -z "$out" ]] || fail "a refused run printed a result"
    after=$(host_snapshot)
    [[ "$before" == "$after" ]] || fail "a refused run changed the host: $(diff <(echo "$before") <(echo "$after"))"
    rb init --box-id 703
    expect_status 75

    # The cause goes away; recovery proves the host clean and lifts the quarantine.
    thaw_all
    rb health --recover
    expect_status 0
    expect_jq \
        .clean true \
        .status healthy
    rb health --verify-clean
    expect_status 0
    expect_jq .clean true
    jq -e '[.[] | select(.to == "quarantined" and .reason == "cleanup_failure")] | length >= 1' \
        "$T/state/health/quarantine-history.json" >/dev/null || fail "history lacks the quarantine"
    jq -e '[.[] | select(.from == "quarantined" and .to == "healthy" and .actor == "recover")] | length >= 1' \
        "$T/state/health/quarantine-history.json" >/dev/null || fail "history lacks the recovery"
    jq -e 'all(.[]; has("time") and has("from") and has("to") and has("reason") and has("actor"))' \
        "$T/state/health/quarantine-history.json" >/dev/null || fail "a history entry lacks a field"
    rb run --code 'echo back'
    expect_verdict OK
}

@test "kill -9 of a running rustbox run: check reports the stale box, recover removes it, baseline equal" {
    rb baseline capture --output "$T/baseline.json"
    expect_status 0
    kill_keeper_mid_run
    rb health --check
    expect_status 1
    expect_jq .status unhealthy
    expect_true '.unhealthy_reasons | index("stale_box") != null'
    rb baseline diff "$T/baseline.json"
    expect_status 1
    # The box's mounts went with its namespace (the proxy dies with its
    # supervisor); its cgroups stay for recovery.
    expect_true '.added.cgroups | length >= 1' '.added.mounts | length == 0'
    rb audit
    expect_status 1
    expect_true '[.boxes[] | select(.box_id == 0 and .state == "dead")] | length == 1'
    rb health --recover
    expect_status 0
    expect_jq .clean true
    rb baseline diff "$T/baseline.json"
    expect_status 0
    expect_jq .equal true
    rb health --check
    expect_status 0
    expect_jq .status healthy
}

@test "an orphan of a released box quarantines; recover does not lift it; unquarantine does once clean" {
    local uid orphan
    rb_init 704
    rb cleanup --box-id 704
    expect_status 0
    uid=$(box_uid 704)
    setpriv --reuid="$uid" --regid="$uid" --clear-groups sleep 300 &
    orphan=$!
    echo "$orphan" >>"$HOLDERS"
    wait_for_uid "$orphan" "$uid" || fail "the orphan never took uid $uid"
    rb health --check
    expect_status 1
    expect_jq \
        .status quarantined \
        .quarantine_reason orphan_process_detected
    rb health --unquarantine
    expect_status 1
    expect_err_line 'not clean'
    rb health --recover
    expect_status 1
    expect_jq \
        .status quarantined \
        .quarantine_reason orphan_process_detected
    ps -p "$orphan" >/dev/null && fail "recover left the orphan alive"
    rb health --unquarantine --reason 'orphan gone, checked'
    expect_status 0
    expect_jq .status healthy
    jq -e '.[-1] | .actor == "operator" and .reason == "orphan gone, checked"' \
        "$T/state/health/quarantine-history.json" >/dev/null || fail "the lift is not in the history"
}

@test "manual quarantine and unquarantine, with the operator's reason" {
    rb health --quarantine --reason 'kernel upgrade'
    expect_status 0
    expect_jq \
        .status quarantined \
        .quarantine_reason 'kernel upgrade'
    rb run --code true
    expect_status 75
    rb health --recover
    expect_jq .status quarantined
    rb health --unquarantine
    expect_status 0
    expect_jq .status healthy
}

@test "unquarantine proves the host clean, so a stale box flagged before is over: healthy" {
    kill_keeper_mid_run
    rb health --check
    expect_jq .status unhealthy
    expect_true '.unhealthy_reasons == ["stale_box"]'
    rb health --quarantine --reason 'looking at box 0'
    expect_status 0
    rb cleanup --box-id 0
    expect_status 0
    rb health --unquarantine --reason 'box 0 cleaned by hand'
    expect_status 0
    expect_jq .status healthy
    expect_true '.unhealthy_reasons == []'
    jq -e '.[-1] | .from == "quarantined" and .to == "healthy" and .actor == "operator"' \
        "$T/state/health/quarantine-history.json" >/dev/null || fail "the lift is not one step to healthy"
}

@test "a truncated state file: quarantined with the file named, runs refused, recover rebuilds" {
    local f="$T/state/health/state.json"
    rb health --quarantine --reason x
    rb health --unquarantine
    head -c 15 "$f" >"$f.cut" && mv "$f.cut" "$f"
    rb health
    expect_status 1
    expect_jq \
        .status quarantined \
        .can_accept_submissions false
    expect_true ".state_error | contains(\"$f\")"
    grep -qF "$f" <<<"$err" || fail "stderr does not name the state file"
    rb run --code true
    expect_status 75
    grep -qF "$f" <<<"$err" || fail "the refusal does not name the state file"
    rb health --recover
    expect_status 0
    expect_jq .status healthy
    jq -e . "$f" >/dev/null || fail "the rebuilt state is not JSON"
    rb run --code 'echo ok'
    expect_verdict OK
}

@test "concurrent runs and health writers never corrupt the state" {
    backend_independent
    local pids=() i f="$T/state/health/state.json"
    for i in $(seq 6); do
        ( for _ in $(seq 5); do "$RUSTBOX" run --code true >/dev/null 2>&1; done ) &
        pids+=($!)
    done
    for i in $(seq 3); do
        ( for _ in $(seq 8); do
              "$RUSTBOX" health --check >/dev/null 2>&1
              "$RUSTBOX" health --quarantine --reason "hammer $i" >/dev/null 2>&1
              "$RUSTBOX" health --unquarantine >/dev/null 2>&1
          done ) &
        pids+=($!)
    done
    for i in $(seq 20); do
        [[ ! -e "$f" ]] || jq -e .status "$f" >/dev/null || fail "state file unreadable mid-hammer"
        sleep 0.05
    done
    wait "${pids[@]}" || true
    jq -e '.status' "$f" >/dev/null || fail "state file corrupt after the hammer"
    jq -e 'type == "array"' "$T/state/health/quarantine-history.json" >/dev/null || fail "history corrupt"
    ! ls "$T/state/health/" | grep -q '\.tmp' || fail "temp files left in the state dir"
    rb health --unquarantine
    rb health --verify-clean
    expect_status 0
}

@test "baseline diff of a missing or foreign file is a usage error" {
    rb baseline diff "$T/nope.json"
    expect_status 64
    expect_err_line 'nope.json'
    echo '{"x": 1}' >"$T/foreign.json"
    rb baseline diff "$T/foreign.json"
    expect_status 64
    expect_err_line 'foreign.json'
}

@test "audit: live boxes, leftovers, failures and the quarantine history summary" {
    rb_init 705
    rb audit
    expect_status 0
    expect_jq .schema rustbox.audit/1
    expect_true '[.boxes[] | select(.box_id == 705 and .state == "idle")] | length == 1'
    expect_jq .leftovers.clean true
    expect_true \
        '.quarantine_history.quarantines >= 1' \
        '.quarantine_history.reasons | has("cleanup_failure")' \
        '.quarantine_history.recoveries >= 1' \
        '.quarantine_history.mean_time_to_recovery_s != null'
    rb cleanup --box-id 705
    expect_jq .cleanup.outcome success
}

@test "SIGTERM to rustbox during a run: the box is ended and cleaned, IE names the signal" {
    local runner
    "$RUSTBOX" run --wall-time 20 --code 'sleep 30' >"$T/term.json" 2>"$T/term.err" &
    runner=$!
    # A one-shot box has nothing on the host to wait for: its program is.
    wait_box_running 0 || fail "the one-shot run's program never started"
    kill -TERM "$runner"
    wait "$runner" && status=0 || status=$?
    out=$(cat "$T/term.json")
    echo 0 >>"$T/box_ids"
    expect_verdict IE
    expect_true '.reason | test("interrupted by Terminated")'
    expect_jq .cleanup.outcome success
    rb health --verify-clean
    expect_status 0
}

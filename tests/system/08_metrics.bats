#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Metrics, the textfile, `rustbox serve` and the events behind them (SPEC §6),
# driven for real on this host. Persistent boxes of this file: 800-899.

load common

setup_file() {
    rb_setup_file mt 800
    # Failures wait out cleanup_timeout_s: keep them short (scaled, as in
    # 07_health). The textfile dir is where health --check refreshes rustbox.prom.
    mkdir -p "$T/textfile"
    jq --arg tf "$T/textfile" --argjson t "$(tscale 1)" \
        '. + {"cleanup_timeout_s": $t, "metrics": {"textfile_dir": $tf}}' "$T/config.json" \
        >"$T/config.tmp" && mv "$T/config.tmp" "$T/config.json"
    export HOLDERS="$T/holders"
    : >"$HOLDERS"
}

teardown_file() {
    local pid
    for pid in $(cat "$T/servers" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    thaw_all
    for pid in $(cat "$HOLDERS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    sleep 0.2
    "$RUSTBOX" health --recover --cleanup >/dev/null 2>&1 || true
    rb_teardown_file
}

PROMTOOL=/usr/bin/promtool

# metric KEY: the value of the sample KEY (name with its labels, exactly as
# exposed) in `rustbox metrics`; empty if absent.
metric() {
    "$RUSTBOX" metrics 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'
}

# expect_metric KEY VALUE
expect_metric() {
    local got
    got=$(metric "$1")
    [[ "$got" == "$2" ]] || fail "$1 is '$got', expected '$2'"
}

# expect_metric_delta KEY BEFORE DELTA: the value moved by exactly DELTA.
expect_metric_delta() {
    local got
    got=$(metric "$1")
    [[ "$got" == "$(($2 + $3))" ]] || fail "$1 is '$got', expected $2 + $3"
}

promtool_clean() {
    local report
    report=$("$PROMTOOL" check metrics <"$1" 2>&1) || fail "promtool check metrics failed on $1: $report"
    [[ -z "$report" ]] || fail "promtool check metrics reports on $1: $report"
}

# ---- serve helpers -------------------------------------------------------------

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server: `rustbox serve` on a free loopback port, in the background;
# sets PORT, SERVER (pid) and URL. Waits until /health answers.
start_server() {
    local i
    PORT=$(free_port)
    URL="http://127.0.0.1:$PORT"
    "$RUSTBOX" serve --listen "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" 3>&- &
    SERVER=$!
    echo "$SERVER" >>"$T/servers"
    for i in $(seq "$(tscale 100)"); do
        curl -s -o /dev/null "$URL/health" && return 0
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.05
    done
    fail "rustbox serve did not come up on port $PORT: $(cat "$T/serve.err")"
}

# code ARGS...: the HTTP status curl gets.
code() {
    curl -s -o /dev/null -w '%{http_code}' "$@"
}

fd_count() {
    ls "/proc/$1/fd" | wc -l
}

fd_count_is() {
    [[ "$(fd_count "$1")" == "$2" ]]
}

# ---- the exposition ---------------------------------------------------------------

@test "promtool is installed (Debian's prometheus package, scripts/install-deps)" {
    [[ -x "$PROMTOOL" ]] || fail "$PROMTOOL missing: run scripts/install-deps"
    "$PROMTOOL" --version >/dev/null 2>&1 || fail "$PROMTOOL does not run"
}

@test "rustbox metrics: exit 0, valid under promtool check metrics" {
    rb metrics
    expect_status 0
    [[ -z "$err" ]] || fail "stderr is not empty"
    printf '%s\n' "$out" >"$T/m.prom"
    promtool_clean "$T/m.prom"
}

@test "every SPEC §6 family is there with its type, help and labels" {
    local f s
    rb run --code true
    expect_verdict OK
    rb metrics
    expect_status 0
    while read -r f s; do
        grep -qxF "# TYPE $f $s" <<<"$out" || fail "no '# TYPE $f $s'"
        grep -q "^# HELP $f " <<<"$out" || fail "no '# HELP $f'"
    done <<'EOF'
rustbox_worker_health gauge
rustbox_worker_quarantined_total counter
rustbox_cleanup_total counter
rustbox_cleanup_duration_seconds histogram
rustbox_cleanup_failure_rate gauge
rustbox_executions_total counter
rustbox_control_degraded_total counter
rustbox_containment_violations_total counter
rustbox_backend_info gauge
EOF
    for s in healthy unhealthy quarantined; do
        grep -qE "^rustbox_worker_health\{status=\"$s\"\} [01]$" <<<"$out" || fail "worker_health{status=$s} missing"
    done
    [[ "$(grep -c '^rustbox_worker_health{' <<<"$out")" == 3 ]] || fail "worker_health is not 3 series"
    [[ "$(grep -E '^rustbox_worker_health\{' <<<"$out" | awk '{ s += $2 } END { print s }')" == 1 ]] ||
        fail "worker_health is not 1 for exactly one status"
    for s in success failure partial; do
        grep -qE "^rustbox_cleanup_total\{outcome=\"$s\"\} [0-9]+$" <<<"$out" || fail "cleanup_total{outcome=$s} missing"
    done
    for s in OK RE SIG TLE MLE OLE SV IE; do
        grep -qE "^rustbox_executions_total\{status=\"$s\"\} [0-9]+$" <<<"$out" || fail "executions_total{status=$s} missing"
    done
    for s in pid_ns mount_ns net_ns ipc_ns uts_ns cgroup seccomp caps_dropped no_new_privs rlimits; do
        grep -qE "^rustbox_control_degraded_total\{control=\"$s\"\} [0-9]+$" <<<"$out" ||
            fail "control_degraded_total{control=$s} missing"
    done
    grep -qE '^rustbox_worker_quarantined_total [0-9]+$' <<<"$out" || fail "worker_quarantined_total missing"
    grep -qE '^rustbox_containment_violations_total [0-9]+$' <<<"$out" || fail "containment_violations_total missing"
    grep -qE '^rustbox_cleanup_failure_rate [0-9.e+-]+$' <<<"$out" || fail "cleanup_failure_rate missing"
    grep -qE '^rustbox_cleanup_duration_seconds_bucket\{le="5"\} [0-9]+$' <<<"$out" || fail "no le=5 bucket"
    grep -qE '^rustbox_cleanup_duration_seconds_bucket\{le="\+Inf"\} [1-9][0-9]*$' <<<"$out" || fail "no +Inf bucket"
    grep -qE '^rustbox_cleanup_duration_seconds_sum [0-9.e+-]+$' <<<"$out" || fail "no _sum"
    grep -qE '^rustbox_cleanup_duration_seconds_count [1-9][0-9]*$' <<<"$out" || fail "no _count"
    grep -qxF "rustbox_backend_info{cgroup_backend=\"$RB_BACKEND\",pidfd_mode=\"native\"} 1" <<<"$out" ||
        fail "backend_info does not name the selected backend $RB_BACKEND"
}

@test "runs move executions_total per verdict, cleanup_total and the histogram (OK, RE, TLE)" {
    local ok re tle succ count
    ok=$(metric 'rustbox_executions_total{status="OK"}')
    re=$(metric 'rustbox_executions_total{status="RE"}')
    tle=$(metric 'rustbox_executions_total{status="TLE"}')
    succ=$(metric 'rustbox_cleanup_total{outcome="success"}')
    count=$(metric rustbox_cleanup_duration_seconds_count)
    rb run -v --code 'echo ok'
    expect_verdict OK
    grep -q 'event=run_finished .*verdict=OK' <<<"$err" || fail "no run_finished event on stderr with -v"
    grep -q 'event=cleanup_finished .*outcome=success' <<<"$err" || fail "no cleanup_finished event"
    rb run --code 'exit 3'
    expect_verdict RE
    rb run --time 0.2 --extra-time 0 --wall-time 5 --dir "$HDIR" -- /opt/h/busyloop
    expect_verdict TLE
    expect_metric_delta 'rustbox_executions_total{status="OK"}' "$ok" 1
    expect_metric_delta 'rustbox_executions_total{status="RE"}' "$re" 1
    expect_metric_delta 'rustbox_executions_total{status="TLE"}' "$tle" 1
    expect_metric_delta 'rustbox_cleanup_total{outcome="success"}' "$succ" 3
    expect_metric_delta rustbox_cleanup_duration_seconds_count "$count" 3
    expect_metric 'rustbox_cleanup_duration_seconds_bucket{le="+Inf"}' "$(metric rustbox_cleanup_duration_seconds_count)"
}

@test "a cleanup failure: cleanup_total{failure}, IE, the failure rate and the unhealthy gauge move" {
    local fail_before ie_before runner cg total
    fail_before=$(metric 'rustbox_cleanup_total{outcome="failure"}')
    ie_before=$(metric 'rustbox_executions_total{status="IE"}')
    rb_init 801
    "$RUSTBOX" run --box-id 801 --wall-time "$(tscale 20)" --code "$UNTIL_RELEASED" >"$T/held.json" 2>"$T/held.err" &
    runner=$!
    cg=$(wait_box_cgroup 801) || fail "box 801's cgroup never appeared"
    hold_box_cgroup 801
    release_box 801
    wait "$runner" && status=0 || status=$?
    out=$(cat "$T/held.json")
    err=$(cat "$T/held.err")
    expect_verdict IE
    expect_jq .cleanup.outcome failure
    grep -q 'event=cleanup_failed .*outcome=failure' <<<"$err" || fail "no cleanup_failed event on stderr"
    expect_metric_delta 'rustbox_cleanup_total{outcome="failure"}' "$fail_before" 1
    expect_metric_delta 'rustbox_executions_total{status="IE"}' "$ie_before" 1
    expect_metric 'rustbox_worker_health{status="unhealthy"}' 1
    expect_metric 'rustbox_worker_health{status="healthy"}' 0
    total=$(metric 'rustbox_cleanup_total{outcome="success"}')
    total=$((total + $(metric 'rustbox_cleanup_total{outcome="partial"}') + fail_before + 1))
    awk -v r="$(metric rustbox_cleanup_failure_rate)" -v want="$((fail_before + 1))/$total" \
        'BEGIN { split(want, w, "/"); d = r - w[1] / w[2]; exit !(d < 1e-6 && d > -1e-6) }' ||
        fail "cleanup_failure_rate $(metric rustbox_cleanup_failure_rate) is not $((fail_before + 1))/$total"

    # The cause goes away; recovery cleans the box: one more cleanup, healthy.
    thaw_all
    rb health --recover
    expect_status 0
    rb health
    expect_jq .status healthy
    expect_metric 'rustbox_worker_health{status="healthy"}' 1
}

@test "an orphan of a released box: containment_violations_total, a quarantine, the events" {
    local uid orphan viol quar
    viol=$(metric rustbox_containment_violations_total)
    quar=$(metric rustbox_worker_quarantined_total)
    rb_init 802
    rb cleanup --box-id 802
    expect_status 0
    uid=$(box_uid 802)
    setpriv --reuid="$uid" --regid="$uid" --clear-groups sleep 300 &
    orphan=$!
    echo "$orphan" >>"$HOLDERS"
    wait_for_uid "$orphan" "$uid" || fail "the orphan never took uid $uid"
    rb health --check
    expect_status 1
    expect_jq .quarantine_reason orphan_process_detected
    grep -q 'event=orphan_detected ' <<<"$err" || fail "no orphan_detected event on stderr"
    grep -q 'event=worker_quarantined .*reason="orphan_process_detected"' <<<"$err" ||
        fail "no worker_quarantined event on stderr"
    expect_metric_delta rustbox_containment_violations_total "$viol" 1
    expect_metric_delta rustbox_worker_quarantined_total "$quar" 1
    expect_metric 'rustbox_worker_health{status="quarantined"}' 1
    rb health --recover
    ps -p "$orphan" >/dev/null && fail "recover left the orphan alive"
    rb health --unquarantine --reason 'orphan gone'
    expect_status 0
    grep -q 'event=worker_unquarantined ' <<<"$err" || fail "no worker_unquarantined event on stderr"
    expect_metric 'rustbox_worker_health{status="healthy"}' 1
}

@test "strays found while init re-creates a box count and quarantine as they do for run" {
    local uid stray viol quar
    viol=$(metric rustbox_containment_violations_total)
    quar=$(metric rustbox_worker_quarantined_total)
    rb_init 803
    uid=$(box_uid 803)
    setpriv --reuid="$uid" --regid="$uid" --clear-groups sleep 300 &
    stray=$!
    echo "$stray" >>"$HOLDERS"
    wait_for_uid "$stray" "$uid" || fail "the stray never took uid $uid"
    rb init --box-id 803
    grep -q 'event=containment_violation .*actor=init' <<<"$err" ||
        fail "no containment_violation event naming init"
    ps -p "$stray" >/dev/null && fail "init left the stray alive"
    expect_metric_delta rustbox_containment_violations_total "$viol" 1
    expect_metric_delta rustbox_worker_quarantined_total "$quar" 1
    rb health
    expect_jq .quarantine_reason orphan_process_detected
    rb health --recover
    rb health --unquarantine --reason 'stray gone'
    expect_status 0
}

@test "a manual quarantine moves the gauge and the counter; unquarantine moves the gauge back" {
    local quar
    quar=$(metric rustbox_worker_quarantined_total)
    rb health --quarantine --reason x
    expect_status 0
    expect_metric 'rustbox_worker_health{status="quarantined"}' 1
    expect_metric 'rustbox_worker_health{status="healthy"}' 0
    expect_metric_delta rustbox_worker_quarantined_total "$quar" 1
    rb health --quarantine --reason again # already quarantined: no transition
    expect_metric_delta rustbox_worker_quarantined_total "$quar" 1
    rb health --unquarantine
    expect_status 0
    expect_metric 'rustbox_worker_health{status="quarantined"}' 0
    expect_metric 'rustbox_worker_health{status="healthy"}' 1
    expect_metric_delta rustbox_worker_quarantined_total "$quar" 1
}

@test "a missing control: strict refuses (IE counted), strict false runs and counts it degraded" {
    local other ie deg
    [[ "$RB_BACKEND" == v1 ]] && other=v2 || other=v1
    ie=$(metric 'rustbox_executions_total{status="IE"}')
    deg=$(metric 'rustbox_control_degraded_total{control="cgroup"}')
    jq --arg b "$other" '. + {"cgroup_backend": $b}' "$T/config.json" >"$T/strict.json"
    jq --arg b "$other" '. + {"cgroup_backend": $b, "strict": false}' "$T/config.json" >"$T/loose.json"
    rb --config "$T/strict.json" run --code true
    expect_status 2
    expect_true '.controls.missing | index("cgroup") != null'
    rb --config "$T/loose.json" run -v --code true
    expect_verdict OK
    expect_true '.controls.missing | index("cgroup") != null'
    grep -q 'event=control_degraded .*controls=cgroup' <<<"$err" || fail "no control_degraded event"
    expect_metric_delta 'rustbox_executions_total{status="IE"}' "$ie" 1
    expect_metric_delta 'rustbox_control_degraded_total{control="cgroup"}' "$deg" 1
    expect_metric 'rustbox_control_degraded_total{control="seccomp"}' 0
}

@test "textfile: health --check refreshes it, metrics --textfile writes it; both parse" {
    local f="$T/textfile/rustbox.prom"
    rm -f "$f"
    rb health --check
    [[ -f "$f" ]] || fail "health --check did not write $f"
    promtool_clean "$f"
    grep -qxF 'rustbox_worker_health{status="healthy"} 1' "$f" || fail "the textfile lacks the health gauge"
    mkdir -p "$T/tf2"
    rb metrics --textfile "$T/tf2"
    expect_status 0
    [[ -f "$T/tf2/rustbox.prom" ]] || fail "metrics --textfile did not write rustbox.prom"
    promtool_clean "$T/tf2/rustbox.prom"
    [[ "$(cat "$T/tf2/rustbox.prom")" == "$out" ]] || fail "the textfile is not what metrics printed"
    [[ "$(stat -c %a "$T/tf2/rustbox.prom")" == 644 ]] || fail "the textfile is not mode 0644"
    [[ "$(ls -A "$T/tf2")" == rustbox.prom ]] || fail "a temp file was left: $(ls -A "$T/tf2")"
    rb metrics --textfile "$T/no-such-dir"
    expect_status 2
    expect_err_line 'no-such-dir/rustbox.prom'
}

@test "a damaged counters file: the run goes on, the file is kept aside, counting restarts" {
    local c="$T/state/metrics/counters"
    [[ -f "$c" ]] || fail "no counters file at $c"
    head -c 100 /dev/urandom >"$T/junk"
    cp "$T/junk" "$c"
    rb run --code true
    expect_verdict OK
    grep -q 'event=metrics_state_damaged' <<<"$err" || fail "the damaged file was not reported"
    cmp -s "$T/junk" "$c.damaged" || fail "the damaged file was not kept aside as $c.damaged"
    expect_metric 'rustbox_executions_total{status="OK"}' 1
    expect_metric 'rustbox_cleanup_total{outcome="success"}' 1
    rb metrics
    printf '%s\n' "$out" >"$T/m2.prom"
    promtool_clean "$T/m2.prom"
}

@test "concurrent runs: every run is counted once" {
    local ok pids=() i
    ok=$(metric 'rustbox_executions_total{status="OK"}')
    for i in $(seq 6); do
        ( for _ in $(seq 4); do "$RUSTBOX" run --code true >/dev/null 2>&1; done ) &
        pids+=($!)
    done
    wait "${pids[@]}"
    expect_metric_delta 'rustbox_executions_total{status="OK"}' "$ok" 24
    [[ ! -e "$T/state/metrics/counters.tmp" ]] || fail "a temp file was left"
}

# ---- serve ----------------------------------------------------------------------------

@test "serve refuses a non-loopback address or a bad one: exit 64, one line" {
    backend_independent
    rb serve --listen "0.0.0.0:$(free_port)"
    expect_status 64
    expect_err_line 'not a loopback address.*allow_remote'
    rb serve --listen "[::]:$(free_port)"
    expect_status 64
    expect_err_line 'loopback'
    rb serve --listen 'judge.example:9090'
    expect_status 64
    expect_err_line 'judge.example:9090'
    jq '. + {"metrics": {"listen": "10.0.0.1:9090"}}' "$T/config.json" >"$T/remote.json"
    rb --config "$T/remote.json" serve
    expect_status 64
    expect_err_line '10.0.0.1:9090.*not a loopback'
}

@test "serve: /metrics parses, /health flips 200 -> 503 on quarantine and back" {
    backend_independent
    start_server
    [[ "$(code "$URL/metrics")" == 200 ]] || fail "/metrics is not 200"
    [[ "$(curl -s -o /dev/null -w '%{content_type}' "$URL/metrics")" == 'text/plain; version=0.0.4'* ]] ||
        fail "/metrics content type is not text/plain; version=0.0.4"
    curl -s "$URL/metrics" >"$T/served.prom"
    promtool_clean "$T/served.prom"
    grep -q '^rustbox_executions_total{status="OK"} ' "$T/served.prom" || fail "served metrics lack executions"
    [[ "$(code "$URL/health")" == 200 ]] || fail "/health is not 200 while healthy"
    out=$(curl -s "$URL/health")
    expect_jq .can_accept_submissions true
    rb health --quarantine --reason 'serve test'
    [[ "$(code "$URL/health")" == 503 ]] || fail "/health is not 503 while quarantined"
    out=$(curl -s "$URL/health")
    expect_jq \
        .status quarantined \
        .quarantine_reason 'serve test'
    curl -s "$URL/metrics" | grep -qxF 'rustbox_worker_health{status="quarantined"} 1' ||
        fail "/metrics does not show the quarantine"
    rb health --unquarantine
    [[ "$(code "$URL/health")" == 200 ]] || fail "/health is not 200 again after unquarantine"
    kill -TERM "$SERVER"
}

@test "serve: 1,000 requests from a second process, no error, flat fd count" {
    backend_independent
    local before after codes i
    start_server
    curl -s -o /dev/null "$URL/metrics"
    before=$(fd_count "$SERVER")
    # One curl process, a new connection per request (Connection: close).
    for i in $(seq 500); do
        printf 'url = "%s"\noutput = "/dev/null"\nurl = "%s"\noutput = "/dev/null"\n' "$URL/metrics" "$URL/health"
    done >"$T/urls"
    curl -s -K "$T/urls" -H 'Connection: close' -w '%{http_code}\n' >"$T/codes" ||
        fail "curl failed"
    codes=$(sort "$T/codes" | uniq -c | awk '{ print $2 ":" $1 }' | tr '\n' ' ')
    [[ "$codes" == "200:1000 " ]] || fail "statuses of 1000 requests: $codes"
    # The server closes the last connections a moment after curl has them.
    poll "$(tscale 20)" 0.05 fd_count_is "$SERVER" "$before" || true
    after=$(fd_count "$SERVER")
    [[ "$after" == "$before" ]] || fail "server fds: $before before, $after after"
    kill -0 "$SERVER" || fail "the server died"
    kill -TERM "$SERVER"
}

@test "serve: wrong method 405, unknown path 404, oversized head 431, a body 413, HEAD 200" {
    backend_independent
    start_server
    [[ "$(code -X POST "$URL/metrics")" == 405 ]] || fail "POST /metrics is not 405"
    [[ "$(code -X DELETE "$URL/health")" == 405 ]] || fail "DELETE /health is not 405"
    curl -s -D - -o /dev/null -X PUT "$URL/metrics" | grep -qi '^Allow: GET, HEAD' || fail "405 without Allow"
    [[ "$(code "$URL/")" == 404 ]] || fail "/ is not 404"
    [[ "$(code "$URL/metrics/x")" == 404 ]] || fail "/metrics/x is not 404"
    [[ "$(code -X POST "$URL/nope")" == 404 ]] || fail "POST /nope is not 404"
    [[ "$(code -H "X-Big: $(head -c 65536 /dev/zero | tr '\0' a)" "$URL/metrics")" == 431 ]] ||
        fail "a 64 KiB header is not 431"
    # A small body arrives whole with the head: the 413 is then certain to be
    # read before the server closes the connection.
    head -c 64 /dev/zero >"$T/body"
    [[ "$(code -X GET --data-binary @"$T/body" "$URL/metrics")" == 413 ]] || fail "a request with a body is not 413"
    [[ "$(code -I "$URL/metrics")" == 200 ]] || fail "HEAD /metrics is not 200"
    [[ "$(code "$URL/metrics")" == 200 ]] || fail "the server no longer answers"
    kill -TERM "$SERVER"
}

@test "serve exits 0 on SIGTERM and on SIGINT, and stops listening" {
    backend_independent
    local sig
    for sig in TERM INT; do
        start_server
        kill -"$sig" "$SERVER"
        wait "$SERVER" && status=0 || status=$?
        [[ "$status" == 0 ]] || fail "serve exited $status on SIG$sig"
        [[ "$(code "$URL/health")" == 000 ]] || fail "still listening after SIG$sig"
        ! grep -qiE 'error|sanitizer|leak' "$T/serve.err" || fail "serve stderr: $(cat "$T/serve.err")"
    done
}

@test "serve: a port in use is an error naming the address" {
    backend_independent
    start_server
    rb_exec timeout 10 "$RUSTBOX" serve --listen "127.0.0.1:$PORT"
    expect_status 2
    expect_err_line "127.0.0.1:$PORT"
    kill -TERM "$SERVER"
}

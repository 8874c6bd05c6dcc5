#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Verdicts and the run result JSON (SPEC §1, §2): OK, RE, SIG, TLE, MLE, OLE.
# Persistent boxes of this file: 100-199.

load common

setup_file() { rb_setup_file vd 100; }
teardown_file() { rb_teardown_file; }

@test "hello: OK with exact stdout and the full result object" {
    rb run --code 'echo hello'
    expect_verdict OK
    # the fields of SPEC §2, exactly; the backend auto selection takes here;
    # the default limits of SPEC §8 (scaled in an emulated guest: common.bash)
    expect_jq '.stdout' hello \
        '[keys[]] | join(",")' \
        box_id,cleanup,controls,cpu_time_s,exit_code,limits,memory_peak_kib,output_truncated,reason,schema,signal,stderr,stdout,timings,verdict,wall_time_s \
        '.controls.cgroup_backend' "$RB_BACKEND" \
        '.cleanup.outcome' success
    expect_true \
        '.stdout == "hello\n"' \
        '.stderr == ""' \
        '.exit_code == 0' \
        '.signal == null' \
        '.reason == null' \
        '.output_truncated == false' \
        '.box_id | type == "number" and . >= 0' \
        ".cpu_time_s | type == \"number\" and . >= 0 and . < $(tscale 1)" \
        ".wall_time_s | type == \"number\" and . > 0 and . < $(tscale 3)" \
        '.memory_peak_kib | type == "number" and . >= 0' \
        ".limits.cpu_time_s == $(tscale 1)" \
        ".limits.wall_time_s == $(tscale 3)" \
        '.limits.memory_kib == 262144' \
        '.controls.missing == []' \
        '.controls.applied | contains(["pid_ns","mount_ns","net_ns","ipc_ns","uts_ns","cgroup","seccomp","caps_dropped","no_new_privs","rlimits"])' \
        '.controls.strict == true' \
        '.cleanup.errors == []' \
        '.cleanup.duration_s | type == "number" and . >= 0'
}

@test "timings: every phase and cleanup step, in microseconds, adding up to no more than the total" {
    rb run --code 'sleep 0.2'
    expect_verdict OK
    expect_jq '[.timings | keys_unsorted[]] | join(",")' \
        config_us,health_check_us,lock_us,root_build_us,cgroup_create_us,clone_exec_us,wait_us,cleanup_us,cleanup_steps,total_us \
        '[.timings.cleanup_steps | keys_unsorted[]] | join(",")' kill_us,unmount_us,cgroups_us,dirs_us,verify_us
    expect_true \
        '[.timings | to_entries[] | select(.key != "cleanup_steps") | .value | type == "number" and . >= 0 and floor == .] | all' \
        '([.timings | to_entries[] | select(.key != "cleanup_steps" and .key != "total_us") | .value] | add) <= .timings.total_us' \
        '([.timings.cleanup_steps[]] | add) <= .timings.cleanup_us' \
        '.timings.wait_us >= 200000' \
        '.timings.clone_exec_us > 0 and .timings.cleanup_us > 0 and .timings.config_us > 0' \
        '.timings.total_us <= 1000000 * (.wall_time_s + 10)'
    # isolate's --verbose carries the same phases on one line
    iso --box-id=160 --init
    expect_status 0
    iso --box-id=160 -v --run -- /bin/true
    expect_status 0
    grep -Eq '^Timings \(us\): config [0-9]+ health_check [0-9]+ .* total [0-9]+$' <<<"$err" || fail "no timings line: $err"
    iso --box-id=160 --cleanup
    expect_status 0
}

@test "a program given after -- runs with its arguments" {
    rb run -- /bin/echo one 'two  three'
    expect_verdict OK
    expect_true '.stdout == "one two  three\n"'
}

@test "stderr is captured apart from stdout" {
    rb run --code 'echo out; echo err >&2'
    expect_verdict OK
    expect_true \
        '.stdout == "out\n"' \
        '.stderr == "err\n"'
}

@test "exit 3: RE with exit_code 3, rustbox exits 1" {
    rb run --code 'exit 3'
    expect_verdict RE
    expect_status 1
    expect_true \
        '.exit_code == 3' \
        '.signal == null'
}

@test "raise(SIGABRT): SIG with signal 6" {
    rb run --dir "$HDIR" -- /opt/h/sigabrt
    expect_verdict SIG
    expect_true \
        '.signal == 6' \
        '.exit_code == null' \
        '.stdout == ""'
}

@test "busy loop past --time 0.5: TLE cpu_time, stopped within 100 ms" {
    rb run --time 0.5 --extra-time 0 --wall-time 5 --dir "$HDIR" -- /opt/h/busyloop
    expect_verdict TLE
    expect_jq .reason cpu_time
    expect_true \
        ".cpu_time_s >= 0.5 and .cpu_time_s < $(slack 0.6)" \
        ".wall_time_s < $(slack 2)" \
        '.exit_code == null' \
        '.limits.cpu_time_s == 0.5'
}

@test "sleep past --wall-time 0.5: TLE wall_time" {
    rb run --wall-time 0.5 -- /bin/sleep 10
    expect_verdict TLE
    expect_jq .reason wall_time
    expect_true \
        ".wall_time_s >= 0.5 and .wall_time_s < $(slack 2)" \
        ".cpu_time_s < $(slack 0.5)" \
        '.limits.wall_time_s == 0.5'
}

@test "256 MiB under --memory 64M: MLE; the same box with --memory 512M: OK" {
    rb_init 110
    # Limits other than memory scaled: emulated, touching 256 MiB takes more
    # than a second of CPU.
    rb run --box-id 110 --memory 64M --time "$(tscale 1)" --wall-time "$(tscale 10)" --dir "$HDIR" -- /opt/h/memtouch 256
    expect_verdict MLE
    expect_true \
        '.box_id == 110' \
        '.limits.memory_kib == 65536' \
        '.memory_peak_kib > 0 and .memory_peak_kib <= 65536 + 1024' \
        '.stdout == ""'

    # The OOM of the first run must not leak into this one.
    rb run --box-id 110 --memory 512M --time "$(tscale 1)" --wall-time "$(tscale 10)" --dir "$HDIR" -- /opt/h/memtouch 256
    expect_verdict OK
    expect_true \
        '.stdout == "touched 256 MiB\n"' \
        '.limits.memory_kib == 524288' \
        '.memory_peak_kib >= 262144'

    # and a small run after it reports its own small peak
    rb run --box-id 110 --memory 512M --code 'true'
    expect_verdict OK
    expect_true '.memory_peak_kib < 262144'

    rb cleanup --box-id 110
    expect_status 0
}

@test "output past --output-limit 1M: OLE, truncated at the limit" {
    rb run --output-limit 1M --dir "$HDIR" -- /opt/h/outbomb 16777216
    expect_verdict OLE
    expect_true \
        '.output_truncated == true' \
        '(.stdout | length) + (.stderr | length) <= 1048576' \
        '(.stdout | length) > 0' \
        '.stdout | test("^x+$")'
}

@test "output under --output-limit is complete and not truncated" {
    rb run --output-limit 1M --dir "$HDIR" -- /opt/h/outbomb 100000
    expect_verdict OK
    expect_true \
        '.output_truncated == false' \
        '(.stdout | length) == 100000'
}

# The supervisor runs as root outside every cgroup: what it keeps of the
# output must not grow with what the program writes. 60 MiB of 0x01 under a
# 128M --output-limit once made it hold the whole output and escape it into a
# 360 MB JSON line (\u0001 per byte) at 840 MiB of resident memory.
# bounded_run MAX_KIB MAX_BYTES RUSTBOX-RUN-ARGS...: runs rustbox under
# peakrss, fails when the supervisor's peak RSS or the result's size is past
# its bound (checked before the JSON is read: unbounded, it would be huge),
# then loads the result into $out for expect_*.
bounded_run() {
    local max_kib=$1 max_bytes=$2 o="$BATS_TEST_TMPDIR/bomb.json" e="$BATS_TEST_TMPDIR/bomb.err"
    local rss="$BATS_TEST_TMPDIR/bomb.rss" size kib
    shift 2
    status=0
    "$HELPERS/peakrss" "$rss" "$RUSTBOX" run "$@" >"$o" 2>"$e" </dev/null || status=$?
    size=$(stat -c %s "$o")
    kib=$(<"$rss")
    echo "supervisor peak RSS ${kib} KiB, result ${size} bytes, exit status $status"
    ((kib < max_kib)) || fail "supervisor peak RSS ${kib} KiB, expected under ${max_kib} KiB"
    ((size < max_bytes)) || fail "result is $size bytes, expected under $max_bytes"
    out=$(<"$o")
    err=$(<"$e")
    jq -r '.box_id' <<<"$out" >>"$T/box_ids" || true
}

@test "60 MiB of control bytes: the supervisor's peak memory and the JSON stay bounded" {
    backend_independent
    # stdout's default capture (1 MiB) escaped six bytes per byte, and the rest
    bounded_run $((64 * 1024)) $((6 * 1048576 + 65536)) --output-limit 128M --wall-time "$(tscale 20)" \
        --time "$(tscale 10)" --dir "$HDIR" -- /opt/h/outbomb 62914560 1
    expect_verdict OK
    expect_true \
        '.output_truncated == true' \
        '(.stdout | length) == 1048576' \
        '.stdout | test("^\u0001+$")' \
        '.stderr == ""' \
        '.limits.output_limit_kib == 131072'

    # both streams at once: each keeps its own 1 MiB (ASan's allocator costs
    # the supervisor about twice the memory of the release build)
    bounded_run $((128 * 1024)) $((12 * 1048576 + 65536)) --output-limit 256M --wall-time "$(tscale 20)" \
        --time "$(tscale 10)" --dir "$HDIR" \
        --code '/opt/h/outbomb 62914560 1 & /opt/h/outbomb 62914560 1 >&2; wait'
    expect_verdict OK
    expect_true \
        '.output_truncated == true' \
        '(.stdout | length) == 1048576' \
        '(.stderr | length) == 1048576' \
        '.stderr | test("^\u0001+$")'
}

@test "every byte counts against --output-limit, past the capture size too" {
    # 1.5 MiB under a 2M limit: OK, the JSON carries the first 1 MiB
    rb run --output-limit 2M --dir "$HDIR" -- /opt/h/outbomb 1572864
    expect_verdict OK
    expect_true \
        '.output_truncated == true' \
        '(.stdout | length) == 1048576'
    # 16 MiB: OLE although only 1 MiB was kept
    rb run --output-limit 2M --dir "$HDIR" -- /opt/h/outbomb 16777216
    expect_verdict OLE
    expect_true \
        '.reason == "output_limit"' \
        '.output_truncated == true' \
        '(.stdout | length) == 1048576'
}

@test "capture_limit bounds each stream; a character cut at the limit is dropped whole" {
    jq '.capture_limit = "4K"' "$T/config.json" >"$T/capture.json"
    # 'a' then 3000 two-byte characters: byte 4096 is the first half of one
    RUSTBOX_CONFIG="$T/capture.json" rb run \
        --code 'printf a; yes é | head -n 3000 | tr -d "\n"; yes e | head -n 5000 >&2'
    expect_verdict OK
    expect_true \
        '.output_truncated == true' \
        '.stdout | startswith("aé")' \
        '(.stdout | length) == 2048' \
        '(.stdout | utf8bytelength) == 4095' \
        '.stdout | test("\ufffd") | not' \
        '(.stderr | length) == 4096'
    # under the limit nothing is cut
    RUSTBOX_CONFIG="$T/capture.json" rb run --code 'printf abc'
    expect_verdict OK
    expect_true '.output_truncated == false' '.stdout == "abc"'
}

@test "a file written past --file-size 1M: OLE" {
    rb run --file-size 1M --dir "$HDIR" -- /opt/h/fsize_write 4194304 big
    expect_verdict OLE
    expect_true '.stdout | test("wrote") | not'
}

@test "a file under --file-size is written whole" {
    rb run --file-size 1M --dir "$HDIR" -- /opt/h/fsize_write 500000 small
    expect_verdict OK
    expect_true '.stdout == "wrote 500000\n"'
}

@test "a program's own SIGXCPU, SIGSYS, SIGXFSZ: SIG, not TLE, SV or OLE" {
    local sig num
    for sig in XCPU:24 SYS:31 XFSZ:25; do
        num=${sig#*:}
        rb run --time 1 --file-size 1M --code "kill -${sig%:*} \$\$"
        expect_verdict SIG
        expect_true ".signal == $num" '.reason == null' '.exit_code == null'
    done
}

@test "SIGXCPU from an RLIMIT_CPU the program lowered itself: SIG" {
    rb run --time "$(tscale 5)" --wall-time "$(tscale 10)" --code 'ulimit -St 1; while :; do :; done'
    expect_verdict SIG
    expect_true '.signal == 24' ".cpu_time_s < $(tscale 5)"
}

@test "--stdin, --stdout and --stderr files of a persistent box" {
    rb_init 120
    local box="$T/work/$RB_PREFIX-120/root/box"
    [[ -d "$box" ]] || fail "no box dir at $box"
    printf 'forty two\n' >"$box/in.txt"
    rb run --box-id 120 --stdin in.txt --stdout out.txt --stderr err.txt \
        --code 'read x; echo "got $x"; echo oops >&2'
    expect_verdict OK
    [[ "$(cat "$box/out.txt")" == "got forty two" ]] || fail "out.txt: $(cat "$box/out.txt")"
    [[ "$(cat "$box/err.txt")" == "oops" ]] || fail "err.txt: $(cat "$box/err.txt")"
    expect_true '.stdout == "" and .stderr == ""'
    rb cleanup --box-id 120
    expect_status 0
}

@test "--stdin and --stdout are opened with the box's privileges, not root's" {
    rb_init 130
    local box="$T/work/$RB_PREFIX-130/root/box"
    echo topsecret >"$box/secret"
    chmod 0600 "$box/secret"
    echo original >"$box/rootfile"
    chmod 0644 "$box/rootfile"

    rb run --box-id 130 --stdin secret -- /bin/cat
    expect_one_json
    expect_true \
        '.verdict != "OK"' \
        '.stdout | contains("topsecret") | not'

    rb run --box-id 130 --stdout rootfile --code 'echo overwritten'
    expect_one_json
    expect_true '.verdict != "OK"'
    [[ "$(cat "$box/rootfile")" == original ]] || fail "rootfile now holds '$(cat "$box/rootfile")'"

    rb cleanup --box-id 130
    expect_status 0
}

@test "stdin is /dev/null without --stdin" {
    rb run --code 'cat; echo end'
    expect_verdict OK
    expect_true '.stdout == "end\n"'
}

@test "--env passes a variable, the rest of the environment is scrubbed" {
    SECRET_FROM_HOST=leak rb run --env FOO=bar --code 'echo "$FOO|${SECRET_FROM_HOST:-}|$PATH"'
    expect_verdict OK
    expect_true \
        '.stdout | startswith("bar||")' \
        '.stdout | test("/usr/bin")'
}

@test "--chdir sets the working directory" {
    rb run --chdir /tmp --code 'pwd'
    expect_verdict OK
    expect_true '.stdout == "/tmp\n"'
}

@test "the working directory is /box by default" {
    rb run --code 'pwd'
    expect_verdict OK
    expect_true '.stdout == "/box\n"'
}

# ---- a limit of 0 (docs/decisions.md) ----------------------------------------

# The most open files the host lets rustbox give a box: fs.nr_open, or, when
# rustbox runs without CAP_SYS_RESOURCE (a container, a unit bounding it),
# the hard limit it inherits from this shell.
max_open_files() {
    local eff
    eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
    if (((16#$eff >> 24) & 1)); then cat /proc/sys/fs/nr_open; else ulimit -Hn; fi
}

@test "--open-files 0: OK, as many open files as the host allows (fs.nr_open)" {
    local max
    max=$(max_open_files)
    rb run --open-files 0 --code 'ulimit -Sn; ulimit -Hn'
    expect_verdict OK
    expect_jq '.stdout' "$max"$'\n'"$max" '.limits.open_files' null
    # more than the host allows: IE naming the most it allows
    rb run --open-files "$((max + 1))" --code true
    expect_verdict IE
    expect_true ".reason | test(\"above the most this host allows, $max \\\\(fs.nr_open\")"
}

@test "--memory 0, --processes 0, --output-limit 0: exit 64, one line, nothing created" {
    backend_independent
    local before spec args name
    before=$(host_snapshot)
    for spec in "--memory 0|--memory" "--cg-mem=0|--cg-mem" "--processes 0|--processes" "-p0|-p" \
        "--output-limit 0|--output-limit"; do
        args=${spec%|*} name=${spec#*|}
        # shellcheck disable=SC2086 # an option and its value
        rb run $args --code true
        expect_status 64
        expect_err_line "^(rustbox: )?$name: 0 (would|is not)"
        [[ -z "$out" ]] || fail "stdout not empty for $args"
    done
    [[ "$(host_snapshot)" == "$before" ]] || fail "created: $(diff <(echo "$before") <(host_snapshot))"
}

@test "isolate syntax: 0 is no limit, --open-files=0 as many as the host allows" {
    local max
    max=$(max_open_files)
    echo 150 >>"$T/persistent_ids"
    iso --box-id=150 --cg --init
    expect_status 0
    iso --box-id=150 --cg --open-files=0 --cg-mem=0 --processes=0 --fsize=0 --stack=0 --run -- \
        /bin/sh -c 'ulimit -Sn; ulimit -Hn; for i in 1 2 3 4; do /bin/true & done; wait; echo done'
    expect_status 0
    [[ "$out" == "$max"$'\n'"$max"$'\n'done ]] || fail "unexpected output"
    iso --box-id=150 --cg --cleanup
    expect_status 0
}

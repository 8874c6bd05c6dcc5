#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# isolate compatibility (SPEC §1): invoked as "isolate" (a symlink) or with
# --init/--run/--cleanup; isolate 1.10's options, meta file and exit codes;
# the flow CMS drives. Boxes of this file: 400-499 (and 65001, a CMS-sized id).

load common

setup_file() { rb_setup_file io 400; }
teardown_file() { rb_teardown_file; }

# meta_parse FILE: parses an isolate meta file the way CMS does (each line
# split at its first ':' into key and value) into the associative array META.
# Fails on a line CMS could not split.
meta_parse() {
    local line
    declare -gA META=()
    [[ -s "$1" ]] || fail "meta file $1 is missing or empty"
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ "$line" == *:* ]] || fail "meta line without ':': '$line'"
        META[${line%%:*}]=${line#*:}
    done <"$1"
    echo "meta:"
    cat "$1"
}

is_float() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }

# iso_init N: isolate --init of box N; sets BOXPATH.
iso_init() {
    echo "$1" >>"$T/persistent_ids"
    iso --box-id="$1" --cg --init
    expect_status 0
    BOXPATH=$out
}

@test "--init prints the box path whose box/ is the working dir; --cleanup removes it" {
    iso_init 400
    [[ "$BOXPATH" == "$T/work/$RB_PREFIX-400" ]] || fail "--init printed '$BOXPATH'"
    [[ -d "$BOXPATH/box" ]] || fail "$BOXPATH/box is not a directory"
    echo marker >"$BOXPATH/box/marker"
    iso --box-id=400 --cg --run -- /bin/cat marker
    expect_status 0
    [[ "$out" == marker ]] || fail "program's stdout is '$out'"
    iso --box-id=400 --cg --cleanup
    expect_status 0
    [[ ! -e "$BOXPATH" ]] || fail "$BOXPATH still exists after --cleanup"
}

@test "rustbox itself with --init/--run/--cleanup behaves as isolate" {
    echo 401 >>"$T/persistent_ids"
    rb --box-id=401 --cg --init
    expect_status 0
    [[ "$out" == "$T/work/$RB_PREFIX-401" ]] || fail "--init printed '$out'"
    rb --box-id=401 --cg --run -- /bin/echo via-rustbox
    expect_status 0
    [[ "$out" == via-rustbox ]] || fail "stdout '$out'"
    rb --box-id=401 --cg --cleanup
    expect_status 0
}

@test "--cleanup and --init of a never-created box exit 0, and repeat cleanly; a second --init is refused as isolate refuses it" {
    iso --box-id=402 --cg --cleanup
    expect_status 0
    iso --box-id=402 --cleanup
    expect_status 0
    iso_init 402
    echo kept >"$BOXPATH/box/marker"
    # isolate 1.10.1 (init-twice-cg): exit 2, its words, the box as it was
    iso --box-id=402 --cg --init
    expect_status 2
    [[ "$err" == "Box already exists, run \`isolate --cg --cleanup' first" ]] || fail "stderr: $err"
    [[ -z "$out" && "$(cat "$BOXPATH/box/marker")" == kept ]] || fail "the box changed: stdout '$out'"
    iso --box-id=402 --cg --cleanup
    expect_status 0
    iso --box-id=402 --cg --cleanup
    expect_status 0
    [[ ! -e "$BOXPATH" ]] || fail "$BOXPATH still exists"
}

@test "meta on OK: time, time-wall, max-rss, cg-mem, exitcode:0, no status" {
    iso_init 410
    iso --box-id=410 --cg -M "$T/ok.meta" --run -- /bin/echo hi
    expect_status 0
    [[ "$out" == hi ]] || fail "stdout '$out'"
    meta_parse "$T/ok.meta"
    is_float "${META[time]:-}" || fail "time: '${META[time]:-}'"
    is_float "${META[time-wall]:-}" || fail "time-wall: '${META[time-wall]:-}'"
    is_int "${META[max-rss]:-}" || fail "max-rss: '${META[max-rss]:-}'"
    is_int "${META[cg-mem]:-}" || fail "cg-mem: '${META[cg-mem]:-}'"
    [[ "${META[exitcode]:-}" == 0 ]] || fail "exitcode: '${META[exitcode]:-}'"
    [[ -z "${META[status]+x}" ]] || fail "status present on OK"
    [[ -z "${META[killed]+x}" ]] || fail "killed present on OK"
    [[ -z "${META[cg-oom-killed]+x}" ]] || fail "cg-oom-killed present on OK"
    iso --box-id=410 --cg --cleanup
    expect_status 0
}

@test "meta on exit 3: status:RE, exitcode:3, isolate exits 1" {
    iso_init 411
    iso --box-id=411 --cg --meta="$T/re.meta" --run -- /bin/sh -c 'exit 3'
    expect_status 1
    meta_parse "$T/re.meta"
    [[ "${META[status]:-}" == RE ]] || fail "status: '${META[status]:-}'"
    [[ "${META[exitcode]:-}" == 3 ]] || fail "exitcode: '${META[exitcode]:-}'"
    is_float "${META[time]:-}" || fail "time: '${META[time]:-}'"
    is_float "${META[time-wall]:-}" || fail "time-wall: '${META[time-wall]:-}'"
    [[ -n "${META[message]:-}" ]] || fail "no message"
    iso --box-id=411 --cg --cleanup
    expect_status 0
}

@test "meta on a signal: status:SG, exitsig:6" {
    iso_init 412
    iso --box-id=412 --cg --dir="$HDIR" -M "$T/sg.meta" --run -- /opt/h/sigabrt
    expect_status 1
    meta_parse "$T/sg.meta"
    [[ "${META[status]:-}" == SG ]] || fail "status: '${META[status]:-}'"
    [[ "${META[exitsig]:-}" == 6 ]] || fail "exitsig: '${META[exitsig]:-}'"
    [[ -z "${META[exitcode]+x}" ]] || fail "exitcode present for a signal"
    iso --box-id=412 --cg --cleanup
    expect_status 0
}

@test "meta on a program's own SIGXCPU, SIGSYS, SIGXFSZ: status:SG, exitsig, not killed" {
    iso_init 416
    local sig num
    for sig in XCPU:24 SYS:31 XFSZ:25; do
        num=${sig#*:}
        iso --box-id=416 --cg --time=1 --fsize=1024 -M "$T/own.meta" --run -- /bin/sh -c "kill -${sig%:*} \$\$"
        expect_status 1
        meta_parse "$T/own.meta"
        [[ "${META[status]:-}" == SG ]] || fail "SIG$sig: status: '${META[status]:-}'"
        [[ "${META[exitsig]:-}" == "$num" ]] || fail "SIG$sig: exitsig: '${META[exitsig]:-}'"
        [[ -z "${META[killed]+x}" ]] || fail "SIG$sig: killed present"
        [[ "${META[message]:-}" == "Caught fatal signal $num" ]] || fail "SIG$sig: message: '${META[message]:-}'"
    done
    iso --box-id=416 --cg --cleanup
    expect_status 0
}

@test "meta on a wall-time timeout: status:TO, message mentions wall" {
    iso_init 413
    iso --box-id=413 --cg --wall-time=0.5 -M "$T/to.meta" --run -- /bin/sleep 5
    expect_status 1
    meta_parse "$T/to.meta"
    [[ "${META[status]:-}" == TO ]] || fail "status: '${META[status]:-}'"
    [[ "${META[message]:-}" == *wall* ]] || fail "message: '${META[message]:-}'"
    [[ "${META[killed]:-}" == 1 ]] || fail "killed: '${META[killed]:-}'"
    is_float "${META[time-wall]:-}" || fail "time-wall: '${META[time-wall]:-}'"
    within "${META[time-wall]}" 0.5 "$(slack 2)" || fail "time-wall ${META[time-wall]}"
    iso --box-id=413 --cg --cleanup
    expect_status 0
}

@test "meta on a CPU timeout: status:TO, time past the limit, message without wall" {
    iso_init 414
    iso --box-id=414 --cg --time=0.3 --extra-time=0 --wall-time=5 --dir="$HDIR" -M "$T/cpu.meta" --run -- /opt/h/busyloop
    expect_status 1
    meta_parse "$T/cpu.meta"
    [[ "${META[status]:-}" == TO ]] || fail "status: '${META[status]:-}'"
    [[ "${META[message]:-}" != *wall* ]] || fail "message: '${META[message]:-}'"
    within "${META[time]}" 0.3 "$(slack 0.4)" || fail "time ${META[time]}"
    iso --box-id=414 --cg --cleanup
    expect_status 0
}

# cpu_timeout BOX ARGS...: a --cg run of ARGS in box BOX whose meta must say
# it was killed for its CPU time; leaves the meta in META.
cpu_timeout() {
    local box=$1
    shift
    iso --box-id="$box" --cg -M "$T/x$box.meta" --dir="$HDIR" "$@"
    expect_status 1
    meta_parse "$T/x$box.meta"
    [[ "${META[status]:-}" == TO && "${META[message]:-}" == "Time limit exceeded" ]] ||
        fail "status '${META[status]:-}', message '${META[message]:-}'"
    [[ "${META[killed]:-}" == 1 ]] || fail "killed: '${META[killed]:-}'"
}

# within T LO HI: LO <= T < HI.
within() { awk -v t="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(t >= lo && t < hi) }'; }

@test "-x: isolate kills once the CPU time is past both -t and -x, not their sum" {
    iso_init 470
    # isolate 1.10.1 stopped these at 1.012-1.020 and 1.025 s (recorded)
    cpu_timeout 470 -t 1 -x 0.5 -w 10 --run -- /opt/h/busyloop
    within "${META[time]}" 1.0 "$(slack 1.3)" || fail "-t 1 -x 0.5 killed at ${META[time]} s"
    cpu_timeout 470 -t 0.3 -x 1 -w 10 --run -- /opt/h/busyloop
    within "${META[time]}" 1.0 "$(slack 1.1)" || fail "-t 0.3 -x 1 killed at ${META[time]} s"
    # under -t, past it within -x: TO after the fact, not killed
    iso --box-id=470 --cg -M "$T/x470.meta" --dir="$HDIR" -t 0.2 -x 1 -w 10 --run -- /opt/h/cpuburn 400
    expect_status 1
    meta_parse "$T/x470.meta"
    [[ "${META[status]:-}" == TO && -z "${META[killed]:-}" ]] || fail "status '${META[status]:-}', killed '${META[killed]:-}'"
    within "${META[time]}" 0.39 "$(slack 0.6)" || fail "time ${META[time]}"
    iso --box-id=470 --cg --cleanup
    expect_status 0
}

@test "rustbox run keeps its own -x: killed past --time plus --extra-time" {
    rb run --time 0.3 --extra-time 0.5 --dir "$HDIR" -- /opt/h/busyloop
    expect_verdict TLE
    expect_true '.reason == "cpu_time"' '.cpu_time_s >= 0.8'
}

@test "--no-cg-timing: only the main process counts; children spinning past -t end by the wall limit" {
    iso_init 471
    # The shell's own CPU time must stay under -t while the child's runs far
    # past it. Emulated, the shell can be charged a host wait (common.bash,
    # slack): -t leaves room for that, and -w for the child to pass -t.
    local t=0.3 w=1.5 wall_max=3
    if emulated; then t=$(slack 0.3) w=3 wall_max=$(slack 6); fi
    iso --box-id=471 --cg -p --no-cg-timing -t "$t" -w "$w" -M "$T/nc.meta" --dir="$HDIR" \
        --run -- /bin/sh -c '/opt/h/busyloop; echo after'
    expect_status 1
    meta_parse "$T/nc.meta"
    [[ "${META[status]:-}" == TO && "${META[message]:-}" == "Time limit exceeded (wall clock)" ]] ||
        fail "status '${META[status]:-}', message '${META[message]:-}'"
    [[ "${META[killed]:-}" == 1 ]] || fail "killed: '${META[killed]:-}'"
    within "${META[time-wall]}" "$w" "$wall_max" || fail "time-wall ${META[time-wall]}"
    iso --box-id=471 --cg --cleanup
    expect_status 0
}

@test "--no-cg-timing: a program whose children use more than -t finishes with its output, TO after the fact" {
    iso_init 472
    # The child burns twice -t; emulated, -t leaves room for a host wait
    # charged to the shell (common.bash, slack).
    local t=0.3 burn=600 counted_min=0.59 counted_max=1.5 killed_by=0.5
    if emulated; then t=$(slack 0.3) burn=2600 counted_min=2.59 counted_max=$(slack 5.5) killed_by=$(slack 1.5); fi
    iso --box-id=472 --cg -p --no-cg-timing -t "$t" -w "$(tscale 10)" -M "$T/nc.meta" --dir="$HDIR" \
        --run -- /bin/sh -c "/opt/h/cpuburn $burn; echo after"
    expect_status 1
    [[ "$out" == after ]] || fail "stdout '$out'"
    meta_parse "$T/nc.meta"
    [[ "${META[status]:-}" == TO && -z "${META[killed]:-}" ]] || fail "status '${META[status]:-}', killed '${META[killed]:-}'"
    within "${META[time]}" "$counted_min" "$counted_max" ||
        fail "time ${META[time]}: the reaped child's CPU time counts at the end"
    # with the cgroup's timing (--cg's default) the same program is killed at -t
    cpu_timeout 472 -p -t "$t" -w "$(tscale 10)" --run -- /bin/sh -c "/opt/h/cpuburn $burn; echo after"
    [[ "$out" != *after* ]] || fail "stdout '$out'"
    within "${META[time]}" "$t" "$killed_by" || fail "killed at ${META[time]} s"
    iso --box-id=472 --cg --cleanup
    expect_status 0
}

@test "--no-cg-timing: a busy main process is killed at -t by its own CPU time" {
    iso_init 473
    cpu_timeout 473 --no-cg-timing -t 0.3 -w 10 --run -- /opt/h/busyloop
    within "${META[time]}" 0.3 "$(slack 0.5)" || fail "killed at ${META[time]} s"
    within "${META[time-wall]}" 0.3 "$(slack 5)" || fail "time-wall ${META[time-wall]}"
    iso --box-id=473 --cg --cleanup
    expect_status 0
}

@test "cg-oom-killed appears only in the run the OOM killer acted in" {
    iso_init 415
    iso --box-id=415 --cg --cg-mem=65536 --wall-time=10 --dir="$HDIR" -M "$T/oom.meta" --run -- /opt/h/memtouch 256
    expect_status 1
    meta_parse "$T/oom.meta"
    [[ "${META[cg-oom-killed]:-}" == 1 ]] || fail "cg-oom-killed: '${META[cg-oom-killed]:-}'"
    [[ "${META[status]:-}" == SG ]] || fail "status: '${META[status]:-}'"
    iso --box-id=415 --cg --cg-mem=524288 --wall-time=10 --dir="$HDIR" -M "$T/oom2.meta" --run -- /opt/h/memtouch 256
    expect_status 0
    meta_parse "$T/oom2.meta"
    [[ -z "${META[cg-oom-killed]+x}" ]] || fail "cg-oom-killed carried over into the next run"
    [[ -z "${META[status]+x}" ]] || fail "status: '${META[status]:-}'"
    [[ "${META[cg-mem]:-0}" -ge 262144 ]] || fail "cg-mem ${META[cg-mem]:-}"
    iso --box-id=415 --cg --cleanup
    expect_status 0
}

@test "the CMS flow, exactly as CMS drives isolate" {
    local id=420
    # CMS issues an idempotent cleanup before its init.
    iso --box-id=$id --cg --cleanup
    expect_status 0
    iso_init $id
    local P=$BOXPATH
    [[ "$P" == "$T/work/$RB_PREFIX-$id" ]] || fail "--init printed '$P'"
    cat >"$P/box/prog.sh" <<'EOF'
read x
echo "got $x"
echo "to stderr" >&2
echo tmpfile > /tmp/t
EOF
    printf '42\n' >"$P/box/input.txt"
    chmod 0644 "$P/box/input.txt" "$P/box/prog.sh"
    : >"$P/box/output.txt"
    : >"$P/box/stderr.txt"
    chmod 0722 "$P/box/output.txt" "$P/box/stderr.txt"
    mkdir -m 0777 "$T/cmstmp"

    iso --cg --box-id=$id --chdir=/box --dir=/tmp="$T/cmstmp":rw --dir=/dev/shm:tmp \
        --env=PATH=/usr/bin:/bin --fsize=10240 --stdin=input.txt --stdout=output.txt \
        --stderr=stderr.txt --stack=65536 --cg-mem=262144 --processes=1000 --time=1 \
        --wall-time=3 --extra-time=0.5 --meta="$T/run.meta" --run -- /bin/sh prog.sh
    expect_status 0
    [[ -z "$out" ]] || fail "isolate printed '$out' on stdout"
    [[ "$(cat "$P/box/output.txt")" == "got 42" ]] || fail "output.txt: '$(cat "$P/box/output.txt")'"
    [[ "$(cat "$P/box/stderr.txt")" == "to stderr" ]] || fail "stderr.txt: '$(cat "$P/box/stderr.txt")'"
    [[ "$(cat "$T/cmstmp/t" 2>&1)" == tmpfile ]] || fail "/tmp was not $T/cmstmp"
    [[ "$(stat -c %u "$T/run.meta")" == 0 ]] || fail "meta file not owned by the caller"

    # CMS: time and time-wall floats, exitcode int, status absent -> OK,
    # cg-mem int KiB.
    meta_parse "$T/run.meta"
    is_float "${META[time]:-}" || fail "time: '${META[time]:-}'"
    is_float "${META[time-wall]:-}" || fail "time-wall: '${META[time-wall]:-}'"
    is_int "${META[exitcode]:-}" || fail "exitcode: '${META[exitcode]:-}'"
    [[ "${META[exitcode]}" == 0 ]] || fail "exitcode ${META[exitcode]}"
    [[ -z "${META[status]+x}" ]] || fail "status '${META[status]}' on a successful run"
    is_int "${META[cg-mem]:-}" || fail "cg-mem: '${META[cg-mem]:-}'"
    within "${META[time]}" 0 "$(slack 1)" && within "${META[time-wall]}" 0 "$(slack 3)" ||
        fail "time ${META[time]} / time-wall ${META[time-wall]}"

    iso --box-id=$id --cg --cleanup
    expect_status 0
    [[ ! -e "$P" ]] || fail "$P still exists after --cleanup"
    ! grep -qF "$P" /proc/self/mountinfo || fail "a mount under $P is left"
}

@test "--stdin/--stdout are opened inside the box after privileges are dropped" {
    iso_init 421
    mkdir -m 0755 "$T/priv421"
    echo topsecret >"$T/priv421/secret"
    chmod 0600 "$T/priv421/secret"
    echo original >"$T/priv421/rootfile"
    chmod 0644 "$T/priv421/rootfile"
    iso --box-id=421 --cg --dir=/priv="$T/priv421":rw --stdin=/priv/secret -M "$T/priv.meta" --run -- /bin/cat
    [[ "$status" != 0 ]] || fail "a root-only stdin file was opened"
    [[ "$out" != *topsecret* ]] || fail "the box read a root-only file"
    iso --box-id=421 --cg --dir=/priv="$T/priv421":rw --stdout=/priv/rootfile --run -- /bin/echo overwritten
    [[ "$status" != 0 ]] || fail "a root-owned 0644 stdout file was opened for writing"
    [[ "$(cat "$T/priv421/rootfile")" == original ]] || fail "rootfile was overwritten"
    # isolate's chown -R: the files in box/ are the box user's during a run,
    # a 0600 one the judge put there included, and the caller's again after.
    echo mine >"$BOXPATH/box/own"
    chmod 0600 "$BOXPATH/box/own"
    iso --box-id=421 --cg --stdin=own --run -- /bin/cat
    expect_status 0
    [[ "$out" == mine ]] || fail "the box's own 0600 input: '$out'"
    [[ "$(stat -c '%u %a' "$BOXPATH/box/own")" == "$(id -u) 600" ]] || fail "own: $(stat -c '%u %a' "$BOXPATH/box/own")"
    iso --box-id=421 --cg --cleanup
    expect_status 0
}

@test "a bare --processes means unlimited" {
    iso_init 430
    iso --box-id=430 --cg --processes --dir="$HDIR" --run -- /opt/h/forkbomb count 100
    expect_status 0
    [[ "$out" == "forked=100 failed=0" ]] || fail "stdout '$out'"
    no_box_processes "$(box_uid 430)"
    iso --box-id=430 --cg --cleanup
    expect_status 0
}

@test "--processes=N limits the box" {
    iso_init 431
    iso --box-id=431 --cg --processes=5 --dir="$HDIR" --run -- /opt/h/forkbomb count 20
    expect_status 0
    [[ "$out" =~ ^forked=([0-9]+)\ failed=([0-9]+)$ ]] || fail "stdout '$out'"
    [[ "${BASH_REMATCH[1]}" -le 4 ]] || fail "forked ${BASH_REMATCH[1]} under --processes=5"
    iso --box-id=431 --cg --cleanup
    expect_status 0
}

@test "short options: -b -t -w -x -m -k -f -n -E -c -d -M -s" {
    echo 432 >>"$T/persistent_ids"
    iso -b 432 --cg --init
    expect_status 0
    iso -b 432 --cg -t 1 -w 3 -x 0.5 --cg-mem=262144 -m 1048576 -k 65536 -f 10240 -n 64 -p 10 -E FOO=bar \
        -c /tmp -d "$HDIR" -M "$T/short.meta" -s --run -- /bin/sh -c 'echo "$FOO $(pwd)"; test -x /opt/h/busyloop'
    expect_status 0
    [[ "$out" == "bar /tmp" ]] || fail "stdout '$out'"
    meta_parse "$T/short.meta"
    [[ "${META[exitcode]:-}" == 0 ]] || fail "exitcode '${META[exitcode]:-}'"
    iso -b 432 --cg --cleanup
    expect_status 0
}

@test "a CMS-sized box id (65001) runs as first_uid + 65001" {
    iso_init 65001
    iso --box-id=65001 --cg --run -- /usr/bin/id -u
    expect_status 0
    [[ "$out" == "$(box_uid 65001)" ]] || fail "id -u printed '$out', expected $(box_uid 65001)"
    iso --box-id=65001 --cg --cleanup
    expect_status 0
}

@test "rustbox run -M writes the meta file next to the JSON result" {
    rb run -M "$T/native.meta" --code 'exit 3'
    expect_verdict RE
    expect_true '.exit_code == 3'
    meta_parse "$T/native.meta"
    [[ "${META[status]:-}" == RE ]] || fail "status: '${META[status]:-}'"
    [[ "${META[exitcode]:-}" == 3 ]] || fail "exitcode: '${META[exitcode]:-}'"
}

# ---- the work dir after a run (isolate's special-files rule) ---------------

# deep_path N: "d/d/.../d" N times, the chain mkspecial makes under deep/.
deep_path() {
    local p
    p=$(printf 'd/%.0s' $(seq "$1"))
    echo "${p%/}"
}

# specials_under DIR: every symlink, FIFO, socket or device node below DIR.
specials_under() {
    find "$1" \( -type l -o -type p -o -type s -o -type b -o -type c \) -print
}

@test "after a run the box's symlinks, FIFOs and sockets are gone, a 300-deep tree is the caller's, modes normalised" {
    iso_init 440
    local B=$BOXPATH/box deep
    deep="$B/deep/$(deep_path 300)"
    # The judge's own file is the box user's during the run (isolate's
    # chown -R), so its mode is one the box could have chosen: normalised.
    echo judge >"$B/judge.txt"
    chmod 0666 "$B/judge.txt"
    rb_exec timeout "$(tscale 60)" "$ISOLATE" --box-id=440 --cg --dir="$HDIR" --run -- /opt/h/mkspecial 300
    expect_status 0
    [[ "$out" == made ]] || fail "mkspecial: '$out'"
    # A judge reading box/out.txt must not read the host's /etc/hostname,
    # nor hang on box/fifo.
    [[ ! -L "$B/out.txt" && ! -e "$B/out.txt" ]] || fail "the box's symlink out.txt is still there"
    [[ -z "$(specials_under "$B")" ]] || fail "special files left: $(specials_under "$B")"
    [[ -f "$deep/leaf" ]] || fail "the deepest file is gone"
    [[ "$(stat -c '%u:%g %a' "$deep/leaf")" == "$(id -u):$(id -g) 644" ]] ||
        fail "the deepest file: $(stat -c '%u:%g %a' "$deep/leaf")"
    [[ -z "$(find "$B" \( ! -user "$(id -u)" -o ! -group "$(id -g)" \) -print)" ]] ||
        fail "not the caller's: $(find "$B" \( ! -user "$(id -u)" -o ! -group "$(id -g)" \) -printf '%p %u:%g\n' | head)"
    [[ -z "$(find "$B" -perm /6022 -print)" ]] ||
        fail "set-id or group/other write left: $(find "$B" -perm /6022 -printf '%p %m\n' | head)"
    [[ "$(stat -c %a "$B/open") $(stat -c %a "$B/suid") $(stat -c %a "$B/sgid")" == "755 755 755" ]] ||
        fail "open/suid/sgid: $(stat -c %a "$B/open" "$B/suid" "$B/sgid" | tr '\n' ' ')"
    [[ "$(stat -c %a "$B/judge.txt")" == 644 ]] || fail "the judge's file mode: $(stat -c %a "$B/judge.txt")"
    iso --box-id=440 --cg --cleanup
    expect_status 0
}

@test "--special-files keeps the box's symlinks and FIFOs, the caller's and not followed; without it they go before the next run" {
    iso_init 441
    local B=$BOXPATH/box deep host
    deep="$B/deep/$(deep_path 300)"
    host=$(stat -c '%u:%g %a' /etc/hostname)
    rb_exec timeout "$(tscale 60)" "$ISOLATE" --box-id=441 --cg --dir="$HDIR" --special-files --run -- /opt/h/mkspecial 300
    expect_status 0
    [[ "$out" == made ]] || fail "mkspecial: '$out'"
    [[ -L "$B/out.txt" && "$(readlink "$B/out.txt")" == /etc/hostname ]] || fail "out.txt is not the box's symlink"
    [[ -p "$B/fifo" && -S "$B/sock" && -L "$deep/leaflink" && -p "$deep/leaffifo" ]] ||
        fail "a special file went: $(ls -l "$B" "$deep")"
    [[ "$(stat -c '%u:%g' "$B/out.txt" "$deep/leaflink" "$B/fifo" "$deep/leaffifo" "$B/sock" | sort -u)" == \
        "$(id -u):$(id -g)" ]] || fail "special files not the caller's: $(stat -c '%n %u:%g' "$B"/* "$deep"/*)"
    [[ "$(stat -c %a "$B/fifo")" == 644 ]] || fail "the FIFO's mode: $(stat -c %a "$B/fifo")"
    [[ "$(stat -c '%u:%g %a' /etc/hostname)" == "$host" ]] || fail "the symlink was followed to /etc/hostname"
    # Without --special-files, isolate removes them before the next run too.
    iso --box-id=441 --cg --run -- /bin/sh -c '[ -L out.txt ] || [ -p fifo ] || [ -S sock ] && echo present || echo gone'
    expect_status 0
    [[ "$out" == gone ]] || fail "the next run saw the special files: '$out'"
    [[ -z "$(specials_under "$B")" ]] || fail "special files left: $(specials_under "$B")"
    iso --box-id=441 --cg --cleanup
    expect_status 0
}

@test "--share-net: the program sees the host's network interfaces (Judge0's network on); without it only lo" {
    local host
    host=$(ls /sys/class/net | sort | tr '\n' ' ')
    iso --box-id=450 --cg --init
    expect_status 0
    iso --box-id=450 --cg --share-net --dir="$HDIR" -M "$T/sn.meta" --run -- /opt/h/list_ifaces
    expect_status 0
    [[ "$(sort <<<"$out" | tr '\n' ' ')" == "$host" ]] || fail "box saw '$out', the host has '$host'"
    meta_parse "$T/sn.meta"
    [[ "${META[exitcode]:-}" == 0 ]] || fail "exitcode '${META[exitcode]:-}'"
    iso --box-id=450 --cg --dir="$HDIR" --run -- /opt/h/list_ifaces
    expect_status 0
    [[ "$out" == lo ]] || fail "without --share-net the box saw '$out'"
    iso --box-id=450 --cg --cleanup
    expect_status 0
}

@test "--share-net forbidden by the config: meta status:XX with the reason, isolate exits 2, nothing ran" {
    jq '. + {"allow_share_net": false}' "$T/config.json" >"$T/no-share-net.json"
    RUSTBOX_CONFIG="$T/no-share-net.json" iso --box-id=451 --cg --init
    expect_status 0
    RUSTBOX_CONFIG="$T/no-share-net.json" iso --box-id=451 --cg --share-net -M "$T/nosn.meta" --run -- /bin/sh -c 'echo ran'
    expect_status 2
    [[ "$out" != *ran* ]] || fail "the program ran: $out"
    meta_parse "$T/nosn.meta"
    [[ "${META[status]:-}" == XX ]] || fail "status '${META[status]:-}'"
    [[ "${META[message]:-}" == *allow_share_net* ]] || fail "message '${META[message]:-}'"
    RUSTBOX_CONFIG="$T/no-share-net.json" iso --box-id=451 --cg --cleanup
    expect_status 0
}

@test "isolate syntax: --run on a box never initialised: isolate's message, meta status:XX, exit 2" {
    iso --box-id=452 --cg -M "$T/noinit.meta" --run -- /bin/true
    expect_status 2
    [[ "$err" == "Box directory not found, did you run \`isolate --cg --init'?" ]] || fail "stderr: $err"
    meta_parse "$T/noinit.meta"
    [[ "${META[status]:-}" == XX ]] || fail "status '${META[status]:-}'"
    [[ "${META[message]:-}" == "Box directory not found"* ]] || fail "message '${META[message]:-}'"
    [[ -z "${META[time]+x}" ]] || fail "time key on a run that never happened"
}

# --- isolate's box layout (docs/decisions.md "isolate fidelity") ----------

# owner_mode PATH: "<uid> <octal mode>" of PATH itself.
owner_mode() { stat -c '%u %a' "$1"; }
# entries DIR: its entries, sorted, on one line.
entries() { ls -A "$1" | sort | tr '\n' ' ' | sed 's/ $//'; }

@test "isolate layout: --init makes <dir>/box only; a run adds root/ (empty, no host mount) and tmp/tmp; owners and modes" {
    iso_init 460
    local D=$BOXPATH uid
    uid=$(box_uid 460)
    [[ "$D" == "$T/work/$RB_PREFIX-460" ]] || fail "--init printed '$D'"
    [[ "$(entries "$D")" == box ]] || fail "after --init: $(entries "$D")"
    [[ "$(owner_mode "$D")" == "0 711" ]] || fail "box dir: $(owner_mode "$D")"
    [[ "$(owner_mode "$D/box")" == "$(id -u) 700" ]] || fail "box/: $(owner_mode "$D/box")"
    [[ "$(jq -r .layout "$T/state/boxes/460/lock")" == isolate ]] || fail "lock: $(cat "$T/state/boxes/460/lock")"
    ! grep -qF " $D" /proc/self/mountinfo || fail "a host mount under the box dir after --init"
    echo data >"$D/box/data.txt"
    iso --box-id=460 --cg --run -- /usr/bin/stat -c '%n %u %a' /box /box/data.txt /tmp
    expect_status 0
    [[ "$out" == "/box $uid 700"$'\n'"/box/data.txt $uid 644"$'\n'"/tmp $uid 700" ]] || fail "inside: $out"
    [[ "$(entries "$D")" == "box root tmp" ]] || fail "after a run: $(entries "$D")"
    [[ "$(owner_mode "$D/root")" == "0 750" && -z "$(entries "$D/root")" ]] ||
        fail "root/: $(owner_mode "$D/root"), entries '$(entries "$D/root")'"
    [[ "$(owner_mode "$D/tmp")" == "0 755" && "$(entries "$D/tmp")" == tmp ]] ||
        fail "tmp/: $(owner_mode "$D/tmp"), entries '$(entries "$D/tmp")'"
    [[ "$(owner_mode "$D/tmp/tmp")" == "$uid 700" ]] || fail "tmp/tmp: $(owner_mode "$D/tmp/tmp")"
    [[ "$(owner_mode "$D/box")" == "$(id -u) 700" && "$(owner_mode "$D/box/data.txt")" == "$(id -u) 644" ]] ||
        fail "box/ not handed back: $(owner_mode "$D/box"), $(owner_mode "$D/box/data.txt")"
    ! grep -qF " $D" /proc/self/mountinfo || fail "a host mount under the box dir after a run"
    iso --box-id=460 --cg --cleanup
    expect_status 0
    [[ ! -e "$D" ]] || fail "$D still exists"
}

@test "isolate layout: what the client puts next to box/ is not visible inside" {
    iso_init 461
    echo secret >"$BOXPATH/stdin.txt"
    mkdir "$BOXPATH/extra"
    iso --box-id=461 --cg --run -- /bin/ls -A /
    expect_status 0
    [[ "$out" != *stdin.txt* && "$out" != *extra* ]] || fail "the box sees the client's files: $out"
    iso --box-id=461 --cg --run -- /bin/cat /stdin.txt
    expect_status 1
    iso --box-id=461 --cg --cleanup
    expect_status 0
    [[ ! -e "$BOXPATH" ]] || fail "$BOXPATH still exists"
}

@test "isolate layout: /tmp persists between runs of a box, exec allowed, until --cleanup" {
    iso_init 462
    iso --box-id=462 --cg -p --run -- /bin/sh -c 'echo kept > /tmp/k; cp /bin/true /tmp/t'
    expect_status 0
    iso --box-id=462 --cg -p --run -- /bin/sh -c 'cat /tmp/k; /tmp/t && echo exec-ok'
    expect_status 0
    [[ "$out" == "kept"$'\n'"exec-ok" ]] || fail "second run: $out"
    iso --box-id=462 --cg --cleanup
    expect_status 0
    iso_init 462
    iso --box-id=462 --cg --run -- /bin/cat /tmp/k
    expect_status 1
    iso --box-id=462 --cg --cleanup
    expect_status 0
}

@test "isolate layout: 64 MiB written to /box under --cg-mem=32768 is OK (box/ is on the disk)" {
    iso_init 463
    # The kernel-matrix guests have no disk: their /tmp, where this suite's
    # boxes live, is a tmpfs, whose pages are memory wherever they are.
    [[ "$(stat -f -c %T "$BOXPATH")" != tmpfs ]] ||
        skip "the box dir is on a tmpfs here (no disk): its files are memory, as documented"
    iso --box-id=463 --cg --cg-mem=32768 -p -o out.txt -M "$T/big.meta" --run -- /bin/sh -c 'head -c 67108864 /dev/zero'
    expect_status 0
    meta_parse "$T/big.meta"
    [[ -z "${META[status]+x}" && "${META[exitcode]:-}" == 0 ]] || fail "status '${META[status]:-}'"
    [[ "$(stat -c %s "$BOXPATH/box/out.txt")" == 67108864 ]] || fail "out.txt: $(stat -c %s "$BOXPATH/box/out.txt")"
    iso --box-id=463 --cg --cleanup
    expect_status 0
}

@test "isolate layout: cleanup leaves nothing and follows no symlink, however deep the box's tree" {
    iso_init 464
    local D=$BOXPATH
    mkdir -p "$T/outside464"
    echo precious >"$T/outside464/file"
    # A deep tree in /tmp (past any recursion cap), then links to a host dir
    # in box/ (the client's) and in tmp/tmp (as the box could leave them).
    iso --box-id=464 --cg -p --run -- /bin/sh -c 'd=/tmp; i=0; while [ $i -lt 600 ]; do d=$d/d; i=$((i+1)); done; mkdir -p $d && echo made'
    expect_status 0
    [[ "$out" == made ]] || fail "the deep tree: $out"
    ln -s "$T/outside464" "$D/box/link"
    ln -s "$T/outside464" "$D/tmp/tmp/link"
    ln -s "$T/outside464/file" "$D/tmp/tmp/filelink"
    iso --box-id=464 --cg --cleanup
    expect_status 0
    [[ "$(cat "$T/outside464/file")" == precious ]] || fail "cleanup followed a symlink out of the box"
    [[ ! -e "$D" && ! -L "$D" ]] || fail "$D still exists"
    ! grep -qF " $D" /proc/self/mountinfo || fail "a mount left under $D"
    [[ ! -e "$T/state/boxes/464/lock" ]] || fail "the lock file is left"
}

@test "box_root: isolate-mode boxes at <box_root>/<id>, native ones under work_root; validated like work_root" {
    local cfg="$T/boxroot.json" D
    # State and work dirs of its own: the other tests' boxes are not this
    # configuration's to judge.
    mkdir -p "$T/state-br" "$T/work-br"
    jq --arg r "$T/isoroot" --arg s "$T/state-br" --arg w "$T/work-br" \
        '. + {"box_root": $r, "state_dir": $s, "work_root": $w}' "$T/config.json" >"$cfg"
    echo 465 >>"$T/persistent_ids"
    RUSTBOX_CONFIG="$cfg" iso --box-id=465 --cg --init
    expect_status 0
    D=$out
    [[ "$D" == "$T/isoroot/465" ]] || fail "--init printed '$D'"
    [[ -d "$D/box" && ! -e "$T/work-br/$RB_PREFIX-465" ]] || fail "box dir not under box_root"
    echo hi >"$D/box/in.txt"
    RUSTBOX_CONFIG="$cfg" iso --box-id=465 --cg --run -- /bin/cat in.txt
    expect_status 0
    [[ "$out" == hi ]] || fail "stdout '$out'"
    # The meta file may not go into a box dir under box_root either.
    RUSTBOX_CONFIG="$cfg" iso --box-id=465 --cg -M "$D/box/meta" --run -- /bin/true
    expect_status 2
    [[ ! -e "$D/box/meta" ]] || fail "the meta file was written into the box dir"
    RUSTBOX_CONFIG="$cfg" rb health --verify-clean
    expect_status 0
    # The native syntax keeps its layout under work_root.
    echo 466 >>"$T/persistent_ids"
    RUSTBOX_CONFIG="$cfg" rb init --box-id 466
    expect_status 0
    [[ "$out" == "$T/work-br/$RB_PREFIX-466/root" ]] || fail "native init printed '$out'"
    RUSTBOX_CONFIG="$cfg" rb cleanup --box-id 466
    expect_status 0
    RUSTBOX_CONFIG="$cfg" iso --box-id=465 --cg --cleanup
    expect_status 0
    [[ ! -e "$D" ]] || fail "$D still exists"
    # A leftover dir there is recovered under box_root too.
    mkdir -p "$T/isoroot/467/box"
    RUSTBOX_CONFIG="$cfg" rb health --verify-clean
    [[ "$status" != 0 ]] || fail "verify-clean did not see the leftover at $T/isoroot/467"
    RUSTBOX_CONFIG="$cfg" iso --box-id=467 --cg --cleanup
    expect_status 0
    [[ ! -e "$T/isoroot/467" ]] || fail "the leftover at box_root stays"
    # Validated like work_root: absolute, root's, not writable by others.
    jq '. + {"box_root": "rel/dir"}' "$T/config.json" >"$T/badroot1.json"
    RUSTBOX_CONFIG="$T/badroot1.json" rb init --box-id 468
    expect_status 64
    [[ "$err" == *box_root* ]] || fail "stderr: $err"
    mkdir -m 0777 "$T/open"
    jq --arg r "$T/open/boxes" '. + {"box_root": $r}' "$T/config.json" >"$T/badroot2.json"
    RUSTBOX_CONFIG="$T/badroot2.json" rb init --box-id 468
    expect_status 64
    [[ "$err" == *box_root* ]] || fail "stderr: $err"
}

@test "isolate --quota=BLOCKS,INODES at --init: box/ is a tmpfs of that size and inode count; cleanup unmounts it" {
    echo 469 >>"$T/persistent_ids"
    iso --box-id=469 --cg --quota=1024,50 --init
    expect_status 0
    local D=$out
    grep -qF " $D/box " /proc/self/mountinfo || fail "no host mount on $D/box"
    [[ "$(jq -r .mnt_id "$T/state/boxes/469/lock")" != 0 ]] || fail "the mount id is not recorded"
    [[ "$(owner_mode "$D/box")" == "$(id -u) 700" ]] || fail "box/: $(owner_mode "$D/box")"
    iso --box-id=469 --cg -p --run -- /bin/sh -c 'head -c 2097152 /dev/zero > big; echo $?'
    expect_status 0
    [[ "$out" != 0 ]] || fail "2 MiB fit in a 1 MiB quota"
    [[ "$err" == *"No space left on device"* ]] || fail "stderr: $err"
    iso --box-id=469 --cg -p --run -- /bin/sh -c 'i=0; while [ $i -lt 60 ]; do : > f$i || exit 7; i=$((i+1)); done'
    expect_status 1
    rb health --verify-clean
    expect_status 0
    iso --box-id=469 --cg --cleanup
    expect_status 0
    ! grep -qF " $D" /proc/self/mountinfo || fail "the quota mount is left"
    [[ ! -e "$D" ]] || fail "$D still exists"
}

# ---- isolate 1.10.1's command line (tests/isolate/cases) --------------------

@test "isolate syntax: a usage error prints isolate's message on stderr and its usage on stdout, exit 2, nothing created" {
    iso --frobnicate --cg -b 480 --init
    expect_status 2
    [[ "$err" == "$ISOLATE: unrecognized option '--frobnicate'" ]] || fail "stderr: $err"
    [[ "$out" == "Usage: isolate [<options>] <command>"$'\n\nOptions:\n'* ]] || fail "stdout: $out"
    [[ "$out" == *$'\n    --version\t\tDisplay program version and configuration' ]] || fail "stdout: $out"
    [[ ! -e "$T/work/$RB_PREFIX-480" ]] || fail "--init ran after a usage error"
    iso --cg -b 480 -m abc --run -- /bin/true
    expect_status 2
    [[ "$err" == "Invalid numeric parameter: abc" ]] || fail "stderr: $err"
    [[ "$out" == "Usage: isolate"* ]] || fail "no usage on stdout"
    iso --cg -b 480
    expect_status 2
    [[ "$err" == "Please specify an isolate command (e.g. --init, --run)." ]] || fail "stderr: $err"
}

@test "isolate syntax: an unknown --dir option is fatal: isolate's words, meta status:XX of an earlier -M, nothing ran" {
    iso_init 481
    iso -M "$T/dirbogus.meta" --cg -b 481 --dir=/data=/usr:bogus --run -- /bin/sh -c 'echo ran >/box/ran'
    expect_status 2
    [[ "$err" == "Unknown directory option bogus" ]] || fail "stderr: $err"
    [[ -z "$out" ]] || fail "stdout: $out"
    meta_parse "$T/dirbogus.meta"
    [[ "${META[status]:-}" == XX && "${META[message]:-}" == "Unknown directory option bogus" ]] || fail "meta"
    [[ ! -e "$BOXPATH/box/ran" ]] || fail "the program ran"
    # A filesystem type other than tmpfs or proc is refused the same way.
    iso -M "$T/dirfs.meta" --cg -b 481 --dir=/s=sysfs:fs --run -- /bin/true
    expect_status 2
    [[ "$err" == *"filesystem type 'sysfs'"* ]] || fail "stderr: $err"
    meta_parse "$T/dirfs.meta"
    [[ "${META[status]:-}" == XX ]] || fail "status '${META[status]:-}'"
}

@test "--dir=IN=tmpfs:fs: an empty size-limited tmpfs, writable with :rw, read-only without; proc:fs shows the box's pids only" {
    iso_init 482
    iso --cg -b 482 --processes=20 --dir=/scratch=tmpfs:fs:rw --dir=/ro=tmpfs:fs --dir=/p=proc:fs --run -- /bin/sh -c \
        'ls -A /scratch; echo x >/scratch/f && cat /scratch/f; stat -f -c %T /scratch; echo y >/ro/f || echo ro-refused;
         ls /p | grep -c "^[0-9]"'
    expect_status 0
    local lines
    mapfile -t lines <<<"$out"
    [[ "${lines[0]}" == x ]] || fail "the tmpfs was not empty or not writable: $out"
    [[ "${lines[1]}" == tmpfs ]] || fail "not a tmpfs: $out"
    [[ "${lines[2]}" == ro-refused ]] || fail "/ro was writable: $out"
    ((lines[3] <= 4)) || fail "proc:fs shows ${lines[3]} pids: the host's?"
    # Bounded like the box's other tmpfs mounts (box_size of the config).
    iso --cg -b 482 --processes=20 --dir=/scratch=tmpfs:fs:rw --run -- /bin/sh -c \
        'head -c 300000000 /dev/zero >/scratch/big 2>/dev/null; echo $?'
    [[ "$out" != 0 ]] || fail "300 MB fitted in the fs tmpfs"
}

@test "--dir=...:norec binds without the submounts below the source; the recursive bind has them" {
    iso_init 483
    # /dev/pts is a mount of its own below the host's /dev.
    mountpoint -q /dev/pts || skip "the host has no /dev/pts mount"
    iso --cg -b 483 --processes=20 --dir=/devnorec=/dev:dev:norec --dir=/devrec=/dev:dev --run -- /bin/sh -c \
        'echo "norec:$(ls -A /devnorec/pts | tr "\n" " ")"; echo "rec:$(ls -A /devrec/pts | tr "\n" " ")"'
    expect_status 0
    [[ "$out" == *"norec:"$'\n'* ]] || fail "the norec bind shows /dev/pts's mount: $out"
    [[ "$out" == *"rec:"*ptmx* ]] || fail "the recursive bind lacks /dev/pts's mount: $out"
}

@test "--dir=IN=./DIR is relative to the box's directory; a symlink the box planted there is not followed" {
    iso_init 484
    mkdir "$BOXPATH/mydata"
    echo relative >"$BOXPATH/mydata/f.txt"
    iso --cg -b 484 --processes=20 --dir=/data=./mydata --run -- /bin/sh -c 'cat /data/f.txt'
    expect_status 0
    [[ "$out" == relative ]] || fail "stdout: $out"
    # The box's own work dir, as isolate's -D --dir=/box=./box:rw has it.
    echo inbox >"$BOXPATH/box/in.txt"
    iso --cg -b 484 --processes=20 --dir=/w=./box --run -- /bin/sh -c 'cat /w/in.txt'
    [[ "$out" == inbox ]] || fail "stdout: $out"
    # The box plants symlinks to the host's /etc in its work dir (kept
    # between runs with --special-files) ...
    iso --cg -b 484 --processes=20 --special-files --run -- /bin/sh -c \
        'ln -s /etc /box/etclink; ln -s ../../../../../../../../etc /box/up'
    expect_status 0
    [[ -L "$BOXPATH/box/etclink" && -L "$BOXPATH/box/up" ]] || fail "the symlinks were not kept"
    # ... which root never follows to bind them.
    iso -M "$T/planted.meta" --cg -b 484 --processes=20 --special-files --dir=/e=./box/etclink --run -- \
        /bin/sh -c 'ls /e/passwd'
    expect_status 2
    [[ "$out" != *passwd* ]] || fail "the host's /etc was bound through the box's symlink"
    meta_parse "$T/planted.meta"
    [[ "${META[status]:-}" == XX ]] || fail "status '${META[status]:-}'"
    iso --cg -b 484 --processes=20 --special-files --dir=/e=./box/up --run -- /bin/sh -c 'ls /e/passwd'
    expect_status 2
    [[ "$out" != *passwd* ]] || fail "the host's /etc was bound through the box's relative symlink"
    iso --cg -b 484 --processes=20 --dir=/e=./../../../../etc --run -- /bin/sh -c 'ls /e/passwd'
    expect_status 2
    [[ "$out" != *passwd* ]] || fail "a relative source left the box's directory"
}

@test "--inherit-fds: a descriptor the caller opened is readable in the program; without it the program has none" {
    iso_init 485
    echo "from the caller" >"$T/fd7.txt"
    exec 7<"$T/fd7.txt"
    iso --cg -b 485 --processes=20 --inherit-fds --run -- /bin/sh -c 'cat <&7'
    local st=$status
    exec 7<&-
    status=$st
    expect_status 0
    [[ "$out" == "from the caller" ]] || fail "stdout: $out"
    exec 7<"$T/fd7.txt"
    iso --cg -b 485 --processes=20 --run -- /bin/sh -c 'cat <&7 || echo closed'
    exec 7<&-
    [[ "$out" == closed ]] || fail "fd 7 reached the program without --inherit-fds: $out"
}

@test "--core=N sets RLIMIT_CORE; a dump lands in the box's work dir as the box user, never on the host's side" {
    local pattern
    pattern=$(</proc/sys/kernel/core_pattern)
    [[ "$pattern" != "|"* && "$pattern" != */* ]] || skip "core_pattern '$pattern' is not a plain file name"
    iso_init 486
    iso --cg -b 486 --core=0 --run -- /bin/sh -c 'ulimit -c; kill -SEGV $$'
    [[ "$out" == 0 ]] || fail "RLIMIT_CORE with --core=0: $out"
    compgen -G "$BOXPATH/box/core*" >/dev/null && fail "a core dump with --core=0"
    iso --cg -b 486 --core=4096 --run -- /bin/sh -c 'ulimit -c; kill -SEGV $$'
    expect_status 1
    [[ "$out" == 8192 ]] || fail "RLIMIT_CORE with --core=4096 (shell blocks of 512 bytes): $out"
    local core
    core=$(compgen -G "$BOXPATH/box/core*" | head -n 1) || fail "no core dump in the box's work dir"
    [[ -s "$core" ]] || fail "empty core $core"
    (($(stat -c %s "$core") <= 4096 * 1024)) || fail "the core is over the limit"
    [[ ! -e "$PWD/core" ]] || fail "a core dump in the caller's directory"
}

@test "--tty-hack is accepted and without a terminal changes nothing" {
    iso_init 487
    iso --cg -b 487 --tty-hack --run -- /bin/sh -c 'echo hi'
    expect_status 0
    [[ "$out" == hi ]] || fail "stdout: $out"
}

@test "--as-uid/--as-gid: root acts for that user: its rights on --dir sources, its ownership of the files handed back" {
    iso_init 488
    mkdir -m 0700 "$T/rootonly"
    echo secret >"$T/rootonly/s"
    chmod 0711 "$T"
    iso --cg -b 488 --dir=/r="$T/rootonly" --run -- /bin/sh -c 'echo ok'
    expect_status 0
    iso --cg -b 488 --as-uid=65534 --as-gid=65534 --dir=/r="$T/rootonly" --run -- /bin/sh -c 'cat /r/s'
    expect_status 2
    [[ "$out" != secret ]] || fail "nobody read root's file through the box"
    iso --cg -b 488 --as-uid=65534 --as-gid=65534 --run -- /bin/sh -c 'echo x >/box/made'
    expect_status 0
    [[ "$(stat -c %u:%g "$BOXPATH/box/made")" == 65534:65534 ]] || fail "handed back as $(stat -c %u:%g "$BOXPATH/box/made")"
    iso --cg -b 488 --as-uid=65534 --run -- /bin/true
    expect_status 2
    [[ "$err" == "--as-uid and --as-gid must be used either both or none" ]] || fail "stderr: $err"
}

# ---- isolate 2.x's --wait and --print-cg-root (SPEC §1) ----------------------

@test "isolate --wait: a run of a busy box waits for it instead of failing; without --wait it fails, exit 2" {
    iso_init 490
    # the holder: a run that keeps the box for a while
    "$ISOLATE" --box-id=490 --cg -w "$(tscale 10)" --run -- /bin/sleep "$(tscale 1.5)" >/dev/null 2>&1 &
    local holder=$! i
    for ((i = 0; i < 200; i++)); do
        [[ "$(jq -r .pid "$T/state/boxes/490/lock" 2>/dev/null)" =~ ^[1-9] ]] && break
        sleep 0.05
    done
    iso --box-id=490 --cg --run -- /bin/true
    expect_status 2
    [[ "$err" == *busy* ]] || fail "stderr without --wait: $err"
    iso --box-id=490 --cg --wait --run -- /bin/echo waited
    expect_status 0
    [[ "$out" == waited ]] || fail "stdout with --wait: $out"
    wait "$holder" || fail "the holder run failed"
    iso --box-id=490 --cg --wait --cleanup
    expect_status 0
}

@test "isolate --print-cg-root: the dirs the boxes' cgroups are made in, which exist; exit 0" {
    iso --print-cg-root
    expect_status 0
    [[ -n "$out" ]] || fail "nothing printed"
    local d
    while read -r d; do
        [[ "$d" == /* && -d "$d" ]] || fail "'$d' is not an existing dir"
    done <<<"$out"
    [[ "$(wc -l <<<"$out")" -ge 1 ]] || fail "no line"
}

@test "isolate: a --cg run of a box made without --cg is refused as isolate 1.10.1 fails it: status:XX, exit 2; without --cg it runs" {
    echo 491 >>"$T/persistent_ids"
    iso --box-id=491 --init
    expect_status 0
    iso --box-id=491 --cg -M "$T/nocg.meta" --run -- /bin/true
    expect_status 2
    grep -qx 'status:XX' "$T/nocg.meta" || fail "meta: $(cat "$T/nocg.meta")"
    grep -q '^message:.*without --cg' "$T/nocg.meta" || fail "meta: $(cat "$T/nocg.meta")"
    iso --box-id=491 -M "$T/nocg.meta" --run -- /bin/true
    expect_status 0
    iso --box-id=491 --cleanup
    expect_status 0
    # made with --cg, both kinds of run work
    iso_init 491
    iso --box-id=491 --run -- /bin/true
    expect_status 0
    iso --box-id=491 --cg --run -- /bin/true
    expect_status 0
    iso --box-id=491 --cg --cleanup
    expect_status 0
}

@test "isolate: a config that does not load is refused with status:XX in the meta file and exit 2, never an empty meta file" {
    echo '{"state_dir": ' >"$T/broken.json"
    : >"$T/early.meta"
    RUSTBOX_CONFIG="$T/broken.json" "$ISOLATE" --box-id=492 --cg -M "$T/early.meta" --run -- /bin/true \
        >"$T/early.out" 2>"$T/early.err" && status=0 || status=$?
    [[ $status == 2 ]] || fail "exit $status"
    grep -qx 'status:XX' "$T/early.meta" || fail "meta: $(cat "$T/early.meta")"
    grep -q '^message:.*broken.json' "$T/early.meta" || fail "meta: $(cat "$T/early.meta")"
    grep -q 'broken.json' "$T/early.err" || fail "stderr: $(cat "$T/early.err")"
    [[ ! -e "$T/state/boxes/492" ]] || fail "box 492 was touched"
}

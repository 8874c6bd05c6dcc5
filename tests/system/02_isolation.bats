#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What a payload finds inside a box (SPEC §3): the seccomp policy, no
# privileges, contained processes, no network, the filesystem and /proc view.
# Persistent boxes of this file: 200-299.

load common

setup_file() { rb_setup_file is 200; }
teardown_file() { rb_teardown_file; }

# Host mounts a test made below its BATS_TEST_TMPDIR (UNMOUNT_AFTER), gone
# whatever the test's outcome.
teardown() {
    local m
    for m in "${UNMOUNT_AFTER[@]}"; do
        umount "$m" 2>/dev/null || umount -l "$m" || true
    done
}

# host_tmpfs DIR [OPTS]: a tmpfs any user may write to (unless OPTS say ro),
# mounted on DIR on the host for this test.
host_tmpfs() {
    mkdir -p "$1"
    mount -t tmpfs -o "mode=1777,size=1m${2:+,$2}" rbtest-sub "$1"
    UNMOUNT_AFTER+=("$1")
}

# mount_opts MP: the per-mount options of mount point MP in the box, from
# the mountinfo in the run's stdout.
mount_opts() {
    jq -r .stdout <<<"$out" | awk -v mp="$1" '$5 == mp { print $6 }'
}

# has_opts MP OPT...: MP is mounted in the box and has every one of OPTs.
has_opts() {
    local mp=$1 opts o
    shift
    opts=$(mount_opts "$mp")
    [[ -n "$opts" ]] || fail "$mp is not mounted in the box"
    for o in "$@"; do
        [[ ",$opts," == *",$o,"* ]] || fail "$mp is mounted $opts, without $o"
    done
}

@test "mount(2): SV" {
    rb run --dir "$HDIR" -- /opt/h/try_mount
    expect_verdict SV
    expect_true \
        '.signal == 31' \
        '.stdout | test("returned") | not'
}

@test "a denied call in a child process ends the whole box: SV" {
    rb run --dir "$HDIR" --code '/opt/h/try_mount; echo after'
    expect_verdict SV
    expect_true \
        '.signal == 31' \
        '.reason == "seccomp"' \
        '.stdout | test("returned|after") | not'
}

@test "unshare(CLONE_NEWUSER): SV" {
    rb run --dir "$HDIR" -- /opt/h/try_unshare_user
    expect_verdict SV
    expect_true \
        '.signal == 31' \
        '.stdout | test("returned") | not'
}

@test "ptrace(PTRACE_TRACEME): fails with ENOSYS, the program goes on (SPEC §3: a runtime probe)" {
    rb run --dir "$HDIR" -- /opt/h/try_ptrace
    expect_verdict OK
    expect_true '.stdout | test("ptrace returned -1 errno=38 ")'
}

@test "every call a runtime probes (io_uring, keyctl, ptrace, perf_event_open, ...) fails with ENOSYS in one run: OK" {
    local names
    names=$("$HELPERS/try_syscall" --probes | tr '\n' ' ')
    [[ "$names" == *io_uring_setup*keyctl* || "$names" == *keyctl*io_uring_setup* ]] || fail "probe list: $names"
    rb run --dir "$HDIR" --code "for n in $names; do /opt/h/try_syscall \$n || exit 9; done"
    expect_verdict OK
    local n
    for n in $names; do
        grep -q "^$n returned -1 errno=38 " <<<"$(jq -r .stdout <<<"$out")" || fail "$n: $(jq -r .stdout <<<"$out")"
    done
}

@test "clone3 with CLONE_NEWUSER|CLONE_NEWNS is refused" {
    rb run --dir "$HDIR" -- /opt/h/try_clone3
    expect_one_json
    local v
    v=$(jq -r .verdict <<<"$out")
    case "$v" in
    SV) expect_status 1 ;;
    OK)
        expect_true '.stdout | test("^refused errno=(38|1) ")'
        ;;
    *) fail "verdict $v: clone3 with namespace flags was not refused" ;;
    esac
    expect_true '.stdout | test("created") | not'
}

@test "clone with CLONE_NEWUSER|CLONE_NEWNET: SV" {
    rb run --dir "$HDIR" -- /opt/h/try_clone_ns
    expect_verdict SV
    expect_true '.stdout | test("created") | not'
}

@test "every syscall of the deny-list is killed: SV" {
    # one one-shot run per syscall, eight at a time
    local name f r n=0 bad=""
    for name in $("$HELPERS/try_syscall"); do
        f="$BATS_TEST_TMPDIR/sc.$name"
        (
            r=0
            "$RUSTBOX" run --dir "$HDIR" -- /opt/h/try_syscall "$name" >"$f" 2>/dev/null || r=$?
            echo "$r" >"$f.rc"
        ) &
        if (( ++n % 8 == 0 )); then wait; fi
    done
    wait
    # Read with builtins only: forty-odd results, two jq each, take a minute
    # in an emulated guest.
    local res
    for name in $("$HELPERS/try_syscall"); do
        f="$BATS_TEST_TMPDIR/sc.$name"
        res=$(<"$f")
        if [[ "$res" =~ \"box_id\":([0-9]+) ]]; then echo "${BASH_REMATCH[1]}" >>"$T/box_ids"; fi
        if [[ ! "$res" =~ \"verdict\":\"SV\" || "$(<"$f.rc")" != 1 ]]; then
            bad+="$name: exit $(<"$f.rc"), $res"$'\n'
        fi
    done
    [[ -z "$bad" ]] || {
        echo "not killed by the seccomp policy:"
        echo "$bad"
        return 1
    }
}

@test "setuid(0) fails with EPERM and the uid stays the box's" {
    rb run --dir "$HDIR" -- /opt/h/try_setuid0
    expect_verdict OK
    local id
    id=$(jq -r .box_id <<<"$out")
    expect_jq .stdout "setuid(0) failed: EPERM uid=$(box_uid "$id")"
}

@test "no capabilities, no_new_privs set" {
    rb run --code 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status'
    expect_verdict OK
    expect_true \
        '.stdout | test("CapPrm:\t0000000000000000")' \
        '.stdout | test("CapEff:\t0000000000000000")' \
        '.stdout | test("CapBnd:\t0000000000000000")' \
        '.stdout | test("CapAmb:\t0000000000000000")' \
        '.stdout | test("NoNewPrivs:\t1")'
}

@test "fork bomb under --processes 10 is contained" {
    rb run --processes 10 --time 1 --wall-time 2 --dir "$HDIR" -- /opt/h/forkbomb
    expect_one_json
    expect_true \
        '.verdict != "IE"' \
        ".wall_time_s < $(slack 3)" \
        '.cleanup.outcome == "success" or .cleanup.outcome == "partial"'
    local id
    id=$(jq -r .box_id <<<"$out")
    no_box_processes "$(box_uid "$id")"
}

@test "--processes 10 caps the number of processes" {
    rb run --processes 10 --dir "$HDIR" -- /opt/h/forkbomb count 50
    expect_verdict OK
    local forked
    forked=$(jq -r '.stdout | capture("forked=(?<n>[0-9]+)").n' <<<"$out")
    [[ "$forked" -ge 1 && "$forked" -le 9 ]] || fail "forked $forked children under --processes 10"
    local id
    id=$(jq -r .box_id <<<"$out")
    no_box_processes "$(box_uid "$id")"
}

@test "a double-forked setsid daemon does not outlive the run" {
    rb_init 210
    rb run --box-id 210 --dir "$HDIR" -- /opt/h/daemonize
    expect_verdict OK
    expect_true '.stdout == "daemon started\n"'
    no_box_processes "$(box_uid 210)"
    rb cleanup --box-id 210
    expect_status 0
    no_box_processes "$(box_uid 210)"
}

@test "one-shot box: a daemon does not outlive the run" {
    rb run --dir "$HDIR" -- /opt/h/daemonize
    expect_verdict OK
    expect_true '.stdout == "daemon started\n"'
    no_box_processes "$(box_uid "$(jq -r .box_id <<<"$out")")"
}

@test "TCP to a listener on the host's 127.0.0.1 fails inside the box" {
    local port pid
    "$HELPERS/tcp_listen" >"$BATS_TEST_TMPDIR/port" &
    pid=$!
    for _ in $(seq "$(tscale 50)"); do
        [[ -s "$BATS_TEST_TMPDIR/port" ]] && break
        sleep 0.05
    done
    port=$(cat "$BATS_TEST_TMPDIR/port")
    # the listener really answers from the host
    run "$HELPERS/tcp_connect" 127.0.0.1 "$port"
    [[ "$output" == connected ]] || {
        kill "$pid"
        fail "host-side control connection failed: $output"
    }
    rb run --dir "$HDIR" -- /opt/h/tcp_connect 127.0.0.1 "$port"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    expect_verdict RE
    expect_true \
        '.exit_code == 1' \
        '.stdout | startswith("failed errno=")'
}

@test "TCP to outside addresses fails inside the box" {
    rb run --dir "$HDIR" --code '/opt/h/tcp_connect 1.1.1.1 53; /opt/h/tcp_connect 8.8.8.8 53; /opt/h/tcp_connect 10.0.0.1 80; true'
    expect_verdict OK
    expect_true \
        '.stdout | test("connected") | not' \
        '[.stdout | scan("failed errno=")] | length == 3'
}

@test "two boxes at once: each in a network namespace of its own, not the host's; one's 127.0.0.1 listener is out of the other's reach" {
    local sync="$BATS_TEST_TMPDIR/sync" a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b" pa pb sa=0 sb=0 ticks
    mkdir -m 1777 "$sync"
    ticks=$(tscale 200)
    # a listens (and reaches its own listener), then waits for b to be done;
    # b waits for a's port and tries it.
    "$RUSTBOX" run --wall-time "$(tscale 20)" --dir "$HDIR" --dir "/sync=$sync:rw" --code "
        /opt/h/tcp_listen >/sync/port.tmp &
        i=0; while [ ! -s /sync/port.tmp ] && [ \$i -lt $ticks ]; do sleep 0.05; i=\$((i + 1)); done
        /opt/h/tcp_connect 127.0.0.1 \$(cat /sync/port.tmp)
        readlink /proc/self/ns/net >/sync/a.ns
        mv /sync/port.tmp /sync/port
        i=0; while [ ! -e /sync/b.done ] && [ \$i -lt $ticks ]; do sleep 0.05; i=\$((i + 1)); done" >"$a" 2>"$a.err" &
    pa=$!
    "$RUSTBOX" run --wall-time "$(tscale 20)" --dir "$HDIR" --dir "/sync=$sync:rw" --code "
        i=0; while [ ! -s /sync/port ] && [ \$i -lt $ticks ]; do sleep 0.05; i=\$((i + 1)); done
        /opt/h/tcp_connect 127.0.0.1 \$(cat /sync/port)
        readlink /proc/self/ns/net >/sync/b.ns
        touch /sync/b.done" >"$b" 2>"$b.err" &
    pb=$!
    wait "$pa" || sa=$?
    wait "$pb" || sb=$?
    jq -r .box_id "$a" "$b" >>"$T/box_ids" 2>/dev/null || true
    [[ "$sa" == 0 && "$sb" == 0 ]] || fail "exit $sa / $sb: $(cat "$a" "$a.err" "$b" "$b.err")"
    [[ "$(jq -r .stdout "$a")" == connected ]] || fail "box a did not reach its own listener: $(cat "$a")"
    [[ "$(jq -r .stdout "$b")" == "failed errno="* ]] || fail "box b reached box a's listener: $(cat "$b")"
    local na nb host
    na=$(<"$sync/a.ns") nb=$(<"$sync/b.ns") host=$(readlink /proc/self/ns/net)
    [[ "$na" == net:* && "$nb" == net:* ]] || fail "namespaces not read: '$na' '$nb'"
    [[ "$na" != "$nb" && "$na" != "$host" && "$nb" != "$host" ]] ||
        fail "shared network namespace: a $na, b $nb, host $host"
}

@test "only loopback is visible as a network interface" {
    rb run --dir "$HDIR" -- /opt/h/list_ifaces
    expect_verdict OK
    expect_true '.stdout == "lo\n"'
}

@test "/etc/shadow is absent" {
    rb run --code 'cat /etc/shadow'
    expect_verdict RE
    expect_true \
        '.stderr | test("No such file or directory")' \
        '.stdout == ""'
}

@test "writing under /usr fails and nothing reaches the host" {
    local name="rbtest-$$-$RANDOM"
    rb run --code "touch /usr/$name"
    expect_verdict RE
    expect_true '.stderr | test("Read-only file system|Permission denied")'
    [[ ! -e "/usr/$name" ]] || {
        rm -f "/usr/$name"
        fail "/usr/$name was created on the host"
    }
}

@test "/bin /lib /usr are read-only nosuid, /tmp and /dev/shm noexec" {
    rb run --code 'cat /proc/self/mountinfo'
    expect_verdict OK
    local mi
    mi=$(jq -r .stdout <<<"$out")
    awk '$5 == "/usr" { print $6 }' <<<"$mi" | grep -q 'ro' || fail "/usr not read-only"
    awk '$5 == "/usr" { print $6 }' <<<"$mi" | grep -q 'nosuid' || fail "/usr not nosuid"
    awk '$5 == "/tmp" { print $6 }' <<<"$mi" | grep -q 'noexec' || fail "/tmp not noexec"
    awk '$5 == "/dev/shm" { print $6 }' <<<"$mi" | grep -q 'noexec' || fail "/dev/shm not noexec"
    ! awk '{ print $5 }' <<<"$mi" | grep -qx '/sys' || fail "/sys is mounted"
}

@test "/proc lists only the box's processes" {
    rb run --code 'ls /proc; echo ---; cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " "; true'
    expect_verdict OK
    local numeric host_init
    numeric=$(jq -r '.stdout | split("---")[0] | split("\n") | map(select(test("^[0-9]+$"))) | length' <<<"$out")
    [[ "$numeric" -ge 1 && "$numeric" -le 3 ]] || fail "$numeric numeric entries in the box's /proc"
    host_init=$(tr '\0' ' ' </proc/1/cmdline)
    jq -e --arg h "$host_init" '.stdout | split("---")[1] | contains($h) | not' <<<"$out" >/dev/null ||
        fail "the host's init ($host_init) is visible"
}

@test "/proc/cpuinfo and /proc/stat list as many processors as nproc reports" {
    rb run --code 'grep -c "^processor" /proc/cpuinfo; grep -c "^cpu[0-9]" /proc/stat; nproc'
    expect_verdict OK
    local -a n
    mapfile -t n < <(jq -r .stdout <<<"$out")
    [[ "${n[2]}" -ge 1 && "${n[0]}" == "${n[2]}" && "${n[1]}" == "${n[2]}" ]] ||
        fail "cpuinfo ${n[0]}, stat ${n[1]}, nproc ${n[2]}"
}

@test "the program's CPU mask is the caller's, whole: the supervisor's move off the proxy's CPU stays its own" {
    local want
    want=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
    for _ in 1 2 3 4 5; do
        rb run --code 'grep "^Cpus_allowed_list" /proc/self/status | cut -f2'
        expect_verdict OK
        [[ "$(jq -r .stdout <<<"$out")" == "$want" ]] || fail "box mask $(jq -r .stdout <<<"$out"), caller's $want"
    done
}

@test "/proc/cpuinfo follows the box's CPU affinity, not the host's CPUs" {
    [[ "$(nproc)" -ge 2 ]] || skip "one CPU: no smaller affinity to give"
    rb_exec taskset -c 1 "$RUSTBOX" run --code 'grep "^processor" /proc/cpuinfo; nproc'
    expect_verdict OK
    expect_true '.stdout == "processor\t: 1\n1\n"'
}

@test "/proc/meminfo: MemTotal is the box's memory limit, no swap" {
    rb run --memory 100M --code 'grep -E "^(MemTotal|MemAvailable|SwapTotal):" /proc/meminfo'
    expect_verdict OK
    expect_true \
        '.stdout | test("MemTotal: +102400 kB\n")' \
        '.stdout | capture("MemAvailable: +(?<k>[0-9]+) kB").k | tonumber | . > 0 and . <= 102400' \
        '.stdout | test("SwapTotal: +0 kB\n")'
}

@test "free works in the box and reports the box's limit" {
    [[ -x /usr/bin/free ]] || skip "no /usr/bin/free"
    rb run --memory 64M --code 'free -k'
    expect_verdict OK
    expect_true '.stdout | test("Mem: +65536 ")'
}

@test "/proc shows nothing of the host: model name, MemTotal, kernel command line, interrupts" {
    local model mem
    model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    mem=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    rb run --code 'cat /proc/cpuinfo /proc/meminfo /proc/stat; echo "covered: $(cat /proc/cmdline /proc/interrupts /proc/kallsyms /proc/partitions /proc/sys/kernel/random/boot_id /proc/keys 2>&1 | wc -c)"; echo "entries: $(find /proc/acpi /proc/bus /proc/irq /proc/fs -mindepth 1 2>&1 | wc -l)"'
    expect_verdict OK
    jq -e --arg m "$model" '$m == "" or (.stdout | contains($m) | not)' <<<"$out" >/dev/null ||
        fail "the host's model name ($model) is visible"
    jq -e --arg m "$mem" '.stdout | test("MemTotal: +" + $m + " kB") | not' <<<"$out" >/dev/null ||
        fail "the host's MemTotal ($mem kB) is visible"
    expect_true \
        '.stdout | test("model name\t: rustbox virtual CPU")' \
        '.stdout | test("covered: 0\n")' \
        '.stdout | test("entries: 0\n")'
}

@test "/proc (and /proc/sys) is read-only and sysrq-trigger is not writable" {
    rb run --code 'for f in /proc/sys/kernel/hostname /proc/sys/vm/drop_caches /proc/sysrq-trigger /proc/cpuinfo /proc/meminfo /proc/self/oom_score_adj /proc/self/comm; do (echo 1 > $f) 2>/dev/null && echo "wrote $f"; done; grep -E " /proc ro," /proc/self/mountinfo; true'
    expect_verdict OK
    expect_true \
        '.stdout | test("wrote") | not' \
        '.stdout | test(" /proc ro,")'
}

@test "a minimal /dev" {
    rb run --code 'ls /dev | sort | tr "\n" " "'
    expect_verdict OK
    expect_true \
        '.stdout | test("full") and test("null") and test("random") and test("urandom") and test("zero")' \
        '.stdout | test("sda|vda|mem |kmsg|tty[0-9]") | not'
}

@test "a script written to /tmp cannot be executed" {
    rb run --code 'printf "#!/bin/sh\necho hi\n" > /tmp/s; chmod +x /tmp/s; /tmp/s'
    expect_verdict RE
    expect_true \
        '.exit_code == 126' \
        '.stderr | test("Permission denied")' \
        '.stdout | test("hi") | not'
}

@test "a binary copied to /dev/shm cannot be executed" {
    rb run --code 'cp /bin/true /dev/shm/t && /dev/shm/t'
    expect_verdict RE
    expect_true \
        '.exit_code == 126' \
        '.stderr | test("Permission denied")'
}

@test "inherited fds above 2 are closed" {
    exec 7</dev/null 9>/dev/null
    rb run -- /bin/ls /proc/self/fd
    exec 7<&- 9>&-
    expect_verdict OK
    # ls itself holds one fd on the directory it lists (3)
    expect_true \
        '(.stdout | split("\n") | map(select(. != "")) - ["0","1","2","3"]) == []' \
        '.stdout | test("^0\n1\n2\n")'
}

@test "uname -n prints rustbox-sandbox" {
    rb run -- /bin/uname -n
    expect_verdict OK
    expect_true '.stdout == "rustbox-sandbox\n"'
}

@test "id -u prints first_uid + box id, no supplementary groups" {
    local u
    u=$(box_uid 220)
    rb_init 220
    rb run --box-id 220 --code 'id -u; id -g; id -G'
    expect_verdict OK
    expect_jq .stdout "$u
$u
$u"
    rb cleanup --box-id 220
    expect_status 0
}

@test "a one-shot box runs as first_uid + its box id" {
    rb run -- /usr/bin/id -u
    expect_verdict OK
    local id
    id=$(jq -r .box_id <<<"$out")
    expect_jq .stdout "$(box_uid "$id")"
}

@test "the box's root tmpfs contains a disk bomb" {
    rb run --file-size 1G --memory 1G --time "$(tscale 1)" --wall-time "$(tscale 10)" --code 'head -c 1G /dev/zero > bomb; echo rc=$?'
    expect_one_json
    expect_true \
        '.verdict != "IE"' \
        '.stderr | test("No space left on device")' \
        '.cleanup.outcome == "success" or .cleanup.outcome == "partial"'
}

# ---- mount points a persistent box left behind; file and dir binds ---------

# fifo_in_box N NAME: box N's work dir holds a FIFO NAME. Special files are
# swept before and after a run unless --special-files, so the runs below
# keep them; should the FIFO be gone anyway, it is made from the host, so
# that the next run still meets one. (An isolate-syntax box keeps box/ next
# to root/, a native one inside its root.)
fifo_in_box() {
    local p="$T/work/$RB_PREFIX-$1/root/box/$2"
    [[ -d "$T/work/$RB_PREFIX-$1/root/box" ]] || p="$T/work/$RB_PREFIX-$1/box/$2"
    [[ -p "$p" ]] || mkfifo -m 0644 "$p" || fail "cannot make the FIFO $p"
}

@test "a FIFO at a file bind's mount point in a persistent box: IE naming the path, promptly" {
    local f="$BATS_TEST_TMPDIR/checker.txt"
    echo checker >"$f"
    rb_init 230
    rb run --box-id 230 --special-files --code 'mkfifo /box/checker.txt'
    expect_verdict OK
    fifo_in_box 230 checker.txt
    # A proxy that opened the FIFO for writing would wait for a reader for
    # ever; the timeout turns that into a failure instead of a hung suite.
    rb_exec timeout "$(tscale 30)" "$RUSTBOX" run --box-id 230 --special-files --dir "/box/checker.txt=$f" -- /bin/cat /box/checker.txt
    expect_verdict IE
    expect_true \
        '.reason | test("mount point /box/checker\\.txt .*FIFO")' \
        ".wall_time_s < $(tscale 2)" \
        '.stdout == ""'
    rb cleanup --box-id 230
    expect_status 0
}

@test "isolate syntax: a FIFO at a file bind's mount point: status XX naming the path, no hang" {
    local f="$BATS_TEST_TMPDIR/checker.txt" meta="$BATS_TEST_TMPDIR/meta"
    echo checker >"$f"
    echo 231 >>"$T/persistent_ids"
    iso --box-id=231 --cg --init
    expect_status 0
    iso --box-id=231 --cg --special-files --run -- /usr/bin/mkfifo checker.txt
    expect_status 0
    fifo_in_box 231 checker.txt
    # isolate's syntax has no wall limit unless given: a blocked proxy hangs.
    rb_exec timeout "$(tscale 30)" "$ISOLATE" --box-id=231 --cg --special-files --dir="/box/checker.txt=$f" -M "$meta" \
        --run -- /bin/cat /box/checker.txt
    expect_status 2
    [[ -z "$out" ]] || fail "the program ran"
    grep -qx 'status:XX' "$meta" || fail "meta has no status:XX: $(<"$meta")"
    grep -qE '^message:.*mount point /box/checker\.txt .*FIFO' "$meta" || fail "meta message: $(<"$meta")"
    [[ "$err" == *"/box/checker.txt"* ]] || fail "stderr does not name /box/checker.txt"
    iso --box-id=231 --cg --cleanup
    expect_status 0
}

@test "a read-only file bind: readable, a write fails with EROFS, on every run" {
    local f="$BATS_TEST_TMPDIR/in.txt"
    echo input >"$f"
    # Writable by anyone: only the read-only mount may stop the write.
    chmod 0666 "$f"
    rb run --dir "/in.txt=$f" --code 'cat /in.txt; echo more >>/in.txt'
    expect_verdict RE
    expect_true \
        '.stdout == "input\n"' \
        '.stderr | test("/in.txt: Read-only file system")'
    # In a persistent box the second run finds the mount point the first made.
    rb_init 232
    for _ in 1 2; do
        rb run --box-id 232 --dir "/box/in.txt=$f" --code 'cat /box/in.txt; echo more >>/box/in.txt'
        expect_verdict RE
        expect_true \
            '.stdout == "input\n"' \
            '.stderr | test("/box/in.txt: Read-only file system")'
    done
    rb cleanup --box-id 232
    expect_status 0
    [[ "$(<"$f")" == input ]] || fail "the host file changed: $(<"$f")"
}

@test "a file bind with :rw is writable" {
    local f="$BATS_TEST_TMPDIR/out.txt"
    echo input >"$f"
    chmod 0666 "$f"
    rb run --dir "/out.txt=$f:rw" --code 'cat /out.txt; echo more >>/out.txt'
    expect_verdict OK
    expect_true '.stdout == "input\n"'
    [[ "$(<"$f")" == $'input\nmore' ]] || fail "the host file holds: $(<"$f")"
}

@test "a read-only dir bind: readable, writes fail with EROFS; with :rw writable" {
    local d="$BATS_TEST_TMPDIR/data"
    mkdir "$d"
    echo data >"$d/f"
    # Writable by anyone: only the read-only mount may stop the writes.
    chmod 0777 "$d"
    chmod 0666 "$d/f"
    rb run --dir "/data=$d" --code 'cat /data/f; echo more >>/data/f; echo new >/data/new'
    expect_verdict RE
    expect_true \
        '.stdout == "data\n"' \
        '.stderr | test("/data/f: Read-only file system")' \
        '.stderr | test("/data/new: Read-only file system")'
    [[ "$(<"$d/f")" == data && ! -e "$d/new" ]] || fail "the host dir changed: $(ls -l "$d")"
    rb run --dir "/data=$d:rw" --code 'cat /data/f; echo more >>/data/f; echo new >/data/new'
    expect_verdict OK
    expect_true '.stdout == "data\n"'
    [[ "$(<"$d/f")" == $'data\nmore' && "$(<"$d/new")" == new ]] || fail "the host dir holds: $(ls -l "$d")"
}

@test "a submount below a read-only dir bind: read-only, nosuid, nodev (noexec with :noexec)" {
    local d="$BATS_TEST_TMPDIR/data" mp
    mkdir "$d"
    host_tmpfs "$d/sub"
    echo data >"$d/sub/f"
    chmod 0666 "$d/sub/f"
    rb run --dir "/data=$d" --dir "/datax=$d:noexec" \
        --code 'cat /proc/self/mountinfo; cat /data/sub/f >&2; echo more >>/data/sub/f; echo new >/data/sub/new'
    expect_verdict RE
    expect_true \
        '.stderr | startswith("data\n")' \
        '.stderr | test("/data/sub/f: Read-only file system")' \
        '.stderr | test("/data/sub/new: Read-only file system")'
    [[ "$(<"$d/sub/f")" == data && ! -e "$d/sub/new" ]] || fail "the host tmpfs changed: $(ls -l "$d/sub")"
    has_opts /data/sub ro nosuid nodev
    has_opts /datax/sub ro nosuid nodev noexec
    # Whatever is mounted below the default binds on this host goes the same way.
    for mp in $(jq -r .stdout <<<"$out" | awk '$5 ~ "^/(bin|lib|lib64|usr)(/|$)" { print $5 }'); do
        has_opts "$mp" ro nosuid nodev
    done
}

@test "a submount below a :rw dir bind: writable where the host's is, nosuid, nodev; a read-only one stays so" {
    local d="$BATS_TEST_TMPDIR/data"
    mkdir "$d"
    host_tmpfs "$d/sub"
    host_tmpfs "$d/rosub" ro
    rb run --dir "/data=$d:rw" \
        --code 'cat /proc/self/mountinfo; echo new >/data/sub/new; echo new >/data/rosub/new'
    expect_verdict RE
    expect_true '.stderr | test("/data/rosub/new: Read-only file system")'
    [[ "$(<"$d/sub/new")" == new && ! -e "$d/rosub/new" ]] || fail "the host tmpfs holds: $(ls -l "$d"/*)"
    has_opts /data/sub rw nosuid nodev
    has_opts /data/rosub ro nosuid nodev
}

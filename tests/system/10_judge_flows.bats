#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Judge0's and CMS's isolate sequences, end to end, through the "isolate"
# name (SPEC §1, isolate mode): each test submits one program the way the
# judge does and asserts what the judge would report for it -- the verdict,
# the output, the exit code or signal, time and memory -- as isolate 1.10.1
# makes the judge report it.
#
# Judge0 (its isolate_job.rb): --init; stdin.txt, stdout.txt, stderr.txt,
# metadata.txt and compile_output.txt written by the judge NEXT TO box/ in
# the printed dir; the source, compile.sh and run.sh in box/; the compile
# step and the run step, both as `/bin/bash script.sh` (so the submission is
# a child of bash, and a signal that kills it is bash's exit status 128+N:
# isolate reports RE and Judge0 "Runtime Error (NZEC)"); the meta file split
# at the first ':'; chown -R, rm -rf box/* and the side files, --cleanup,
# and "Internal Error" if the dir is still there. Its four limit modes:
# --cg-timing/--no-cg-timing and --cg-mem=/-m (no --cg at all when both
# are per-process).
#
# CMS (SPEC §1, "What a judge like CMS relies on"): the box as
# 04_isolate.bats's CMS flow drives it, here with CMS's compile step and the
# way CMS reads the meta file into an exit status for each kind of
# submission (the program runs directly, not under a shell).
#
# Boxes of this file: 1000-1099.

load common

setup_file() { rb_setup_file jf 1000; }
teardown_file() {
    local pid
    if [[ -f "$T/listeners" ]]; then
        while read -r pid; do
            kill "$pid" 2>/dev/null || true
        done <"$T/listeners"
    fi
    rb_teardown_file
}

J0_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Under emulation every compile and run is 10-50 times slower: the guests
# run the flows whose outcome rests on the cgroup backend (memory from
# cg-mem, the OOM kill, CPU time under --cg-timing, files under --cg-mem);
# the rest (signals, exit codes, per-process time, the network, the layout)
# is the same on every backend and runs on the host (backend_independent,
# common.bash).

# ---- the Judge0 client ------------------------------------------------------

# meta_read FILE: the meta file as Judge0 and CMS read it (each line split at
# its first ':') into the associative array M.
meta_read() {
    local line
    declare -gA M=()
    [[ -f "$1" ]] || return 0
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ -n "$line" ]] || continue
        M[${line%%:*}]=${line#*:}
    done <"$1"
}

# Judge0's strip(): every line right-stripped, then the whole right-stripped.
# (The command substitution around it drops the trailing newlines.)
j0_strip() {
    sed -e 's/[[:space:]]*$//' <<<"$1"
}

# j0_file NAME: Judge0's initialize_file (touch, then chown to the worker).
j0_file() {
    touch "$1" && chown "$(id -u):$(id -g)" "$1"
}

# j0_submit ID LANG SOURCE [key=value...]: one Judge0 submission, in box ID.
# LANG: c ("gcc %s main.c", "./a.out") or python ("python3 script.py").
# Keys (Judge0's submission fields; Judge0's defaults): stdin, expected
# (expected_output; unset: none), cpu 5, extra 1, wall 10, stack 64000,
# procs 60, mem 128000, fsize 1024, net 0 (enable_network), pp_time 0 and
# pp_mem 0 (enable_per_process_and_thread_time/memory_limit).
# Sets what Judge0 would store: J0_STATUS, J0_STDOUT, J0_STDERR,
# J0_COMPILE_OUTPUT, J0_TIME, J0_WALL, J0_MEMORY, J0_EXIT_CODE,
# J0_EXIT_SIGNAL, J0_MESSAGE; and for the checks J0_WORKDIR, J0_RUN_META
# (a copy of the run's meta file), J0_ISO_RC (the run's isolate exit code),
# J0_ISO_ERR (isolate's stderr where Judge0 does not keep it).
j0_submit() {
    local id=$1 lang=$2 src=$3
    shift 3
    local -A s=([cpu]=5 [extra]=1 [wall]=10 [stack]=64000 [procs]=60 [mem]=128000 [fsize]=1024
        [net]=0 [pp_time]=0 [pp_mem]=0 [stdin]="")
    local kv
    for kv in "$@"; do s[${kv%%=*}]=${kv#*=}; done

    local source_file compile_cmd="" run_cmd
    case $lang in
        c) source_file=main.c compile_cmd="gcc %s main.c" run_cmd="./a.out" ;;
        python) source_file=script.py run_cmd="python3 script.py" ;;
        *) fail "unknown language $lang" ;;
    esac

    # The flags Judge0 derives from the two per-process switches.
    local -a cg=() timing=() mem_run=() mem_max=()
    if [[ ${s[pp_time]} == 0 || ${s[pp_mem]} == 0 ]]; then cg=(--cg); fi
    if [[ ${s[pp_time]} == 1 ]]; then
        if ((${#cg[@]})); then timing=(--no-cg-timing); fi
    else
        timing=(--cg-timing)
    fi
    if [[ ${s[pp_mem]} == 1 ]]; then
        mem_run=(-m "${s[mem]}") mem_max=(-m 512000)
    else
        mem_run=("--cg-mem=${s[mem]}") mem_max=(--cg-mem=512000)
    fi
    local -a env=(-E HOME=/tmp -E "PATH=$J0_PATH" -E LANG -E LANGUAGE -E LC_ALL
        -E JUDGE0_HOMEPAGE -E JUDGE0_SOURCE_CODE -E JUDGE0_MAINTAINER -E JUDGE0_VERSION)

    J0_STATUS="" J0_STDOUT="" J0_STDERR="" J0_COMPILE_OUTPUT="" J0_TIME="" J0_WALL=""
    J0_MEMORY="" J0_EXIT_CODE="" J0_EXIT_SIGNAL="" J0_MESSAGE="" J0_RUN_META="" J0_ISO_RC=""
    J0_ISO_ERR="$BATS_TEST_TMPDIR/isolate.err"
    : >"$J0_ISO_ERR"

    # initialize_workdir
    echo "$id" >>"$T/persistent_ids"
    J0_WORKDIR=$("$ISOLATE" "${cg[@]}" -b "$id" --init 2>>"$J0_ISO_ERR") ||
        fail "isolate --init failed: $(cat "$J0_ISO_ERR")"
    local W=$J0_WORKDIR B=$J0_WORKDIR/box
    [[ -n "$W" && -d "$B" ]] || fail "--init printed '$W', which has no box/"
    local f
    for f in stdin.txt stdout.txt stderr.txt metadata.txt; do j0_file "$W/$f"; done
    printf '%s' "$src" >"$B/$source_file"
    printf '%s' "${s[stdin]}" >"$W/stdin.txt"

    # compile
    local rc compiled=1
    if [[ -n "$compile_cmd" ]]; then
        printf '%s' "${compile_cmd//%s/}" >"$B/compile.sh"
        j0_file "$W/compile_output.txt"
        rc=0
        "$ISOLATE" "${cg[@]}" -s -b "$id" -M "$W/metadata.txt" --stderr-to-stdout -i /dev/null \
            -t "$(tscale 15)" -x 0 -w "$(tscale 20)" -k 128000 -p120 "${timing[@]}" "${mem_max[@]}" \
            -f 4096 "${env[@]}" -d /etc:noexec --run -- /bin/bash compile.sh \
            >"$W/compile_output.txt" 2>>"$J0_ISO_ERR" || rc=$?
        J0_COMPILE_OUTPUT=$(cat "$W/compile_output.txt")
        meta_read "$W/metadata.txt"
        rm -rf "$W/metadata.txt"
        j0_file "$W/metadata.txt"
        rm -rf "$W/compile_output.txt" "$B/compile.sh"
        if [[ $rc != 0 ]]; then
            if [[ "${M[status]:-}" == TO ]]; then J0_COMPILE_OUTPUT="Compilation time limit exceeded."; fi
            J0_STATUS="Compilation Error"
            compiled=0
        fi
    fi

    if ((compiled)); then
        # run
        printf '%s ' "$run_cmd" >"$B/run.sh"
        local -a net=()
        if [[ ${s[net]} == 1 ]]; then net=(--share-net); fi
        J0_ISO_RC=0
        "$ISOLATE" "${cg[@]}" -s -b "$id" -M "$W/metadata.txt" "${net[@]}" -t "${s[cpu]}" -x "${s[extra]}" \
            -w "${s[wall]}" -k "${s[stack]}" "-p${s[procs]}" "${timing[@]}" "${mem_run[@]}" -f "${s[fsize]}" \
            "${env[@]}" -d /etc:noexec --run -- /bin/bash run.sh \
            <"$W/stdin.txt" >"$W/stdout.txt" 2>"$W/stderr.txt" || J0_ISO_RC=$?
        rm -f "$B/run.sh"

        # verify
        J0_RUN_META="$BATS_TEST_TMPDIR/run.meta"
        cp "$W/metadata.txt" "$J0_RUN_META"
        meta_read "$W/metadata.txt"
        J0_STDOUT=$(cat "$W/stdout.txt")
        J0_STDERR=$(cat "$W/stderr.txt")
        J0_TIME=${M[time]:-}
        J0_WALL=${M[time-wall]:-}
        if ((${#cg[@]})); then J0_MEMORY=${M[cg-mem]:-}; else J0_MEMORY=${M[max-rss]:-}; fi
        J0_EXIT_CODE=${M[exitcode]:-0}
        J0_EXIT_SIGNAL=${M[exitsig]:-}
        J0_MESSAGE=${M[message]:-}
        case ${M[status]:-} in
            TO) J0_STATUS="Time Limit Exceeded" ;;
            SG)
                case ${M[exitsig]:-0} in
                    11) J0_STATUS="Runtime Error (SIGSEGV)" ;;
                    25) J0_STATUS="Runtime Error (SIGXFSZ)" ;;
                    8) J0_STATUS="Runtime Error (SIGFPE)" ;;
                    6) J0_STATUS="Runtime Error (SIGABRT)" ;;
                    *) J0_STATUS="Runtime Error (Other)" ;;
                esac
                ;;
            RE) J0_STATUS="Runtime Error (NZEC)" ;;
            XX) J0_STATUS="Internal Error" ;;
            *)
                if [[ -z "${s[expected]+x}" || "$(j0_strip "${s[expected]}")" == "$(j0_strip "$J0_STDOUT")" ]]; then
                    J0_STATUS="Accepted"
                else
                    J0_STATUS="Wrong Answer"
                fi
                ;;
        esac
        if [[ "$J0_STATUS" == "Internal Error" && "$J0_MESSAGE" =~ ^execve\(.+\):\ (Exec\ format\ error|No\ such\ file\ or\ directory|Permission\ denied)$ ]]; then
            J0_STATUS="Exec Format Error"
        fi
    fi

    # cleanup
    chown -R "$(id -u):$(id -g)" "$B"
    rm -rf "${B:?}"/* "${W:?}"/tmp/*
    rm -rf "$W/stdin.txt" "$W/stdout.txt" "$W/stderr.txt" "$W/metadata.txt"
    "$ISOLATE" "${cg[@]}" -b "$id" --cleanup >/dev/null 2>>"$J0_ISO_ERR" || true
    if [[ -d "$W" ]]; then
        J0_STATUS="Internal Error" J0_MESSAGE="Cleanup of sandbox $id failed."
    fi
    j0_show
}

# What Judge0 stored, for the test's log.
j0_show() {
    echo "judge0: status='$J0_STATUS' exit_code=$J0_EXIT_CODE exit_signal='$J0_EXIT_SIGNAL'" \
        "time=$J0_TIME wall=$J0_WALL memory=$J0_MEMORY message='$J0_MESSAGE'"
    echo "stdout: $J0_STDOUT"
    echo "stderr: $J0_STDERR"
    echo "compile_output: $J0_COMPILE_OUTPUT"
    if [[ -n "$J0_RUN_META" ]]; then
        echo "isolate exit $J0_ISO_RC, meta:"
        cat "$J0_RUN_META"
    fi
    if [[ -s "$J0_ISO_ERR" ]]; then
        echo "isolate stderr:"
        cat "$J0_ISO_ERR"
    fi
}

j0_fail() {
    echo "FAIL: $*"
    return 1
}

# j0_expect STATUS: Judge0's verdict is STATUS.
j0_expect() {
    [[ "$J0_STATUS" == "$1" ]] || j0_fail "Judge0 reports '$J0_STATUS', expected '$1'"
}

# j0_expect_nzec CODE: Runtime Error (NZEC) with exit code CODE and no signal.
j0_expect_nzec() {
    j0_expect "Runtime Error (NZEC)"
    [[ "$J0_EXIT_CODE" == "$1" ]] || j0_fail "exit_code $J0_EXIT_CODE, expected $1"
    [[ -z "$J0_EXIT_SIGNAL" ]] || j0_fail "exit_signal '$J0_EXIT_SIGNAL', expected none"
    [[ "$J0_MESSAGE" == "Exited with error status $1" ]] || j0_fail "message '$J0_MESSAGE'"
}

# j0_expect_in VAR LO HI: LO <= VAR < HI (numbers).
j0_expect_in() {
    awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 < hi) }' ||
        j0_fail "$1 is '$2', expected in [$3, $4)"
}

# tplus BASE SLACK: BASE + SLACK, the slack scaled (tscale) under emulation.
tplus() {
    awk -v b="$1" -v s="$(tscale "$2")" 'BEGIN { print b + s }'
}

# The box dir is gone after Judge0's cleanup, nothing of it mounted.
j0_expect_clean() {
    [[ ! -e "$J0_WORKDIR" ]] || j0_fail "$J0_WORKDIR is still there after --cleanup"
    ! grep -qF "$J0_WORKDIR" /proc/self/mountinfo || j0_fail "a mount under $J0_WORKDIR is left"
}

# ---- submissions ------------------------------------------------------------

C_HELLO='#include <stdio.h>
int main(void) { char name[64]; if (scanf("%63s", name) != 1) return 1; printf("hello, %s\n", name); return 0; }
'
PY_HELLO='print("hello, " + input().strip())
'
C_SEGV='#include <stdio.h>
int main(void) { volatile int *p = 0; printf("before\n"); fflush(stdout); *p = 1; return 0; }
'
PY_SEGV='import ctypes
print("before", flush=True)
ctypes.string_at(0)
'
C_ABORT='#include <stdlib.h>
int main(void) { abort(); }
'
PY_ABORT='import os
os.abort()
'
C_FPE='#include <stdio.h>
int main(void) { volatile int zero = 0; printf("%d\n", 7 / zero); return 0; }
'
PY_FPE='print(1 // 0)
'
C_EXIT3='int main(void) { return 3; }
'
PY_EXIT3='import sys
sys.exit(3)
'
C_SPIN='int main(void) { volatile unsigned long x = 0; for (;;) x++; }
'
PY_SPIN='while True:
    pass
'
# Allocates and touches 200 MiB, 1 MiB at a time; says so and exits 3 when
# malloc fails (as it does under -m, RLIMIT_AS).
C_HOG='#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    for (int i = 0; i < 200; i++) {
        char *p = malloc(1 << 20);
        if (!p) { printf("malloc failed after %d MiB\n", i); return 3; }
        memset(p, 1, 1 << 20);
    }
    printf("allocated 200 MiB\n");
    return 0;
}
'
PY_HOG='blocks = []
for i in range(200):
    blocks.append(b"x" * (1 << 20))
print("allocated 200 MiB")
'
# Writes 2 MiB into a file of the box, 64 KiB at a time.
C_BIGFILE='#include <stdio.h>
#include <string.h>
int main(void) {
    static char buf[65536];
    memset(buf, 120, sizeof buf);
    FILE *f = fopen("big.bin", "w");
    if (!f) { perror("big.bin"); return 5; }
    for (int i = 0; i < 32; i++) fwrite(buf, 1, sizeof buf, f);
    fclose(f);
    printf("wrote 2 MiB\n");
    return 0;
}
'
PY_BIGFILE='with open("big.bin", "wb") as f:
    for i in range(32):
        f.write(b"x" * 65536)
print("wrote 2 MiB")
'
# Prints "connected" or "refused" for a TCP connection to 127.0.0.1:PORT
# (PORT on stdin): the host's listener is reachable only from the host's
# network namespace.
C_CONNECT='#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
int main(void) {
    int port;
    if (scanf("%d", &port) != 1) return 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    puts(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? "connected" : "refused");
    return 0;
}
'
PY_CONNECT='import socket
port = int(input())
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    print("connected")
except OSError:
    print("refused")
'
C_LS='#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(void) {
    char *names[256];
    int n = 0;
    DIR *d = opendir("/");
    if (!d) { perror("/"); return 1; }
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    qsort(names, n, sizeof *names, cmp);
    for (int i = 0; i < n; i++) puts(names[i]);
    return 0;
}
'
PY_LS='import os
print("\n".join(sorted(os.listdir("/"))))
'
# Burns 2 s of its own CPU time, then prints "done".
C_BURN2='#include <stdio.h>
#include <time.h>
int main(void) {
    struct timespec ts;
    volatile unsigned long x = 0;
    do { for (int i = 0; i < 100000; i++) x++; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); } while (ts.tv_sec < 2);
    printf("done\n");
    return 0;
}
'
PY_BURN2='import time
while time.process_time() < 2.0:
    pass
print("done")
'

# What the program sees at / in isolate's box with Judge0's -d /etc:noexec:
# the default dirs and etc, nothing the judge wrote next to box/.
ISOLATE_ROOT_LIST="bin
box
dev
etc
lib
lib64
proc
tmp
usr"

lang_src() { # lang_src LANG NAME: the source of submission NAME in LANG
    local v
    if [[ $1 == c ]]; then v="C_$2"; else v="PY_$2"; fi
    printf '%s' "${!v}"
}

# ---- Judge0: one test per kind of submission, C and Python ------------------

@test "judge0 C hello: Accepted, output kept, memory from cg-mem, box dir gone after cleanup" {
    j0_submit 1000 c "$C_HELLO" stdin=world expected="hello, world"
    j0_expect Accepted
    [[ "$J0_STDOUT" == "hello, world" ]] || j0_fail "stdout '$J0_STDOUT'"
    [[ -z "$J0_STDERR" ]] || j0_fail "stderr '$J0_STDERR'"
    [[ -z "$J0_COMPILE_OUTPUT" ]] || j0_fail "compile_output '$J0_COMPILE_OUTPUT'"
    [[ "$J0_EXIT_CODE" == 0 && -z "$J0_EXIT_SIGNAL" && -z "$J0_MESSAGE" ]] || j0_fail "exit/signal/message"
    [[ "$J0_ISO_RC" == 0 ]] || j0_fail "isolate exited $J0_ISO_RC"
    j0_expect_in time "$J0_TIME" 0 "$(tscale 1)"
    [[ "$J0_MEMORY" =~ ^[0-9]+$ && "$J0_MEMORY" -gt 0 ]] || j0_fail "memory '$J0_MEMORY'"
    j0_expect_clean
}

@test "judge0 Python hello: Accepted" {
    backend_independent
    j0_submit 1001 python "$PY_HELLO" stdin=world expected="hello, world"
    j0_expect Accepted
    [[ "$J0_STDOUT" == "hello, world" ]] || j0_fail "stdout '$J0_STDOUT'"
    [[ -z "$J0_STDERR" ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

@test "judge0 C and Python wrong answer: Wrong Answer" {
    backend_independent
    local lang id=1002
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang HELLO)" stdin=there expected="hello, world"
        j0_expect "Wrong Answer"
        [[ "$J0_STDOUT" == "hello, there" ]] || j0_fail "$lang: stdout '$J0_STDOUT'"
        j0_expect_clean
        id=$((id + 1))
    done
}

@test "judge0 C compile error: Compilation Error with gcc's message, nothing run" {
    backend_independent
    j0_submit 1004 c 'int main(void) { return undeclared; }' expected="x"
    j0_expect "Compilation Error"
    [[ "$J0_COMPILE_OUTPUT" == *"main.c"*"error"*"undeclared"* ]] || j0_fail "compile_output '$J0_COMPILE_OUTPUT'"
    [[ -z "$J0_STDOUT" && -z "$J0_RUN_META" ]] || j0_fail "the run step ran"
    j0_expect_clean
}

@test "judge0 Python syntax error (no compile step): Runtime Error (NZEC), exit 1" {
    backend_independent
    j0_submit 1005 python 'print("unclosed"' expected="x"
    j0_expect_nzec 1
    [[ "$J0_STDERR" == *SyntaxError* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

# Under run.sh the submission is bash's child: bash reports the signal and
# exits 128+N, which isolate reports as RE.
@test "judge0 C SIGSEGV: Runtime Error (NZEC), exit 139, bash's message on stderr" {
    backend_independent
    j0_submit 1006 c "$C_SEGV"
    j0_expect_nzec 139
    [[ "$J0_STDOUT" == before ]] || j0_fail "stdout '$J0_STDOUT'"
    [[ "$J0_STDERR" == *"Segmentation fault"* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

@test "judge0 Python SIGSEGV: Runtime Error (NZEC), exit 139" {
    backend_independent
    j0_submit 1007 python "$PY_SEGV"
    j0_expect_nzec 139
    [[ "$J0_STDOUT" == before ]] || j0_fail "stdout '$J0_STDOUT'"
    [[ "$J0_STDERR" == *"Segmentation fault"* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

@test "judge0 C and Python abort: Runtime Error (NZEC), exit 134" {
    backend_independent
    local lang id=1008
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang ABORT)"
        j0_expect_nzec 134
        [[ "$J0_STDERR" == *Aborted* ]] || j0_fail "$lang: stderr '$J0_STDERR'"
        j0_expect_clean
        id=$((id + 1))
    done
}

@test "judge0 C division by zero (SIGFPE): Runtime Error (NZEC), exit 136" {
    backend_independent
    j0_submit 1010 c "$C_FPE"
    j0_expect_nzec 136
    [[ "$J0_STDERR" == *"Floating point exception"* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

@test "judge0 Python division by zero: Runtime Error (NZEC), exit 1, the traceback on stderr" {
    backend_independent
    j0_submit 1011 python "$PY_FPE"
    j0_expect_nzec 1
    [[ "$J0_STDERR" == *ZeroDivisionError* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

@test "judge0 C exit 3 and Python sys.exit(3): Runtime Error (NZEC), exit 3" {
    backend_independent
    local lang id=1012
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang EXIT3)"
        j0_expect_nzec 3
        j0_expect_clean
        id=$((id + 1))
    done
}

# isolate's -x: the box is killed at the first check (every 0.1 s) where the
# CPU time is past both -t and -x, so -t 1 -x 0.5 stops it at 1.0-1.1 s.
@test "judge0 C and Python busy loop, -t 1 -x 0.5: Time Limit Exceeded at 1.0-1.2 s" {
    local lang id=1014
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang SPIN)" cpu=1 extra=0.5 wall="$(tscale 5)"
        j0_expect "Time Limit Exceeded"
        j0_expect_in "$lang time" "$J0_TIME" 1.0 "$(tplus 1 0.2)"
        [[ "$J0_MESSAGE" == "Time limit exceeded" ]] || j0_fail "$lang: message '$J0_MESSAGE'"
        j0_expect_clean
        id=$((id + 1))
    done
}

# --cg-mem: the cgroup OOM killer ends the submission, bash reports "Killed"
# and exits 137; isolate: RE, exitcode 137, cg-oom-killed.
@test "judge0 C and Python 200 MiB under --cg-mem=128000: Runtime Error (NZEC), exit 137, memory at the limit" {
    local lang id=1016
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang HOG)" wall="$(tscale 10)"
        j0_expect_nzec 137
        [[ "$J0_STDERR" == *Killed* ]] || j0_fail "$lang: stderr '$J0_STDERR'"
        [[ -z "$J0_STDOUT" ]] || j0_fail "$lang: stdout '$J0_STDOUT'"
        j0_expect_in "$lang memory" "$J0_MEMORY" 115000 129025
        grep -qx 'cg-oom-killed:1' "$J0_RUN_META" || j0_fail "$lang: no cg-oom-killed:1 in the meta file"
        j0_expect_clean
        id=$((id + 1))
    done
}

# Per-process memory (-m, RLIMIT_AS): the allocation fails in the program,
# which reports it itself.
@test "judge0 C 200 MiB under -m 128000 (per-process memory): malloc fails, Runtime Error (NZEC), exit 3" {
    backend_independent
    j0_submit 1018 c "$C_HOG" pp_mem=1
    j0_expect_nzec 3
    [[ "$J0_STDOUT" =~ ^malloc\ failed\ after\ (1[0-2][0-9])\ MiB$ ]] || j0_fail "stdout '$J0_STDOUT'"
    ! grep -q '^cg-oom-killed' "$J0_RUN_META" || j0_fail "cg-oom-killed in the meta file"
    [[ "$J0_MEMORY" =~ ^[0-9]+$ ]] || j0_fail "memory '$J0_MEMORY'"
    j0_expect_clean
}

@test "judge0 Python 200 MiB under -m 128000 (per-process memory): MemoryError, Runtime Error (NZEC), exit 1" {
    backend_independent
    j0_submit 1019 python "$PY_HOG" pp_mem=1
    j0_expect_nzec 1
    [[ "$J0_STDERR" == *MemoryError* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

# -f 1024: the C program gets SIGXFSZ (bash: exit 153); Python ignores
# SIGXFSZ and raises OSError (EFBIG) instead.
@test "judge0 C 2 MiB file under -f 1024: Runtime Error (NZEC), exit 153" {
    backend_independent
    j0_submit 1020 c "$C_BIGFILE"
    j0_expect_nzec 153
    [[ "$J0_STDERR" == *"File size limit exceeded"* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

@test "judge0 Python 2 MiB file under -f 1024: File too large, Runtime Error (NZEC), exit 1" {
    backend_independent
    j0_submit 1021 python "$PY_BIGFILE"
    j0_expect_nzec 1
    [[ "$J0_STDERR" == *"File too large"* ]] || j0_fail "stderr '$J0_STDERR'"
    j0_expect_clean
}

# enable_network: --share-net puts the box in the host's network namespace,
# where the test's listener on 127.0.0.1 is; without it the box has its own lo.
@test "judge0 C and Python network: with --share-net Accepted (connected), without Wrong Answer (refused)" {
    backend_independent
    local lang id=1022 port pid
    "$HELPERS/tcp_listen" >"$T/listen.port" &
    pid=$!
    echo "$pid" >>"$T/listeners"
    poll 100 0.05 test -s "$T/listen.port" || j0_fail "tcp_listen did not start"
    port=$(head -n 1 "$T/listen.port")
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang CONNECT)" stdin="$port" expected=connected net=1
        j0_expect Accepted
        j0_expect_clean
        j0_submit $((id + 1)) $lang "$(lang_src $lang CONNECT)" stdin="$port" expected=connected
        j0_expect "Wrong Answer"
        [[ "$J0_STDOUT" == refused ]] || j0_fail "$lang without network: stdout '$J0_STDOUT'"
        j0_expect_clean
        id=$((id + 2))
    done
    kill "$pid" 2>/dev/null || true
}

# The files Judge0 keeps next to box/ (stdin.txt, stdout.txt, stderr.txt,
# metadata.txt, compile_output.txt) are outside the sandbox in isolate.
@test "judge0 C and Python listing /: isolate's root, none of the judge's files next to box/" {
    backend_independent
    local lang id=1026
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang LS)" expected="$ISOLATE_ROOT_LIST"
        if grep -qxE 'stdin\.txt|stdout\.txt|stderr\.txt|metadata\.txt|compile_output\.txt' <<<"$J0_STDOUT"; then
            j0_fail "$lang: the program sees the judge's files at /: $(tr '\n' ' ' <<<"$J0_STDOUT")"
        fi
        j0_expect Accepted
        j0_expect_clean
        id=$((id + 1))
    done
}

# Per-process time (--no-cg-timing): isolate watches the CPU time of the main
# process (bash), so the submission, bash's child, runs to its end; its time
# is counted when bash has reaped it, and the run is TO after the fact with
# the output kept.
@test "judge0 C and Python 2 s of CPU under --no-cg-timing -t 1: Time Limit Exceeded, output kept, time about 2 s" {
    # Per-process time is the program's own (its /proc stat, its rusage):
    # no cgroup counts it, so it is the same on every backend.
    backend_independent
    local lang id=1028
    for lang in c python; do
        j0_submit $id $lang "$(lang_src $lang BURN2)" cpu=1 extra=0.5 wall="$(tscale 5)" pp_time=1
        j0_expect "Time Limit Exceeded"
        [[ "$J0_STDOUT" == "done" ]] || j0_fail "$lang: stdout '$J0_STDOUT'"
        j0_expect_in "$lang time" "$J0_TIME" 1.95 "$(tplus 2 0.5)"
        ! grep -q '^killed:' "$J0_RUN_META" || j0_fail "$lang: killed in the meta file"
        j0_expect_clean
        id=$((id + 1))
    done
}

# Both per-process switches: no --cg at all, memory from max-rss (the
# rusage peak of bash and its child, at least bash's own resident size).
@test "judge0 C hello with per-process time and memory (no --cg): Accepted, memory is max-rss" {
    backend_independent
    local bash_rss
    bash_rss=$(bash -c 'awk "/^VmHWM/ { print \$2 }" /proc/$$/status; true')
    j0_submit 1030 c "$C_HELLO" stdin=world expected="hello, world" pp_time=1 pp_mem=1
    j0_expect Accepted
    [[ "$J0_STDOUT" == "hello, world" ]] || j0_fail "stdout '$J0_STDOUT'"
    j0_expect_in memory "$J0_MEMORY" $((bash_rss * 3 / 4)) $((bash_rss * 4))
    j0_expect_clean
}

# ---- CMS --------------------------------------------------------------------

# cms_box ID: CMS's cleanup and init of box ID; CMS_P the box path, CMS_TMP
# the dir CMS binds at /tmp.
cms_box() {
    "$ISOLATE" --box-id="$1" --cg --cleanup >/dev/null 2>&1 || fail "CMS's first cleanup failed"
    echo "$1" >>"$T/persistent_ids"
    CMS_P=$("$ISOLATE" --box-id="$1" --cg --init) || fail "--init failed"
    CMS_TMP="$T/cms-$1"
    mkdir -m 0777 "$CMS_TMP"
}

# cms_run ID PROCESSES TIME WALL MEM_KIB FSIZE_KIB CMD...: one CMS execution
# in box ID (stdin input.txt, stdout output.txt, stderr stderr.txt, files
# pre-created 0722 as CMS does), then CMS's reading of the meta file:
# CMS_EXIT (get_exit_status), CMS_DESC (get_human_exit_description),
# CMS_TIME, CMS_MEM (bytes), CMS_SIG, CMS_CODE, CMS_OUT.
cms_run() {
    local id=$1 procs=$2 time=$3 wall=$4 mem=$5 fsize=$6 rc=0
    shift 6
    local B=$CMS_P/box
    [[ -e "$B/input.txt" ]] || : >"$B/input.txt"
    : >"$B/output.txt"
    : >"$B/stderr.txt"
    chmod 0644 "$B/input.txt"
    chmod 0722 "$B/output.txt" "$B/stderr.txt"
    local -a p=("--processes=$procs")
    [[ "$procs" == bare ]] && p=(--processes)
    rm -f "$T/cms.meta"
    "$ISOLATE" --cg --box-id="$id" --chdir=/box --dir=/tmp="$CMS_TMP":rw --dir=/dev/shm:tmp \
        --dir=/etc/alternatives --env=HOME=/tmp --env=PATH=/usr/bin:/bin --fsize="$fsize" \
        --stdin=input.txt --stdout=output.txt --stderr=stderr.txt --cg-mem="$mem" "${p[@]}" \
        --time="$time" --wall-time="$wall" --extra-time=0.5 --meta="$T/cms.meta" --run -- "$@" \
        >/dev/null 2>"$BATS_TEST_TMPDIR/cms.err" || rc=$?
    echo "isolate exit $rc; stderr: $(cat "$BATS_TEST_TMPDIR/cms.err"); meta:"
    cat "$T/cms.meta" 2>/dev/null
    # translate_box_exitcode: 0 and 1 are a finished sandbox, 2 its failure.
    [[ $rc == 0 || $rc == 1 ]] || fail "isolate exited $rc (CMS: sandbox error)"
    meta_read "$T/cms.meta"
    CMS_TIME=${M[time]:-} CMS_SIG=${M[exitsig]:-0} CMS_CODE=${M[exitcode]:-0}
    CMS_MEM=""
    if [[ -n "${M[cg-mem]:-}" ]]; then CMS_MEM=$((${M[cg-mem]} * 1024)); fi
    case ${M[status]:-} in
        XX) CMS_EXIT="sandbox error" CMS_DESC="Execution failed because of sandbox error" ;;
        TO)
            if [[ "${M[message]:-}" == *wall* ]]; then
                CMS_EXIT="wall timeout" CMS_DESC="Execution timed out (wall clock limit exceeded)"
            else
                CMS_EXIT="timeout" CMS_DESC="Execution timed out"
            fi
            ;;
        SG)
            if [[ -n "${M[cg-oom-killed]+x}" ]]; then
                CMS_EXIT="memory limit exceeded" CMS_DESC="Memory limit exceeded"
            else
                CMS_EXIT="signal" CMS_DESC="Execution killed with signal $CMS_SIG"
            fi
            ;;
        RE) CMS_EXIT="nonzero return" CMS_DESC="Execution failed because the return code was nonzero" ;;
        *) CMS_EXIT="ok" CMS_DESC="Execution successfully finished (with exit code $CMS_CODE)" ;;
    esac
    CMS_OUT=$(head -c 4096 "$B/output.txt")
    echo "CMS: $CMS_EXIT: $CMS_DESC; time $CMS_TIME, memory $CMS_MEM bytes; output: ${CMS_OUT:0:200}"
}

# cms_compile ID SOURCE: CMS's C compilation (multi-process, 10 s, 512 MiB)
# of SOURCE into box/prog; sets CMS_COMPILED to 1 when CMS would call it a
# success (exit status ok and exit code 0).
cms_compile() {
    printf '%s' "$2" >"$CMS_P/box/prog.c"
    chmod 0644 "$CMS_P/box/prog.c"
    cms_run "$1" 1000 "$(tscale 10)" "$(tscale 20)" 524288 1048576 \
        /usr/bin/gcc -DEVAL -std=gnu11 -O2 -pipe -static -s -o prog prog.c -lm
    CMS_COMPILED=0
    if [[ "$CMS_EXIT" == ok && "$CMS_CODE" == 0 ]]; then CMS_COMPILED=1; fi
    CMS_COMPILER_ERR=$(cat "$CMS_P/box/stderr.txt")
}

# cms_eval ID [TIME [WALL [MEM_KIB]]] -- CMD: CMS's evaluation of the
# compiled program (one process, 64 MiB of file size).
cms_eval() {
    local id=$1 time=${2:-1} wall=${3:-3} mem=${4:-262144}
    cms_run "$id" 1 "$time" "$wall" "$mem" 65536 ./prog
}

cms_done() {
    "$ISOLATE" --box-id="$1" --cg --cleanup >/dev/null 2>&1 || fail "CMS's cleanup failed"
    [[ ! -e "$CMS_P" ]] || fail "$CMS_P is still there after --cleanup"
}

@test "CMS: C compiled in the box, run: ok, output kept, time and memory read" {
    backend_independent
    cms_box 1050
    cms_compile 1050 "$C_HELLO"
    [[ $CMS_COMPILED == 1 ]] || fail "compilation: $CMS_EXIT: $CMS_COMPILER_ERR"
    printf 'cms\n' >"$CMS_P/box/input.txt"
    cms_eval 1050
    [[ "$CMS_EXIT" == ok && "$CMS_CODE" == 0 ]] || fail "CMS: $CMS_EXIT (exit code $CMS_CODE)"
    [[ "$CMS_OUT" == "hello, cms" ]] || fail "output.txt: '$CMS_OUT'"
    [[ "$CMS_TIME" =~ ^[0-9]+\.[0-9]+$ && "$CMS_MEM" =~ ^[0-9]+$ ]] || fail "time '$CMS_TIME' memory '$CMS_MEM'"
    cms_done 1050
}

@test "CMS: C compile error: compilation failed (nonzero return), gcc's message kept" {
    backend_independent
    cms_box 1051
    cms_compile 1051 'int main(void) { return undeclared; }'
    [[ $CMS_COMPILED == 0 && "$CMS_EXIT" == "nonzero return" ]] || fail "compilation: $CMS_EXIT"
    [[ "$CMS_COMPILER_ERR" == *undeclared* ]] || fail "compiler stderr: '$CMS_COMPILER_ERR'"
    cms_done 1051
}

@test "CMS: C SIGSEGV, abort, SIGFPE, SIGXFSZ run directly: killed with signal 11, 6, 8, 25" {
    backend_independent
    local name sig
    cms_box 1052
    for name in SEGV:11 ABORT:6 FPE:8 BIGFILE:25; do
        sig=${name#*:}
        cms_compile 1052 "$(lang_src c "${name%:*}")"
        [[ $CMS_COMPILED == 1 ]] || fail "${name%:*}: compilation: $CMS_EXIT: $CMS_COMPILER_ERR"
        if [[ $sig == 25 ]]; then
            cms_run 1052 1 1 3 262144 1024 ./prog
        else
            cms_eval 1052
        fi
        [[ "$CMS_EXIT" == signal && "$CMS_SIG" == "$sig" ]] || fail "${name%:*}: CMS: $CMS_EXIT signal $CMS_SIG"
        [[ "$CMS_DESC" == "Execution killed with signal $sig" ]] || fail "${name%:*}: '$CMS_DESC'"
    done
    cms_done 1052
}

@test "CMS: C exit 3 and Python sys.exit(3): nonzero return" {
    backend_independent
    cms_box 1053
    cms_compile 1053 "$C_EXIT3"
    [[ $CMS_COMPILED == 1 ]] || fail "compilation: $CMS_EXIT"
    cms_eval 1053
    [[ "$CMS_EXIT" == "nonzero return" && "$CMS_CODE" == 3 ]] || fail "C: CMS: $CMS_EXIT exit code $CMS_CODE"
    printf '%s' "$PY_EXIT3" >"$CMS_P/box/prog.py"
    chmod 0644 "$CMS_P/box/prog.py"
    cms_run 1053 1 1 3 262144 65536 /usr/bin/python3 prog.py
    [[ "$CMS_EXIT" == "nonzero return" && "$CMS_CODE" == 3 ]] || fail "Python: CMS: $CMS_EXIT exit code $CMS_CODE"
    cms_done 1053
}

@test "CMS: busy loop: timeout (not wall), time past the limit; sleeping: wall timeout" {
    backend_independent
    cms_box 1054
    cms_compile 1054 "$C_SPIN"
    [[ $CMS_COMPILED == 1 ]] || fail "compilation: $CMS_EXIT"
    cms_eval 1054 0.5 "$(tscale 3)"
    [[ "$CMS_EXIT" == timeout && "$CMS_DESC" == "Execution timed out" ]] || fail "CMS: $CMS_EXIT"
    j0_expect_in time "$CMS_TIME" 0.5 "$(tplus 0.5 0.3)"
    cms_run 1054 1 1 0.5 262144 65536 /bin/sleep 5
    [[ "$CMS_EXIT" == "wall timeout" ]] || fail "sleep: CMS: $CMS_EXIT"
    cms_done 1054
}

@test "CMS: 200 MiB under --cg-mem=65536, run directly: memory limit exceeded" {
    cms_box 1055
    cms_compile 1055 "$C_HOG"
    [[ $CMS_COMPILED == 1 ]] || fail "compilation: $CMS_EXIT"
    cms_eval 1055 1 "$(tscale 3)" 65536
    [[ "$CMS_EXIT" == "memory limit exceeded" ]] || fail "CMS: $CMS_EXIT"
    [[ "$CMS_SIG" == 9 ]] || fail "exitsig $CMS_SIG"
    cms_done 1055
}

# A box's files live on disk in isolate: what the program writes into /box is
# page cache the kernel can write back, not memory the program holds, so it
# does not count as the program's memory use.
@test "CMS: 64 MiB written to output.txt under --cg-mem=32768: ok, the whole output kept" {
    cms_box 1056
    # The kernel-matrix guests have no disk: their /tmp, where this suite's
    # boxes live, is a tmpfs, whose pages are memory wherever they are.
    [[ "$(stat -f -c %T "$CMS_P")" != tmpfs ]] ||
        skip "the box dir is on a tmpfs here (no disk): its files are memory, as documented"
    cms_compile 1056 '#include <string.h>
#include <unistd.h>
int main(void) {
    static char buf[65536];
    memset(buf, 120, sizeof buf);
    for (int i = 0; i < 1024; i++)
        if (write(1, buf, sizeof buf) != (long)sizeof buf) return 4;
    return 0;
}
'
    [[ $CMS_COMPILED == 1 ]] || fail "compilation: $CMS_EXIT"
    cms_run 1056 1 "$(tscale 2)" "$(tscale 6)" 32768 1048576 ./prog
    [[ "$CMS_EXIT" == ok && "$CMS_CODE" == 0 ]] || fail "CMS: $CMS_EXIT (exit code $CMS_CODE)"
    [[ "$(stat -c %s "$CMS_P/box/output.txt")" == 67108864 ]] ||
        fail "output.txt holds $(stat -c %s "$CMS_P/box/output.txt") bytes"
    cms_done 1056
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the verdict decision: one test per row of SPEC §2's verdict
 * table and per rule of verdict_classify, then the precedence between rules
 * that hold at once, since a real run often satisfies several (a program the
 * supervisor kills for its CPU time also ends by SIGKILL). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "result.h"
#include "verdict.h"

/* The config's default limits (SPEC §8). */
static const struct rb_limits limits = {
    .cpu_time_s = 1.0,
    .wall_time_s = 3.0,
    .extra_time_s = 0.5,
    .memory = 256ULL << 20,
    .processes = 64,
    .file_size = 64ULL << 20,
    .open_files = 64,
    .stack = 64ULL << 20,
    .output_limit = 64ULL << 20,
};

static struct rb_verdict_input exited(int code)
{
    return (struct rb_verdict_input){
        .have_status = true,
        .status = W_EXITCODE(code, 0),
        .cpu_time_s = 0.01,
        .wall_time_s = 0.02,
        .limits = &limits,
    };
}

static struct rb_verdict_input signaled(int sig)
{
    struct rb_verdict_input in = exited(0);
    in.status = W_EXITCODE(0, sig);
    return in;
}

struct expect {
    enum rb_verdict verdict;
    const char *reason; /* NULL: no reason */
    bool exited;
    int exit_code;
    int signal;
};

static void check(const struct rb_verdict_input *in, struct expect want)
{
    struct rb_result res;
    memset(&res, 0, sizeof(res));
    verdict_classify(in, &res);
    if (res.verdict != want.verdict)
        fail_msg("verdict %s, want %s", verdict_name(res.verdict), verdict_name(want.verdict));
    if (want.reason)
        assert_string_equal(res.reason, want.reason);
    else
        assert_null(res.reason);
    assert_int_equal(res.exited, want.exited);
    assert_int_equal(res.exit_code, want.exit_code);
    assert_int_equal(res.signal, want.signal);
}

/* ---- one per row of the verdict table ---- */

static void test_ok_exit_zero(void **state)
{
    struct rb_verdict_input in = exited(0);
    check(&in, (struct expect){ RB_OK, NULL, true, 0, 0 });
}

static void test_re_nonzero_exit(void **state)
{
    struct rb_verdict_input in = exited(3);
    check(&in, (struct expect){ RB_RE, NULL, true, 3, 0 });
    in = exited(255);
    check(&in, (struct expect){ RB_RE, NULL, true, 255, 0 });
}

static void test_sig_raised_or_received(void **state)
{
    struct rb_verdict_input in = signaled(SIGABRT);
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGABRT });
    /* a core dump does not change the signal */
    in.status = W_EXITCODE(0, SIGSEGV) | WCOREFLAG;
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGSEGV });
    /* a SIGKILL rustbox did not send (the program killed itself) */
    in = signaled(SIGKILL);
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGKILL });
}

static void test_tle_cpu_killed_by_supervisor(void **state)
{
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_CPU;
    in.cpu_time_s = 1.2; /* within extra time: the kill decided */
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, SIGKILL });
}

static void test_tle_cpu_measured_over_limit(void **state)
{
    /* ended on its own between two checks, over the limit */
    struct rb_verdict_input in = exited(0);
    in.cpu_time_s = 1.01;
    check(&in, (struct expect){ RB_TLE, "cpu_time", true, 0, 0 });
    /* exactly at the limit is within it */
    in.cpu_time_s = 1.0;
    check(&in, (struct expect){ RB_OK, NULL, true, 0, 0 });
    /* no limit: any time is fine */
    struct rb_limits unlimited = limits;
    unlimited.cpu_time_s = 0;
    in.limits = &unlimited;
    in.cpu_time_s = 100;
    check(&in, (struct expect){ RB_OK, NULL, true, 0, 0 });
}

static void test_tle_cpu_by_rlimit_sigxcpu(void **state)
{
    /* RLIMIT_CPU, the backstop, fires past time + extra time */
    struct rb_verdict_input in = signaled(SIGXCPU);
    in.cpu_time_s = 3.5;
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, SIGXCPU });
    /* without a cgroup only the program's own rusage measures it */
    in.cpu_time_s = 0;
    in.program_cpu_s = 3.5;
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, SIGXCPU });
    /* and the hard limit's SIGKILL after a caught SIGXCPU */
    in = signaled(SIGKILL);
    in.cpu_time_s = 0;
    in.program_cpu_s = 4.5;
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, SIGKILL });
}

/* A SIGXCPU below the CPU limit is the program's own: raised, or sent by a
 * RLIMIT_CPU it lowered itself. */
static void test_sig_self_raised_sigxcpu(void **state)
{
    struct rb_verdict_input in = signaled(SIGXCPU);
    in.cpu_time_s = 0.001;
    in.program_cpu_s = 0.001;
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGXCPU });
    /* at the limit is within it */
    in.cpu_time_s = 1.0;
    in.program_cpu_s = 1.0;
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGXCPU });
    /* no CPU limit at all */
    struct rb_limits unlimited = limits;
    unlimited.cpu_time_s = 0;
    in.limits = &unlimited;
    in.cpu_time_s = in.program_cpu_s = 50;
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGXCPU });
}

static void test_tle_wall_killed_by_supervisor(void **state)
{
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_WALL;
    check(&in, (struct expect){ RB_TLE, "wall_time", false, 0, SIGKILL });
}

static void test_tle_wall_measured_over_limit(void **state)
{
    struct rb_verdict_input in = exited(1);
    in.wall_time_s = 3.5;
    check(&in, (struct expect){ RB_TLE, "wall_time", true, 1, 0 });
    in.wall_time_s = 3.0;
    check(&in, (struct expect){ RB_RE, NULL, true, 1, 0 });
    struct rb_limits unlimited = limits;
    unlimited.wall_time_s = 0;
    in.limits = &unlimited;
    in.wall_time_s = 1000;
    check(&in, (struct expect){ RB_RE, NULL, true, 1, 0 });
}

static void test_mle_oom_kill(void **state)
{
    /* the OOM killer's SIGKILL */
    struct rb_verdict_input in = signaled(SIGKILL);
    in.oom_kills = 1;
    check(&in, (struct expect){ RB_MLE, "memory", false, 0, SIGKILL });
    /* a runtime that fails its allocation after a helper was OOM-killed */
    in = exited(137);
    in.oom_kills = 2;
    check(&in, (struct expect){ RB_MLE, "memory", true, 137, 0 });
}

static void test_mle_not_when_program_succeeded(void **state)
{
    /* an OOM kill the program survived and still succeeded with */
    struct rb_verdict_input in = exited(0);
    in.oom_kills = 1;
    check(&in, (struct expect){ RB_OK, NULL, true, 0, 0 });
}

static void test_ole_output_limit(void **state)
{
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_OUTPUT;
    check(&in, (struct expect){ RB_OLE, "output_limit", false, 0, SIGKILL });
}

static void test_ole_file_size_sigxfsz(void **state)
{
    struct rb_verdict_input in = signaled(SIGXFSZ);
    check(&in, (struct expect){ RB_OLE, "file_size", false, 0, SIGXFSZ });
}

/* SIGXFSZ is OLE only from the box's own file-size limit. */
static void test_sig_self_raised_sigxfsz(void **state)
{
    /* a process of the box sent it, or changed its limit */
    struct rb_verdict_input in = signaled(SIGXFSZ);
    in.fsize_noted = true;
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGXFSZ });
    /* no file-size limit: the kernel never sends it */
    struct rb_limits unlimited = limits;
    unlimited.file_size = 0;
    in = signaled(SIGXFSZ);
    in.limits = &unlimited;
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGXFSZ });
}

static void test_sv_seccomp(void **state)
{
    /* the supervisor killed the box while a denied call waited: no status */
    struct rb_verdict_input in = { .killed = RB_KILL_SECCOMP, .limits = &limits };
    check(&in, (struct expect){ RB_SV, "seccomp", false, 0, SIGSYS });
    /* pid 1 reported the program's SIGKILL first */
    in = signaled(SIGKILL);
    in.killed = RB_KILL_SECCOMP;
    check(&in, (struct expect){ RB_SV, "seccomp", false, 0, SIGSYS });
}

/* The filter never kills: a SIGSYS the program died of is its own. */
static void test_sig_self_raised_sigsys(void **state)
{
    struct rb_verdict_input in = signaled(SIGSYS);
    check(&in, (struct expect){ RB_SIG, NULL, false, 0, SIGSYS });
}

static void test_ie_setup_error(void **state)
{
    struct rb_verdict_input in = { .setup_what = "exec /nonexistent", .setup_errno = ENOENT, .limits = &limits };
    check(&in, (struct expect){ RB_IE, "setup failed: exec /nonexistent: No such file or directory", false, 0, 0 });
}

static void test_ie_no_status(void **state)
{
    struct rb_verdict_input in = { .limits = &limits };
    check(&in, (struct expect){ RB_IE, "the sandbox ended without reporting the program's status", false, 0, 0 });
}

static void test_ie_interrupted(void **state)
{
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_INTERRUPTED;
    in.interrupted_by = SIGTERM;
    check(&in, (struct expect){ RB_IE, "interrupted by Terminated", false, 0, SIGKILL });
}

static void test_ie_supervise_error(void **state)
{
    struct rb_verdict_input in = exited(0);
    in.supervise_error = -ENOMEM;
    check(&in, (struct expect){ RB_IE, "supervising the run failed: Cannot allocate memory", true, 0, 0 });
    in = signaled(SIGKILL);
    in.killed = RB_KILL_WALL;
    in.supervise_error = -EBADF;
    check(&in, (struct expect){ RB_IE, "supervising the run failed: Bad file descriptor", false, 0, SIGKILL });
}

static void test_ie_cleanup_failed_keeps_program_outcome(void **state)
{
    /* The table's last row: classify, then cleanup fails (result.c). */
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_WALL;
    struct rb_result res;
    memset(&res, 0, sizeof(res));
    verdict_classify(&in, &res);
    result_mark_cleanup_failed(&res);
    assert_int_equal(res.verdict, RB_IE);
    assert_string_equal(res.reason, "cleanup_failed; program verdict: TLE (wall_time)");
    assert_int_equal(res.signal, SIGKILL);
}

/* ---- precedence when several rules hold ---- */

static void test_setup_error_beats_everything(void **state)
{
    /* Nothing the program did counts; the exit fields stay unset. */
    struct rb_verdict_input in = signaled(SIGSYS);
    in.setup_what = "load seccomp policy";
    in.setup_errno = EINVAL;
    in.killed = RB_KILL_CPU;
    in.cpu_time_s = 5;
    in.wall_time_s = 5;
    in.oom_kills = 1;
    in.supervise_error = -ENOMEM;
    check(&in, (struct expect){ RB_IE, "setup failed: load seccomp policy: Invalid argument", false, 0, 0 });
}

static void test_interrupt_beats_time_limits(void **state)
{
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_INTERRUPTED;
    in.interrupted_by = SIGINT;
    in.cpu_time_s = 5;
    in.wall_time_s = 5;
    check(&in, (struct expect){ RB_IE, "interrupted by Interrupt", false, 0, SIGKILL });
}

static void test_cpu_beats_wall(void **state)
{
    /* killed for wall time, but the CPU time was already over */
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_WALL;
    in.cpu_time_s = 1.5;
    in.wall_time_s = 3.1;
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, SIGKILL });
}

static void test_time_beats_output_limit(void **state)
{
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_OUTPUT;
    in.wall_time_s = 3.2;
    check(&in, (struct expect){ RB_TLE, "wall_time", false, 0, SIGKILL });
}

static void test_supervisor_kill_beats_program_signal(void **state)
{
    /* The SIGKILL the supervisor sent is how the program ended, not why. */
    struct rb_verdict_input in = signaled(SIGKILL);
    in.killed = RB_KILL_OUTPUT;
    in.oom_kills = 1;
    check(&in, (struct expect){ RB_OLE, "output_limit", false, 0, SIGKILL });
    /* a program that raised SIGSYS just as its CPU time ran out */
    in = signaled(SIGSYS);
    in.killed = RB_KILL_CPU;
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, SIGSYS });
}

static void test_supervisor_kill_without_status(void **state)
{
    /* pid 1 died with the box before it could report: the kill still says why */
    struct rb_verdict_input in = { .killed = RB_KILL_CPU, .limits = &limits };
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, 0 });
    in.killed = RB_KILL_OUTPUT;
    check(&in, (struct expect){ RB_OLE, "output_limit", false, 0, 0 });
}

static void test_measured_time_beats_signals(void **state)
{
    struct rb_verdict_input in = signaled(SIGXFSZ);
    in.cpu_time_s = 2;
    check(&in, (struct expect){ RB_TLE, "cpu_time", false, 0, SIGXFSZ });
}

static void test_file_size_and_seccomp_beat_oom(void **state)
{
    struct rb_verdict_input in = signaled(SIGXFSZ);
    in.oom_kills = 1;
    check(&in, (struct expect){ RB_OLE, "file_size", false, 0, SIGXFSZ });
    in = signaled(SIGKILL);
    in.killed = RB_KILL_SECCOMP;
    in.oom_kills = 1;
    check(&in, (struct expect){ RB_SV, "seccomp", false, 0, SIGSYS });
}

static void test_oom_beats_sigxcpu_and_other_signals(void **state)
{
    struct rb_verdict_input in = signaled(SIGXCPU);
    in.oom_kills = 1;
    check(&in, (struct expect){ RB_MLE, "memory", false, 0, SIGXCPU });
    in = signaled(SIGSEGV);
    in.oom_kills = 1;
    check(&in, (struct expect){ RB_MLE, "memory", false, 0, SIGSEGV });
}

static void test_ie_keeps_its_own_reason_on_supervise_error(void **state)
{
    struct rb_verdict_input in = { .limits = &limits, .supervise_error = -ENOMEM };
    check(&in, (struct expect){ RB_IE, "the sandbox ended without reporting the program's status", false, 0, 0 });
    in = signaled(SIGKILL);
    in.killed = RB_KILL_INTERRUPTED;
    in.interrupted_by = SIGHUP;
    in.supervise_error = -ENOMEM;
    check(&in, (struct expect){ RB_IE, "interrupted by Hangup", false, 0, SIGKILL });
}

static void test_set_reason_truncates(void **state)
{
    struct rb_result res;
    memset(&res, 0, sizeof(res));
    char big[1024];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    verdict_set_reason(&res, "%s", big);
    assert_ptr_equal(res.reason, res.reason_buf);
    assert_int_equal(strlen(res.reason), sizeof(res.reason_buf) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_exit_zero),
        cmocka_unit_test(test_re_nonzero_exit),
        cmocka_unit_test(test_sig_raised_or_received),
        cmocka_unit_test(test_tle_cpu_killed_by_supervisor),
        cmocka_unit_test(test_tle_cpu_measured_over_limit),
        cmocka_unit_test(test_tle_cpu_by_rlimit_sigxcpu),
        cmocka_unit_test(test_tle_wall_killed_by_supervisor),
        cmocka_unit_test(test_tle_wall_measured_over_limit),
        cmocka_unit_test(test_mle_oom_kill),
        cmocka_unit_test(test_mle_not_when_program_succeeded),
        cmocka_unit_test(test_ole_output_limit),
        cmocka_unit_test(test_ole_file_size_sigxfsz),
        cmocka_unit_test(test_sig_self_raised_sigxcpu),
        cmocka_unit_test(test_sig_self_raised_sigxfsz),
        cmocka_unit_test(test_sv_seccomp),
        cmocka_unit_test(test_sig_self_raised_sigsys),
        cmocka_unit_test(test_ie_setup_error),
        cmocka_unit_test(test_ie_no_status),
        cmocka_unit_test(test_ie_interrupted),
        cmocka_unit_test(test_ie_supervise_error),
        cmocka_unit_test(test_ie_cleanup_failed_keeps_program_outcome),
        cmocka_unit_test(test_setup_error_beats_everything),
        cmocka_unit_test(test_interrupt_beats_time_limits),
        cmocka_unit_test(test_cpu_beats_wall),
        cmocka_unit_test(test_time_beats_output_limit),
        cmocka_unit_test(test_supervisor_kill_beats_program_signal),
        cmocka_unit_test(test_supervisor_kill_without_status),
        cmocka_unit_test(test_measured_time_beats_signals),
        cmocka_unit_test(test_file_size_and_seccomp_beat_oom),
        cmocka_unit_test(test_oom_beats_sigxcpu_and_other_signals),
        cmocka_unit_test(test_ie_keeps_its_own_reason_on_supervise_error),
        cmocka_unit_test(test_set_reason_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

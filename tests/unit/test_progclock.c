/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for progclock, the program's own CPU time read from /proc:
 * which of the proxy's children is the program (pid 2 of the box's pid
 * namespace, a child of the proxy), and, as root, a real proxy in a pid
 * namespace of its own whose program burns CPU time. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "progclock.h"

static void test_is_program_by_parent_and_pid_in_the_box(void **state)
{
    const char *prog =
        "Name:\ttrue\nUmask:\t0022\nState:\tR (running)\nTgid:\t4242\nNgid:\t0\nPid:\t4242\n"
        "PPid:\t4240\nTracerPid:\t0\nNStgid:\t4242\t2\nNSpid:\t4242\t2\nNSpgid:\t4242\t2\n";
    assert_true(progclock_is_program(prog, 4240));
    /* Another parent: an orphan the proxy adopted is not the program. */
    assert_false(progclock_is_program(prog, 424));
    assert_false(progclock_is_program(prog, 42400));
    /* Nested namespaces: the box's pid is the last one listed. */
    /* The first line is Name: a status text never starts with PPid. */
    assert_false(progclock_is_program("PPid:\t7\nNSpid:\t9000\t33\t2\n", 7));
    assert_true(progclock_is_program("Name:\tx\nPPid:\t7\nNSpid:\t9000\t33\t2\n", 7));
    /* Pid 12 or 22 of the box is not pid 2. */
    assert_false(progclock_is_program("Name:\tx\nPPid:\t7\nNSpid:\t9000\t12\n", 7));
    assert_false(progclock_is_program("Name:\tx\nPPid:\t7\nNSpid:\t9000\t22\n", 7));
    /* The host's own pid 2 (no namespace of its own) is only "2". */
    assert_true(progclock_is_program("Name:\tx\nPPid:\t7\nNSpid:\t2\n", 7));
    /* Lines missing: never the program. */
    assert_false(progclock_is_program("Name:\tx\nNSpid:\t9000\t2\n", 7));
    assert_false(progclock_is_program("Name:\tx\nPPid:\t7\n", 7));
    assert_false(progclock_is_program("", 7));
}

/* The fake program: burns about ms of CPU time, then exits. */
static void burn(int ms)
{
    struct timespec t;
    volatile unsigned long x = 0;
    for (;;) {
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        if (t.tv_sec * 1000 + t.tv_nsec / 1000000 >= ms)
            break;
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
    }
}

/* The fake proxy, pid 1 of a new pid namespace: forks the program (pid 2
 * there), reaps it, then waits to be killed. */
static pid_t start_proxy(int burn_ms)
{
    pid_t proxy = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
    if (proxy != 0)
        return proxy;
    /* Gone with the test, whatever assertion ends it. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    pid_t prog = fork();
    if (prog == 0) {
        burn(burn_ms);
        _exit(0);
    }
    while (prog > 0 && waitpid(prog, NULL, 0) < 0 && errno == EINTR)
        ;
    for (;;)
        pause();
}

/* A real program of a real proxy: its CPU time grows while it runs, is
 * found as pid 2 of the proxy's namespace, and stays at its last value
 * once it is gone. As root only (a pid namespace). */
static void test_reads_a_real_programs_cpu_time(void **state)
{
    if (geteuid() != 0)
        skip();
    pid_t proxy = start_proxy(300);
    assert_true(proxy > 0);
    struct rb_prog_clock c = RB_PROG_CLOCK_INIT;
    c.proxy = proxy;
    double last = 0, seen_max = 0;
    bool found = false;
    for (int i = 0; i < 400; i++) { /* 4 s at most */
        double now = progclock_read(&c);
        assert_true(now >= last); /* never goes back */
        last = now;
        found = found || c.stat_fd >= 0;
        if (now > seen_max)
            seen_max = now;
        if (found && c.stat_fd < 0)
            break; /* the program is gone */
        usleep(10000);
    }
    assert_true(found);
    assert_true(c.gone);
    assert_int_equal(c.stat_fd, -1);
    /* 0.3 s burnt, read in clock ticks while it ran. */
    assert_true(seen_max >= 0.15);
    assert_true(seen_max <= 1.0);
    assert_true(progclock_read(&c) == seen_max);
    progclock_close(&c);
    assert_int_equal(kill(proxy, SIGKILL), 0);
    assert_int_equal(waitpid(proxy, NULL, 0), proxy);
}

/* No proxy yet (pid 0): nothing is looked for, nothing read. */
static void test_nothing_before_the_proxy(void **state)
{
    struct rb_prog_clock c = RB_PROG_CLOCK_INIT;
    assert_true(progclock_read(&c) == 0);
    assert_false(c.gone);
    assert_int_equal(c.stat_fd, -1);
    progclock_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_program_by_parent_and_pid_in_the_box),
        cmocka_unit_test(test_reads_a_real_programs_cpu_time),
        cmocka_unit_test(test_nothing_before_the_proxy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for hostproc, the reader of the host's mounts and processes.
 * The mount list below a directory is what cleanup unmounts and what
 * verification calls clean, so it must be whole or an error: every
 * allocation it makes is failed in turn (the allocator is interposed below)
 * and each failure must come back as -ENOMEM with nothing leaked. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostproc.h"
#include "util.h"

#include "alloc_inject.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Same mount points, in any order (equally deep ones may swap). */
static void assert_same_mounts(char **got, int n_got, char **want, int n_want)
{
    assert_int_equal(n_got, n_want);
    qsort(got, (size_t)n_got, sizeof(*got), by_name);
    qsort(want, (size_t)n_want, sizeof(*want), by_name);
    for (int i = 0; i < n_got; i++)
        assert_string_equal(got[i], want[i]);
}

static void test_mounts_under_sys_deepest_first(void **state)
{
    /* /sys always has mounts: sysfs itself, and the cgroup hierarchies or
     * the security and debug filesystems below it */
    char **t;
    int n;
    assert_int_equal(hostproc_mounts_under("/sys", &t, &n), 0);
    assert_true(n >= 1);
    for (int i = 0; i < n; i++) {
        assert_true(!strcmp(t[i], "/sys") || !strncmp(t[i], "/sys/", 5));
        if (i + 1 < n)
            assert_true(strlen(t[i]) >= strlen(t[i + 1]));
    }
    hostproc_free_mounts(t, n);
}

static void test_mounts_under_a_dir_without_any(void **state)
{
    char dir[] = "/tmp/rbunit-hostproc.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char **t = (char **)&t; /* not NULL: the call must reset it */
    int n = -1;
    assert_int_equal(hostproc_mounts_under(dir, &t, &n), 0);
    assert_int_equal(n, 0);
    assert_null(t);
    assert_int_equal(rmdir(dir), 0);
    /* a name that only starts like a mount point is not below it */
    assert_int_equal(hostproc_mounts_under("/sy", &t, &n), 0);
    assert_int_equal(n, 0);
}

static void test_mounts_under_fail_whole_on_every_allocation(void **state)
{
    char **want;
    int n_want;
    assert_int_equal(hostproc_mounts_under("/sys", &want, &n_want), 0);
    int failures = 0;
    for (long at = 1;; at++) {
        assert_true(at < 100000); /* the call makes a handful of allocations, not this many */
        char **got = (char **)&got;
        int n = -1;
        arm(at);
        int r = hostproc_mounts_under("/sys", &got, &n);
        bool failed_one = fired();
        if (!failed_one) {
            /* every allocation has had its turn: this call ran clean */
            disarm();
            assert_int_equal(r, 0);
            assert_same_mounts(got, n, want, n_want);
            hostproc_free_mounts(got, n);
            break;
        }
        disarm();
        failures++;
        assert_false(inj.overflow);
        if (r != -ENOMEM)
            fail_msg("allocation %ld failed: got %d, expected -ENOMEM", at, r);
        assert_null(got);
        assert_int_equal(n, 0);
        /* nothing of a partial list is left behind */
        if (inj.n_live)
            fail_msg("allocation %ld failed: %zu block(s) leaked", at, inj.n_live);
    }
    /* the table's buffer, the list and every name each had their turn */
    assert_true(failures >= n_want + 2);
    hostproc_free_mounts(want, n_want);
}

/* In a mount namespace of its own (nothing shows on the host), a tmpfs on a
 * dir whose name the kernel escapes in its table (space, backslash) is found
 * under its real name. As root only. */
static void test_mounts_under_unescapes_names(void **state)
{
    if (geteuid() != 0)
        skip();
    char dir[] = "/tmp/rbunit-hostproc.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char odd[128];
    assert_int_equal(path_printf(odd, sizeof(odd), "%s/a b\\c", dir), 0);
    assert_int_equal(mkdir(odd, 0700), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char **t;
        int n;
        int ok = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
                 mount("rbunit", odd, "tmpfs", 0, "size=64k") == 0 && hostproc_mounts_under(dir, &t, &n) == 0 &&
                 n == 1 && strcmp(t[0], odd) == 0;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(rmdir(odd), 0);
    assert_int_equal(rmdir(dir), 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_pids_of_uid(void **state)
{
    pid_t pids[4096];
    int n = hostproc_pids_of_uid(geteuid(), pids, (int)ARRAY_SIZE(pids));
    assert_true(n >= 1);
    bool self = false;
    for (int i = 0; i < n; i++)
        self = self || pids[i] == getpid();
    assert_true(self);
    /* max is respected */
    assert_true(hostproc_pids_of_uid(geteuid(), pids, 1) <= 1);
    assert_int_equal(hostproc_pids_of_uid(geteuid(), pids, 0), 0);
    /* a uid nothing runs as */
    assert_int_equal(hostproc_pids_of_uid((uid_t)4294967293u, pids, (int)ARRAY_SIZE(pids)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mounts_under_sys_deepest_first),
        cmocka_unit_test(test_mounts_under_a_dir_without_any),
        cmocka_unit_test(test_mounts_under_fail_whole_on_every_allocation),
        cmocka_unit_test(test_mounts_under_unescapes_names),
        cmocka_unit_test(test_pids_of_uid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

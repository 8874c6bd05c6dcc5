/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for hostproc, the reader of the host's mounts and processes.
 * The mount list below a directory is what cleanup unmounts and what
 * verification calls clean, so it must be whole or an error: every
 * allocation it makes is failed in turn (the allocator is interposed below)
 * and each failure must come back as -ENOMEM with nothing leaked. */
#include <errno.h>
#include <fcntl.h>
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


/* Allocation `at` failed: -ENOMEM, an empty answer, nothing of a partial
 * list left behind. */
static void assert_failed_cleanly(long at, int r, const void *got, int n)
{
    if (r != -ENOMEM)
        fail_msg("allocation %ld failed: got %d, expected -ENOMEM", at, r);
    assert_null(got);
    assert_int_equal(n, 0);
    if (inj.n_live)
        fail_msg("allocation %ld failed: %zu block(s) leaked", at, inj.n_live);
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
        assert_failed_cleanly(at, r, got, n);
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

/* A box's mounts: the recorded one wherever it is (if still the tmpfs named
 * after the box), the mounts below the box dir, and what hangs from either,
 * children first; a mount that only shares the name is not the box's. In a
 * mount namespace of its own. As root only. */
static int box_mounts_child(const char *dir)
{
    char box[160], away[160], sub[160], inbox[160], other[160];
    if (path_printf(box, sizeof(box), "%s/box", dir) < 0 || path_printf(away, sizeof(away), "%s/away", dir) < 0 ||
        path_printf(sub, sizeof(sub), "%s/away/sub", dir) < 0 ||
        path_printf(inbox, sizeof(inbox), "%s/box/root", dir) < 0 ||
        path_printf(other, sizeof(other), "%s/other", dir) < 0)
        return 1;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("rbunit-7", away, "tmpfs", 0, "size=64k") < 0 || mkdir(sub, 0700) < 0 ||
        mount("rbunit-sub", sub, "tmpfs", 0, "size=64k") < 0 || mount("rbunit-in", inbox, "tmpfs", 0, "size=64k") < 0 ||
        mount("rbunit-7", other, "tmpfs", 0, "size=64k") < 0)
        return 2;
    int fd = open(away, O_PATH | O_DIRECTORY | O_CLOEXEC);
    uint64_t id = 0;
    if (fd < 0 || hostproc_fd_mount_id(fd, &id) < 0 || id == 0)
        return 3;
    close(fd);
    struct rb_mount *m;
    int n;
    if (hostproc_box_mounts(box, id, "rbunit-7", &m, &n) < 0 || n != 3)
        return 4;
    /* the child on top of the recorded mount comes before it */
    int at_sub = -1, at_away = -1, at_in = -1;
    for (int i = 0; i < n; i++) {
        at_sub = strcmp(m[i].point, sub) ? at_sub : i;
        at_away = strcmp(m[i].point, away) ? at_away : i;
        at_in = strcmp(m[i].point, inbox) ? at_in : i;
    }
    hostproc_free_mount_list(m, n);
    if (at_sub < 0 || at_away < 0 || at_in < 0 || at_sub > at_away)
        return 5;
    /* an id no longer the box's tmpfs (another source) names nothing */
    if (hostproc_box_mounts(box, id, "rbunit-8", &m, &n) < 0 || n != 1 || strcmp(m[0].point, inbox))
        return 6;
    hostproc_free_mount_list(m, n);
    bool present = false;
    if (hostproc_mount_present(id, 0, "rbunit-7", &present) < 0 || !present)
        return 7;
    if (umount2(sub, 0) < 0 || umount2(away, 0) < 0 || hostproc_mount_present(id, 0, NULL, &present) < 0 || present)
        return 8;
    return 0;
}

static void test_box_mounts_by_id(void **state)
{
    if (geteuid() != 0)
        skip();
    char dir[] = "/tmp/rbunit-hostproc.XXXXXX", p[160];
    assert_non_null(mkdtemp(dir));
    static const char *const subs[] = { "box", "box/root", "away", "other" };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(path_printf(p, sizeof(p), "%s/%s", dir, subs[i]), 0);
        assert_int_equal(mkdir(p, 0700), 0);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(box_mounts_child(dir));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    for (size_t i = 4; i-- > 0;) {
        assert_int_equal(path_printf(p, sizeof(p), "%s/%s", dir, subs[i]), 0);
        assert_int_equal(rmdir(p), 0);
    }
    assert_int_equal(rmdir(dir), 0);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status))
        fail_msg("step %d failed", WEXITSTATUS(status));
}

static void test_box_mounts_fail_whole_on_every_allocation(void **state)
{
    struct rb_mount *want;
    int n_want;
    assert_int_equal(hostproc_box_mounts("/sys", 0, "x", &want, &n_want), 0);
    assert_true(n_want >= 1);
    for (long at = 1;; at++) {
        assert_true(at < 100000);
        struct rb_mount *got = (struct rb_mount *)&got;
        int n = -1;
        arm(at);
        int r = hostproc_box_mounts("/sys", 0, "x", &got, &n);
        bool failed_one = fired();
        disarm();
        if (!failed_one) {
            assert_int_equal(r, 0);
            assert_int_equal(n, n_want);
            hostproc_free_mount_list(got, n);
            break;
        }
        assert_failed_cleanly(at, r, got, n);
    }
    hostproc_free_mount_list(want, n_want);
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

/* A name may hold spaces and parentheses: fields count from its last ')'. */
static void test_stat_field(void **state)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "4242 (a) b (c) S 1");
    for (int f = 5; f <= 40; f++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %d", f * 10);
    snprintf(line + n, sizeof(line) - (size_t)n, "\n");
    long long v = -1;
    assert_int_equal(hostproc_stat_field(line, 4, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(hostproc_stat_field(line, 39, &v), 0);
    assert_int_equal(v, 390);
    assert_int_equal(hostproc_stat_field(line, 40, &v), 0); /* the last, before the newline */
    assert_int_equal(v, 400);
    v = -1;
    assert_int_equal(hostproc_stat_field(line, 41, &v), -EINVAL); /* past the end */
    assert_int_equal(hostproc_stat_field(line, 3, &v), -EINVAL);  /* the state: not a number */
    assert_int_equal(hostproc_stat_field(line, 2, &v), -EINVAL);  /* the name */
    assert_int_equal(hostproc_stat_field("4242 no name here", 4, &v), -EINVAL);
    assert_int_equal(v, -1); /* untouched on every refusal */
}

/* Pinned to one CPU, a process's stat says it last ran there. */
static void test_task_cpu_of_a_pinned_process(void **state)
{
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
    for (size_t cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &all))
            continue;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
        assert_int_equal(hostproc_task_cpu(getpid()), (int)cpu);
    }
    assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
    assert_int_equal(hostproc_task_cpu(-1), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mounts_under_sys_deepest_first),
        cmocka_unit_test(test_mounts_under_a_dir_without_any),
        cmocka_unit_test(test_mounts_under_fail_whole_on_every_allocation),
        cmocka_unit_test(test_mounts_under_unescapes_names),
        cmocka_unit_test(test_box_mounts_by_id),
        cmocka_unit_test(test_box_mounts_fail_whole_on_every_allocation),
        cmocka_unit_test(test_pids_of_uid),
        cmocka_unit_test(test_stat_field),
        cmocka_unit_test(test_task_cpu_of_a_pinned_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

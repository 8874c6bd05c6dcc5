/* SPDX-License-Identifier: Apache-2.0 */
/* The counters a run reads from its cgroup: opened once (open_stats), read
 * with pread from offset 0 (usage), and whether a group holds a process
 * (populated), for both backends, on a tree of plain files laid out as the
 * kernel's (the files' contents are what each backend parses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "util.h"

struct tree {
    char dir[64];
};

static int make_tree(void **state)
{
    struct tree *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "/tmp/rbunit-cgstats.XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int drop_tree(void **state)
{
    struct tree *t = *state;
    /* mkdtemp's own name under /tmp, never empty */
    int r = strncmp(t->dir, "/tmp/rbunit-cgstats.", 20) == 0 ? remove_tree(t->dir) : -1;
    free(t);
    return r;
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[256];
    assert_int_equal(path_printf(path, sizeof(path), "%s/%s", dir, name), 0);
    assert_int_equal(write_file(path, text, O_CREAT | O_TRUNC), 0);
}

/* <root>/<ctrl>/g, as v1 lays a box's group out under each controller. */
static void v1_group(struct rb_cgroup *cg, const char *root, const char *const *ctrls, int n)
{
    cgroup_init(cg, &rb_cgroup_v1);
    for (int i = 0; i < n; i++) {
        char ctrl_dir[128];
        assert_int_equal(path_printf(ctrl_dir, sizeof(ctrl_dir), "%s/%s", root, ctrls[i]), 0);
        assert_int_equal(mkdir(ctrl_dir, 0755), 0);
        assert_int_equal(path_printf(cg->dirs[i], sizeof(cg->dirs[i]), "%s/g", ctrl_dir), 0);
        assert_int_equal(mkdir(cg->dirs[i], 0755), 0);
    }
    cg->n_dirs = n;
}

static void test_keyed_value_matches_the_whole_key(void **state)
{
    uint64_t v = 0;
    const char *oom = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
    assert_true(cgroup_keyed_value(oom, "oom_kill", &v));
    assert_int_equal(v, 3);
    assert_true(cgroup_keyed_value(oom, "oom_kill_disable", &v));
    assert_int_equal(v, 0);
    assert_false(cgroup_keyed_value(oom, "oom", &v));
    assert_false(cgroup_keyed_value("usage_usec 5", "user_usec", &v));
    assert_false(cgroup_keyed_value("", "usage_usec", &v));
}

static void test_v1_counters_are_read_afresh_from_their_open_files(void **state)
{
    struct tree *t = *state;
    const char *const ctrls[] = { "memory", "pids", "cpuacct" };
    struct rb_cgroup cg;
    v1_group(&cg, t->dir, ctrls, 3);
    put(cg.dirs[2], "cpuacct.usage", "1500000\n");
    put(cg.dirs[0], "memory.max_usage_in_bytes", "4096\n");
    put(cg.dirs[0], "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");

    struct rb_cg_stats st;
    assert_int_equal(rb_cgroup_v1.open_stats(&cg, &st), 0);
    struct rb_cg_usage u;
    assert_int_equal(rb_cgroup_v1.usage(&st, true, &u), 0);
    assert_int_equal(u.cpu_ns, 1500000);
    assert_int_equal(u.memory_peak, 0); /* cpu_only reads nothing else */
    assert_int_equal(rb_cgroup_v1.usage(&st, false, &u), 0);
    assert_int_equal(u.cpu_ns, 1500000);
    assert_int_equal(u.memory_peak, 4096);
    assert_int_equal(u.oom_kills, 2);

    /* The same open files, new contents (a shorter one too): each read
     * starts at offset 0. */
    char path[300];
    assert_int_equal(path_printf(path, sizeof(path), "%s/cpuacct.usage", cg.dirs[2]), 0);
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), 0), 0);
    assert_int_equal(pwrite(fileno(f), "77\n", 3, 0), 3);
    fclose(f);
    assert_int_equal(rb_cgroup_v1.usage(&st, true, &u), 0);
    assert_int_equal(u.cpu_ns, 77);
    cgroup_stats_close(&st);
    for (int i = 0; i < RB_CG_STATS; i++)
        assert_int_equal(st.fd[i], -1);
}

static void test_v1_counters_of_a_missing_controller_read_zero(void **state)
{
    struct tree *t = *state;
    /* A run without strict on a host without the memory controller. */
    const char *const ctrls[] = { "pids", "cpuacct" };
    struct rb_cgroup cg;
    v1_group(&cg, t->dir, ctrls, 2);
    put(cg.dirs[1], "cpuacct.usage", "42\n");
    struct rb_cg_stats st;
    assert_int_equal(rb_cgroup_v1.open_stats(&cg, &st), 0);
    assert_int_equal(st.fd[RB_CG_STAT_MEMORY], -1);
    struct rb_cg_usage u;
    assert_int_equal(rb_cgroup_v1.usage(&st, false, &u), 0);
    assert_int_equal(u.cpu_ns, 42);
    assert_int_equal(u.memory_peak, 0);
    assert_int_equal(u.oom_kills, 0);
    cgroup_stats_close(&st);
}

static void test_v1_a_counter_that_cannot_be_opened_fails_whole(void **state)
{
    struct tree *t = *state;
    const char *const ctrls[] = { "memory", "pids", "cpuacct" };
    struct rb_cgroup cg;
    v1_group(&cg, t->dir, ctrls, 3);
    put(cg.dirs[2], "cpuacct.usage", "1\n");
    /* no memory.max_usage_in_bytes: the group is not what it should be */
    struct rb_cg_stats st;
    assert_int_equal(rb_cgroup_v1.open_stats(&cg, &st), -ENOENT);
    for (int i = 0; i < RB_CG_STATS; i++)
        assert_int_equal(st.fd[i], -1); /* what it opened is closed again */
}

static void test_v1_populated_reads_pids_current(void **state)
{
    struct tree *t = *state;
    const char *const ctrls[] = { "memory", "pids", "cpuacct" };
    struct rb_cgroup cg;
    v1_group(&cg, t->dir, ctrls, 3);
    put(cg.dirs[1], "pids.current", "0\n");
    assert_int_equal(rb_cgroup_v1.populated(&cg), 0);
    assert_int_equal(cgroup_populated(&cg), 0);
    put(cg.dirs[1], "pids.current", "2\n");
    assert_int_equal(rb_cgroup_v1.populated(&cg), 1);
    assert_int_equal(cgroup_populated(&cg), 1);
    /* gone: nothing in it */
    char current[300];
    assert_int_equal(path_printf(current, sizeof(current), "%s/pids.current", cg.dirs[1]), 0);
    assert_int_equal(unlink(current), 0);
    assert_int_equal(rb_cgroup_v1.populated(&cg), 0);

    /* without the pids controller it cannot tell: "it may" */
    const char *const no_pids[] = { "memory", "cpuacct" };
    char other[128];
    assert_int_equal(path_printf(other, sizeof(other), "%s/other", t->dir), 0);
    assert_int_equal(mkdir(other, 0755), 0);
    v1_group(&cg, other, no_pids, 2);
    assert_int_equal(rb_cgroup_v1.populated(&cg), -EOPNOTSUPP);
    assert_int_equal(cgroup_populated(&cg), 1);
}

static void test_v2_counters_and_the_peak_before_5_19(void **state)
{
    struct tree *t = *state;
    struct rb_cgroup cg;
    cgroup_init(&cg, &rb_cgroup_v2);
    assert_int_equal(path_printf(cg.dirs[0], sizeof(cg.dirs[0]), "%s/g", t->dir), 0);
    assert_int_equal(mkdir(cg.dirs[0], 0755), 0);
    cg.n_dirs = 1;
    put(cg.dirs[0], "cpu.stat", "usage_usec 250\nuser_usec 200\nsystem_usec 50\n");
    put(cg.dirs[0], "memory.current", "8192\n");
    put(cg.dirs[0], "memory.events", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n");
    put(cg.dirs[0], "cgroup.events", "populated 0\nfrozen 0\n");

    /* no memory.peak (before Linux 5.19): memory.current stands in */
    struct rb_cg_stats st;
    assert_int_equal(rb_cgroup_v2.open_stats(&cg, &st), 0);
    struct rb_cg_usage u;
    assert_int_equal(rb_cgroup_v2.usage(&st, false, &u), 0);
    assert_int_equal(u.cpu_ns, 250000);
    assert_int_equal(u.memory_peak, 8192);
    assert_int_equal(u.oom_kills, 1);
    cgroup_stats_close(&st);

    put(cg.dirs[0], "memory.peak", "16384\n");
    assert_int_equal(rb_cgroup_v2.open_stats(&cg, &st), 0);
    assert_int_equal(rb_cgroup_v2.usage(&st, false, &u), 0);
    assert_int_equal(u.memory_peak, 16384);
    cgroup_stats_close(&st);

    assert_int_equal(rb_cgroup_v2.populated(&cg), 0);
    put(cg.dirs[0], "cgroup.events", "populated 1\nfrozen 0\n");
    assert_int_equal(rb_cgroup_v2.populated(&cg), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyed_value_matches_the_whole_key),
        cmocka_unit_test_setup_teardown(test_v1_counters_are_read_afresh_from_their_open_files, make_tree, drop_tree),
        cmocka_unit_test_setup_teardown(test_v1_counters_of_a_missing_controller_read_zero, make_tree, drop_tree),
        cmocka_unit_test_setup_teardown(test_v1_a_counter_that_cannot_be_opened_fails_whole, make_tree, drop_tree),
        cmocka_unit_test_setup_teardown(test_v1_populated_reads_pids_current, make_tree, drop_tree),
        cmocka_unit_test_setup_teardown(test_v2_counters_and_the_peak_before_5_19, make_tree, drop_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

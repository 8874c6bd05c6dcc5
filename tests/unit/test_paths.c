/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the paths rustbox derives from the config. At the bounds
 * config_load allows (config.h) every one is whole: the box's dirs and lock,
 * its cgroup dirs under either backend, the health and metrics stores. Past
 * them (a context not made by config_load) nothing is cut: the stores refuse
 * with -ENAMETOOLONG and create nothing, where a cut path once put two
 * stores' locks in one file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "box.h"
#include "cgroup.h"
#include "health.h"
#include "metrics.h"
#include "util.h"

/* A string of len bytes: `head`, then `fill`s; caller frees. */
static char *string_of(const char *head, size_t len, char fill)
{
    size_t h = strlen(head);
    assert_true(len >= h);
    char *s = malloc(len + 1);
    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, fill, len - h);
    s[len] = '\0';
    return s;
}

/* An absolute path of exactly len bytes below base, in components short
 * enough for the filesystem (so that it can be created); caller frees. */
static char *path_of(const char *base, size_t len)
{
    char *s = string_of(base, len, 'd');
    for (size_t i = strlen(base) + 99; i + 1 < len; i += 100)
        s[i] = '/';
    return s;
}

static void set(char **slot, char *value)
{
    free(*slot);
    *slot = value;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

static const struct rb_cg_caps all_caps = { .usable = true, .memory = true, .pids = true, .cpu = true };

/* A context whose four path keys are at their bounds, with the backend b
 * (NULL: none). */
static void ctx_at_bounds(struct rb_ctx *ctx, const struct rb_cgroup_backend *b)
{
    memset(ctx, 0, sizeof(*ctx));
    assert_int_equal(config_defaults(&ctx->cfg), 0);
    set(&ctx->cfg.state_dir, path_of("/", RB_STATE_DIR_MAX));
    set(&ctx->cfg.work_root, path_of("/", RB_WORK_ROOT_MAX));
    set(&ctx->cfg.name_prefix, string_of("r", RB_NAME_PREFIX_MAX, 'p'));
    set(&ctx->cfg.cgroup_parent, string_of("", RB_CGROUP_PARENT_MAX, 'g'));
    ctx->cfg.first_uid = ctx->cfg.first_gid = 1;
    ctx->cfg.num_boxes = 4000000000u; /* ids of 10 digits */
    ctx->cg = b;
    ctx->cg_caps = all_caps;
    ctx->cg_root = RB_CG_ROOT_DEFAULT;
}

static void test_box_paths_at_the_bounds_are_whole(void **state)
{
    struct rb_ctx ctx;
    ctx_at_bounds(&ctx, &rb_cgroup_v1);
    struct rb_box box;
    long id = 3999999999;
    assert_int_equal(box_describe(&ctx, id, &box), 0);
    assert_int_equal(strlen(box.name), RB_BOX_NAME_LEN_MAX);
    assert_int_equal(strlen(box.workdir), RB_BOX_PATH_MAX - 1);
    assert_true(ends_with(box.workdir, "-3999999999/root/box"));
    assert_true(ends_with(box.lock_path, "/boxes/3999999999/lock"));
    assert_int_equal(strncmp(box.lock_path, ctx.cfg.state_dir, RB_STATE_DIR_MAX), 0);
    /* v1: one dir per controller; cpuacct's is the longest of all */
    assert_int_equal(box.cg.n_dirs, 3);
    assert_ptr_equal(box.cg.backend, &rb_cgroup_v1);
    for (int i = 0; i < box.cg.n_dirs; i++) {
        assert_true(ends_with(box.cg.dirs[i], box.name));
        assert_non_null(strstr(box.cg.dirs[i], ctx.cfg.cgroup_parent));
        assert_int_equal(box.cg.procs_fd[i], -1);
    }
    assert_int_equal(strncmp(box.cg.dirs[2], "/sys/fs/cgroup/cpuacct/", 23), 0);
    assert_int_equal(strlen(box.cg.dirs[2]), RB_CG_DIR_MAX - 1);
    config_free(&ctx.cfg);
}

static void test_box_cgroup_under_v2(void **state)
{
    struct rb_ctx ctx;
    ctx_at_bounds(&ctx, &rb_cgroup_v2);
    struct rb_box box;
    assert_int_equal(box_describe(&ctx, 7, &box), 0);
    assert_int_equal(box.cg.n_dirs, 1);
    char want[RB_CG_DIR_MAX];
    assert_int_equal(path_printf(want, sizeof(want), "/sys/fs/cgroup/%s/%s", ctx.cfg.cgroup_parent, box.name), 0);
    assert_string_equal(box.cg.dirs[0], want);
    /* without cgroup_parent the groups live under the prefix */
    set(&ctx.cfg.cgroup_parent, strdup(""));
    set(&ctx.cfg.name_prefix, strdup("judge"));
    assert_int_equal(box_describe(&ctx, 7, &box), 0);
    assert_string_equal(box.cg.dirs[0], "/sys/fs/cgroup/judge/judge-7");
    /* ... which is where the scan looks for every box's group */
    struct rb_cgroup parents;
    cgroup_init(&parents, ctx.cg);
    assert_int_equal(ctx.cg->parents(&parents, &ctx.cg_caps, ctx.cg_root, "", "judge"), 0);
    assert_int_equal(parents.n_dirs, 1);
    assert_string_equal(parents.dirs[0], "/sys/fs/cgroup/judge");
    config_free(&ctx.cfg);
}

static void test_box_without_a_backend_has_no_group(void **state)
{
    struct rb_ctx ctx;
    ctx_at_bounds(&ctx, NULL);
    struct rb_box box;
    assert_int_equal(box_describe(&ctx, 1, &box), 0);
    assert_null(box.cg.backend);
    assert_int_equal(box.cg.n_dirs, 0);
    for (int i = 0; i < RB_CG_MAX_CTRL; i++)
        assert_int_equal(box.cg.procs_fd[i], -1);
    /* an id out of range leaves no fd 0 to be closed by mistake either */
    assert_int_equal(box_describe(&ctx, -1, &box), -ERANGE);
    assert_int_equal(box.cg.procs_fd[0], -1);
    config_free(&ctx.cfg);
}

static void test_cgroup_parent_past_the_bound_is_refused(void **state)
{
    struct rb_ctx ctx;
    ctx_at_bounds(&ctx, &rb_cgroup_v1);
    set(&ctx.cfg.cgroup_parent, string_of("", RB_CGROUP_PARENT_MAX + 1, 'g'));
    struct rb_box box;
    assert_int_equal(box_describe(&ctx, 3999999999, &box), -ENAMETOOLONG);
    assert_int_equal(box.cg.n_dirs, 0); /* no dir of a cut name to create or remove */
    config_free(&ctx.cfg);
}

struct tmp {
    char dir[64];
};

static int make_tmp(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "/tmp/rbunit-paths.XXXXXX");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int remove_tmp(void **state)
{
    struct tmp *t = *state;
    int r = remove_tree(t->dir);
    free(t);
    return r == 0 ? 0 : -1;
}

static void no_change(struct rb_health_state *st, struct rb_transition *tr, void *data)
{
}

static bool dir_is_empty(const char *dir)
{
    _cleanup_dir_ DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            return false;
    return true;
}

static void test_stores_at_the_bound_have_their_own_locks(void **state)
{
    struct tmp *t = *state;
    struct rb_ctx ctx;
    ctx_at_bounds(&ctx, NULL);
    char base[80];
    assert_int_equal(path_printf(base, sizeof(base), "%s/", t->dir), 0);
    set(&ctx.cfg.state_dir, path_of(base, RB_STATE_DIR_MAX));
    assert_true(health_update(&ctx, "test", false, no_change, NULL, NULL) >= 0);
    assert_int_equal(metrics_update(&ctx, NULL, NULL), 0);
    char health_lock[512], metrics_lock[512];
    assert_int_equal(path_printf(health_lock, sizeof(health_lock), "%s/health/lock", ctx.cfg.state_dir), 0);
    assert_int_equal(path_printf(metrics_lock, sizeof(metrics_lock), "%s/metrics/lock", ctx.cfg.state_dir), 0);
    struct stat h, m;
    assert_int_equal(stat(health_lock, &h), 0);
    assert_int_equal(stat(metrics_lock, &m), 0);
    assert_true(h.st_ino != m.st_ino);
    /* and the state reads back healthy, not as an unreadable file */
    struct rb_health_state st;
    health_load(&ctx, &st);
    assert_int_equal(st.status, RB_HEALTHY);
    config_free(&ctx.cfg);
}

static void test_stores_past_the_bound_refuse_and_create_nothing(void **state)
{
    struct tmp *t = *state;
    struct rb_ctx ctx;
    ctx_at_bounds(&ctx, NULL);
    char base[80];
    assert_int_equal(path_printf(base, sizeof(base), "%s/", t->dir), 0);
    /* 508 bytes put the health store under <state_dir>/he/; 510 gave both
     * stores the lock <state_dir>//lock */
    static const size_t lengths[] = { RB_STATE_DIR_MAX + 1, 508, 510 };
    for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
        set(&ctx.cfg.state_dir, path_of(base, lengths[i]));
        assert_int_equal(health_update(&ctx, "test", false, no_change, NULL, NULL), -ENAMETOOLONG);
        assert_int_equal(metrics_update(&ctx, NULL, NULL), -ENAMETOOLONG);
        struct rb_metrics m;
        assert_int_equal(metrics_load(&ctx, &m), -ENAMETOOLONG);
        char *history = NULL;
        assert_int_equal(health_read_history(&ctx, &history), -ENAMETOOLONG);
        assert_null(history);
        /* the state cannot be read, so the worker counts as quarantined,
         * and the message says why */
        struct rb_health_state st;
        health_load(&ctx, &st);
        assert_int_equal(st.status, RB_QUARANTINED);
        assert_non_null(strstr(st.unreadable, strerror(ENAMETOOLONG)));
        assert_true(dir_is_empty(t->dir));
    }
    config_free(&ctx.cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_box_paths_at_the_bounds_are_whole),
        cmocka_unit_test(test_box_cgroup_under_v2),
        cmocka_unit_test(test_box_without_a_backend_has_no_group),
        cmocka_unit_test(test_cgroup_parent_past_the_bound_is_refused),
        cmocka_unit_test_setup_teardown(test_stores_at_the_bound_have_their_own_locks, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(test_stores_past_the_bound_refuse_and_create_nothing, make_tmp, remove_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of rootfs's pure decisions: the host name of a ':tmp' dir
 * below an isolate-layout box's tmp/ (replayed cases dir-tmp,
 * stdout-absolute-tmp), which tmp rules live on the disk, and the default
 * /tmp allowing exec there. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dirrules.h"
#include "rootfs.h"

static void test_tmp_name(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(rootfs_tmp_name("/tmp", false, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "tmp");
    assert_int_equal(rootfs_tmp_name("/scratch", false, buf, sizeof(buf)), 0);
    assert_string_equal(buf, ":scratch");
    assert_int_equal(rootfs_tmp_name("/a/b", false, buf, sizeof(buf)), 0);
    assert_string_equal(buf, ":a:b");
    /* written without its leading '/', as isolate names it: "scratch" */
    assert_int_equal(rootfs_tmp_name("/scratch", true, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "scratch");
    assert_int_equal(rootfs_tmp_name("/a/b", true, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "a:b");
    char small[6];
    assert_int_equal(rootfs_tmp_name("/toolong", false, small, sizeof(small)), -ENAMETOOLONG);
}

static const struct rb_dir_rule *default_rule(const char *inside)
{
    for (size_t i = 0; i < RB_DEFAULT_DIR_RULES; i++)
        if (!strcmp(dirrules_defaults[i].inside, inside))
            return &dirrules_defaults[i];
    fail_msg("no default rule for %s", inside);
    return NULL;
}

static void test_layouts(void **state)
{
    (void)state;
    struct rb_box native = { .layout = RB_LAYOUT_NATIVE }, iso = { .layout = RB_LAYOUT_ISOLATE };
    const struct rb_dir_rule *tmp = default_rule("/tmp"), *shm = default_rule("/dev/shm");
    char user_inside[] = "/tmp";
    const struct rb_dir_rule user_tmp = { .inside = user_inside, .flags = tmp->flags };
    const struct rb_dir_rule scratch = { .inside = (char *)"/scratch", .flags = RB_DIR_TMP | RB_DIR_RW };
    const struct rb_dir_rule bind = { .inside = (char *)"/usr", .outside = (char *)"/usr" };
    /* The native layout keeps every tmp rule a per-run tmpfs, /tmp noexec. */
    assert_false(rootfs_tmp_on_disk(&native, tmp));
    assert_int_equal(rootfs_rule_flags(&native, tmp), tmp->flags);
    /* isolate's: the tmp rules are dirs below tmp/, but /dev/shm. */
    assert_true(rootfs_tmp_on_disk(&iso, tmp));
    assert_true(rootfs_tmp_on_disk(&iso, &scratch));
    assert_false(rootfs_tmp_on_disk(&iso, shm));
    assert_false(rootfs_tmp_on_disk(&iso, &bind));
    /* Its default /tmp allows exec; a rule the caller gave keeps its flags. */
    assert_int_equal(rootfs_rule_flags(&iso, tmp), tmp->flags & ~(unsigned)RB_DIR_NOEXEC);
    assert_int_equal(rootfs_rule_flags(&iso, &user_tmp), tmp->flags);
    assert_int_equal(rootfs_rule_flags(&iso, shm), shm->flags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tmp_name),
        cmocka_unit_test(test_layouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

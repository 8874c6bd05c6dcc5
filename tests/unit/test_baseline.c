/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for baseline snapshots and their comparison: `baseline diff`
 * is how an operator proves the host is back where it was, so a difference
 * must show in the right category and direction, and an unchanged host must
 * compare equal whatever order its resources were listed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "baseline.h"
#include "util.h"

static const char *const categories[] = { "mounts", "cgroups", "processes", "temp_dirs" };

/* A snapshot from a JSON text of just the categories. */
static json_object *snap(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("no key %s in %s", key, json_object_to_json_string(o));
    return v;
}

/* The array diff[side][cat] holds exactly want (NULL-terminated list). */
static void assert_items(json_object *diff, const char *side, const char *cat, const char *const *want)
{
    json_object *a = get(get(diff, side), cat);
    assert_true(json_object_is_type(a, json_type_array));
    size_t n = 0;
    while (want[n])
        n++;
    if (json_object_array_length(a) != n)
        fail_msg("%s.%s: %s, want %zu item(s)", side, cat, json_object_to_json_string(a), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_object_get_string(json_object_array_get_idx(a, i)), want[i]);
}

static const char *const none[] = { NULL };

/* Every category of both sides empty but the ones the test names. */
static void assert_only(json_object *diff, const char *side, const char *cat)
{
    for (size_t i = 0; i < ARRAY_SIZE(categories); i++) {
        if (!strcmp(side, "added") && cat && !strcmp(categories[i], cat))
            continue;
        assert_items(diff, "added", categories[i], none);
    }
    for (size_t i = 0; i < ARRAY_SIZE(categories); i++) {
        if (!strcmp(side, "removed") && cat && !strcmp(categories[i], cat))
            continue;
        assert_items(diff, "removed", categories[i], none);
    }
}

static void check_equal_flag(json_object *diff, bool equal, bool want)
{
    assert_int_equal(equal, want);
    assert_int_equal(json_object_get_boolean(get(diff, "equal")), want);
}

#define BASE                                                                      \
    "{\"schema\": \"rustbox.baseline/1\", \"mounts\": [\"/w/rustbox-1/root\"],"   \
    " \"cgroups\": [\"/sys/fs/cgroup/rustbox-1\", \"/sys/fs/cgroup/rustbox-2\"]," \
    " \"processes\": [\"pid 10 uid 1900000001\"], \"temp_dirs\": [\"/w/rustbox-1\"]}"

static void test_equal_snapshots(void **state)
{
    json_object *a = snap(BASE), *b = snap(BASE);
    bool equal = false;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, true);
    assert_only(d, "added", NULL);
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_equal_in_another_order(void **state)
{
    json_object *a = snap(BASE);
    json_object *b = snap(
        "{\"mounts\": [\"/w/rustbox-1/root\"],"
        " \"cgroups\": [\"/sys/fs/cgroup/rustbox-2\", \"/sys/fs/cgroup/rustbox-1\"],"
        " \"processes\": [\"pid 10 uid 1900000001\"], \"temp_dirs\": [\"/w/rustbox-1\"]}");
    bool equal = false;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, true);
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_empty_snapshots_equal(void **state)
{
    json_object *a = snap("{\"mounts\": [], \"cgroups\": [], \"processes\": [], \"temp_dirs\": []}");
    bool equal = false;
    json_object *d = baseline_diff(a, a, &equal);
    check_equal_flag(d, equal, true);
    assert_only(d, "added", NULL);
    json_object_put(d);
    json_object_put(a);
}

static void test_added_mount(void **state)
{
    json_object *a = snap(BASE);
    json_object *b = snap(BASE);
    json_object_array_add(get(b, "mounts"), json_object_new_string("/w/rustbox-3/root"));
    bool equal = true;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, false);
    static const char *const want[] = { "/w/rustbox-3/root", NULL };
    assert_items(d, "added", "mounts", want);
    assert_only(d, "added", "mounts");
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_removed_mount(void **state)
{
    json_object *a = snap(BASE);
    json_object *b = snap(BASE);
    json_object_array_del_idx(get(b, "mounts"), 0, 1);
    bool equal = true;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, false);
    static const char *const want[] = { "/w/rustbox-1/root", NULL };
    assert_items(d, "removed", "mounts", want);
    assert_only(d, "removed", "mounts");
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_added_and_removed_cgroups(void **state)
{
    json_object *a = snap(BASE);
    json_object *b = snap(BASE);
    /* rustbox-1 gone, rustbox-9 new, rustbox-2 kept */
    json_object_array_del_idx(get(b, "cgroups"), 0, 1);
    json_object_array_add(get(b, "cgroups"), json_object_new_string("/sys/fs/cgroup/rustbox-9"));
    bool equal = true;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, false);
    static const char *const added[] = { "/sys/fs/cgroup/rustbox-9", NULL };
    static const char *const removed[] = { "/sys/fs/cgroup/rustbox-1", NULL };
    assert_items(d, "added", "cgroups", added);
    assert_items(d, "removed", "cgroups", removed);
    assert_items(d, "added", "mounts", none);
    assert_items(d, "removed", "processes", none);
    assert_items(d, "added", "temp_dirs", none);
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_processes_recycled_pid(void **state)
{
    /* the same pid under another uid is another process: one added, one removed */
    json_object *a = snap(BASE);
    json_object *b = snap(BASE);
    json_object_array_del_idx(get(b, "processes"), 0, 1);
    json_object_array_add(get(b, "processes"), json_object_new_string("pid 10 uid 1900000002"));
    json_object_array_add(get(b, "processes"), json_object_new_string("pid 11 uid 1900000001"));
    bool equal = true;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, false);
    static const char *const added[] = { "pid 10 uid 1900000002", "pid 11 uid 1900000001", NULL };
    static const char *const removed[] = { "pid 10 uid 1900000001", NULL };
    assert_items(d, "added", "processes", added);
    assert_items(d, "removed", "processes", removed);
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_added_and_removed_temp_dirs(void **state)
{
    json_object *a = snap(BASE);
    json_object *b = snap(BASE);
    json_object_array_del_idx(get(b, "temp_dirs"), 0, 1);
    json_object_array_add(get(b, "temp_dirs"), json_object_new_string("/w/rustbox-4"));
    bool equal = true;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, false);
    static const char *const added[] = { "/w/rustbox-4", NULL };
    static const char *const removed[] = { "/w/rustbox-1", NULL };
    assert_items(d, "added", "temp_dirs", added);
    assert_items(d, "removed", "temp_dirs", removed);
    assert_items(d, "added", "cgroups", none);
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_missing_category_is_empty(void **state)
{
    /* a snapshot without a category compares as if it were empty */
    json_object *a = snap("{\"mounts\": [], \"cgroups\": [], \"processes\": []}");
    json_object *b = snap("{\"mounts\": [], \"cgroups\": [], \"processes\": [], \"temp_dirs\": [\"/w/rustbox-5\"]}");
    bool equal = true;
    json_object *d = baseline_diff(a, b, &equal);
    check_equal_flag(d, equal, false);
    static const char *const added[] = { "/w/rustbox-5", NULL };
    assert_items(d, "added", "temp_dirs", added);
    assert_only(d, "added", "temp_dirs");
    json_object_put(d);
    d = baseline_diff(b, a, &equal);
    check_equal_flag(d, equal, false);
    assert_items(d, "removed", "temp_dirs", added);
    assert_only(d, "removed", "temp_dirs");
    json_object_put(d);
    json_object_put(a);
    json_object_put(b);
}

static void test_from_scan_sorted_and_named(void **state)
{
    char *mounts[] = { "/w/rustbox-2/root", "/w/rustbox-1/root/proc", "/w/rustbox-1/root" };
    char *cgroups[] = { "/sys/fs/cgroup/rustbox-2" };
    struct rb_scan_proc procs[] = { { 300, 1900000002, 2 }, { 20, 1900000001, 1 } };
    char *dirs[] = { "/w/rustbox-2", "/w/rustbox-1" };
    struct rb_scan s = {
        .mounts = mounts,
        .n_mounts = ARRAY_SIZE(mounts),
        .cgroups = cgroups,
        .n_cgroups = ARRAY_SIZE(cgroups),
        .procs = procs,
        .n_procs = ARRAY_SIZE(procs),
        .dirs = dirs,
        .n_dirs = ARRAY_SIZE(dirs),
    };
    json_object *o = baseline_from_scan(&s);
    assert_string_equal(json_object_get_string(get(o, "schema")), "rustbox.baseline/1");
    /* 2026-02-08T12:34:56Z */
    const char *at = json_object_get_string(get(o, "captured_at"));
    assert_int_equal(strlen(at), 20);
    assert_int_equal(at[10], 'T');
    assert_int_equal(at[19], 'Z');
    json_object *as_diff = json_object_new_object();
    json_object_object_add(as_diff, "added", json_object_get(o));
    static const char *const want_mounts[] = { "/w/rustbox-1/root", "/w/rustbox-1/root/proc", "/w/rustbox-2/root",
                                               NULL };
    static const char *const want_cgroups[] = { "/sys/fs/cgroup/rustbox-2", NULL };
    /* sorted as strings: "pid 20" < "pid 300" */
    static const char *const want_procs[] = { "pid 20 uid 1900000001", "pid 300 uid 1900000002", NULL };
    static const char *const want_dirs[] = { "/w/rustbox-1", "/w/rustbox-2", NULL };
    assert_items(as_diff, "added", "mounts", want_mounts);
    assert_items(as_diff, "added", "cgroups", want_cgroups);
    assert_items(as_diff, "added", "processes", want_procs);
    assert_items(as_diff, "added", "temp_dirs", want_dirs);
    json_object_put(as_diff);

    /* a snapshot equals itself, and equals the same scan taken again */
    json_object *again = baseline_from_scan(&s);
    bool equal = false;
    json_object *d = baseline_diff(o, again, &equal);
    check_equal_flag(d, equal, true);
    json_object_put(d);
    json_object_put(again);
    json_object_put(o);
}

static void test_from_scan_empty(void **state)
{
    struct rb_scan s = { 0 };
    json_object *o = baseline_from_scan(&s);
    for (size_t i = 0; i < ARRAY_SIZE(categories); i++)
        assert_int_equal(json_object_array_length(get(o, categories[i])), 0);
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_snapshots),
        cmocka_unit_test(test_equal_in_another_order),
        cmocka_unit_test(test_empty_snapshots_equal),
        cmocka_unit_test(test_added_mount),
        cmocka_unit_test(test_removed_mount),
        cmocka_unit_test(test_added_and_removed_cgroups),
        cmocka_unit_test(test_processes_recycled_pid),
        cmocka_unit_test(test_added_and_removed_temp_dirs),
        cmocka_unit_test(test_missing_category_is_empty),
        cmocka_unit_test(test_from_scan_sorted_and_named),
        cmocka_unit_test(test_from_scan_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the leftover count behind verify-clean, recovery and the
 * audit: a box in use must not be mistaken for a leftover (a false alarm
 * quarantines a healthy worker), and anything a dead box left must be
 * counted (a miss lets the next run start on a dirty host). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scan.h"
#include "util.h"

/* A box with one of everything. */
static struct rb_scan_box full_box(long id, enum rb_box_state st)
{
    return (struct rb_scan_box){
        .id = id,
        .state = st,
        .has_lock = true,
        .has_dir = true,
        .mounts = 5,
        .cgroups = 2,
        .processes = 3,
    };
}

static struct rb_leftovers count(struct rb_scan_box *boxes, size_t n)
{
    struct rb_scan s = { .boxes = boxes, .n_boxes = n };
    struct rb_leftovers l;
    memset(&l, 0xff, sizeof(l)); /* every field must be written */
    scan_leftovers(&s, &l);
    return l;
}

static void assert_leftovers(struct rb_leftovers got, struct rb_leftovers want)
{
    assert_int_equal(got.mounts, want.mounts);
    assert_int_equal(got.cgroups, want.cgroups);
    assert_int_equal(got.processes, want.processes);
    assert_int_equal(got.temp_dirs, want.temp_dirs);
    assert_int_equal(got.stale_boxes, want.stale_boxes);
    assert_int_equal(got.orphans, want.orphans);
}

static void test_empty_scan(void **state)
{
    assert_leftovers(count(NULL, 0), (struct rb_leftovers){ 0 });
}

static void test_busy_box_counts_nothing(void **state)
{
    /* a run in progress: its mounts, groups, processes and dir are its own */
    struct rb_scan_box b = full_box(1, RB_BOX_BUSY);
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ 0 });
}

static void test_busy_box_stray_processes_are_orphans(void **state)
{
    /* ... but a process of its uid outside its cgroup escaped it */
    struct rb_scan_box b = full_box(1, RB_BOX_BUSY);
    b.stray_processes = 1;
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ .processes = 1, .orphans = 1 });
}

static void test_idle_box_counts_processes_and_cgroups_only(void **state)
{
    /* a persistent box between runs keeps its root mounts and dir, but
     * must not have processes or a cgroup */
    struct rb_scan_box b = { .id = 2, .state = RB_BOX_IDLE, .has_lock = true, .has_dir = true, .mounts = 5 };
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ 0 });
    b.cgroups = 1;
    b.processes = 2;
    b.stray_processes = 2; /* a resting box's processes are all strays */
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ .cgroups = 1, .processes = 2, .orphans = 2 });
}

static void test_idle_box_is_never_stale(void **state)
{
    struct rb_scan_box b = full_box(2, RB_BOX_IDLE);
    struct rb_leftovers l = count(&b, 1);
    assert_int_equal(l.stale_boxes, 0);
    assert_int_equal(l.mounts, 0);
    assert_int_equal(l.temp_dirs, 0);
}

static void test_dead_box_with_everything(void **state)
{
    struct rb_scan_box b = full_box(3, RB_BOX_DEAD);
    b.stray_processes = 1;
    assert_leftovers(count(&b, 1), (struct rb_leftovers){
                                       .mounts = 5,
                                       .cgroups = 2,
                                       .processes = 3,
                                       .temp_dirs = 1,
                                       .stale_boxes = 1,
                                       .orphans = 1,
                                   });
}

static void test_dead_box_anything_left_is_stale(void **state)
{
    /* each kind of remains alone makes the box stale */
    struct rb_scan_box b;
    b = (struct rb_scan_box){ .id = 4, .state = RB_BOX_DEAD, .mounts = 1 };
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ .mounts = 1, .stale_boxes = 1 });
    b = (struct rb_scan_box){ .id = 4, .state = RB_BOX_DEAD, .has_dir = true };
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ .temp_dirs = 1, .stale_boxes = 1 });
    b = (struct rb_scan_box){ .id = 4, .state = RB_BOX_DEAD, .cgroups = 1 };
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ .cgroups = 1, .stale_boxes = 1 });
    b = (struct rb_scan_box){ .id = 4, .state = RB_BOX_DEAD, .processes = 1 };
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ .processes = 1, .stale_boxes = 1 });
    /* a lock file with no live holder: its keeper died before releasing it */
    b = (struct rb_scan_box){ .id = 4, .state = RB_BOX_DEAD, .has_lock = true };
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ .stale_boxes = 1 });
}

static void test_dead_box_with_nothing_is_not_stale(void **state)
{
    struct rb_scan_box b = { .id = 5, .state = RB_BOX_DEAD };
    assert_leftovers(count(&b, 1), (struct rb_leftovers){ 0 });
}

static void test_orphans_summed_over_states(void **state)
{
    struct rb_scan_box boxes[] = {
        { .id = 1, .state = RB_BOX_BUSY, .processes = 4, .stray_processes = 1 },
        { .id = 2, .state = RB_BOX_IDLE, .processes = 2, .stray_processes = 2 },
        { .id = 3, .state = RB_BOX_DEAD, .has_lock = false, .processes = 3, .stray_processes = 3 },
    };
    struct rb_leftovers l = count(boxes, ARRAY_SIZE(boxes));
    assert_int_equal(l.orphans, 6);
    /* busy: strays only; idle and dead: every process */
    assert_int_equal(l.processes, 1 + 2 + 3);
    assert_int_equal(l.stale_boxes, 1);
}

static void test_mixed_host(void **state)
{
    struct rb_scan_box boxes[] = {
        full_box(1, RB_BOX_BUSY),
        { .id = 2, .state = RB_BOX_IDLE, .has_lock = true, .has_dir = true, .mounts = 5, .cgroups = 1 },
        full_box(3, RB_BOX_DEAD),
        { .id = 4, .state = RB_BOX_DEAD, .has_dir = true },
        { .id = 5, .state = RB_BOX_DEAD },
    };
    assert_leftovers(count(boxes, ARRAY_SIZE(boxes)), (struct rb_leftovers){
                                                          .mounts = 5,
                                                          .cgroups = 1 + 2,
                                                          .processes = 3,
                                                          .temp_dirs = 2,
                                                          .stale_boxes = 2,
                                                          .orphans = 0,
                                                      });
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_scan),
        cmocka_unit_test(test_busy_box_counts_nothing),
        cmocka_unit_test(test_busy_box_stray_processes_are_orphans),
        cmocka_unit_test(test_idle_box_counts_processes_and_cgroups_only),
        cmocka_unit_test(test_idle_box_is_never_stale),
        cmocka_unit_test(test_dead_box_with_everything),
        cmocka_unit_test(test_dead_box_anything_left_is_stale),
        cmocka_unit_test(test_dead_box_with_nothing_is_not_stale),
        cmocka_unit_test(test_orphans_summed_over_states),
        cmocka_unit_test(test_mixed_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the health state machine (SPEC §5) and the cleanup outcome
 * classification, as pure functions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "health.h"
#include "result.h"

#define MAX_FAILURES 3

static void fail_cleanup(struct rb_health_state *st, struct rb_transition *tr)
{
    health_on_cleanup(st, RB_CLEANUP_FAILURE, "mount_unmount_failed: /tmp/rustbox-1/root", MAX_FAILURES, tr);
}

static void test_failures_below_threshold_make_unhealthy(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    health_init(&st);
    fail_cleanup(&st, &tr);
    assert_int_equal(st.status, RB_UNHEALTHY);
    assert_true(tr.changed);
    assert_int_equal(tr.from, RB_HEALTHY);
    assert_int_equal(tr.to, RB_UNHEALTHY);
    assert_int_equal(st.failed_cleanup_count, 1);
    assert_string_equal(st.last_cleanup_error, "mount_unmount_failed: /tmp/rustbox-1/root");
    fail_cleanup(&st, &tr);
    assert_int_equal(st.status, RB_UNHEALTHY);
    assert_false(tr.changed);
    assert_int_equal(st.failed_cleanup_count, 2);
}

static void test_third_consecutive_failure_quarantines(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    health_init(&st);
    for (int i = 0; i < MAX_FAILURES; i++)
        fail_cleanup(&st, &tr);
    assert_int_equal(st.status, RB_QUARANTINED);
    assert_true(tr.changed);
    assert_int_equal(tr.from, RB_UNHEALTHY);
    assert_string_equal(st.quarantine_reason, RB_REASON_CLEANUP_FAILURE);
    assert_false(st.manual);
    assert_true(st.quarantine_timestamp[0] != '\0');
    assert_int_equal(st.failed_cleanup_count, MAX_FAILURES);
}

static void test_success_resets_consecutive_count(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    health_init(&st);
    fail_cleanup(&st, &tr);
    fail_cleanup(&st, &tr);
    health_on_cleanup(&st, RB_CLEANUP_PARTIAL, NULL, MAX_FAILURES, &tr);
    assert_int_equal(st.failed_cleanup_count, 0);
    assert_int_equal(st.status, RB_HEALTHY);
    assert_true(tr.changed);
    /* Two more failures must not reach the threshold: the count restarted. */
    fail_cleanup(&st, &tr);
    fail_cleanup(&st, &tr);
    assert_int_equal(st.status, RB_UNHEALTHY);
}

static void test_success_does_not_lift_quarantine(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    health_init(&st);
    for (int i = 0; i < MAX_FAILURES; i++)
        fail_cleanup(&st, &tr);
    health_on_cleanup(&st, RB_CLEANUP_SUCCESS, NULL, MAX_FAILURES, &tr);
    assert_int_equal(st.status, RB_QUARANTINED);
    assert_false(tr.changed);
}

static void test_quarantine_keeps_first_reason(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    health_init(&st);
    health_on_quarantine(&st, RB_REASON_ORPHAN, false, "2026-01-01T00:00:00Z", &tr);
    assert_true(tr.changed);
    health_on_quarantine(&st, RB_REASON_RESOURCES, false, "2026-01-02T00:00:00Z", &tr);
    assert_false(tr.changed);
    assert_string_equal(st.quarantine_reason, RB_REASON_ORPHAN);
    assert_string_equal(st.quarantine_timestamp, "2026-01-01T00:00:00Z");
}

static void test_recovery_lifts_automatic_only(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    const char *automatic[] = { RB_REASON_CLEANUP_FAILURE, RB_REASON_BASELINE, RB_REASON_RESOURCES };
    for (size_t i = 0; i < 3; i++) {
        health_init(&st);
        health_on_quarantine(&st, automatic[i], false, "t", &tr);
        assert_true(health_on_lift(&st, false, "recovered", &tr));
        assert_int_equal(st.status, RB_HEALTHY);
        assert_true(tr.changed);
        assert_int_equal(tr.from, RB_QUARANTINED);
        assert_string_equal(tr.reason, "recovered");
        assert_string_equal(st.quarantine_reason, "");
    }
    health_init(&st);
    health_on_quarantine(&st, RB_REASON_ORPHAN, false, "t", &tr);
    assert_false(health_on_lift(&st, false, "recovered", &tr));
    assert_int_equal(st.status, RB_QUARANTINED);
    health_init(&st);
    health_on_quarantine(&st, "disk swap", true, "t", &tr);
    assert_false(health_on_lift(&st, false, "recovered", &tr));
    assert_int_equal(st.status, RB_QUARANTINED);
    /* The operator may lift either. */
    assert_true(health_on_lift(&st, true, "checked by hand", &tr));
    assert_int_equal(st.status, RB_HEALTHY);
}

static void test_lift_clears_failure_count(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    health_init(&st);
    for (int i = 0; i < MAX_FAILURES; i++)
        fail_cleanup(&st, &tr);
    assert_true(health_on_lift(&st, false, "recovered", &tr));
    assert_int_equal(st.failed_cleanup_count, 0);
    assert_int_equal(st.status, RB_HEALTHY);
}

static void test_check_flags(void **state)
{
    (void)state;
    struct rb_health_state st;
    struct rb_transition tr;
    health_init(&st);
    health_on_check(&st, RB_UNHEALTHY_STALE_BOX, &tr);
    assert_int_equal(st.status, RB_UNHEALTHY);
    assert_string_equal(tr.reason, "stale_box");
    health_on_check(&st, 0, &tr);
    assert_int_equal(st.status, RB_HEALTHY);
    /* A check does not forget a cleanup failure: only a clean cleanup does. */
    fail_cleanup(&st, &tr);
    health_on_check(&st, 0, &tr);
    assert_int_equal(st.status, RB_UNHEALTHY);
    assert_true(st.unhealthy & RB_UNHEALTHY_CLEANUP_FAILURE);
}

static void test_parse_round_trip_and_corruption(void **state)
{
    (void)state;
    struct rb_health_state st;
    const char *good =
        "{\"status\": \"quarantined\", \"quarantine_reason\": \"cleanup_failure\", "
        "\"quarantine_timestamp\": \"2026-02-08T12:34:56Z\", \"manual\": false, "
        "\"failed_cleanup_count\": 3, \"last_cleanup_error\": \"x\", \"unhealthy\": 1}";
    assert_int_equal(health_parse(good, &st), 0);
    assert_int_equal(st.status, RB_QUARANTINED);
    assert_int_equal(st.failed_cleanup_count, 3);
    assert_string_equal(st.quarantine_reason, "cleanup_failure");
    const char *bad[] = {
        "",
        "{\"status\": \"quarantined\", \"quarantine_reason\": \"cleanup_failure\"",
        "{\"status\": \"sleeping\", \"quarantine_reason\": null, \"quarantine_timestamp\": null, \"manual\": "
        "false, \"failed_cleanup_count\": 0, \"last_cleanup_error\": null, \"unhealthy\": 0}",
        "{\"status\": \"quarantined\", \"quarantine_reason\": null, \"quarantine_timestamp\": null, \"manual\": "
        "false, \"failed_cleanup_count\": 0, \"last_cleanup_error\": null, \"unhealthy\": 0}",
        "{\"status\": \"healthy\", \"quarantine_reason\": null, \"quarantine_timestamp\": null, \"manual\": "
        "false, \"failed_cleanup_count\": -1, \"last_cleanup_error\": null, \"unhealthy\": 0}",
        "[1, 2]",
        "{\"status\": \"healthy\"} trailing",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(health_parse(bad[i], &st), -EBADMSG);
}

static struct rb_cleanup_report report(bool fallback, int n, const enum rb_cleanup_error_kind *kinds)
{
    struct rb_cleanup_report rep;
    memset(&rep, 0, sizeof(rep));
    rep.used_fallback = fallback;
    for (int i = 0; i < n; i++)
        cleanup_report_add(&rep, kinds[i], "/tmp/rustbox-%d", i);
    return rep;
}

static void test_outcome_classification(void **state)
{
    (void)state;
    struct rb_cleanup_report rep = report(false, 0, NULL);
    assert_int_equal(cleanup_report_classify(&rep), RB_CLEANUP_SUCCESS);
    rep = report(true, 0, NULL);
    assert_int_equal(cleanup_report_classify(&rep), RB_CLEANUP_PARTIAL);
    enum rb_cleanup_error_kind mended[] = { RB_ERR_MOUNT_UNMOUNT_FAILED };
    rep = report(false, 1, mended);
    assert_int_equal(cleanup_report_classify(&rep), RB_CLEANUP_PARTIAL);
    enum rb_cleanup_error_kind left[] = { RB_ERR_CGROUP_REMOVAL_FAILED, RB_ERR_BASELINE_EQUIVALENCE_FAILED };
    rep = report(true, 2, left);
    assert_int_equal(cleanup_report_classify(&rep), RB_CLEANUP_FAILURE);
    const struct rb_cleanup_error *e = cleanup_report_main_error(&rep);
    assert_non_null(e);
    assert_int_equal(e->kind, RB_ERR_CGROUP_REMOVAL_FAILED);
    enum rb_cleanup_error_kind order[] = { RB_ERR_CLEANUP_TIMEOUT, RB_ERR_PROCESS_REAP_FAILED,
                                           RB_ERR_MOUNT_UNMOUNT_FAILED };
    rep = report(false, 3, order);
    assert_int_equal(cleanup_report_main_error(&rep)->kind, RB_ERR_MOUNT_UNMOUNT_FAILED);
    rep = report(false, 0, NULL);
    assert_null(cleanup_report_main_error(&rep));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failures_below_threshold_make_unhealthy),
        cmocka_unit_test(test_third_consecutive_failure_quarantines),
        cmocka_unit_test(test_success_resets_consecutive_count),
        cmocka_unit_test(test_success_does_not_lift_quarantine),
        cmocka_unit_test(test_quarantine_keeps_first_reason),
        cmocka_unit_test(test_recovery_lifts_automatic_only),
        cmocka_unit_test(test_lift_clears_failure_count),
        cmocka_unit_test(test_check_flags),
        cmocka_unit_test(test_parse_round_trip_and_corruption),
        cmocka_unit_test(test_outcome_classification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

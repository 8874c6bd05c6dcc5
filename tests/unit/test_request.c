/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for request_cpu_rule: how each syntax measures the CPU limit and
 * where the supervisor kills. rustbox's own: the box's cgroup, killed past
 * --time plus --extra-time. isolate 1.10's: killed once the time is past
 * both -t and -x, and the program's own time without --cg or with
 * --no-cg-timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "request.h"

static struct rb_run_request req_of(enum rb_program_rules rules, double t, double x)
{
    struct rb_run_request req = { .rules = rules };
    req.limits.cpu_time_s = t;
    req.limits.extra_time_s = x;
    return req;
}

static void test_native_sum_and_cgroup(void **state)
{
    struct rb_run_request req = req_of(RB_RULES_NATIVE, 1.0, 0.5);
    struct rb_cpu_rule r = request_cpu_rule(&req);
    assert_false(r.per_process);
    assert_true(r.kill_at_s > 1.499 && r.kill_at_s < 1.501);
    /* isolate's switches mean nothing to the native syntax */
    req.process_timing = true;
    assert_false(request_cpu_rule(&req).per_process);
    req = req_of(RB_RULES_NATIVE, 0.3, 0);
    assert_true(request_cpu_rule(&req).kill_at_s > 0.299 && request_cpu_rule(&req).kill_at_s < 0.301);
}

static void test_isolate_larger_of_t_and_x(void **state)
{
    /* recorded: isolate stopped -t 1 -x 0.5 at 1.012-1.020 s, -t 0.3 -x 1 at 1.025 */
    struct rb_run_request req = req_of(RB_RULES_ISOLATE, 1.0, 0.5);
    req.cg_meta_keys = true;
    struct rb_cpu_rule r = request_cpu_rule(&req);
    assert_false(r.per_process);
    assert_true(r.kill_at_s > 0.999 && r.kill_at_s < 1.001);
    req = req_of(RB_RULES_ISOLATE, 0.3, 1.0);
    req.cg_meta_keys = true;
    r = request_cpu_rule(&req);
    assert_true(r.kill_at_s > 0.999 && r.kill_at_s < 1.001);
    req = req_of(RB_RULES_ISOLATE, 0.3, 0);
    req.cg_meta_keys = true;
    r = request_cpu_rule(&req);
    assert_true(r.kill_at_s > 0.299 && r.kill_at_s < 0.301);
}

static void test_no_cpu_limit_never_kills(void **state)
{
    /* -x alone is no limit in either syntax */
    struct rb_run_request req = req_of(RB_RULES_ISOLATE, 0, 1.0);
    assert_true(request_cpu_rule(&req).kill_at_s == 0);
    req = req_of(RB_RULES_NATIVE, 0, 1.0);
    assert_true(request_cpu_rule(&req).kill_at_s == 0);
}

static void test_isolate_process_timing(void **state)
{
    struct rb_run_request req = req_of(RB_RULES_ISOLATE, 0.3, 0);
    /* without --cg isolate reads the main process's own time */
    assert_true(request_cpu_rule(&req).per_process);
    req.cg_meta_keys = true;
    assert_false(request_cpu_rule(&req).per_process);
    req.process_timing = true; /* --no-cg-timing */
    assert_true(request_cpu_rule(&req).per_process);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_sum_and_cgroup),
        cmocka_unit_test(test_isolate_larger_of_t_and_x),
        cmocka_unit_test(test_no_cpu_limit_never_kills),
        cmocka_unit_test(test_isolate_process_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

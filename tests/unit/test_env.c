/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the box's environment: SPEC §3's rules (fixed PATH/HOME,
 * --env VAR=VAL, a bare VAR inherited from the caller, which entry wins,
 * --full-env), and allocation failure at every allocation of a build, which
 * must give NULL with nothing leaked rather than a crash or a half-built
 * environment handed to the program. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "env.h"
#include "util.h"

#include "alloc_inject.h"

/* ---- helpers ---- */

static char *caller_env[] = {
    "PATH=/host/bin", "HOME=/root", "SECRET=s3cret", "LANG=C.UTF-8", "EMPTY=", "LANGUAGE=en", NULL,
};

static size_t env_count(char **env)
{
    size_t n = 0;
    while (env[n])
        n++;
    return n;
}

/* env holds exactly want (in order), each once. */
static void assert_env(char **env, const char *const *want, size_t n_want)
{
    assert_non_null(env);
    for (size_t i = 0; i < n_want && env[i]; i++)
        assert_string_equal(env[i], want[i]);
    assert_int_equal(env_count(env), n_want);
}

#define FIXED "LIBC_FATAL_STDERR_=1", "PATH=" RB_SANDBOX_PATH, "HOME=" RB_SANDBOX_HOME

/* ---- SPEC §3 rules ---- */

static void test_fixed_path_and_home_only(void **state)
{
    struct rb_run_request req = { .box_id = -1 };
    char **env = env_build(&req, caller_env);
    static const char *const want[] = { FIXED };
    assert_env(env, want, ARRAY_SIZE(want));
    /* nothing of the caller's leaks through */
    assert_null(env_lookup(env, "SECRET"));
    assert_null(env_lookup(env, "LANG"));
    assert_string_equal(env_lookup(env, "PATH"), "/usr/local/bin:/usr/bin:/bin");
    assert_string_equal(env_lookup(env, "HOME"), "/box");
    env_free(env);
}

static void test_env_var_equals_value(void **state)
{
    char *specs[] = { "A=1", "B=x=y", "C=" };
    struct rb_run_request req = { .env = specs, .n_env = ARRAY_SIZE(specs) };
    char **env = env_build(&req, caller_env);
    static const char *const want[] = { FIXED, "A=1", "B=x=y", "C=" };
    assert_env(env, want, ARRAY_SIZE(want));
    assert_string_equal(env_lookup(env, "B"), "x=y");
    assert_string_equal(env_lookup(env, "C"), "");
    env_free(env);
}

static void test_bare_var_inherits_from_caller(void **state)
{
    /* LANG must not match LANGUAGE (a prefix), MISSING is skipped, an
     * empty caller value is passed as empty. */
    char *specs[] = { "LANG", "MISSING", "EMPTY", "LANGUAGE" };
    struct rb_run_request req = { .env = specs, .n_env = ARRAY_SIZE(specs) };
    char **env = env_build(&req, caller_env);
    static const char *const want[] = { FIXED, "LANG=C.UTF-8", "EMPTY=", "LANGUAGE=en" };
    assert_env(env, want, ARRAY_SIZE(want));
    assert_null(env_lookup(env, "MISSING"));
    env_free(env);
}

static void test_bare_var_prefix_of_caller_name(void **state)
{
    /* "LAN" is a prefix of LANG= and LANGUAGE= but not a variable there */
    char *specs[] = { "LAN" };
    struct rb_run_request req = { .env = specs, .n_env = 1 };
    char **env = env_build(&req, caller_env);
    static const char *const want[] = { FIXED };
    assert_env(env, want, ARRAY_SIZE(want));
    env_free(env);
}

static void test_override_order(void **state)
{
    /* --env overrides the fixed entries in place; a later --env overrides
     * an earlier one, whether it set a value or inherited one. */
    char *specs[] = { "PATH=/opt/bin", "A=1", "HOME", "A=2", "LANG", "LANG=POSIX" };
    struct rb_run_request req = { .env = specs, .n_env = ARRAY_SIZE(specs) };
    char **env = env_build(&req, caller_env);
    static const char *const want[] = {
        "LIBC_FATAL_STDERR_=1", "PATH=/opt/bin", "HOME=/root", "A=2", "LANG=POSIX",
    };
    assert_env(env, want, ARRAY_SIZE(want));
    env_free(env);

    /* and an inherited value after a set one wins */
    char *specs2[] = { "LANG=POSIX", "LANG" };
    req = (struct rb_run_request){ .env = specs2, .n_env = 2 };
    env = env_build(&req, caller_env);
    static const char *const want2[] = { FIXED, "LANG=C.UTF-8" };
    assert_env(env, want2, ARRAY_SIZE(want2));
    env_free(env);
}

static void test_full_env(void **state)
{
    /* the caller's whole environment, the fixed PATH/HOME over its own */
    struct rb_run_request req = { .full_env = true };
    char **env = env_build(&req, caller_env);
    static const char *const want[] = {
        "PATH=" RB_SANDBOX_PATH, "HOME=" RB_SANDBOX_HOME, "SECRET=s3cret", "LANG=C.UTF-8", "EMPTY=",
        "LANGUAGE=en",           "LIBC_FATAL_STDERR_=1",
    };
    assert_env(env, want, ARRAY_SIZE(want));
    env_free(env);

    /* --env still goes on top */
    char *specs[] = { "SECRET=hidden", "HOME", "NEW=1" };
    req = (struct rb_run_request){ .full_env = true, .env = specs, .n_env = ARRAY_SIZE(specs) };
    env = env_build(&req, caller_env);
    static const char *const want2[] = {
        ("PATH=" RB_SANDBOX_PATH), "HOME=/root", "SECRET=hidden", "LANG=C.UTF-8", "EMPTY=", "LANGUAGE=en",
        "LIBC_FATAL_STDERR_=1",    "NEW=1",
    };
    assert_env(env, want2, ARRAY_SIZE(want2));
    env_free(env);
}

static void test_full_env_keeps_config_location_out(void **state)
{
    char *with_config[] = { "A=1", RB_CONFIG_ENV "=/srv/judge/rustbox.json", "B=2", NULL };
    struct rb_run_request req = { .full_env = true };
    char **env = env_build(&req, with_config);
    static const char *const want[] = { "A=1", "B=2", FIXED };
    assert_env(env, want, ARRAY_SIZE(want));
    env_free(env);
}

/* isolate 1.10.1's recorded environments (tests/isolate/cases/066-071). */
static char **isolate_env(bool full, char **specs, size_t n)
{
    static char *caller[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "FOO=bar", "HOME=/home/caller", NULL };
    struct rb_run_request req = { .rules = RB_RULES_ISOLATE, .full_env = full, .env = specs, .n_env = n };
    return env_build(&req, caller);
}

static void test_isolate_rules(void **state)
{
    char **env = isolate_env(false, NULL, 0);
    static const char *const dflt[] = { "LIBC_FATAL_STDERR_=1" };
    assert_env(env, dflt, ARRAY_SIZE(dflt));
    env_free(env);

    env = isolate_env(true, NULL, 0);
    static const char *const full[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "FOO=bar",
                                        "HOME=/home/caller", "LIBC_FATAL_STDERR_=1" };
    assert_env(env, full, ARRAY_SIZE(full));
    env_free(env);

    char *inherit[] = { "FOO", "MISSING" };
    env = isolate_env(false, inherit, ARRAY_SIZE(inherit));
    static const char *const inh[] = { "LIBC_FATAL_STDERR_=1", "FOO=bar" };
    assert_env(env, inh, ARRAY_SIZE(inh));
    env_free(env);

    char *set[] = { "FOO=val", "NEW=1" };
    env = isolate_env(false, set, ARRAY_SIZE(set));
    static const char *const st[] = { "LIBC_FATAL_STDERR_=1", "FOO=val", "NEW=1" };
    assert_env(env, st, ARRAY_SIZE(st));
    env_free(env);

    /* "FOO=" unsets: the last entry takes its place */
    char *unset[] = { "FOO=" };
    env = isolate_env(true, unset, ARRAY_SIZE(unset));
    static const char *const un[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "LIBC_FATAL_STDERR_=1",
                                      "HOME=/home/caller" };
    assert_env(env, un, ARRAY_SIZE(un));
    env_free(env);

    char *none[] = { "LIBC_FATAL_STDERR_=" };
    env = isolate_env(false, none, ARRAY_SIZE(none));
    assert_env(env, NULL, 0);
    env_free(env);
}

static void test_empty_or_null_caller_env(void **state)
{
    char *specs[] = { "LANG", "A=1" };
    struct rb_run_request req = { .full_env = true, .env = specs, .n_env = 2 };
    char *empty[] = { NULL };
    static const char *const want[] = { FIXED, "A=1" };
    char **env = env_build(&req, empty);
    assert_env(env, want, ARRAY_SIZE(want));
    env_free(env);
    env = env_build(&req, NULL);
    assert_env(env, want, ARRAY_SIZE(want));
    env_free(env);
}

static void test_lookup(void **state)
{
    char *e[] = { "A=1", "AB=2", "B", "C==", NULL };
    assert_string_equal(env_lookup(e, "A"), "1");
    assert_string_equal(env_lookup(e, "AB"), "2");
    assert_null(env_lookup(e, "B")); /* no '=': not a variable */
    assert_string_equal(env_lookup(e, "C"), "=");
    assert_null(env_lookup(e, "D"));
    assert_null(env_lookup(NULL, "A"));
    env_free(NULL);
}

/* ---- allocation failure ---- */

/* Builds req with the fail_at-th allocation failing (0: none); returns how
 * many allocations the build made and checks that nothing it allocated
 * outlives a failure. */
static long build_failing_at(const struct rb_run_request *req, long fail_at, bool *built)
{
    arm(fail_at);
    char **env = env_build(req, caller_env);
    long count = inj.count;
    *built = env != NULL;
    /* Still armed, so that env_free's frees are tracked too. */
    env_free(env);
    disarm();
    assert_false(inj.overflow);
    if (inj.n_live)
        fail_msg("allocation %ld failed: %zu block(s) leaked", fail_at, inj.n_live);
    return count;
}

/* Every allocation of the build, failed in turn, gives NULL. */
static void fail_every_allocation(const struct rb_run_request *req, long expect_allocs)
{
    bool built;
    long total = build_failing_at(req, 0, &built);
    assert_true(built);
    /* The count also proves the interposition works: 0 would mean the
     * build's allocations bypassed it and nothing below was tested. */
    assert_int_equal(total, expect_allocs);
    for (long n = 1; n <= total; n++) {
        long count = build_failing_at(req, n, &built);
        if (built)
            fail_msg("allocation %ld of %ld failed, yet env_build returned an environment", n, total);
        assert_true(count >= n);
    }
    /* one past the last: succeeds again */
    (void)build_failing_at(req, total + 1, &built);
    assert_true(built);
}

static void test_alloc_failure_fixed(void **state)
{
    struct rb_run_request req = { .box_id = -1 };
    fail_every_allocation(&req, 1 + 3);
}

static void test_alloc_failure_env_and_inherit(void **state)
{
    /* array + 3 fixed + A=1 + LANG (inherited) + A=2 (replaces) */
    char *specs[] = { "A=1", "LANG", "MISSING", "A=2" };
    struct rb_run_request req = { .env = specs, .n_env = ARRAY_SIZE(specs) };
    fail_every_allocation(&req, 1 + 3 + 3);
}

static void test_alloc_failure_full_env(void **state)
{
    /* array + 6 caller entries + 3 fixed + HOME inherited + B=2 */
    char *specs[] = { "HOME", "B=2" };
    struct rb_run_request req = { .full_env = true, .env = specs, .n_env = ARRAY_SIZE(specs) };
    fail_every_allocation(&req, 1 + 6 + 3 + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_path_and_home_only),
        cmocka_unit_test(test_env_var_equals_value),
        cmocka_unit_test(test_bare_var_inherits_from_caller),
        cmocka_unit_test(test_bare_var_prefix_of_caller_name),
        cmocka_unit_test(test_override_order),
        cmocka_unit_test(test_full_env),
        cmocka_unit_test(test_full_env_keeps_config_location_out),
        cmocka_unit_test(test_isolate_rules),
        cmocka_unit_test(test_empty_or_null_caller_env),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_alloc_failure_fixed),
        cmocka_unit_test(test_alloc_failure_env_and_inherit),
        cmocka_unit_test(test_alloc_failure_full_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

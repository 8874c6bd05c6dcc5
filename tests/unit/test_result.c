/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the run result: names, SPEC §2 JSON, isolate meta file. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "result.h"
#include "util.h"

#define ALL_CONTROLS ((1u << RB_CTL_COUNT) - 1)

/* The SPEC §2 example run. */
static void example(struct rb_result *r)
{
    memset(r, 0, sizeof(*r));
    r->box_id = 7;
    r->verdict = RB_OK;
    r->exited = true;
    r->exit_code = 0;
    r->cpu_time_s = 0.0123;
    r->wall_time_s = 0.02;
    r->memory_peak_kib = 1840;
    r->out = strdup("hello\n");
    r->out_len = 6;
    r->err = strdup("");
    r->err_len = 0;
    r->limits = (struct rb_limits){
        .cpu_time_s = 1.0,
        .wall_time_s = 3.0,
        .extra_time_s = 0.5,
        .memory = 256ULL << 20,
        .processes = 64,
        .file_size = 64ULL << 20,
        .open_files = 64,
        .stack = 64ULL << 20,
        .output_limit = 64ULL << 20,
    };
    r->controls_applied = ALL_CONTROLS;
    r->cgroup_backend = "v1";
    r->strict = true;
    r->cleanup_ran = true;
    r->cleanup.outcome = RB_CLEANUP_SUCCESS;
    r->cleanup.duration_s = 0.0031;
}

static void test_names(void **state)
{
    static const char *const verdicts[] = { "OK", "RE", "SIG", "TLE", "MLE", "OLE", "SV", "IE" };
    for (int v = 0; v < RB_VERDICT_COUNT; v++)
        assert_string_equal(verdict_name((enum rb_verdict)v), verdicts[v]);
    static const char *const controls[] = { "pid_ns", "mount_ns", "net_ns",       "ipc_ns",       "uts_ns",
                                            "cgroup", "seccomp",  "caps_dropped", "no_new_privs", "rlimits" };
    assert_int_equal(ARRAY_SIZE(controls), RB_CTL_COUNT);
    for (int c = 0; c < RB_CTL_COUNT; c++)
        assert_string_equal(control_name((enum rb_control)c), controls[c]);
    assert_string_equal(cleanup_outcome_name(RB_CLEANUP_SUCCESS), "success");
    assert_string_equal(cleanup_outcome_name(RB_CLEANUP_PARTIAL), "partial");
    assert_string_equal(cleanup_outcome_name(RB_CLEANUP_FAILURE), "failure");
    static const char *const kinds[] = { "mount_unmount_failed", "cgroup_removal_failed",
                                         "process_reap_failed",  "tempdir_removal_failed",
                                         "cleanup_timeout",      "baseline_equivalence_failed" };
    assert_int_equal(ARRAY_SIZE(kinds), RB_ERR_KIND_COUNT);
    for (int k = 0; k < RB_ERR_KIND_COUNT; k++)
        assert_string_equal(cleanup_error_kind_name((enum rb_cleanup_error_kind)k), kinds[k]);
}

static void test_json_exact_example(void **state)
{
    struct rb_result r;
    example(&r);
    for (int p = 0; p < RB_PHASE_COUNT; p++)
        r.timings.phase_us[p] = (uint64_t)p + 1;
    for (int st = 0; st < RB_CSTEP_COUNT; st++)
        r.cleanup.step_us[st] = (uint64_t)st + 11;
    r.timings.total_us = 100;
    char *j = result_to_json(&r);
    assert_non_null(j);
    assert_string_equal(
        j,
        "{\"schema\":\"rustbox.result/1\",\"box_id\":7,\"verdict\":\"OK\",\"reason\":null,"
        "\"exit_code\":0,\"signal\":null,\"cpu_time_s\":0.012,\"wall_time_s\":0.020,"
        "\"memory_peak_kib\":1840,\"stdout\":\"hello\\n\",\"stderr\":\"\",\"output_truncated\":false,"
        "\"limits\":{\"cpu_time_s\":1.0,\"wall_time_s\":3.0,\"extra_time_s\":0.5,\"memory_kib\":262144,"
        "\"processes\":64,\"file_size_kib\":65536,\"open_files\":64,\"stack_kib\":65536,"
        "\"output_limit_kib\":65536},"
        "\"controls\":{\"applied\":[\"pid_ns\",\"mount_ns\",\"net_ns\",\"ipc_ns\",\"uts_ns\",\"cgroup\","
        "\"seccomp\",\"caps_dropped\",\"no_new_privs\",\"rlimits\"],\"missing\":[],"
        "\"cgroup_backend\":\"v1\",\"strict\":true},"
        "\"cleanup\":{\"outcome\":\"success\",\"duration_s\":0.003,\"errors\":[]},"
        "\"timings\":{\"config_us\":1,\"health_check_us\":2,\"lock_us\":3,\"root_build_us\":4,"
        "\"cgroup_create_us\":5,\"clone_exec_us\":6,\"wait_us\":7,\"cleanup_us\":8,"
        "\"cleanup_steps\":{\"kill_us\":11,\"unmount_us\":12,\"cgroups_us\":13,\"dirs_us\":14,"
        "\"verify_us\":15},\"total_us\":100}}");
    free(j);
    result_free(&r);
}

static struct json_object *parse(const char *text)
{
    struct json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    if (!o)
        fail_msg("result JSON does not parse (%s): %s", json_tokener_error_desc(json_tokener_get_error(tok)), text);
    json_tokener_free(tok);
    return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("key %s missing", key);
    return v;
}

static void test_json_nulls_and_failure_fields(void **state)
{
    struct rb_result r;
    example(&r);
    r.verdict = RB_SIG;
    r.exited = false;
    r.exit_code = 99; /* not valid: must not be shown */
    r.signal = SIGSEGV;
    r.reason = "signal";
    r.cgroup_backend = NULL;
    r.strict = false;
    r.controls_applied = ALL_CONTROLS & ~(1u << RB_CTL_CGROUP) & ~(1u << RB_CTL_SECCOMP);
    r.controls_missing = (1u << RB_CTL_CGROUP) | (1u << RB_CTL_SECCOMP);
    r.cleanup_ran = false;
    r.output_truncated = true;
    r.limits = (struct rb_limits){ .extra_time_s = 0 }; /* all unlimited */
    r.memory_peak_kib = 1ULL << 40;
    r.box_id = 64123;
    char *j = result_to_json(&r);
    assert_non_null(j);
    struct json_object *o = parse(j);

    assert_int_equal(json_object_get_int64(get(o, "box_id")), 64123);
    assert_string_equal(json_object_get_string(get(o, "verdict")), "SIG");
    assert_string_equal(json_object_get_string(get(o, "reason")), "signal");
    assert_true(json_object_is_type(get(o, "exit_code"), json_type_null));
    assert_int_equal(json_object_get_int(get(o, "signal")), SIGSEGV);
    assert_int_equal(json_object_get_uint64(get(o, "memory_peak_kib")), 1ULL << 40);
    assert_true(json_object_get_boolean(get(o, "output_truncated")));
    assert_true(json_object_is_type(get(o, "cleanup"), json_type_null));

    struct json_object *lim = get(o, "limits");
    static const char *const nullable[] = { "cpu_time_s",    "wall_time_s", "memory_kib", "processes",
                                            "file_size_kib", "open_files",  "stack_kib",  "output_limit_kib" };
    for (size_t i = 0; i < ARRAY_SIZE(nullable); i++)
        if (!json_object_is_type(get(lim, nullable[i]), json_type_null))
            fail_msg("limits.%s should be null", nullable[i]);
    /* no extra time is 0, not "unlimited" */
    assert_true(json_object_is_type(get(lim, "extra_time_s"), json_type_double));
    assert_true(json_object_get_double(get(lim, "extra_time_s")) == 0.0);
    assert_int_equal(json_object_object_length(lim), 9);

    struct json_object *ctl = get(o, "controls");
    assert_true(json_object_is_type(get(ctl, "cgroup_backend"), json_type_null));
    assert_false(json_object_get_boolean(get(ctl, "strict")));
    struct json_object *missing = get(ctl, "missing");
    assert_int_equal(json_object_array_length(missing), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(missing, 0)), "cgroup");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(missing, 1)), "seccomp");
    assert_int_equal(json_object_array_length(get(ctl, "applied")), RB_CTL_COUNT - 2);

    /* key order of SPEC §2 */
    static const char *const order[] = { "schema",          "box_id",   "verdict",    "reason",
                                         "exit_code",       "signal",   "cpu_time_s", "wall_time_s",
                                         "memory_peak_kib", "stdout",   "stderr",     "output_truncated",
                                         "limits",          "controls", "cleanup",    "timings" };
    size_t i = 0;
    json_object_object_foreach(o, key, val) {
        (void)val;
        assert_true(i < ARRAY_SIZE(order));
        assert_string_equal(key, order[i]);
        i++;
    }
    assert_int_equal(i, ARRAY_SIZE(order));
    json_object_put(o);
    free(j);
    result_free(&r);
}

static void test_json_rounding(void **state)
{
    static const struct {
        double in;
        const char *out;
    } cases[] = {
        { 0.0, "0.000" },         { 0.0004, "0.000" }, { 0.0006, "0.001" },    { 1.9996, "2.000" },
        { 12.3456789, "12.346" }, { -0.5, "0.000" },   { 3600.0, "3600.000" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct rb_result r;
        example(&r);
        r.cpu_time_s = cases[i].in;
        r.wall_time_s = cases[i].in;
        r.cleanup.duration_s = cases[i].in;
        char *j = result_to_json(&r);
        char want[64];
        snprintf(want, sizeof(want), "\"cpu_time_s\":%s,", cases[i].out);
        if (!strstr(j, want))
            fail_msg("missing %s in %s", want, j);
        snprintf(want, sizeof(want), "\"wall_time_s\":%s,", cases[i].out);
        assert_non_null(strstr(j, want));
        snprintf(want, sizeof(want), "\"duration_s\":%s,", cases[i].out);
        assert_non_null(strstr(j, want));
        free(j);
        result_free(&r);
    }
    /* limits keep the short form */
    struct rb_result r;
    example(&r);
    r.limits.cpu_time_s = 1.25;
    r.limits.wall_time_s = 0.1;
    char *j = result_to_json(&r);
    assert_non_null(strstr(j, "\"limits\":{\"cpu_time_s\":1.25,\"wall_time_s\":0.1,"));
    free(j);
    result_free(&r);
}

/* Renders bytes as stdout and returns the decoded string (caller frees). */
static char *roundtrip_stdout(const char *bytes, size_t len, size_t *outlen)
{
    struct rb_result r;
    example(&r);
    free(r.out);
    r.out = malloc(len + 1);
    memcpy(r.out, bytes, len);
    r.out_len = len;
    char *j = result_to_json(&r);
    assert_non_null(j);
    struct json_object *o = parse(j);
    struct json_object *s = get(o, "stdout");
    *outlen = (size_t)json_object_get_string_len(s);
    char *copy = malloc(*outlen + 1);
    memcpy(copy, json_object_get_string(s), *outlen + 1);
    json_object_put(o);
    free(j);
    result_free(&r);
    return copy;
}

#define FFFD "\xEF\xBF\xBD"

static void test_json_utf8_sanitised(void **state)
{
    static const struct {
        const char *in;
        size_t inlen;
        const char *out;
        size_t outlen;
    } cases[] = {
        /* valid text passes through, multi-byte included */
        { "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", 15, "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80", 15 },
        /* NULs are kept */
        { "a\0b", 3, "a\0b", 3 },
        /* a stray byte */
        { "a\xFF"
          "b",
          3, "a" FFFD "b", 5 },
        /* truncated sequence at the end: one replacement */
        { "x\xE2\x82", 3, "x" FFFD, 4 },
        /* overlong NUL: two replacements (C0 is never valid) */
        { "\xC0\x80", 2, FFFD FFFD, 6 },
        /* UTF-16 surrogate encoded: three replacements */
        { "\xED\xA0\x80", 3, FFFD FFFD FFFD, 9 },
        /* beyond U+10FFFF */
        { "\xF4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD, 12 },
        /* lone continuation bytes, then valid */
        { "\x80\x80z", 3, FFFD FFFD "z", 7 },
        /* invalid followed by NUL */
        { "\xFE\0", 2, FFFD "\0", 4 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        size_t n;
        char *got = roundtrip_stdout(cases[i].in, cases[i].inlen, &n);
        if (n != cases[i].outlen || memcmp(got, cases[i].out, n) != 0)
            fail_msg("case %zu: got %zu bytes", i, n);
        free(got);
    }

    /* the raw rendering escapes NUL as \u0000 */
    struct rb_result r;
    example(&r);
    free(r.out);
    r.out = malloc(3);
    memcpy(r.out, "a\0b", 3);
    r.out_len = 3;
    free(r.err);
    r.err = strdup("p/q");
    r.err_len = 3;
    char *j = result_to_json(&r);
    assert_non_null(strstr(j, "\"stdout\":\"a\\u0000b\""));
    assert_non_null(strstr(j, "\"stderr\":\"p/q\"")); /* no slash escaping */
    free(j);
    result_free(&r);
    assert_null(r.out);
    assert_null(r.err);
    assert_int_equal(r.out_len, 0);
}

/* A capture cut at its limit may end inside a character: that partial
 * character is dropped rather than shown as U+FFFD; the program's own bad
 * bytes are kept (and rendered as U+FFFD). */
static void test_utf8_whole_prefix(void **state)
{
    static const struct {
        const char *in;
        size_t len, want;
    } cases[] = {
        { "", 0, 0 },
        { "abc", 3, 3 },
        { "a\xC3\xA9", 3, 3 },         /* whole 2-byte sequence */
        { "a\xC3", 2, 1 },             /* 2-byte lead alone */
        { "a\xE2\x82", 3, 1 },         /* 3-byte sequence, one short */
        { "a\xE2", 2, 1 },             /* 3-byte lead alone */
        { "a\xE2\x82\xAC", 4, 4 },     /* whole euro sign */
        { "a\xF0\x9F\x98", 4, 1 },     /* 4-byte sequence, one short */
        { "\xF0\x9F\x98\x80", 4, 4 },  /* whole emoji */
        { "a\xE0\x80", 3, 3 },         /* ill-formed (E0 needs A0..BF): kept */
        { "a\xED\xA0", 3, 3 },         /* a surrogate's start: kept */
        { "a\xF4\x90", 3, 3 },         /* beyond U+10FFFF: kept */
        { "a\xFF", 2, 2 },             /* never valid: kept */
        { "a\xC0", 2, 2 },             /* overlong lead: kept */
        { "a\x80\x80\x80\x80", 5, 5 }, /* stray continuation bytes: kept */
        { "\xC3\xA9\xC3", 3, 2 },      /* cut after a whole character */
        { "a\x01", 2, 2 },             /* control bytes are characters */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        size_t got = utf8_whole_prefix(cases[i].in, cases[i].len);
        if (got != cases[i].want)
            fail_msg("case %zu: got %zu, expected %zu", i, got, cases[i].want);
    }
}

/* JSON escaping grows a control byte to six (\u0001): the rendering of a
 * capture stays within six times its size. */
static void test_json_escaping_is_bounded(void **state)
{
    enum { N = 1 << 20 };
    struct rb_result r;
    example(&r);
    free(r.out);
    free(r.err);
    r.out = malloc(N);
    r.err = malloc(N);
    assert_non_null(r.out);
    assert_non_null(r.err);
    memset(r.out, 0x01, N);
    memset(r.err, 0xFF, N); /* each becomes U+FFFD, three bytes */
    r.out_len = r.err_len = N;
    r.output_truncated = true;
    char *j = result_to_json(&r);
    assert_non_null(j);
    size_t len = strlen(j);
    assert_true(len > 6 * (size_t)N + 3 * (size_t)N);
    assert_true(len < 6 * (size_t)N + 3 * (size_t)N + 4096);
    assert_non_null(strstr(j, "\"stdout\":\"\\u0001\\u0001"));
    assert_non_null(strstr(j, "\"output_truncated\":true"));
    free(j);
    result_free(&r);
}

static void test_json_null_buffers(void **state)
{
    struct rb_result r;
    example(&r);
    result_free(&r);
    char *j = result_to_json(&r);
    assert_non_null(strstr(j, "\"stdout\":\"\",\"stderr\":\"\""));
    free(j);
}

static void test_cleanup_errors(void **state)
{
    struct rb_result r;
    example(&r);
    r.cleanup.outcome = RB_CLEANUP_FAILURE;
    cleanup_report_add(&r.cleanup, RB_ERR_MOUNT_UNMOUNT_FAILED, "%s: %s", "/tmp/rustbox-7/root",
                       "Device or resource busy");
    cleanup_report_add(&r.cleanup, RB_ERR_CGROUP_REMOVAL_FAILED, "rustbox-7");
    char *j = result_to_json(&r);
    assert_non_null(strstr(j,
                           "\"cleanup\":{\"outcome\":\"failure\",\"duration_s\":0.003,\"errors\":["
                           "\"mount_unmount_failed: /tmp/rustbox-7/root: Device or resource busy\","
                           "\"cgroup_removal_failed: rustbox-7\"]}"));
    free(j);

    /* the cap drops, never overflows */
    for (int i = 0; i < RB_MAX_CLEANUP_ERRORS + 5; i++)
        cleanup_report_add(&r.cleanup, RB_ERR_CLEANUP_TIMEOUT, "step %d", i);
    assert_int_equal(r.cleanup.n_errors, RB_MAX_CLEANUP_ERRORS);
    assert_string_equal(r.cleanup.errors[RB_MAX_CLEANUP_ERRORS - 1].detail, "step 13");

    /* long details are truncated and terminated */
    struct rb_cleanup_report rep = { 0 };
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cleanup_report_add(&rep, RB_ERR_PROCESS_REAP_FAILED, "%s", big);
    assert_int_equal(rep.n_errors, 1);
    assert_int_equal(strlen(rep.errors[0].detail), sizeof(rep.errors[0].detail) - 1);
    assert_int_equal(rep.errors[0].kind, RB_ERR_PROCESS_REAP_FAILED);
    result_free(&r);
}

static void test_mark_cleanup_failed(void **state)
{
    struct rb_result r;
    example(&r);
    r.verdict = RB_TLE;
    r.reason = "cpu_time";
    result_mark_cleanup_failed(&r);
    assert_int_equal(r.verdict, RB_IE);
    assert_string_equal(r.reason, "cleanup_failed; program verdict: TLE (cpu_time)");
    /* twice is the same as once */
    result_mark_cleanup_failed(&r);
    assert_string_equal(r.reason, "cleanup_failed; program verdict: TLE (cpu_time)");
    assert_int_equal(result_exit_status(&r, false), 2);
    char *j = result_to_json(&r);
    assert_non_null(strstr(j, "\"verdict\":\"IE\",\"reason\":\"cleanup_failed; program verdict: TLE (cpu_time)\""));
    free(j);

    /* a program that did fine */
    result_free(&r);
    example(&r);
    result_mark_cleanup_failed(&r);
    assert_string_equal(r.reason, "cleanup_failed; program verdict: OK");

    /* the old reason living in reason_buf itself */
    result_free(&r);
    example(&r);
    r.verdict = RB_RE;
    snprintf(r.reason_buf, sizeof(r.reason_buf), "exit status %d", 3);
    r.reason = r.reason_buf;
    result_mark_cleanup_failed(&r);
    assert_string_equal(r.reason, "cleanup_failed; program verdict: RE (exit status 3)");

    /* an over-long reason is cut, not overflowed */
    result_free(&r);
    example(&r);
    r.verdict = RB_IE;
    memset(r.reason_buf, 'r', sizeof(r.reason_buf) - 1);
    r.reason_buf[sizeof(r.reason_buf) - 1] = '\0';
    r.reason = r.reason_buf;
    result_mark_cleanup_failed(&r);
    assert_true(strncmp(r.reason, "cleanup_failed; program verdict: IE (rrr", 40) == 0);
    assert_true(strlen(r.reason) < sizeof(r.reason_buf));
    result_free(&r);
}

static void test_exit_status(void **state)
{
    struct rb_result r = { 0 };
    for (int v = 0; v < RB_VERDICT_COUNT; v++) {
        r.verdict = (enum rb_verdict)v;
        int want = v == RB_OK ? 0 : v == RB_IE ? 2 : 1;
        assert_int_equal(result_exit_status(&r, false), want);
        assert_int_equal(result_exit_status(&r, true), want);
    }
}

/* ---- meta file ---- */

static char *meta(const struct rb_result *r, bool cg)
{
    char *m = result_to_meta(r, cg);
    assert_non_null(m);
    return m;
}

static void assert_has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, line, n) == 0 && p[n] == '\n')
            return;
    fail_msg("line \"%s\" not in:\n%s", line, text);
}

static void assert_no_key(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, n) == 0)
            fail_msg("key \"%s\" unexpectedly in:\n%s", key, text);
}

static void test_meta_ok(void **state)
{
    struct rb_result r;
    example(&r);
    r.cpu_time_s = 0.0126;
    r.wall_time_s = 1.5;
    char *m = meta(&r, true);
    assert_string_equal(m, "time:0.013\ntime-wall:1.500\nmax-rss:1840\ncg-mem:1840\nexitcode:0\n");
    free(m);
    m = meta(&r, false);
    assert_string_equal(m, "time:0.013\ntime-wall:1.500\nmax-rss:1840\nexitcode:0\n");
    free(m);
    result_free(&r);
}

static void test_meta_re(void **state)
{
    struct rb_result r;
    example(&r);
    r.verdict = RB_RE;
    r.exit_code = 3;
    char *m = meta(&r, true);
    assert_has_line(m, "exitcode:3");
    assert_has_line(m, "status:RE");
    assert_has_line(m, "message:Exited with error status 3");
    assert_no_key(m, "exitsig:");
    assert_no_key(m, "killed:");
    assert_no_key(m, "cg-oom-killed:");
    free(m);
    result_free(&r);
}

static void test_meta_sig_and_sv(void **state)
{
    struct rb_result r;
    example(&r);
    r.verdict = RB_SIG;
    r.exited = false;
    r.signal = SIGSEGV;
    char *m = meta(&r, false);
    assert_has_line(m, "exitsig:11");
    assert_has_line(m, "status:SG");
    assert_has_line(m, "message:Caught fatal signal 11");
    assert_no_key(m, "exitcode:");
    assert_no_key(m, "killed:");
    free(m);

    r.verdict = RB_SV;
    r.signal = SIGSYS;
    m = meta(&r, false);
    assert_has_line(m, "exitsig:31");
    assert_has_line(m, "status:SG");
    assert_non_null(strstr(m, "message:Caught fatal signal 31"));
    free(m);
    result_free(&r);
}

static void test_meta_tle(void **state)
{
    struct rb_result r;
    example(&r);
    r.verdict = RB_TLE;
    r.reason = "cpu_time";
    r.exited = false;
    r.signal = SIGKILL;
    r.killed_by_supervisor = true;
    char *m = meta(&r, true);
    /* as isolate writes it at the kill: status, message, killed first, and
     * no exit code or signal */
    assert_true(!strncmp(m, "status:TO\nmessage:Time limit exceeded\nkilled:1\ntime:", 49));
    assert_no_key(m, "exitsig");
    assert_has_line(m, "status:TO");
    assert_has_line(m, "killed:1");
    assert_has_line(m, "message:Time limit exceeded");
    assert_null(strstr(m, "wall clock"));
    free(m);

    r.reason = "wall_time";
    m = meta(&r, true);
    assert_has_line(m, "status:TO");
    assert_has_line(m, "killed:1");
    const char *msg = strstr(m, "message:");
    assert_non_null(msg);
    assert_non_null(strstr(msg, "wall"));
    free(m);

    /* over the limit only when it ended by itself: no killed, status last */
    r.reason = "cpu_time";
    r.killed_by_supervisor = false;
    r.exited = true;
    r.exit_code = 0;
    r.signal = 0;
    m = meta(&r, true);
    assert_no_key(m, "killed");
    assert_no_key(m, "exitcode");
    assert_non_null(strstr(m, "cg-mem:1840\nstatus:TO\nmessage:Time limit exceeded\n"));
    free(m);
    result_free(&r);
}

static void test_meta_mle_oom_flag(void **state)
{
    struct rb_result r;
    example(&r);
    r.verdict = RB_MLE;
    r.exited = false;
    r.signal = SIGKILL;
    r.memory_peak_kib = 262144;
    r.oom_killed = true;
    char *m = meta(&r, true);
    assert_has_line(m, "cg-mem:262144");
    assert_has_line(m, "cg-oom-killed:1");
    assert_has_line(m, "status:SG");
    assert_has_line(m, "exitsig:9");
    /* isolate names the signal; cg-oom-killed says why */
    assert_has_line(m, "message:Caught fatal signal 9");
    assert_no_key(m, "killed:");
    free(m);

    /* without cgroup mode there is no cg- key at all */
    m = meta(&r, false);
    assert_no_key(m, "cg-");
    free(m);

    /* a run whose program was not OOM-killed must not carry the flag,
     * whatever the memory peak */
    r.verdict = RB_SIG;
    r.oom_killed = false;
    m = meta(&r, true);
    assert_no_key(m, "cg-oom-killed");
    assert_has_line(m, "cg-mem:262144");
    free(m);
    result_free(&r);
}

static void test_meta_ole(void **state)
{
    struct rb_result r;
    example(&r);
    /* RLIMIT_FSIZE: the kernel's SIGXFSZ */
    r.verdict = RB_OLE;
    r.reason = "file_size";
    r.exited = false;
    r.signal = SIGXFSZ;
    char *m = meta(&r, false);
    assert_has_line(m, "status:SG");
    assert_has_line(m, "exitsig:25");
    assert_no_key(m, "killed:");
    free(m);

    /* a program that ignores SIGXFSZ and exits on EFBIG: isolate's RE */
    r.signal = 0;
    r.exited = true;
    r.exit_code = 4;
    m = meta(&r, false);
    assert_has_line(m, "status:RE");
    assert_has_line(m, "exitcode:4");
    assert_no_key(m, "exitsig");
    free(m);

    /* output limit: rustbox killed it */
    r.reason = "output_limit";
    r.exited = false;
    r.signal = SIGKILL;
    r.killed_by_supervisor = true;
    m = meta(&r, false);
    assert_has_line(m, "status:SG");
    assert_has_line(m, "killed:1");
    assert_has_line(m, "exitsig:9");
    assert_has_line(m, "message:Output limit exceeded");
    free(m);
    result_free(&r);
}

static void test_meta_ie(void **state)
{
    struct rb_result r;
    example(&r);
    r.verdict = RB_IE;
    r.exited = false;
    r.reason = "setup failed: cgroup\nstatus:OK";
    char *m = meta(&r, true);
    assert_has_line(m, "status:XX");
    /* a newline in the reason cannot forge a line */
    assert_has_line(m, "message:cgroup status:OK");
    /* the program never ran: only status and message, as isolate writes */
    assert_no_key(m, "time");
    assert_no_key(m, "status:OK");
    free(m);

    r.reason = NULL;
    m = meta(&r, true);
    assert_has_line(m, "status:XX");
    assert_has_line(m, "message:Internal error");
    free(m);

    /* a failed cleanup after a TLE: XX, the program's outcome in the message */
    result_free(&r);
    example(&r);
    r.verdict = RB_TLE;
    r.reason = "wall_time";
    result_mark_cleanup_failed(&r);
    m = meta(&r, true);
    assert_has_line(m, "status:XX");
    assert_has_line(m, "message:cleanup_failed; program verdict: TLE (wall_time)");
    assert_no_key(m, "status:TO");
    free(m);
    result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_json_exact_example),
        cmocka_unit_test(test_json_nulls_and_failure_fields),
        cmocka_unit_test(test_json_rounding),
        cmocka_unit_test(test_json_utf8_sanitised),
        cmocka_unit_test(test_json_null_buffers),
        cmocka_unit_test(test_utf8_whole_prefix),
        cmocka_unit_test(test_json_escaping_is_bounded),
        cmocka_unit_test(test_cleanup_errors),
        cmocka_unit_test(test_mark_cleanup_failed),
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_meta_ok),
        cmocka_unit_test(test_meta_re),
        cmocka_unit_test(test_meta_sig_and_sv),
        cmocka_unit_test(test_meta_tle),
        cmocka_unit_test(test_meta_mle_oom_flag),
        cmocka_unit_test(test_meta_ole),
        cmocka_unit_test(test_meta_ie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

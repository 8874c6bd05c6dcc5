/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: the result writers of src/result.h, result_to_json
 * (rustbox.result/1, SPEC §2) and result_to_meta (isolate's meta file),
 * over a struct rb_result filled from the fuzz bytes: any verdict, reason,
 * exit status and signal, any doubles (NaN, inf, negative), captured output
 * of arbitrary bytes, any control bits and cleanup report. Checks, beyond no
 * crash, leak or UB:
 *   JSON: always produced, parses (strict, valid UTF-8) as one object whose
 *         "schema" is first and "verdict" a known name; stdout/stderr that
 *         were valid UTF-8 come back byte for byte.
 *   meta: every line is "key:value" with one of isolate's keys, each key at
 *         most once, no control characters (no line can be forged). */
#include <json-c/json.h>

#include "fuzz_common.h"
#include "result.h"

static const char *const meta_keys[] = { "time", "time-wall", "max-rss", "cg-mem", "cg-oom-killed",
                                          "exitcode", "exitsig", "killed", "status", "message" };

static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char b = p[i];
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b < 0x80) { i++; continue; }
        else if (b >= 0xC2 && b <= 0xDF) need = 1;
        else if (b == 0xE0) { need = 2; lo = 0xA0; }
        else if (b >= 0xE1 && b <= 0xEF) { need = 2; if (b == 0xED) hi = 0x9F; }
        else if (b == 0xF0) { need = 3; lo = 0x90; }
        else if (b >= 0xF1 && b <= 0xF3) need = 3;
        else if (b == 0xF4) { need = 3; hi = 0x8F; }
        else return false;
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n || p[i + k] < lo || p[i + k] > hi)
                return false;
            lo = 0x80;
            hi = 0xBF;
        }
        i += need + 1;
    }
    return true;
}

static void check_json(const char *text, const struct rb_result *res)
{
    FUZZ_CHECK(text != NULL, "result_to_json returned NULL");
    struct json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    FUZZ_CHECK(o && json_object_is_type(o, json_type_object), "not a JSON object: %s (%s)", text,
               json_tokener_error_desc(json_tokener_get_error(tok)));
    json_tokener_free(tok);
    FUZZ_CHECK(!strncmp(text, "{\"schema\":\"rustbox.result/1\"", 28), "schema is not first: %.60s", text);
    struct json_object *v;
    FUZZ_CHECK(json_object_object_get_ex(o, "verdict", &v), "no verdict");
    const char *verdict = json_object_get_string(v);
    bool known = false;
    for (int i = 0; i <= RB_VERDICT_COUNT; i++)
        known |= !strcmp(verdict, verdict_name((enum rb_verdict)i));
    FUZZ_CHECK(known, "verdict %s", verdict);
    const char *keys[] = { "stdout", "stderr" };
    const char *bufs[] = { res->out, res->err };
    size_t lens[] = { res->out_len, res->err_len };
    for (int i = 0; i < 2; i++) {
        FUZZ_CHECK(json_object_object_get_ex(o, keys[i], &v) && json_object_is_type(v, json_type_string),
                   "%s missing", keys[i]);
        if (bufs[i] && valid_utf8(bufs[i], lens[i])) {
            FUZZ_CHECK((size_t)json_object_get_string_len(v) == lens[i] &&
                           !memcmp(json_object_get_string(v), bufs[i], lens[i]),
                       "%s changed on the way through JSON", keys[i]);
        }
    }
    json_object_put(o);
}

static void check_meta(const char *text)
{
    FUZZ_CHECK(text != NULL, "result_to_meta returned NULL");
    unsigned seen = 0;
    const char *line = text;
    while (*line) {
        const char *nl = strchr(line, '\n');
        FUZZ_CHECK(nl != NULL, "meta does not end with a newline: %s", line);
        const char *colon = memchr(line, ':', (size_t)(nl - line));
        FUZZ_CHECK(colon != NULL, "meta line without a key: %.*s", (int)(nl - line), line);
        size_t k, n = (size_t)(colon - line);
        for (k = 0; k < sizeof(meta_keys) / sizeof(meta_keys[0]); k++)
            if (strlen(meta_keys[k]) == n && !strncmp(line, meta_keys[k], n))
                break;
        FUZZ_CHECK(k < sizeof(meta_keys) / sizeof(meta_keys[0]), "unknown meta key: %.*s", (int)n, line);
        FUZZ_CHECK(!(seen & (1u << k)), "meta key %s twice", meta_keys[k]);
        seen |= 1u << k;
        for (const char *p = colon + 1; p < nl; p++)
            FUZZ_CHECK((unsigned char)*p >= 0x20, "control character in meta line %s", meta_keys[k]);
        line = nl + 1;
    }
}

static const char *const static_reasons[] = { "cpu_time", "wall_time", "memory", "output_limit",
                                               "file_size", "seccomp", "wall" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct rb_result res;
    memset(&res, 0, sizeof(res));
    char *heap_reason = NULL;

    res.box_id = (long)fuzz_u64(&in, 8);
    res.verdict = (enum rb_verdict)(fuzz_u8(&in) % (RB_VERDICT_COUNT + 2));
    switch (fuzz_u8(&in) % 4) {
    case 0:
        res.reason = NULL;
        break;
    case 1:
        res.reason = static_reasons[fuzz_u8(&in) % 7];
        break;
    case 2: {
        size_t n;
        char *s = fuzz_bytes(&in, sizeof(res.reason_buf) - 1, &n);
        memcpy(res.reason_buf, s, n + 1);
        free(s);
        res.reason = res.reason_buf;
        break;
    }
    default:
        heap_reason = fuzz_bytes(&in, 1024, NULL);
        res.reason = heap_reason;
        break;
    }
    res.exited = fuzz_bool(&in);
    res.exit_code = (int)fuzz_u64(&in, 4);
    res.signal = (int)fuzz_u64(&in, 4);
    res.cpu_time_s = fuzz_double(&in);
    res.wall_time_s = fuzz_double(&in);
    res.memory_peak_kib = fuzz_u64(&in, 8);
    res.oom_killed = fuzz_bool(&in);
    res.output_truncated = fuzz_bool(&in);
    res.limits.cpu_time_s = fuzz_double(&in);
    res.limits.wall_time_s = fuzz_double(&in);
    res.limits.extra_time_s = fuzz_double(&in);
    res.limits.memory = fuzz_u64(&in, 8);
    res.limits.processes = fuzz_u64(&in, 8);
    res.limits.file_size = fuzz_u64(&in, 8);
    res.limits.open_files = fuzz_u64(&in, 8);
    res.limits.stack = fuzz_u64(&in, 8);
    res.limits.output_limit = fuzz_u64(&in, 8);
    res.controls_applied = (unsigned)fuzz_u64(&in, 4);
    res.controls_missing = (unsigned)fuzz_u64(&in, 4);
    static const char *const backends[] = { NULL, "v1", "v2", "none" };
    res.cgroup_backend = backends[fuzz_u8(&in) % 4];
    res.strict = fuzz_bool(&in);
    res.cleanup_ran = fuzz_bool(&in);
    res.cleanup.outcome = (enum rb_cleanup_outcome)(fuzz_u8(&in) % 4);
    res.cleanup.duration_s = fuzz_double(&in);
    res.cleanup.used_fallback = fuzz_bool(&in);
    size_t nerr = fuzz_u8(&in) % (RB_MAX_CLEANUP_ERRORS + 4);
    for (size_t i = 0; i < nerr; i++) {
        enum rb_cleanup_error_kind kind = (enum rb_cleanup_error_kind)(fuzz_u8(&in) % (RB_ERR_KIND_COUNT + 1));
        char *detail = fuzz_bytes(&in, 300, NULL);
        if (fuzz_bool(&in)) {
            cleanup_report_add(&res.cleanup, kind, "%s", detail);
        } else if (res.cleanup.n_errors < RB_MAX_CLEANUP_ERRORS) {
            /* Filled by hand, possibly without a terminating NUL. */
            struct rb_cleanup_error *e = &res.cleanup.errors[res.cleanup.n_errors++];
            e->kind = kind;
            memset(e->detail, 'd', sizeof(e->detail));
            memcpy(e->detail, detail, strnlen(detail, sizeof(e->detail)));
        }
        free(detail);
    }
    if (fuzz_bool(&in))
        res.cleanup.n_errors += fuzz_u8(&in); /* a count past what is filled in */
    if (fuzz_bool(&in))
        res.out = fuzz_bytes(&in, 4096, &res.out_len);
    if (fuzz_bool(&in))
        res.err = fuzz_bytes(&in, 4096, &res.err_len);
    /* A capture cut at its limit loses at most a character begun at its end. */
    if (res.out) {
        size_t whole = utf8_whole_prefix(res.out, res.out_len);
        FUZZ_CHECK(whole <= res.out_len && res.out_len - whole <= 3, "whole prefix %zu of %zu", whole, res.out_len);
    }

    char *json = result_to_json(&res);
    check_json(json, &res);
    free(json);
    for (int cg = 0; cg < 2; cg++) {
        char *meta = result_to_meta(&res, cg);
        check_meta(meta);
        free(meta);
    }
    int st = result_exit_status(&res, fuzz_bool(&in));
    FUZZ_CHECK(st == 0 || st == 1 || st == 2, "exit status %d", st);
    FUZZ_CHECK((st == 0) == (res.verdict == RB_OK), "exit status %d for verdict %d", st, (int)res.verdict);

    /* The cleanup-failure path rewrites the verdict and nests the reason. */
    result_mark_cleanup_failed(&res);
    FUZZ_CHECK(res.verdict == RB_IE, "not IE after a failed cleanup");
    FUZZ_CHECK(res.reason && !strncmp(res.reason, "cleanup_failed", 14), "reason %s", res.reason);
    result_mark_cleanup_failed(&res);
    json = result_to_json(&res);
    check_json(json, &res);
    free(json);
    char *meta = result_to_meta(&res, true);
    check_meta(meta);
    free(meta);

    (void)control_name((enum rb_control)fuzz_u8(&in));
    (void)cleanup_outcome_name((enum rb_cleanup_outcome)fuzz_u8(&in));
    (void)cleanup_error_kind_name((enum rb_cleanup_error_kind)fuzz_u8(&in));
    result_free(&res);
    free(heap_reason);
    return 0;
}

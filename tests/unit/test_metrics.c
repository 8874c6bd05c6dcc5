/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the metrics store (SPEC §6) — its checksummed record,
 * atomic updates under concurrent writers, a damaged file set aside — the
 * text exposition, the textfile, and serve's listen-address rules. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"
#include "serve.h"
#include "util.h"

/* ---- fixtures ----------------------------------------------------------- */

struct fixture {
    struct rb_ctx ctx;
    char dir[64];
    char counters[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/rbmetrics.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(config_defaults(&f->ctx.cfg), 0);
    free(f->ctx.cfg.state_dir);
    f->ctx.cfg.state_dir = strdup(f->dir);
    f->ctx.log.silent = true;
    snprintf(f->counters, sizeof(f->counters), "%s/metrics/counters", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    remove_tree(f->dir);
    config_free(&f->ctx.cfg);
    free(f);
    return 0;
}

static struct rb_metrics sample_metrics(void)
{
    struct rb_metrics m;
    metrics_init(&m);
    m.executions[RB_OK] = 7;
    m.executions[RB_TLE] = 2;
    m.executions[RB_IE] = 1;
    metrics_observe_cleanup(&m, RB_CLEANUP_SUCCESS, 0.003);
    metrics_observe_cleanup(&m, RB_CLEANUP_SUCCESS, 0.004);
    metrics_observe_cleanup(&m, RB_CLEANUP_PARTIAL, 0.2);
    metrics_observe_cleanup(&m, RB_CLEANUP_FAILURE, 5.5);
    m.quarantined = 3;
    m.control_degraded[RB_CTL_CGROUP] = 4;
    m.containment_violations = 1;
    return m;
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

/* ---- the exposition ----------------------------------------------------- */

static void test_exposition_names_types_labels(void **state)
{
    (void)state;
    struct rb_metrics m = sample_metrics();
    struct rb_metrics_gauges g = { RB_UNHEALTHY, "v2", "native" };
    char *t = metrics_exposition(&m, &g);
    assert_non_null(t);
    static const char *const fam[][2] = {
        { "rustbox_worker_health", "gauge" },
        { "rustbox_worker_quarantined_total", "counter" },
        { "rustbox_cleanup_total", "counter" },
        { "rustbox_cleanup_duration_seconds", "histogram" },
        { "rustbox_cleanup_failure_rate", "gauge" },
        { "rustbox_executions_total", "counter" },
        { "rustbox_control_degraded_total", "counter" },
        { "rustbox_containment_violations_total", "counter" },
        { "rustbox_backend_info", "gauge" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(fam); i++) {
        char line[160];
        snprintf(line, sizeof(line), "# TYPE %s %s", fam[i][0], fam[i][1]);
        assert_true(has_line(t, line));
        snprintf(line, sizeof(line), "# HELP %s ", fam[i][0]);
        assert_non_null(strstr(t, line));
    }
    assert_true(has_line(t, "rustbox_worker_health{status=\"healthy\"} 0"));
    assert_true(has_line(t, "rustbox_worker_health{status=\"unhealthy\"} 1"));
    assert_true(has_line(t, "rustbox_worker_health{status=\"quarantined\"} 0"));
    assert_true(has_line(t, "rustbox_worker_quarantined_total 3"));
    assert_true(has_line(t, "rustbox_cleanup_total{outcome=\"success\"} 2"));
    assert_true(has_line(t, "rustbox_cleanup_total{outcome=\"partial\"} 1"));
    assert_true(has_line(t, "rustbox_cleanup_total{outcome=\"failure\"} 1"));
    /* Cumulative buckets: two under 5 ms, the partial under 0.25 s, the failure above 5 s. */
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_bucket{le=\"0.0025\"} 0"));
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_bucket{le=\"0.005\"} 2"));
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_bucket{le=\"0.25\"} 3"));
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_bucket{le=\"5\"} 3"));
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_bucket{le=\"10\"} 4"));
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_bucket{le=\"+Inf\"} 4"));
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_count 4"));
    assert_true(has_line(t, "rustbox_cleanup_duration_seconds_sum 5.707"));
    assert_true(has_line(t, "rustbox_cleanup_failure_rate 0.25"));
    static const char *const verdicts[] = { "OK", "RE", "SIG", "TLE", "MLE", "OLE", "SV", "IE" };
    for (size_t i = 0; i < ARRAY_SIZE(verdicts); i++) {
        char line[96];
        snprintf(line, sizeof(line), "rustbox_executions_total{status=\"%s\"} ", verdicts[i]);
        assert_non_null(strstr(t, line));
    }
    assert_true(has_line(t, "rustbox_executions_total{status=\"OK\"} 7"));
    assert_true(has_line(t, "rustbox_executions_total{status=\"TLE\"} 2"));
    assert_true(has_line(t, "rustbox_control_degraded_total{control=\"cgroup\"} 4"));
    assert_true(has_line(t, "rustbox_control_degraded_total{control=\"seccomp\"} 0"));
    assert_true(has_line(t, "rustbox_containment_violations_total 1"));
    assert_true(has_line(t, "rustbox_backend_info{cgroup_backend=\"v2\",pidfd_mode=\"native\"} 1"));
    free(t);
}

/* Text format 0.0.4: every sample belongs to the family whose # TYPE came
 * last, no blank line, newline-terminated, a value after one space. */
static void test_exposition_line_grammar(void **state)
{
    (void)state;
    struct rb_metrics m = sample_metrics();
    struct rb_metrics_gauges g = { RB_QUARANTINED, "v1", "native" };
    char *t = metrics_exposition(&m, &g);
    assert_non_null(t);
    assert_true(strlen(t) > 0 && t[strlen(t) - 1] == '\n');
    char family[96] = "", *save = NULL;
    int samples = 0;
    for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        assert_true(line[0] != '\0');
        if (!strncmp(line, "# TYPE ", 7)) {
            assert_int_equal(sscanf(line + 7, "%95s", family), 1);
            continue;
        }
        if (line[0] == '#') {
            assert_true(!strncmp(line, "# HELP ", 7));
            continue;
        }
        assert_true(family[0] != '\0');
        assert_true(!strncmp(line, family, strlen(family)));
        const char *rest = line + strlen(family);
        bool ok = rest[0] == '{' || rest[0] == ' ' || !strncmp(rest, "_bucket{", 8) || !strncmp(rest, "_sum ", 5) ||
                  !strncmp(rest, "_count ", 7);
        assert_true(ok);
        const char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end;
        double v = strtod(sp + 1, &end);
        assert_true(*end == '\0' && isfinite(v) && v >= 0);
        samples++;
    }
    /* 3 health + 1 + 3 + (15 buckets + sum + count) + 1 + 8 + 10 + 1 + 1 */
    assert_int_equal(samples, 3 + 1 + 3 + 17 + 1 + RB_VERDICT_COUNT + RB_CTL_COUNT + 1 + 1);
    free(t);
}

static void test_observe_bucket_bounds(void **state)
{
    (void)state;
    struct rb_metrics m;
    metrics_init(&m);
    metrics_observe_cleanup(&m, RB_CLEANUP_SUCCESS, 0.001); /* le is inclusive */
    assert_int_equal(m.duration_buckets[0], 1);
    metrics_observe_cleanup(&m, RB_CLEANUP_SUCCESS, 0.0011);
    assert_int_equal(m.duration_buckets[1], 1);
    metrics_observe_cleanup(&m, RB_CLEANUP_SUCCESS, 5.0);
    assert_int_equal(m.duration_buckets[11], 1);
    metrics_observe_cleanup(&m, RB_CLEANUP_FAILURE, 31);
    assert_int_equal(m.duration_buckets[RB_METRICS_BUCKETS], 1);
    metrics_observe_cleanup(&m, RB_CLEANUP_SUCCESS, NAN);
    metrics_observe_cleanup(&m, RB_CLEANUP_SUCCESS, -1);
    assert_int_equal(m.duration_buckets[0], 3);
    assert_int_equal(m.cleanups[RB_CLEANUP_SUCCESS], 5);
    assert_true(fabs(m.duration_sum - 36.0021) < 1e-9);
    for (size_t b = 1; b < RB_METRICS_BUCKETS; b++)
        assert_true(rb_metrics_bucket_bounds[b] > rb_metrics_bucket_bounds[b - 1]);
}

/* ---- the store's record ------------------------------------------------ */

static void test_roundtrip(void **state)
{
    (void)state;
    struct rb_metrics m = sample_metrics(), back;
    size_t n = metrics_record_size();
    char *buf = malloc(n);
    assert_non_null(buf);
    metrics_encode(&m, buf);
    assert_int_equal(metrics_decode(buf, n, &back), 0);
    assert_memory_equal(&m, &back, sizeof(m));
    free(buf);
}

static void expect_bad(const void *buf, size_t len)
{
    struct rb_metrics m;
    assert_int_equal(metrics_decode(buf, len, &m), -EBADMSG);
    assert_int_equal(m.executions[RB_OK], 0); /* nothing half-decoded leaks out */
}

static void test_decode_rejects_damage(void **state)
{
    (void)state;
    struct rb_metrics m = sample_metrics();
    size_t n = metrics_record_size();
    unsigned char *buf = malloc(n), *other = malloc(n), *mix = malloc(n);
    assert_non_null(buf);
    assert_non_null(other);
    assert_non_null(mix);
    metrics_encode(&m, buf);
    /* Every truncation, as a crash could leave, and one byte too many. */
    for (size_t cut = 0; cut < n; cut++)
        expect_bad(buf, cut);
    unsigned char *longer = calloc(1, n + 1);
    memcpy(longer, buf, n);
    expect_bad(longer, n + 1);
    free(longer);
    /* Every single-bit flip. */
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (unsigned char)(1u << bit);
            expect_bad(buf, n);
            buf[i] ^= (unsigned char)(1u << bit);
        }
    /* Blocks of two versions (a torn write after a power cut). */
    struct rb_metrics later = m;
    later.executions[RB_OK] += 5;
    metrics_observe_cleanup(&later, RB_CLEANUP_SUCCESS, 0.002);
    metrics_encode(&later, other);
    for (size_t cut = 8; cut < n; cut += 8) {
        memcpy(mix, buf, cut);
        memcpy(mix + cut, other + cut, n - cut);
        if (memcmp(mix, buf, n) && memcmp(mix, other, n))
            expect_bad(mix, n);
    }
    memset(mix, 0, n);
    expect_bad(mix, n);
    /* A well-formed record whose histogram disagrees with the cleanup counts. */
    struct rb_metrics odd = m;
    odd.cleanups[RB_CLEANUP_SUCCESS]++;
    metrics_encode(&odd, mix);
    expect_bad(mix, n);
    free(buf);
    free(other);
    free(mix);
}

/* ---- the store on disk -------------------------------------------------- */

static struct rb_result result_of(enum rb_verdict v)
{
    struct rb_result r;
    memset(&r, 0, sizeof(r));
    r.verdict = v;
    r.strict = true;
    return r;
}

static void test_store_hooks(void **state)
{
    struct fixture *f = *state;
    struct rb_metrics m;
    assert_int_equal(metrics_load(&f->ctx, &m), 0); /* nothing yet: zeros, no file made */
    assert_int_equal(m.executions[RB_OK], 0);
    assert_int_equal(access(f->counters, F_OK), -1);

    struct rb_result ok = result_of(RB_OK), tle = result_of(RB_TLE), degraded = result_of(RB_RE);
    degraded.strict = false;
    degraded.controls_missing = 1u << RB_CTL_CGROUP;
    struct rb_result refused = result_of(RB_IE); /* strict: missing controls refuse, not degrade */
    refused.controls_missing = 1u << RB_CTL_CGROUP;
    metrics_record_run(&f->ctx, &ok);
    metrics_record_run(&f->ctx, &ok);
    metrics_record_run(&f->ctx, &tle);
    metrics_record_run(&f->ctx, &degraded);
    metrics_record_run(&f->ctx, &refused);
    struct rb_cleanup_report rep = { .outcome = RB_CLEANUP_FAILURE, .duration_s = 1.5, .stray_processes = 2 };
    metrics_record_cleanup(&f->ctx, &rep);
    rep.outcome = RB_CLEANUP_PARTIAL;
    rep.duration_s = 0.01;
    metrics_record_cleanup(&f->ctx, &rep);
    metrics_record_quarantine(&f->ctx);
    metrics_record_violation(&f->ctx);

    assert_int_equal(metrics_load(&f->ctx, &m), 0);
    assert_int_equal(m.executions[RB_OK], 2);
    assert_int_equal(m.executions[RB_TLE], 1);
    assert_int_equal(m.executions[RB_RE], 1);
    assert_int_equal(m.executions[RB_IE], 1);
    assert_int_equal(m.control_degraded[RB_CTL_CGROUP], 1);
    assert_int_equal(m.cleanups[RB_CLEANUP_FAILURE], 1);
    assert_int_equal(m.cleanups[RB_CLEANUP_PARTIAL], 1);
    assert_int_equal(m.duration_buckets[10], 1); /* 1.5 s: le=2.5 */
    assert_int_equal(m.quarantined, 1);
    /* Strays are counted where they are reported, not by the cleanup hook. */
    assert_int_equal(m.containment_violations, 1);

    char *text = NULL;
    assert_int_equal(metrics_render(&f->ctx, &text), 0);
    assert_true(has_line(text, "rustbox_worker_health{status=\"healthy\"} 1"));
    assert_true(has_line(text, "rustbox_backend_info{cgroup_backend=\"none\",pidfd_mode=\"native\"} 1"));
    assert_true(has_line(text, "rustbox_cleanup_failure_rate 0.5"));
    free(text);
}

static void test_store_damaged_file_set_aside(void **state)
{
    struct fixture *f = *state;
    char dir[128], aside[160];
    snprintf(dir, sizeof(dir), "%s/metrics", f->dir);
    snprintf(aside, sizeof(aside), "%s.damaged", f->counters);
    assert_int_equal(mkdir_p(dir, 0755), 0);
    assert_int_equal(write_file(f->counters, "executions_total OK 12\n", O_CREAT | O_TRUNC), 0);
    struct rb_result ok = result_of(RB_OK);
    metrics_record_run(&f->ctx, &ok); /* the run is not broken by it */
    struct rb_metrics m;
    assert_int_equal(metrics_load(&f->ctx, &m), 0);
    assert_int_equal(m.executions[RB_OK], 1); /* started afresh */
    char *kept = NULL;
    assert_int_equal(read_file(aside, &kept, NULL), 0);
    assert_string_equal(kept, "executions_total OK 12\n");
    free(kept);

    /* A reader repairs too, so a damaged file is not reported at every
     * scrape: a record cut short by a crash. */
    assert_int_equal(truncate(f->counters, 40), 0);
    assert_int_equal(metrics_load(&f->ctx, &m), 0);
    assert_int_equal(m.executions[RB_OK], 0);
    char *fresh = NULL;
    size_t len = 0;
    assert_int_equal(read_file(f->counters, &fresh, &len), 0);
    assert_int_equal(metrics_decode(fresh, len, &m), 0);
    free(fresh);
    assert_int_equal(read_file(aside, &kept, &len), 0);
    assert_int_equal(len, 40);
    free(kept);
}

#define WRITERS 8
#define UPDATES 150

/* N processes update at once while the parent keeps reading: every
 * increment lands, and no reader ever sees a torn file. */
static void test_store_concurrent_writers(void **state)
{
    struct fixture *f = *state;
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            struct rb_result res = result_of(w % 2 ? RB_OK : RB_RE);
            struct rb_cleanup_report rep = { .outcome = RB_CLEANUP_SUCCESS, .duration_s = 0.002 };
            for (int i = 0; i < UPDATES; i++) {
                metrics_record_cleanup(&f->ctx, &rep);
                metrics_record_run(&f->ctx, &res);
            }
            _exit(0);
        }
    }
    int reads = 0, live = WRITERS;
    uint64_t last = 0;
    while (live > 0) {
        /* Under the shared lock: never a torn or damaged file (a repair
         * would set it aside and reset the counts, failing the totals). */
        struct rb_metrics seen;
        assert_int_equal(metrics_load(&f->ctx, &seen), 0);
        uint64_t runs = seen.executions[RB_OK] + seen.executions[RB_RE];
        assert_true(runs >= last);
        last = runs;
        reads++;
        int st;
        pid_t done = waitpid(-1, &st, WNOHANG);
        if (done > 0) {
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            live--;
        }
    }
    struct rb_metrics m;
    assert_int_equal(metrics_load(&f->ctx, &m), 0);
    assert_int_equal(m.executions[RB_OK] + m.executions[RB_RE], WRITERS * UPDATES);
    assert_int_equal(m.executions[RB_OK], WRITERS / 2 * UPDATES);
    assert_int_equal(m.cleanups[RB_CLEANUP_SUCCESS], WRITERS * UPDATES);
    assert_int_equal(m.duration_buckets[1], WRITERS * UPDATES);
    char aside[160];
    snprintf(aside, sizeof(aside), "%s.damaged", f->counters);
    assert_int_equal(access(aside, F_OK), -1);
    print_message("metrics: %d writers x %d runs, %d concurrent reads, all consistent\n", WRITERS, UPDATES, reads);
}

/* The cost a run pays: one cleanup and one run update (lock, open, read,
 * decode, encode, write in place; no fsync). */
static void test_store_cost_per_run(void **state)
{
    struct fixture *f = *state;
    const int n = 2000;
    struct rb_result res = result_of(RB_OK);
    struct rb_cleanup_report rep = { .outcome = RB_CLEANUP_SUCCESS, .duration_s = 0.004 };
    metrics_record_run(&f->ctx, &res); /* directory and file made outside the timing */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        metrics_record_cleanup(&f->ctx, &rep);
        metrics_record_run(&f->ctx, &res);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3) / n;
    print_message("metrics: cost per run %.1f us (mean of %d runs, 2 store updates each, state dir %s)\n", us, n,
                  f->dir);
    struct rb_metrics m;
    assert_int_equal(metrics_load(&f->ctx, &m), 0);
    assert_int_equal(m.executions[RB_OK], n + 1);
    assert_true(us < 2000); /* generous: sanitizer builds and loaded hosts */
}

static void test_textfile_atomic(void **state)
{
    struct fixture *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/rustbox.prom", f->dir);
    assert_int_equal(metrics_write_textfile(f->dir, "a 1\n"), 0);
    assert_int_equal(metrics_write_textfile(f->dir, "# TYPE x gauge\nx 2\n"), 0);
    char *t = NULL;
    assert_int_equal(read_file(path, &t, NULL), 0);
    assert_string_equal(t, "# TYPE x gauge\nx 2\n");
    free(t);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    char tmp_glob[160];
    snprintf(tmp_glob, sizeof(tmp_glob), "ls %s | grep -q tmp", f->dir);
    assert_int_not_equal(system(tmp_glob), 0); /* no temp file left */
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/nope", f->dir);
    assert_int_equal(metrics_write_textfile(missing, "x 1\n"), -ENOENT);
}

/* ---- serve's listen address -------------------------------------------- */

static void listen_ok(const char *spec, bool loopback, bool v6, const char *text)
{
    struct rb_listen_addr a;
    char err[256];
    assert_int_equal(serve_parse_listen(spec, &a, err, sizeof(err)), 0);
    assert_int_equal(a.loopback, loopback);
    assert_int_equal(a.v6, v6);
    assert_string_equal(a.text, text);
}

static void listen_bad(const char *spec)
{
    struct rb_listen_addr a;
    char err[256] = "";
    assert_int_equal(serve_parse_listen(spec, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, spec));
}

static void test_listen_addresses(void **state)
{
    (void)state;
    listen_ok("127.0.0.1:9090", true, false, "127.0.0.1:9090");
    listen_ok("127.8.9.10:1", true, false, "127.8.9.10:1");
    listen_ok("localhost:9100", true, false, "127.0.0.1:9100");
    listen_ok("[::1]:9090", true, true, "[::1]:9090");
    listen_ok("[::ffff:127.0.0.1]:80", true, true, "[::ffff:127.0.0.1]:80");
    listen_ok("0.0.0.0:9090", false, false, "0.0.0.0:9090");
    listen_ok(":9090", false, false, "0.0.0.0:9090");
    listen_ok("10.1.2.3:9090", false, false, "10.1.2.3:9090");
    listen_ok("[::]:9090", false, true, "[::]:9090");
    listen_ok("127.0.0.1:0", true, false, "127.0.0.1:0");
    listen_bad("9090");
    listen_bad("127.0.0.1");
    listen_bad("127.0.0.1:");
    listen_bad("127.0.0.1:70000");
    listen_bad("127.0.0.1:-1");
    listen_bad("judge.example:80");
    listen_bad("[::1]9090");
    listen_bad("::1:9090");
    listen_bad("[::1:9090");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exposition_names_types_labels),
        cmocka_unit_test(test_exposition_line_grammar),
        cmocka_unit_test(test_observe_bucket_bounds),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_decode_rejects_damage),
        cmocka_unit_test_setup_teardown(test_store_hooks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_damaged_file_set_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_cost_per_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_textfile_atomic, setup, teardown),
        cmocka_unit_test(test_listen_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const double rb_metrics_bucket_bounds[RB_METRICS_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

#define PIDFD_MODE "native"

void metrics_init(struct rb_metrics *m)
{
    memset(m, 0, sizeof(*m));
}

void metrics_observe_cleanup(struct rb_metrics *m, enum rb_cleanup_outcome outcome, double duration_s)
{
    if (!(duration_s >= 0) || isinf(duration_s))
        duration_s = 0; /* NaN or negative: a clock oddity, not a duration */
    if ((unsigned)outcome >= RB_CLEANUP_OUTCOME_COUNT)
        outcome = RB_CLEANUP_FAILURE;
    m->cleanups[outcome]++;
    size_t b = 0;
    while (b < RB_METRICS_BUCKETS && duration_s > rb_metrics_bucket_bounds[b])
        b++;
    m->duration_buckets[b]++;
    m->duration_sum += duration_s;
}

static const enum rb_cleanup_outcome outcomes[RB_CLEANUP_OUTCOME_COUNT] = {
    RB_CLEANUP_SUCCESS,
    RB_CLEANUP_FAILURE,
    RB_CLEANUP_PARTIAL,
};

/* "%g" of a bucket bound: 0.001, 0.0025, 1, 2.5, 30 — what `le` shows. */
static void bound_text(size_t b, char *buf, size_t len)
{
    if (b < RB_METRICS_BUCKETS)
        snprintf(buf, len, "%g", rb_metrics_bucket_bounds[b]);
    else
        snprintf(buf, len, "+Inf");
}

/* ---- the store's record ---------------------------------------------- */

/* FNV-1a 64: enough to tell a record from a torn or foreign one. */
static uint64_t fnv1a(const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define STORE_MAGIC "RBMETRC1"

/* One fixed-size record, host byte order (the store never leaves the host).
 * The header names the layout, so a build with other verdicts, controls or
 * buckets sees a foreign record, not wrong numbers. */
struct store_record {
    char magic[8];
    uint16_t verdicts, outcomes, buckets, controls;
    struct rb_metrics m;
    uint64_t checksum; /* of everything before it */
};

_Static_assert(sizeof(struct store_record) == 8 + 8 + sizeof(struct rb_metrics) + 8,
               "the record has no padding: every byte is covered by the checksum");

size_t metrics_record_size(void)
{
    return sizeof(struct store_record);
}

void metrics_encode(const struct rb_metrics *m, void *buf)
{
    struct store_record r;
    memset(&r, 0, sizeof(r));
    memcpy(r.magic, STORE_MAGIC, sizeof(r.magic));
    r.verdicts = RB_VERDICT_COUNT;
    r.outcomes = RB_CLEANUP_OUTCOME_COUNT;
    r.buckets = RB_METRICS_BUCKETS;
    r.controls = RB_CTL_COUNT;
    r.m = *m;
    r.checksum = fnv1a(&r, offsetof(struct store_record, checksum));
    memcpy(buf, &r, sizeof(r));
}

int metrics_decode(const void *buf, size_t len, struct rb_metrics *m)
{
    metrics_init(m);
    struct store_record r;
    if (len != sizeof(r))
        return -EBADMSG;
    memcpy(&r, buf, sizeof(r));
    if (memcmp(r.magic, STORE_MAGIC, sizeof(r.magic)) != 0 || r.verdicts != RB_VERDICT_COUNT ||
        r.outcomes != RB_CLEANUP_OUTCOME_COUNT || r.buckets != RB_METRICS_BUCKETS || r.controls != RB_CTL_COUNT ||
        r.checksum != fnv1a(&r, offsetof(struct store_record, checksum)))
        return -EBADMSG;
    /* Every cleanup is observed once by the histogram: the two must agree. */
    uint64_t cleanups = 0, observed = 0;
    for (size_t i = 0; i < RB_CLEANUP_OUTCOME_COUNT; i++)
        cleanups += r.m.cleanups[i];
    for (size_t i = 0; i <= RB_METRICS_BUCKETS; i++)
        observed += r.m.duration_buckets[i];
    if (cleanups != observed || !isfinite(r.m.duration_sum) || r.m.duration_sum < 0)
        return -EBADMSG;
    *m = r.m;
    return 0;
}

/* ---- the exposition --------------------------------------------------- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *metrics_exposition(const struct rb_metrics *m, const struct rb_metrics_gauges *g)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;

    family(f, "rustbox_worker_health", "gauge",
           "Current health status of the worker: 1 for the status in force, 0 for the others.");
    for (int s = RB_HEALTHY; s <= RB_QUARANTINED; s++)
        fprintf(f, "rustbox_worker_health{status=\"%s\"} %d\n", health_status_name((enum rb_health_status)s),
                (int)g->status == s);

    family(f, "rustbox_worker_quarantined_total", "counter", "Transitions of the worker into quarantine.");
    fprintf(f, "rustbox_worker_quarantined_total %" PRIu64 "\n", m->quarantined);

    uint64_t total = 0;
    family(f, "rustbox_cleanup_total", "counter", "Box cleanups, by outcome (success, partial, failure).");
    for (size_t i = 0; i < RB_CLEANUP_OUTCOME_COUNT; i++) {
        fprintf(f, "rustbox_cleanup_total{outcome=\"%s\"} %" PRIu64 "\n", cleanup_outcome_name(outcomes[i]),
                m->cleanups[outcomes[i]]);
        total += m->cleanups[outcomes[i]];
    }

    family(f, "rustbox_cleanup_duration_seconds", "histogram", "Time a box cleanup took, verification included.");
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= RB_METRICS_BUCKETS; b++) {
        char le[32];
        bound_text(b, le, sizeof(le));
        cumulative += m->duration_buckets[b];
        fprintf(f, "rustbox_cleanup_duration_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", le, cumulative);
    }
    fprintf(f, "rustbox_cleanup_duration_seconds_sum %.9g\n", m->duration_sum);
    fprintf(f, "rustbox_cleanup_duration_seconds_count %" PRIu64 "\n", cumulative);

    family(f, "rustbox_cleanup_failure_rate", "gauge", "Failed cleanups divided by all cleanups (0 when none).");
    fprintf(f, "rustbox_cleanup_failure_rate %.9g\n",
            total ? (double)m->cleanups[RB_CLEANUP_FAILURE] / (double)total : 0.0);

    family(f, "rustbox_executions_total", "counter", "Runs, by verdict.");
    for (int v = 0; v < RB_VERDICT_COUNT; v++)
        fprintf(f, "rustbox_executions_total{status=\"%s\"} %" PRIu64 "\n", verdict_name((enum rb_verdict)v),
                m->executions[v]);

    family(f, "rustbox_control_degraded_total", "counter",
           "Runs that went ahead without an isolation control (strict: false), by control.");
    for (int c = 0; c < RB_CTL_COUNT; c++)
        fprintf(f, "rustbox_control_degraded_total{control=\"%s\"} %" PRIu64 "\n", control_name((enum rb_control)c),
                m->control_degraded[c]);

    family(f, "rustbox_containment_violations_total", "counter",
           "Box processes found outside their box: strays at cleanup, orphans at a health check or recovery.");
    fprintf(f, "rustbox_containment_violations_total %" PRIu64 "\n", m->containment_violations);

    family(f, "rustbox_backend_info", "gauge", "The backends this worker selected (always 1).");
    fprintf(f, "rustbox_backend_info{cgroup_backend=\"%s\",pidfd_mode=\"%s\"} 1\n", g->cgroup_backend, g->pidfd_mode);

    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- the store -------------------------------------------------------- */

/* Sized for a state dir at its bound (config.h). */
struct metrics_paths {
    char dir[RB_STATE_DIR_MAX + sizeof("/metrics")];
    char data[RB_STATE_DIR_MAX + sizeof("/metrics/counters")];
    char lock[RB_STATE_DIR_MAX + sizeof("/metrics/lock")];
    char damaged[RB_STATE_DIR_MAX + sizeof("/metrics/counters.damaged")];
};

/* -ENAMETOOLONG, never a cut path, for a state dir past its bound (a context
 * not made by config_load): cut, the metrics and health locks once came out
 * as one file. The buffers then hold the paths' starts, for messages. */
static int paths_of(const struct rb_ctx *ctx, struct metrics_paths *p)
{
    const char *sd = ctx->cfg.state_dir;
    const int r[] = {
        path_printf(p->dir, sizeof(p->dir), "%s/metrics", sd),
        path_printf(p->data, sizeof(p->data), "%s/metrics/counters", sd),
        path_printf(p->lock, sizeof(p->lock), "%s/metrics/lock", sd),
        path_printf(p->damaged, sizeof(p->damaged), "%s/metrics/counters.damaged", sd),
    };
    for (size_t i = 0; i < ARRAY_SIZE(r); i++)
        if (r[i] < 0)
            return r[i];
    return 0;
}

/* Reads the record from fd: 0 with zeros when the file is empty (new),
 * -EBADMSG when it holds anything but one valid record. */
static int read_store(int fd, struct rb_metrics *m)
{
    metrics_init(m);
    char buf[sizeof(struct store_record) + 1];
    size_t n = 0;
    for (;;) {
        ssize_t r = pread(fd, buf + n, sizeof(buf) - n, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        n += (size_t)r;
        if (r == 0 || n == sizeof(buf))
            break;
    }
    return n == 0 ? 0 : metrics_decode(buf, n, m);
}

/* Updates are made in place, under the lock: one pwrite of the fixed-size
 * record. Readers take the lock too, so none ever sees half an update, and
 * it costs a few microseconds, where a rename over the old file makes ext4
 * start writing the new one out at once (auto_da_alloc: ~1 ms an update).
 * No fsync either: a disk flush on every run costs more than the run's
 * metrics are worth, and losing the last increments to a power cut is a
 * counter reset that Prometheus handles. What such a cut may leave (an
 * empty file, a record mixing two versions) fails the checksum and is set
 * aside on next use. */
static int write_store(int fd, const struct rb_metrics *m)
{
    char buf[sizeof(struct store_record)];
    metrics_encode(m, buf);
    size_t done = 0;
    while (done < sizeof(buf)) {
        ssize_t w = pwrite(fd, buf + done, sizeof(buf) - done, (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        done += (size_t)w;
    }
    return 0;
}

/* The lock lives on its own file, so the store can be set aside and
 * re-created under it. Readers take it shared. */
static int take_lock(const struct metrics_paths *p, bool writer)
{
    int flags = (writer ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW, r;
    int fd = open(p->lock, flags, 0644);
    if (fd < 0 && errno == ENOENT && writer) { /* the first update ever */
        if ((r = mkdir_p(p->dir, 0755)) < 0)
            return r;
        fd = open(p->lock, flags, 0644);
    }
    if (fd < 0)
        return -errno;
    while (flock(fd, writer ? LOCK_EX : LOCK_SH) < 0)
        if (errno != EINTR) {
            r = -errno;
            (void)safe_close(fd);
            return r;
        }
    return fd;
}

static int open_store(const struct metrics_paths *p, bool writer)
{
    int fd = open(p->data, (writer ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW, 0644);
    return fd < 0 ? -errno : fd;
}

/* Keeps the damaged file for the operator and starts a fresh one. */
static int set_aside(const struct rb_ctx *ctx, const struct metrics_paths *p, int *fd)
{
    int r = rename(p->data, p->damaged) < 0 ? -errno : 0;
    log_event(&ctx->log, RB_LOG_WARNING, "metrics_state_damaged",
              "file=%s kept_as=%s detail=\"%s\" action=counters_restarted", p->data, p->damaged,
              r < 0 ? strerror(-r) : "not a valid rustbox metrics record");
    (void)safe_close(*fd);
    *fd = open_store(p, true);
    if (*fd >= 0 && ftruncate(*fd, 0) < 0)
        return -errno;
    return *fd < 0 ? *fd : 0;
}

int metrics_update(const struct rb_ctx *ctx, metrics_mutator fn, void *data)
{
    struct metrics_paths p;
    int r = paths_of(ctx, &p);
    if (r < 0)
        return r;
    _cleanup_close_ int lock = take_lock(&p, true);
    if (lock < 0)
        return lock;
    _cleanup_close_ int fd = open_store(&p, true);
    if (fd < 0)
        return fd;
    struct rb_metrics m;
    r = read_store(fd, &m);
    if (r == -EBADMSG) {
        r = set_aside(ctx, &p, &fd);
        metrics_init(&m);
    }
    if (r < 0)
        return r;
    if (fn)
        fn(&m, data);
    return write_store(fd, &m);
}

/* One read under the shared lock; 0 with zeros when nothing is recorded. */
static int load_once(const struct metrics_paths *p, struct rb_metrics *m)
{
    metrics_init(m);
    _cleanup_close_ int lock = take_lock(p, false);
    if (lock == -ENOENT)
        return 0;
    if (lock < 0)
        return lock;
    _cleanup_close_ int fd = open_store(p, false);
    if (fd == -ENOENT)
        return 0;
    return fd < 0 ? fd : read_store(fd, m);
}

int metrics_load(const struct rb_ctx *ctx, struct rb_metrics *m)
{
    struct metrics_paths p;
    int r = paths_of(ctx, &p);
    if (r < 0) {
        metrics_init(m);
        return r;
    }
    r = load_once(&p, m);
    if (r != -EBADMSG)
        return r;
    /* Repair under the write lock (a writer may have beaten us to it), so
     * that a damaged file is reported once, not at every scrape. */
    r = metrics_update(ctx, NULL, NULL);
    if (r == 0)
        r = load_once(&p, m);
    if (r < 0) {
        log_event(&ctx->log, RB_LOG_WARNING, "metrics_state_damaged", "file=%s detail=\"%s\" action=none", p.data,
                  strerror(-r));
        metrics_init(m);
    }
    return 0;
}

static void update_or_log(const struct rb_ctx *ctx, const char *what, metrics_mutator fn, void *data)
{
    int r = metrics_update(ctx, fn, data);
    if (r < 0)
        log_event(&ctx->log, RB_LOG_WARNING, "metrics_update_failed", "what=%s dir=%s/metrics error=\"%s\"", what,
                  ctx->cfg.state_dir, strerror(-r));
}

struct run_event {
    enum rb_verdict verdict;
    unsigned degraded;
};

static void apply_run(struct rb_metrics *m, void *data)
{
    const struct run_event *ev = data;
    m->executions[(unsigned)ev->verdict < RB_VERDICT_COUNT ? ev->verdict : RB_IE]++;
    for (int c = 0; c < RB_CTL_COUNT; c++)
        if (ev->degraded & (1u << c))
            m->control_degraded[c]++;
}

void metrics_record_run(const struct rb_ctx *ctx, const struct rb_result *res)
{
    /* A strict run with a control missing was refused, not degraded. */
    struct run_event ev = { res->verdict, res->strict ? 0 : res->controls_missing };
    if (ev.degraded) {
        char names[256] = "";
        size_t n = 0;
        for (int c = 0; c < RB_CTL_COUNT && n < sizeof(names); c++)
            if (ev.degraded & (1u << c))
                n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? "," : "",
                                      control_name((enum rb_control)c));
        log_event(&ctx->log, RB_LOG_INFO, "control_degraded", "box_id=%ld controls=%s strict=false", res->box_id,
                  names);
    }
    update_or_log(ctx, "run", apply_run, &ev);
}

static void apply_cleanup(struct rb_metrics *m, void *data)
{
    const struct rb_cleanup_report *rep = data;
    metrics_observe_cleanup(m, rep->outcome, rep->duration_s);
}

/* Stray processes are counted where they are reported (containment_violation,
 * orphan_detected), so that one finding is one violation. */
void metrics_record_cleanup(const struct rb_ctx *ctx, const struct rb_cleanup_report *rep)
{
    update_or_log(ctx, "cleanup", apply_cleanup, (void *)rep);
}

static void apply_quarantine(struct rb_metrics *m, void *data)
{
    (void)data;
    m->quarantined++;
}

void metrics_record_quarantine(const struct rb_ctx *ctx)
{
    update_or_log(ctx, "quarantine", apply_quarantine, NULL);
}

static void apply_violation(struct rb_metrics *m, void *data)
{
    (void)data;
    m->containment_violations++;
}

void metrics_record_violation(const struct rb_ctx *ctx)
{
    update_or_log(ctx, "containment_violation", apply_violation, NULL);
}

/* ---- rendering and the textfile --------------------------------------- */

int metrics_render(const struct rb_ctx *ctx, char **out)
{
    *out = NULL;
    struct rb_metrics m;
    int r = metrics_load(ctx, &m);
    if (r < 0)
        return r;
    struct rb_health_state st;
    health_load(ctx, &st);
    struct rb_metrics_gauges g = {
        .status = st.status,
        .cgroup_backend = ctx->cg ? ctx->cg->name : "none",
        .pidfd_mode = PIDFD_MODE,
    };
    *out = metrics_exposition(&m, &g);
    return *out ? 0 : -ENOMEM;
}

int metrics_write_textfile(const char *dir, const char *text)
{
    /* The temp file (rustbox.prom.tmp.XXXXXX, same directory, so the rename
     * stays on one filesystem) does not end in .prom: the collector never
     * reads it half-written. */
    _cleanup_free_ char *path = strdup_printf("%s/rustbox.prom", dir);
    return path ? write_file_atomic(path, text, 0644) : -ENOMEM;
}

void metrics_refresh_textfile(const struct rb_ctx *ctx)
{
    const char *dir = ctx->cfg.metrics_textfile_dir;
    if (!dir || !dir[0])
        return;
    _cleanup_free_ char *text = NULL;
    int r = metrics_render(ctx, &text);
    if (r == 0)
        r = metrics_write_textfile(dir, text);
    if (r < 0)
        log_event(&ctx->log, RB_LOG_WARNING, "metrics_textfile_failed", "file=%s/rustbox.prom error=\"%s\"", dir,
                  strerror(-r));
}

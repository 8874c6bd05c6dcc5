#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
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

#define STORE_MAGIC "rustbox.metrics/1"
#define STORE_END "end"
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
    RB_CLEANUP_SUCCESS, RB_CLEANUP_FAILURE, RB_CLEANUP_PARTIAL,
};

/* "%g" of a bucket bound: 0.001, 0.0025, 1, 2.5, 30 — what `le` shows. */
static void bound_text(size_t b, char *buf, size_t len)
{
    if (b < RB_METRICS_BUCKETS)
        snprintf(buf, len, "%g", rb_metrics_bucket_bounds[b]);
    else
        snprintf(buf, len, "+Inf");
}

/* ---- the store's text ------------------------------------------------- */

char *metrics_serialize(const struct rb_metrics *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "%s\n", STORE_MAGIC);
    for (int v = 0; v < RB_VERDICT_COUNT; v++)
        fprintf(f, "executions_total %s %" PRIu64 "\n", verdict_name(v), m->executions[v]);
    for (size_t i = 0; i < RB_CLEANUP_OUTCOME_COUNT; i++)
        fprintf(f, "cleanup_total %s %" PRIu64 "\n", cleanup_outcome_name(outcomes[i]),
                m->cleanups[outcomes[i]]);
    for (size_t b = 0; b <= RB_METRICS_BUCKETS; b++) {
        char le[32];
        bound_text(b, le, sizeof(le));
        fprintf(f, "cleanup_duration_bucket %s %" PRIu64 "\n", le, m->duration_buckets[b]);
    }
    fprintf(f, "cleanup_duration_sum %.9f\n", m->duration_sum);
    fprintf(f, "worker_quarantined_total %" PRIu64 "\n", m->quarantined);
    for (int c = 0; c < RB_CTL_COUNT; c++)
        fprintf(f, "control_degraded_total %s %" PRIu64 "\n", control_name(c), m->control_degraded[c]);
    fprintf(f, "containment_violations_total %" PRIu64 "\n", m->containment_violations);
    fprintf(f, "%s\n", STORE_END);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* A reader over the store's lines, in the order metrics_serialize writes
 * them. The first mismatch marks the whole text bad. */
struct cursor {
    const char *p;
    bool bad;
};

/* The value text of the next line if it is "KEY VALUE\n"; NULL otherwise. */
static const char *take_line(struct cursor *c, const char *key, const char **eol)
{
    if (c->bad)
        return NULL;
    size_t klen = strlen(key);
    const char *nl = strchr(c->p, '\n');
    if (!nl || strncmp(c->p, key, klen) != 0 || c->p[klen] != ' ' || c->p + klen + 1 >= nl) {
        c->bad = true;
        return NULL;
    }
    *eol = nl;
    const char *v = c->p + klen + 1;
    c->p = nl + 1;
    return v;
}

static uint64_t take_u64(struct cursor *c, const char *key)
{
    const char *eol, *v = take_line(c, key, &eol);
    if (!v)
        return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*v < '0' || *v > '9' || errno || end != eol) {
        c->bad = true;
        return 0;
    }
    return (uint64_t)x;
}

static double take_double(struct cursor *c, const char *key)
{
    const char *eol, *v = take_line(c, key, &eol);
    if (!v)
        return 0;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (*v < '0' || *v > '9' || errno || end != eol || !isfinite(x) || x < 0) {
        c->bad = true;
        return 0;
    }
    return x;
}

static bool take_word(struct cursor *c, const char *word)
{
    size_t n = strlen(word);
    if (c->bad || strncmp(c->p, word, n) != 0 || c->p[n] != '\n') {
        c->bad = true;
        return false;
    }
    c->p += n + 1;
    return true;
}

int metrics_parse(const char *text, struct rb_metrics *m)
{
    metrics_init(m);
    struct cursor c = { text, false };
    char key[96];
    take_word(&c, STORE_MAGIC);
    for (int v = 0; v < RB_VERDICT_COUNT; v++) {
        snprintf(key, sizeof(key), "executions_total %s", verdict_name(v));
        m->executions[v] = take_u64(&c, key);
    }
    for (size_t i = 0; i < RB_CLEANUP_OUTCOME_COUNT; i++) {
        snprintf(key, sizeof(key), "cleanup_total %s", cleanup_outcome_name(outcomes[i]));
        m->cleanups[outcomes[i]] = take_u64(&c, key);
    }
    for (size_t b = 0; b <= RB_METRICS_BUCKETS; b++) {
        char le[32];
        bound_text(b, le, sizeof(le));
        snprintf(key, sizeof(key), "cleanup_duration_bucket %s", le);
        m->duration_buckets[b] = take_u64(&c, key);
    }
    m->duration_sum = take_double(&c, "cleanup_duration_sum");
    m->quarantined = take_u64(&c, "worker_quarantined_total");
    for (int ctl = 0; ctl < RB_CTL_COUNT; ctl++) {
        snprintf(key, sizeof(key), "control_degraded_total %s", control_name(ctl));
        m->control_degraded[ctl] = take_u64(&c, key);
    }
    m->containment_violations = take_u64(&c, "containment_violations_total");
    take_word(&c, STORE_END);
    /* Every cleanup is observed once by the histogram: the two must agree. */
    uint64_t cleanups = 0, observed = 0;
    for (size_t i = 0; i < RB_CLEANUP_OUTCOME_COUNT; i++)
        cleanups += m->cleanups[i];
    for (size_t b = 0; b <= RB_METRICS_BUCKETS; b++)
        observed += m->duration_buckets[b];
    if (c.bad || *c.p != '\0' || cleanups != observed) {
        metrics_init(m);
        return -EBADMSG;
    }
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
        fprintf(f, "rustbox_worker_health{status=\"%s\"} %d\n", health_status_name(s), g->status == s);

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
        fprintf(f, "rustbox_executions_total{status=\"%s\"} %" PRIu64 "\n", verdict_name(v), m->executions[v]);

    family(f, "rustbox_control_degraded_total", "counter",
           "Runs that went ahead without an isolation control (strict: false), by control.");
    for (int c = 0; c < RB_CTL_COUNT; c++)
        fprintf(f, "rustbox_control_degraded_total{control=\"%s\"} %" PRIu64 "\n", control_name(c),
                m->control_degraded[c]);

    family(f, "rustbox_containment_violations_total", "counter",
           "Box processes found outside their box: strays at cleanup, orphans at a health check or recovery.");
    fprintf(f, "rustbox_containment_violations_total %" PRIu64 "\n", m->containment_violations);

    family(f, "rustbox_backend_info", "gauge", "The backends this worker selected (always 1).");
    fprintf(f, "rustbox_backend_info{cgroup_backend=\"%s\",pidfd_mode=\"%s\"} 1\n", g->cgroup_backend,
            g->pidfd_mode);

    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- the store -------------------------------------------------------- */

struct metrics_paths {
    char dir[512], data[600], tmp[600], lock[600], damaged[600];
};

static void paths_of(const struct rb_ctx *ctx, struct metrics_paths *p)
{
    snprintf(p->dir, sizeof(p->dir), "%s/metrics", ctx->cfg.state_dir);
    snprintf(p->data, sizeof(p->data), "%s/counters", p->dir);
    snprintf(p->tmp, sizeof(p->tmp), "%s/counters.tmp", p->dir);
    snprintf(p->lock, sizeof(p->lock), "%s/lock", p->dir);
    snprintf(p->damaged, sizeof(p->damaged), "%s/counters.damaged", p->dir);
}

/* 0 with zeros when there is no file yet; -EBADMSG when it is damaged. */
static int read_store(const struct metrics_paths *p, struct rb_metrics *m)
{
    metrics_init(m);
    _cleanup_free_ char *text = NULL;
    int r = read_file(p->data, &text, NULL);
    if (r == -ENOENT)
        return 0;
    return r < 0 ? r : metrics_parse(text, m);
}

/* No fsync, on purpose: a disk flush on every run costs more than the run's
 * metrics are worth, and losing the last increments to a power cut is a
 * counter reset that Prometheus handles. The rename alone keeps every update
 * all-or-nothing for readers: they see the old file or the new one, never
 * half of one. The temp name is fixed because only the lock holder writes
 * it. A file that a crash left empty or garbled is set aside on next read. */
static int write_store(const struct metrics_paths *p, const struct rb_metrics *m)
{
    _cleanup_free_ char *text = metrics_serialize(m);
    if (!text)
        return -ENOMEM;
    (void)unlink(p->tmp); /* never write through whatever a crash left there */
    int r = write_file(p->tmp, text, O_CREAT | O_EXCL | O_NOFOLLOW);
    if (r == 0 && rename(p->tmp, p->data) < 0)
        r = -errno;
    if (r < 0)
        (void)unlink(p->tmp);
    return r;
}

static int take_lock(const struct metrics_paths *p)
{
    int r = mkdir_p(p->dir, 0755);
    if (r < 0)
        return r;
    int fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            r = -errno;
            close(fd);
            return r;
        }
    return fd;
}

static void set_aside(const struct rb_ctx *ctx, const struct metrics_paths *p)
{
    int r = rename(p->data, p->damaged) < 0 ? -errno : 0;
    log_event(&ctx->log, RB_LOG_WARNING, "metrics_state_damaged",
              "file=%s kept_as=%s detail=\"%s\" action=counters_restarted", p->data, p->damaged,
              r < 0 ? strerror(-r) : "not a rustbox metrics store");
}

int metrics_update(const struct rb_ctx *ctx, metrics_mutator fn, void *data)
{
    struct metrics_paths p;
    paths_of(ctx, &p);
    _cleanup_close_ int lock = take_lock(&p);
    if (lock < 0)
        return lock;
    struct rb_metrics m;
    int r = read_store(&p, &m);
    if (r == -EBADMSG) {
        set_aside(ctx, &p);
        metrics_init(&m);
        r = 0;
    }
    if (r < 0)
        return r;
    if (fn)
        fn(&m, data);
    return write_store(&p, &m);
}

int metrics_load(const struct rb_ctx *ctx, struct rb_metrics *m)
{
    struct metrics_paths p;
    paths_of(ctx, &p);
    int r = read_store(&p, m);
    if (r != -EBADMSG)
        return r;
    /* Repair under the lock (a writer may have beaten us to it), so that a
     * damaged file is reported once, not at every scrape. */
    r = metrics_update(ctx, NULL, NULL);
    if (r < 0) {
        log_event(&ctx->log, RB_LOG_WARNING, "metrics_state_damaged", "file=%s detail=\"%s\" action=none",
                  p.data, strerror(-r));
        metrics_init(m);
        return 0;
    }
    return read_store(&p, m);
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
                n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? "," : "", control_name(c));
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

int cmd_metrics(struct rb_ctx *ctx)
{
    _cleanup_free_ char *text = NULL;
    int r = metrics_render(ctx, &text);
    if (r < 0) {
        log_error("cannot read the metrics store %s/metrics/counters: %s", ctx->cfg.state_dir, strerror(-r));
        return RB_EXIT_INTERNAL;
    }
    if (ctx->cli.textfile_dir) {
        r = metrics_write_textfile(ctx->cli.textfile_dir, text);
        if (r < 0) {
            log_error("cannot write %s/rustbox.prom: %s", ctx->cli.textfile_dir, strerror(-r));
            return RB_EXIT_INTERNAL;
        }
    }
    fputs(text, stdout);
    return fflush(stdout) == 0 ? RB_EXIT_OK : RB_EXIT_INTERNAL;
}

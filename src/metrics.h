/* SPDX-License-Identifier: Apache-2.0 */
/* metrics: the counters, gauges and histogram of SPEC §6, persisted under
 * <state_dir>/metrics/ and rendered in the Prometheus text format 0.0.4.
 *
 * The counters live in one fixed-size checksummed record, rewritten in
 * place under a flock by every run, cleanup and health transition. The gauges
 * (worker health, backend) are read when the exposition is rendered. The
 * parsing, the serialisation and the exposition are pure so they can be
 * tested on their own. */
#ifndef RUSTBOX_METRICS_H
#define RUSTBOX_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "health.h"
#include "result.h"

/* Finite upper bounds of rustbox_cleanup_duration_seconds, in seconds; a
 * +Inf bucket follows. A clean cleanup takes a few ms; 5 s is
 * cleanup_timeout_s's default and the alert threshold, so it is a bound. */
#define RB_METRICS_BUCKETS 14
extern const double rb_metrics_bucket_bounds[RB_METRICS_BUCKETS];

#define RB_CLEANUP_OUTCOME_COUNT 3

struct rb_metrics {
    uint64_t executions[RB_VERDICT_COUNT];             /* by verdict */
    uint64_t cleanups[RB_CLEANUP_OUTCOME_COUNT];       /* by rb_cleanup_outcome */
    uint64_t duration_buckets[RB_METRICS_BUCKETS + 1]; /* per bucket (not cumulative); last is +Inf */
    double duration_sum;
    uint64_t quarantined;
    uint64_t control_degraded[RB_CTL_COUNT];
    uint64_t containment_violations;
};

/* What the exposition reads at render time rather than from the store. */
struct rb_metrics_gauges {
    enum rb_health_status status;
    const char *cgroup_backend;
    const char *pidfd_mode;
};

void metrics_init(struct rb_metrics *m);
void metrics_observe_cleanup(struct rb_metrics *m, enum rb_cleanup_outcome outcome, double duration_s);

/* The store's record: fixed size, host byte order, checksummed. encode
 * fills metrics_record_size() bytes; decode takes exactly that many and
 * returns -EBADMSG for anything torn, foreign or inconsistent. */
size_t metrics_record_size(void);
void metrics_encode(const struct rb_metrics *m, void *buf);
int metrics_decode(const void *buf, size_t len, struct rb_metrics *m);

/* The text exposition (format 0.0.4, # HELP and # TYPE for every family);
 * caller frees. NULL only when out of memory. */
char *metrics_exposition(const struct rb_metrics *m, const struct rb_metrics_gauges *g);

/* Reads the counters: zeros when there are none yet. A damaged file is set
 * aside (<file>.damaged) and replaced by zeros, and logged. -errno only when
 * the file cannot be read at all. */
int metrics_load(const struct rb_ctx *ctx, struct rb_metrics *m);

typedef void (*metrics_mutator)(struct rb_metrics *m, void *data);
/* Locks the store, reads it, applies fn and writes it back atomically. */
int metrics_update(const struct rb_ctx *ctx, metrics_mutator fn, void *data);

/* Hooks of the run path and of health. They never fail the caller: a store
 * that cannot be updated is logged (metrics_update_failed) and skipped. */
void metrics_record_run(const struct rb_ctx *ctx, const struct rb_result *res);
void metrics_record_cleanup(const struct rb_ctx *ctx, const struct rb_cleanup_report *rep);
void metrics_record_quarantine(const struct rb_ctx *ctx);
void metrics_record_violation(const struct rb_ctx *ctx);

/* The full exposition of this worker (store + health + backend); *out is
 * the caller's. */
int metrics_render(const struct rb_ctx *ctx, char **out);
/* Writes text to DIR/rustbox.prom atomically (temp file in DIR + rename),
 * for node_exporter's textfile collector. */
int metrics_write_textfile(const char *dir, const char *text);
/* health --check: refreshes the textfile when metrics.textfile_dir is set;
 * a failure is logged (metrics_textfile_failed), never fatal. */
void metrics_refresh_textfile(const struct rb_ctx *ctx);

#endif

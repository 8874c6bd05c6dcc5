/* SPDX-License-Identifier: Apache-2.0 */
/* worker: what happens to this worker's books when a box is torn down or the
 * host is checked — the one place where a cleanup's outcome reaches the log,
 * the metrics and the health state, where processes found outside their box
 * quarantine the worker, and where the lock is kept or released. init, run,
 * cleanup and recovery all end a box through worker_teardown, so they count
 * the same things the same way. */
#ifndef RUSTBOX_WORKER_H
#define RUSTBOX_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "box.h"
#include "cleanup.h"
#include "context.h"
#include "error.h"
#include "health.h"
#include "scan.h"

/* What becomes of the box's lock after its teardown. */
enum rb_lock_after {
    /* Released; the lock file goes too unless the cleanup failed, so that
     * recovery still finds a box that was not proven gone. */
    RB_LOCK_RELEASE,
    /* Still held: the caller goes on with the box (init re-creating it). */
    RB_LOCK_KEEP,
    /* A persistent box between runs: its work dir goes back to the caller,
     * its lock file says nobody holds it, and the lock is released. */
    RB_LOCK_IDLE,
    /* Released, the lock file kept as it is: a resting persistent box whose
     * stray run recovery undid stays initialised. */
    RB_LOCK_RESTING,
};

/* Tears the box down (scope), then logs the outcome, counts it in the
 * metrics and the health state (naming `actor`), quarantines the worker when
 * processes of the box were found outside it, and handles the lock. Never
 * stops half-way: every step runs whatever the others did. */
void worker_teardown(struct rb_ctx *ctx, struct rb_box *box, enum rb_cleanup_scope scope, enum rb_lock_after lock,
                     const char *actor, struct rb_cleanup_report *rep);

/* Quarantines the worker and counts the quarantine when it is a new one.
 * Returns 0 or -errno (the health state could not be written). */
int worker_quarantine(const struct rb_ctx *ctx, const char *reason, bool manual, const char *actor,
                      struct rb_health_state *out);

/* -EHOSTDOWN with the reason in err when the worker is quarantined (or its
 * health state is unreadable, which counts as quarantined); 0 otherwise. */
int worker_refuse_if_quarantined(const struct rb_ctx *ctx, struct rb_error *err);

/* Free resources against the configured floors. */
struct rb_resources {
    uint64_t disk_free; /* bytes, the lower of work_root and state_dir */
    uint64_t inodes_free;
    double fds_free_ratio;
    uint64_t mem_available;
    bool exhausted; /* some value under its floor */
    bool low;       /* some value under twice its floor */
    char detail[200];
};
void worker_measure_resources(const struct rb_ctx *ctx, struct rb_resources *res);

/* Scans the host and counts what belongs to no live box; the scan is the
 * caller's (scan_free) when s is not NULL. */
int worker_scan(const struct rb_ctx *ctx, struct rb_scan *s, struct rb_leftovers *l, struct rb_error *err);
bool worker_leftovers_clean(const struct rb_leftovers *l);

/* health --check: orphans and exhausted resources quarantine; stale boxes,
 * low resources and missing controls make the worker unhealthy. */
int worker_check(struct rb_ctx *ctx, struct rb_leftovers *l, struct rb_health_state *st, struct rb_error *err);

struct rb_recovery {
    bool clean;
    int failed_cleanups;
    struct rb_leftovers leftovers; /* after the recovery */
};
/* health --recover [--cleanup]: tears down every dead box (and with `all`
 * every box not in use), proves the host clean, and lifts an automatic
 * quarantine or puts one in place. */
int worker_recover(struct rb_ctx *ctx, bool all, struct rb_recovery *rec, struct rb_health_state *st,
                   struct rb_error *err);

/* health --unquarantine: -EAGAIN (err says what is left) when the host is not
 * clean; otherwise the lift, after the unhealthy reasons are measured again. */
int worker_unquarantine(struct rb_ctx *ctx, const char *reason, struct rb_health_state *st, struct rb_error *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* health: the worker's health state machine (SPEC §5) and its persistence.
 * The transition functions are pure so they can be tested on their own;
 * health_update() applies one under the state lock and records the history. */
#ifndef RUSTBOX_HEALTH_H
#define RUSTBOX_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "result.h"

#define RB_HEALTH_REASON_MAX 128
#define RB_HEALTH_ERROR_MAX 320
/* Transitions kept in quarantine-history.json; older ones are dropped. */
#define RB_HEALTH_HISTORY_MAX 1000

enum rb_health_status { RB_HEALTHY, RB_UNHEALTHY, RB_QUARANTINED };

/* Why a worker that still takes work is unhealthy. */
enum rb_unhealthy_flag {
    RB_UNHEALTHY_CLEANUP_FAILURE = 1 << 0,
    RB_UNHEALTHY_RESOURCES_LOW = 1 << 1,
    RB_UNHEALTHY_STALE_BOX = 1 << 2,
    /* A control the config asks for cannot be applied on this host (strict
     * mode then refuses every run with IE; non-strict runs degraded). */
    RB_UNHEALTHY_CONTROLS_MISSING = 1 << 3,
};
#define RB_UNHEALTHY_ALL 15u

/* Automatic quarantine reasons (SPEC §5); a manual one carries the operator's text. */
#define RB_REASON_CLEANUP_FAILURE "cleanup_failure"
#define RB_REASON_ORPHAN "orphan_process_detected"
#define RB_REASON_BASELINE "baseline_equivalence_failed"
#define RB_REASON_RESOURCES "resource_exhaustion"
#define RB_REASON_MANUAL "manual_quarantine"
#define RB_REASON_STATE_UNREADABLE "state_unreadable"

struct rb_health_state {
    enum rb_health_status status;
    char quarantine_reason[RB_HEALTH_REASON_MAX];
    bool manual;
    char quarantine_timestamp[32];
    uint32_t failed_cleanup_count;
    char last_cleanup_error[RB_HEALTH_ERROR_MAX];
    unsigned unhealthy; /* rb_unhealthy_flag */
    /* Set when the state file could not be read: the worker is then
     * quarantined whatever the file said, and this names the file. */
    char unreadable[RB_HEALTH_ERROR_MAX];
};

struct rb_transition {
    bool changed;
    enum rb_health_status from, to;
    char reason[RB_HEALTH_REASON_MAX];
};

const char *health_status_name(enum rb_health_status s);
void health_init(struct rb_health_state *st);

/* Pure transitions. Each fills tr (tr->changed says whether status moved). */
void health_on_cleanup(struct rb_health_state *st, enum rb_cleanup_outcome outcome, const char *error,
                       uint32_t max_failures, struct rb_transition *tr);
void health_on_quarantine(struct rb_health_state *st, const char *reason, bool manual, const char *now,
                          struct rb_transition *tr);
/* Lifts a quarantine; refused (returns false) for manual or orphan
 * quarantines unless `by_operator` is set. */
bool health_on_lift(struct rb_health_state *st, bool by_operator, const char *reason, struct rb_transition *tr);
/* Re-evaluates unhealthy conditions found by a check. */
void health_on_check(struct rb_health_state *st, unsigned unhealthy_now, struct rb_transition *tr);

/* JSON of SPEC §5 (`rustbox health`); caller frees. */
char *health_to_json(const struct rb_health_state *st, const struct rb_ctx *ctx);
/* Parses state.json text; -EBADMSG on anything malformed. */
int health_parse(const char *text, struct rb_health_state *st);

/* Persistence under <state_dir>/health/. health_load never fails: an
 * unreadable file yields a quarantined state naming it. */
void health_load(const struct rb_ctx *ctx, struct rb_health_state *st);

/* health_update's result when the update moved the worker into quarantine. */
#define RB_HEALTH_ENTERED_QUARANTINE 1

typedef void (*health_mutator)(struct rb_health_state *st, struct rb_transition *tr, void *data);
/* Locks the state, loads it, applies fn, writes it back atomically if it
 * changed and appends a history record (actor) when the status moved. With
 * `rebuild`, an unreadable state file is replaced instead of kept. Returns
 * RB_HEALTH_ENTERED_QUARANTINE when the worker went into quarantine, 0 for
 * any other success, -errno. The same holds for the two wrappers below. */
int health_update(const struct rb_ctx *ctx, const char *actor, bool rebuild, health_mutator fn, void *data,
                  struct rb_health_state *out);

/* Quarantines the worker (no-op if already quarantined, which keeps the first reason). */
int health_quarantine(const struct rb_ctx *ctx, const char *reason, bool manual, const char *actor,
                      struct rb_health_state *out);

/* Convenience for the run path: records one cleanup outcome. */
int health_record_cleanup(const struct rb_ctx *ctx, const struct rb_cleanup_report *rep);

/* History file path and reading (for audit). Caller frees *text. */
int health_read_history(const struct rb_ctx *ctx, char **text);

#endif

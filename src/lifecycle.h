/* SPDX-License-Identifier: Apache-2.0 */
/* lifecycle: a box's life as the commands ask for it — make a persistent box,
 * run one request (in a persistent box or a fresh one-shot box), tear a box
 * down. Each ends the box through worker_teardown, so every path counts its
 * cleanup, strays and lock the same way, and every run result comes from the
 * one constructor (run_result_init, called once per run here). Nothing here prints: an error comes
 * back in struct rb_error, a result in struct rb_result. */
#ifndef RUSTBOX_LIFECYCLE_H
#define RUSTBOX_LIFECYCLE_H

#include "box.h"
#include "cleanup.h"
#include "context.h"
#include "error.h"
#include "request.h"
#include "result.h"

/* What kind of failure a lifecycle call met, for the caller's exit status. */
enum rb_status {
    RB_STATUS_DONE,        /* did its job (a run: a result, whatever the verdict) */
    RB_STATUS_REFUSED,     /* the request cannot be served as given: bad box id, busy, not initialised */
    RB_STATUS_QUARANTINED, /* the worker takes no work */
    RB_STATUS_FAILED,      /* the host let us down (err names what and where) */
};

/* init: (re-)creates persistent box `id` in the layout shape asks for;
 * box->root (native) or box->dir (isolate) is what the caller is told. */
enum rb_status lifecycle_init(struct rb_ctx *ctx, long id, const struct rb_box_shape *shape, struct rb_box *box,
                              struct rb_error *err);

/* run: applies the config's defaults to what the request left unset, runs it
 * and fills res (its cleanup included). RB_STATUS_DONE whenever res holds a
 * result to report, an IE one included. */
enum rb_status lifecycle_run(struct rb_ctx *ctx, struct rb_run_request *req, struct rb_result *res,
                             struct rb_error *err);

/* cleanup: tears box `id` down. *existed is false when there was nothing of
 * it (not an error: isolate's --cleanup of a box never made succeeds).
 * RB_STATUS_FAILED when the cleanup failed (rep says what is left). */
enum rb_status lifecycle_cleanup(struct rb_ctx *ctx, long id, struct rb_cleanup_report *rep, bool *existed,
                                 struct rb_error *err);

#endif

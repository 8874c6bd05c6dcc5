/* SPDX-License-Identifier: Apache-2.0 */
/* run: the supervisor of one run — starts the sandbox, enforces CPU, wall
 * and output limits while it runs, and gathers the facts its verdict
 * (verdict.h) is decided on. */
#ifndef RUSTBOX_RUN_H
#define RUSTBOX_RUN_H

#include "box.h"
#include "request.h"
#include "result.h"

/* Longest the supervisor sleeps between limit checks. */
#define RB_RUN_POLL_MAX_S 0.1
/* Shortest sleep when a limit is close: the overshoot's lower bound. */
#define RB_RUN_POLL_MIN_S 0.001
/* How long to wait for output pipes to reach EOF once the box is dead. */
#define RB_RUN_DRAIN_S 1.0

/* Runs req in the (locked, rooted) box and fills in res, which the caller
 * made with run_result_init for this box. Always leaves the box's processes
 * dead; the caller runs cleanup. Setup failures become verdict IE; -errno
 * only when res could not be filled at all. */
int run_in_box(struct rb_ctx *ctx, struct rb_box *box, const struct rb_run_request *req, struct rb_result *res,
               int *ending_proxy);
/* The box's proxy may still be exiting when run_in_box returns, its box
 * over (every process of it reaped) but its namespaces not yet torn down:
 * then *ending_proxy is its pidfd, and the caller reaps it with this after
 * cleanup and the run's records, so that they overlap. -1: nothing to
 * reap. */
void run_reap_proxy(int pidfd);

/* The one constructor of a result: box, limits, the controls this host
 * applies, the backend and strict mode, whatever the outcome will be. */
void run_result_init(const struct rb_ctx *ctx, long box_id, const struct rb_limits *limits, struct rb_result *res);
/* Which controls a run would apply and which are missing on this host. */
void run_controls(const struct rb_ctx *ctx, unsigned *applied, unsigned *missing);

#endif

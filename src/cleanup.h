/* SPDX-License-Identifier: Apache-2.0 */
/* cleanup: a box's teardown in reverse order of setup — kill and reap, unmount
 * deepest first, remove cgroups, remove dirs, release the lock — then the
 * proof: nothing of the box is left. No step stops the others; every failure
 * is recorded, and the outcome says what is left (SPEC §5). */
#ifndef RUSTBOX_CLEANUP_H
#define RUSTBOX_CLEANUP_H

#include "box.h"
#include "result.h"

/* Pause between retries of a transient failure (EBUSY, EAGAIN). */
#define RB_CLEANUP_RETRY_S 0.005
/* Share of cleanup_timeout_s a busy unmount may take before the lazy fallback. */
#define RB_CLEANUP_UNMOUNT_SHARE 0.5
/* Pids of a box listed at a time. The kill step lists again until none is
 * left, so this bounds a pass, not what cleanup can end; the proof only
 * needs to know whether any is left. Small: each list is on the stack, and
 * stack-clash probing touches all of it on every cleanup. */
#define RB_CLEANUP_MAX_PIDS 1024

enum rb_cleanup_scope {
    RB_SCOPE_RUN, /* after a run of a persistent box: processes and cgroup */
    RB_SCOPE_BOX, /* the whole box: also its mounts, dirs and lock */
};

/* What of a box exists on the host right now. */
struct rb_box_leftovers {
    int mounts;
    int cgroups;
    int processes;
    int dirs;
    /* The first leftover found, for messages: room for "dir " and a box path. */
    char first[sizeof("cgroup ") + RB_BOX_PATH_MAX];
};

/* The lock is the caller's: it releases it (removing the file unless the
 * outcome is failure, so recovery still finds the box). */
void cleanup_box(struct rb_ctx *ctx, struct rb_box *box, enum rb_cleanup_scope scope, struct rb_cleanup_report *rep);
/* Counts what remains of box; scope RUN ignores the box's own root mount and dir. */
void cleanup_find_leftovers(const struct rb_ctx *ctx, const struct rb_box *box, enum rb_cleanup_scope scope,
                            struct rb_box_leftovers *left);

#endif

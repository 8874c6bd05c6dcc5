/* SPDX-License-Identifier: Apache-2.0 */
/* scan: what of rustbox exists on this host right now — mounts, cgroups,
 * processes and dirs named or owned by <prefix>-<id> boxes — and which boxes
 * are busy (a live process holds the lock), idle (a persistent box between
 * runs) or dead (left behind). The baseline, verify-clean, recovery and the
 * audit all read the host through this one view. */
#ifndef RUSTBOX_SCAN_H
#define RUSTBOX_SCAN_H

#include <stdbool.h>
#include <sys/types.h>

#include "context.h"

enum rb_box_state { RB_BOX_BUSY, RB_BOX_IDLE, RB_BOX_DEAD };

struct rb_scan_box {
    long id;
    enum rb_box_state state;
    bool has_lock, has_dir;
    int mounts, cgroups, processes;
    int stray_processes; /* of a released box, or outside the box's cgroup */
};

struct rb_scan_proc {
    pid_t pid;
    uid_t uid;
    long box_id;
};

struct rb_scan {
    struct rb_scan_box *boxes;
    size_t n_boxes;
    char **mounts;
    size_t n_mounts;
    char **cgroups;
    size_t n_cgroups;
    struct rb_scan_proc *procs;
    size_t n_procs;
    char **dirs;
    size_t n_dirs;
};

/* Leftovers: what belongs to no live box (busy boxes count for nothing,
 * idle ones only for processes and cgroups, which they must not have). */
struct rb_leftovers {
    int mounts, cgroups, processes, temp_dirs;
    int stale_boxes; /* dead boxes with anything left */
    int orphans;     /* processes of released boxes or outside their cgroup */
};

int scan_host(const struct rb_ctx *ctx, struct rb_scan *s);
void scan_free(struct rb_scan *s);
void scan_leftovers(const struct rb_scan *s, struct rb_leftovers *l);
const char *box_state_name(enum rb_box_state st);
/* "<prefix>-<digits>" -> id, else -1. */
long scan_parse_box_name(const char *name, const char *prefix);

#endif

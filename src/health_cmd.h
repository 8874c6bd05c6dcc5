/* SPDX-License-Identifier: Apache-2.0 */
/* health_cmd: `rustbox health` in all its forms, and `rustbox audit`. */
#ifndef RUSTBOX_HEALTH_CMD_H
#define RUSTBOX_HEALTH_CMD_H

#include "context.h"

/* Free resources against the configured floors. */
struct rb_resources {
    uint64_t disk_free;   /* bytes, the lower of work_root and state_dir */
    uint64_t inodes_free;
    double fds_free_ratio;
    uint64_t mem_available;
    bool exhausted; /* some value under its floor */
    bool low;       /* some value under twice its floor */
    char detail[200];
};

void resources_measure(const struct rb_ctx *ctx, struct rb_resources *res);
int cmd_health(struct rb_ctx *ctx);
int cmd_audit(struct rb_ctx *ctx);

#endif

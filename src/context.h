/* SPDX-License-Identifier: Apache-2.0 */
/* context: the one explicit piece of state the library carries around — the
 * config, the log settings and the cgroup backend chosen at start-up. It
 * holds no argv: the command layer sets the one choice it carries
 * (wait_for_box). */
#ifndef RUSTBOX_CONTEXT_H
#define RUSTBOX_CONTEXT_H

#include "cgroup.h"
#include "config.h"
#include "log.h"

struct rb_ctx {
    struct rb_config cfg;
    struct rb_log log;
    const struct rb_cgroup_backend *cg; /* selected at start-up; NULL if none usable */
    struct rb_cg_caps cg_caps;          /* what the selected backend can enforce */
    const char *cg_root;                /* where the hierarchies are mounted */
    uint64_t started_us;                /* monotonic_us() when the command began */
    uint64_t config_us;                 /* reading the config and choosing the backend */
    bool wait_for_box;                  /* isolate's --wait: a busy box is waited for, not refused */
};

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* verdict: the decision of SPEC §2's verdict table, kept apart from the
 * supervisor that gathers its facts so that every rule and the precedence
 * between rules can be checked without root, a kernel or a real program. */
#ifndef RUSTBOX_VERDICT_H
#define RUSTBOX_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "result.h"

/* Why the supervisor itself killed the box, if it did. */
enum rb_kill_reason {
    RB_KILL_NONE,
    RB_KILL_CPU,         /* CPU time (with extra time) ran out */
    RB_KILL_WALL,        /* wall time ran out */
    RB_KILL_OUTPUT,      /* captured output reached --output-limit */
    RB_KILL_INTERRUPTED, /* rustbox was asked to stop (SIGTERM, ...) */
    RB_KILL_SECCOMP,     /* the seccomp filter stopped a denied call */
};

/* Everything the verdict depends on, as the supervisor saw it. */
struct rb_verdict_input {
    /* The sandbox's first setup failure (what, errno); what is NULL if none. */
    const char *setup_what;
    int setup_errno;
    /* The program's wait status, as reported by the box's pid 1. */
    bool have_status;
    int status;
    enum rb_kill_reason killed;
    int interrupted_by; /* the signal, with RB_KILL_INTERRUPTED */
    double cpu_time_s;  /* the box's cgroup CPU time */
    /* The program's own CPU time (its rusage), 0 if unknown: what RLIMIT_CPU
     * counts, and the only measure without a cgroup. */
    double program_cpu_s;
    /* A process of the box sent SIGXFSZ, or changed its file-size limit:
     * a SIGXFSZ is then no proof that the box's limit was reached. */
    bool fsize_noted;
    double wall_time_s;
    uint64_t oom_kills; /* cgroup OOM kills in this run */
    const struct rb_limits *limits;
    int supervise_error; /* 0, or -errno when supervising the run failed */
};

/* Fills res->verdict, reason, exited, exit_code and signal from in. The
 * reason points into res->reason_buf or at static text. */
void verdict_classify(const struct rb_verdict_input *in, struct rb_result *res);

/* Sets res->reason to a formatted text kept in res->reason_buf. */
void verdict_set_reason(struct rb_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

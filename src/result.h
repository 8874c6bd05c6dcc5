/* SPDX-License-Identifier: Apache-2.0 */
/* result: the outcome of one run, its verdict, and its two renderings
 * (the rustbox.result/1 JSON of SPEC §2 and isolate's meta file). */
#ifndef RUSTBOX_RESULT_H
#define RUSTBOX_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup_report.h"
#include "config.h"

enum rb_verdict { RB_OK, RB_RE, RB_SIG, RB_TLE, RB_MLE, RB_OLE, RB_SV, RB_IE, RB_VERDICT_COUNT };

/* Controls a run can apply (SPEC §2 "controls"). */
enum rb_control {
    RB_CTL_PID_NS,
    RB_CTL_MOUNT_NS,
    RB_CTL_NET_NS,
    RB_CTL_IPC_NS,
    RB_CTL_UTS_NS,
    RB_CTL_CGROUP,
    RB_CTL_SECCOMP,
    RB_CTL_CAPS_DROPPED,
    RB_CTL_NO_NEW_PRIVS,
    RB_CTL_RLIMITS,
    RB_CTL_COUNT,
};


/* Where a run's time went (microseconds, CLOCK_MONOTONIC), in the order the
 * phases happen; total is the command's own time up to the result, so the
 * phases never add up to more. Clock reads only: always on. */
enum rb_phase {
    RB_PHASE_CONFIG,        /* config read, cgroup backend chosen */
    RB_PHASE_HEALTH_CHECK,  /* the worker's quarantine check */
    RB_PHASE_LOCK,          /* the box's lock */
    RB_PHASE_ROOT_BUILD,    /* box dir and tmpfs root (one-shot), work dir handed over */
    RB_PHASE_CGROUP_CREATE, /* the run's fresh cgroup */
    RB_PHASE_CLONE_EXEC,    /* filter, environment, namespaces, the box's mounts, up to the program's exec */
    RB_PHASE_WAIT,          /* the program running, to the end of its output */
    RB_PHASE_CLEANUP,       /* teardown, its proof and the worker's books (steps in cleanup.step_us) */
    RB_PHASE_COUNT,
};

struct rb_timings {
    uint64_t phase_us[RB_PHASE_COUNT];
    uint64_t total_us;
};

const char *phase_name(enum rb_phase p);

struct rb_result {
    long box_id;
    enum rb_verdict verdict;
    const char *reason;   /* static text or points into reason_buf */
    char reason_buf[768]; /* room for an error naming a path */
    bool exited;          /* exit_code valid */
    int exit_code;
    int signal; /* 0: none */
    double cpu_time_s;
    double wall_time_s;
    uint64_t memory_peak_kib;
    bool oom_killed;
    bool killed_by_supervisor; /* rustbox ended the box (a limit, a stop signal) */
    /* The program's own rusage (with the children it reaped), when it ran. */
    bool have_rusage;
    uint64_t max_rss_kib;
    uint64_t csw_voluntary;
    uint64_t csw_forced;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    bool output_truncated;
    struct rb_limits limits;
    unsigned controls_applied; /* bit per rb_control */
    unsigned controls_missing;
    const char *cgroup_backend;
    bool strict;
    struct rb_cleanup_report cleanup;
    bool cleanup_ran;
    struct rb_timings timings;
};

const char *verdict_name(enum rb_verdict v);
const char *control_name(enum rb_control c);


/* len, less a UTF-8 sequence that was cut short at the end of data (when a
 * capture is cut at its limit), so that the cut does not show as U+FFFD. */
size_t utf8_whole_prefix(const char *data, size_t len);
/* Marks the run IE because cleanup failed, keeping the program's outcome in reason. */
void result_mark_cleanup_failed(struct rb_result *res);

/* The rustbox.result/1 JSON (caller frees). */
char *result_to_json(const struct rb_result *res);
/* {"schema": "rustbox.cleanup/1", "box_id", "cleanup": {...}} printed by `cleanup`. */
char *cleanup_report_to_json(long box_id, const struct rb_cleanup_report *rep);
/* How the reason of a box that failed before its program starts begins. */
#define RB_SETUP_FAILED "setup failed: "

/* isolate's status (TO, SG, RE, XX; NULL when OK) and message for a run. */
const char *result_isolate_status(const struct rb_result *res, char *msg, size_t len);
/* isolate's meta file text: time:, time-wall:, max-rss:, cg-mem:, ... */
char *result_to_meta(const struct rb_result *res, bool cgroup_mode);
/* Exit status of `run` for a verdict; isolate_mode uses isolate's 0/1/2. */
int result_exit_status(const struct rb_result *res, bool isolate_mode);
void result_free(struct rb_result *res);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#include "cleanup_report.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const error_kind_names[RB_ERR_KIND_COUNT] = {
    [RB_ERR_MOUNT_UNMOUNT_FAILED] = "mount_unmount_failed",
    [RB_ERR_CGROUP_REMOVAL_FAILED] = "cgroup_removal_failed",
    [RB_ERR_PROCESS_REAP_FAILED] = "process_reap_failed",
    [RB_ERR_TEMPDIR_REMOVAL_FAILED] = "tempdir_removal_failed",
    [RB_ERR_CLEANUP_TIMEOUT] = "cleanup_timeout",
    [RB_ERR_BASELINE_EQUIVALENCE_FAILED] = "baseline_equivalence_failed",
};

const char *cleanup_step_name(enum rb_cleanup_step s)
{
    switch (s) {
    case RB_CSTEP_KILL: return "kill";
    case RB_CSTEP_UNMOUNT: return "unmount";
    case RB_CSTEP_CGROUPS: return "cgroups";
    case RB_CSTEP_DIRS: return "dirs";
    case RB_CSTEP_VERIFY: return "verify";
    case RB_CSTEP_COUNT: break;
    }
    return "unknown";
}

const char *cleanup_outcome_name(enum rb_cleanup_outcome o)
{
    switch (o) {
    case RB_CLEANUP_SUCCESS: return "success";
    case RB_CLEANUP_PARTIAL: return "partial";
    case RB_CLEANUP_FAILURE: return "failure";
    }
    return "failure";
}

const char *cleanup_error_kind_name(enum rb_cleanup_error_kind k)
{
    return (unsigned)k < RB_ERR_KIND_COUNT ? error_kind_names[k] : "unknown";
}

void cleanup_report_add(struct rb_cleanup_report *rep, enum rb_cleanup_error_kind kind, const char *fmt, ...)
{
    if (!rep || rep->n_errors >= RB_MAX_CLEANUP_ERRORS)
        return;
    struct rb_cleanup_error *e = &rep->errors[rep->n_errors++];
    e->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
    va_end(ap);
}

const struct rb_cleanup_error *cleanup_report_main_error(const struct rb_cleanup_report *rep)
{
    static const enum rb_cleanup_error_kind order[] = {
        RB_ERR_MOUNT_UNMOUNT_FAILED, RB_ERR_CGROUP_REMOVAL_FAILED,       RB_ERR_TEMPDIR_REMOVAL_FAILED,
        RB_ERR_PROCESS_REAP_FAILED,  RB_ERR_BASELINE_EQUIVALENCE_FAILED, RB_ERR_CLEANUP_TIMEOUT,
    };
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
        for (size_t i = 0; i < rep->n_errors; i++)
            if (rep->errors[i].kind == order[k])
                return &rep->errors[i];
    return NULL;
}

enum rb_cleanup_outcome cleanup_report_classify(const struct rb_cleanup_report *rep)
{
    /* Only the verification decides: a step's error that a later retry or
     * fallback mended still leaves the box clean, but not untouched. */
    for (size_t i = 0; i < rep->n_errors; i++)
        if (rep->errors[i].kind == RB_ERR_BASELINE_EQUIVALENCE_FAILED)
            return RB_CLEANUP_FAILURE;
    return rep->used_fallback || rep->n_errors ? RB_CLEANUP_PARTIAL : RB_CLEANUP_SUCCESS;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cleanup_report: the record of one box's teardown — every failure, whether a
 * fallback was needed, processes found outside the box — and SPEC §5's
 * reading of it (success, partial, failure). Pure: the teardown fills it,
 * the result, the health state and the metrics read it. */
#ifndef RUSTBOX_CLEANUP_REPORT_H
#define RUSTBOX_CLEANUP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rb_cleanup_outcome { RB_CLEANUP_SUCCESS, RB_CLEANUP_PARTIAL, RB_CLEANUP_FAILURE };

enum rb_cleanup_error_kind {
    RB_ERR_MOUNT_UNMOUNT_FAILED,
    RB_ERR_CGROUP_REMOVAL_FAILED,
    RB_ERR_PROCESS_REAP_FAILED,
    RB_ERR_TEMPDIR_REMOVAL_FAILED,
    RB_ERR_CLEANUP_TIMEOUT,
    RB_ERR_BASELINE_EQUIVALENCE_FAILED,
    RB_ERR_KIND_COUNT,
};

#define RB_MAX_CLEANUP_ERRORS 16

struct rb_cleanup_error {
    enum rb_cleanup_error_kind kind;
    char detail[576]; /* path or resource (a box path is at most 511 bytes), and errno text */
};

/* The steps of a teardown, timed (both passes of each step together). */
enum rb_cleanup_step {
    RB_CSTEP_KILL,
    RB_CSTEP_UNMOUNT,
    RB_CSTEP_CGROUPS,
    RB_CSTEP_DIRS,
    RB_CSTEP_VERIFY,
    RB_CSTEP_COUNT,
};

struct rb_cleanup_report {
    enum rb_cleanup_outcome outcome;
    double duration_s;
    uint64_t step_us[RB_CSTEP_COUNT];
    bool used_fallback;
    /* Processes of the box's uid found outside its cgroup: a containment
     * violation, whatever the cleanup then managed. */
    int stray_processes;
    size_t n_errors;
    struct rb_cleanup_error errors[RB_MAX_CLEANUP_ERRORS];
};

const char *cleanup_outcome_name(enum rb_cleanup_outcome o);
const char *cleanup_step_name(enum rb_cleanup_step s);
const char *cleanup_error_kind_name(enum rb_cleanup_error_kind k);

/* Appends an error to the report (dropped, not overflowed, past the cap). */
void cleanup_report_add(struct rb_cleanup_report *rep, enum rb_cleanup_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* SPEC §5's table: failure when verification found something left,
 * partial when clean only thanks to a fallback or after an error, success
 * otherwise. */
enum rb_cleanup_outcome cleanup_report_classify(const struct rb_cleanup_report *rep);

/* The error that best says what is left: a resource with its path before a
 * symptom (a reap or verification failure, a timeout). NULL if none. */
const struct rb_cleanup_error *cleanup_report_main_error(const struct rb_cleanup_report *rep);

#endif

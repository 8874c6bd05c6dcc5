/* SPDX-License-Identifier: Apache-2.0 */
#include "worker.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "handback.h"
#include "log.h"
#include "metrics.h"
#include "run.h"
#include "util.h"

/* "Low" starts at this multiple of a floor: unhealthy before exhausted. */
#define RB_RESOURCES_LOW_FACTOR 2

/* ---- one box's teardown -------------------------------------------------- */

static void log_cleanup(const struct rb_ctx *ctx, const struct rb_box *box, const char *actor,
                        const struct rb_cleanup_report *rep)
{
    const struct rb_cleanup_error *e = cleanup_report_main_error(rep);
    enum rb_log_level lvl = rep->outcome == RB_CLEANUP_FAILURE   ? RB_LOG_ERROR
                            : rep->outcome == RB_CLEANUP_PARTIAL ? RB_LOG_WARNING
                                                                 : RB_LOG_INFO;
    log_event(&ctx->log, lvl, rep->outcome == RB_CLEANUP_FAILURE ? "cleanup_failed" : "cleanup_finished",
              "box_id=%ld actor=%s outcome=%s duration_s=%.3f errors=%zu%s%s%s%s%s", box->id, actor,
              cleanup_outcome_name(rep->outcome), rep->duration_s, rep->n_errors, e ? " kind=" : "",
              e ? cleanup_error_kind_name(e->kind) : "", e ? " detail=\"" : "", e ? e->detail : "", e ? "\"" : "");
}

int worker_quarantine(const struct rb_ctx *ctx, const char *reason, bool manual, const char *actor,
                      struct rb_health_state *out)
{
    int r = health_quarantine(ctx, reason, manual, actor, out);
    if (r == RB_HEALTH_ENTERED_QUARANTINE)
        metrics_record_quarantine(ctx);
    return r < 0 ? r : 0;
}

/* A process of the box found outside its cgroup escaped containment: the
 * worker is quarantined at once, whoever noticed. */
static void flag_escape(const struct rb_ctx *ctx, const char *event, const char *what, int processes, const char *actor)
{
    log_event(&ctx->log, RB_LOG_ERROR, event, "%s processes=%d actor=%s", what, processes, actor);
    metrics_record_violation(ctx);
    int r = worker_quarantine(ctx, RB_REASON_ORPHAN, false, actor, NULL);
    if (r < 0)
        log_error("cannot quarantine the worker: health state under %s: %s", ctx->cfg.state_dir, strerror(-r));
}

static void record_outcome(const struct rb_ctx *ctx, const struct rb_box *box, const char *actor,
                           const struct rb_cleanup_report *rep)
{
    log_cleanup(ctx, box, actor, rep);
    metrics_record_cleanup(ctx, rep);
    if (rep->stray_processes) {
        char what[48];
        (void)snprintf(what, sizeof(what), "box_id=%ld", box->id); /* a long always fits */
        flag_escape(ctx, "containment_violation", what, rep->stray_processes, actor);
    }
    int r = health_record_cleanup(ctx, rep);
    if (r == RB_HEALTH_ENTERED_QUARANTINE)
        metrics_record_quarantine(ctx);
    else if (r < 0)
        log_error("cannot record the cleanup in the health state under %s: %s", ctx->cfg.state_dir, strerror(-r));
}

static void settle_lock(struct rb_box *box, enum rb_lock_after lock, const struct rb_cleanup_report *rep)
{
    switch (lock) {
    case RB_LOCK_KEEP: return;
    case RB_LOCK_IDLE:
        /* Best effort by design: the judge may find its outputs unreadable
         * if the hand-back fails, but the box itself is clean and idle.
         * Should a box process have survived the teardown, the walk still
         * follows no symlink and opens nothing but directories. */
        (void)handback_tree(
            box->workdir,
            &(struct rb_handback){
                .uid = getuid(), .gid = getgid(), .box_uid = box->uid, .keep_special = box->keep_special_files },
            NULL);
        (void)box_write_lock_info(box, 0, NULL);
        (void)box_unlock(box, false);
        return;
    case RB_LOCK_RESTING:
        (void)box_unlock(box, false); /* releasing a flock cannot fail in a way we could act on */
        return;
    case RB_LOCK_RELEASE:
        (void)box_unlock(box, rep->outcome != RB_CLEANUP_FAILURE); /* the lock file is only a marker */
        return;
    }
}

void worker_teardown(struct rb_ctx *ctx, struct rb_box *box, enum rb_cleanup_scope scope, enum rb_lock_after lock,
                     const char *actor, struct rb_cleanup_report *rep)
{
    cleanup_box(ctx, box, scope, rep);
    record_outcome(ctx, box, actor, rep);
    settle_lock(box, lock, rep);
}

int worker_refuse_if_quarantined(const struct rb_ctx *ctx, struct rb_error *err)
{
    struct rb_health_state st;
    health_load(ctx, &st);
    if (st.status != RB_QUARANTINED)
        return 0;
    if (st.unreadable[0])
        return rb_error_say(err, -EHOSTDOWN,
                            "worker treated as quarantined: health state unreadable: %s; refusing work (retry on "
                            "another host; see rustbox health)",
                            st.unreadable);
    return rb_error_say(err, -EHOSTDOWN,
                        "worker is quarantined (%s since %s): refusing work (retry on another host; see rustbox "
                        "health)",
                        st.quarantine_reason, st.quarantine_timestamp[0] ? st.quarantine_timestamp : "unknown");
}

/* ---- the host ------------------------------------------------------------- */

static void check_floor(struct rb_resources *res, const char *what, double have, double floor)
{
    if (have < floor) {
        res->exhausted = true;
        (void)snprintf(res->detail, sizeof(res->detail), "%s %.0f under the floor %.0f", what, have, floor);
    } else if (have < floor * RB_RESOURCES_LOW_FACTOR) {
        res->low = true;
        if (!res->detail[0])
            (void)snprintf(res->detail, sizeof(res->detail), "%s %.0f near the floor %.0f", what, have, floor);
    }
}

void worker_measure_resources(const struct rb_ctx *ctx, struct rb_resources *res)
{
    const struct rb_floors *f = &ctx->cfg.floors;
    memset(res, 0, sizeof(*res));
    res->disk_free = res->inodes_free = UINT64_MAX;
    const char *dirs[] = { ctx->cfg.work_root, ctx->cfg.state_dir };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        struct statvfs sv;
        if (statvfs(dirs[i], &sv) < 0)
            continue; /* a dir not made yet has no floor to miss */
        uint64_t bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
        res->disk_free = bytes < res->disk_free ? bytes : res->disk_free;
        res->inodes_free = sv.f_favail < res->inodes_free ? sv.f_favail : res->inodes_free;
    }
    uint64_t allocated = 0, unused = 0, max = 0;
    _cleanup_free_ char *nr = NULL, *meminfo = NULL;
    if (read_file("/proc/sys/fs/file-nr", &nr, NULL) == 0 &&
        sscanf(nr, "%" SCNu64 " %" SCNu64 " %" SCNu64, &allocated, &unused, &max) == 3 && max)
        res->fds_free_ratio = 1.0 - (double)(allocated - unused) / (double)max;
    else
        res->fds_free_ratio = 1.0;
    res->mem_available = UINT64_MAX;
    if (read_file("/proc/meminfo", &meminfo, NULL) == 0) {
        const char *m = strstr(meminfo, "MemAvailable:");
        if (m)
            res->mem_available = strtoull(m + strlen("MemAvailable:"), NULL, 10) * 1024;
    }
    check_floor(res, "disk bytes free", (double)res->disk_free, (double)f->disk_free);
    check_floor(res, "inodes free", (double)res->inodes_free, (double)f->inodes_free);
    check_floor(res, "fd free ratio", res->fds_free_ratio, f->fds_free_ratio);
    check_floor(res, "memory available bytes", (double)res->mem_available, (double)f->mem_available);
}

bool worker_leftovers_clean(const struct rb_leftovers *l)
{
    return !l->mounts && !l->cgroups && !l->processes && !l->temp_dirs;
}

int worker_scan(const struct rb_ctx *ctx, struct rb_scan *s, struct rb_leftovers *l, struct rb_error *err)
{
    struct rb_scan local;
    struct rb_scan *scan = s ? s : &local;
    int r = scan_host(ctx, scan);
    if (r < 0) {
        (void)rb_error_set(err, r, "cannot read the host's state"); /* returns r */
        return r;
    }
    scan_leftovers(scan, l);
    if (!s)
        scan_free(&local);
    return 0;
}

static void flag_orphans(const struct rb_ctx *ctx, const struct rb_leftovers *l, const char *actor)
{
    if (l->orphans)
        flag_escape(ctx, "orphan_detected", "kind=orphan", l->orphans, actor);
}

static void apply_check(struct rb_health_state *st, struct rb_transition *tr, void *data)
{
    health_on_check(st, *(const unsigned *)data, tr);
}

struct lift {
    const char *reason;
    bool operator;
};

static void apply_lift(struct rb_health_state *st, struct rb_transition *tr, void *data)
{
    const struct lift *a = data;
    (void)health_on_lift(st, a->operator, a->reason, tr); /* a refused lift leaves st as it was */
}

static unsigned controls_flag(const struct rb_ctx *ctx)
{
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    return missing ? RB_UNHEALTHY_CONTROLS_MISSING : 0;
}

static int health_error(const struct rb_ctx *ctx, int r, struct rb_error *err)
{
    return rb_error_set(err, r, "cannot update the health state under %s/health", ctx->cfg.state_dir);
}

int worker_check(struct rb_ctx *ctx, struct rb_leftovers *l, struct rb_health_state *st, struct rb_error *err)
{
    int r = worker_scan(ctx, NULL, l, err);
    if (r < 0)
        return r;
    flag_orphans(ctx, l, "check");
    struct rb_resources res;
    worker_measure_resources(ctx, &res);
    if (res.exhausted) {
        log_event(&ctx->log, RB_LOG_ERROR, "resource_exhaustion", "detail=\"%s\"", res.detail);
        r = worker_quarantine(ctx, RB_REASON_RESOURCES, false, "check", NULL);
        if (r < 0)
            return health_error(ctx, r, err);
    }
    unsigned flags = (l->stale_boxes ? RB_UNHEALTHY_STALE_BOX : 0) | (res.low ? RB_UNHEALTHY_RESOURCES_LOW : 0) |
                     controls_flag(ctx);
    r = health_update(ctx, "check", false, apply_check, &flags, st);
    if (r < 0)
        return health_error(ctx, r, err);
    metrics_refresh_textfile(ctx);
    return 0;
}

/* Once a scan has proven the host clean, what a check flagged earlier (a
 * stale box) is known to be over; what still holds is measured again. */
static int refresh_unhealthy(struct rb_ctx *ctx, const struct rb_resources *res, const char *actor,
                             struct rb_health_state *st)
{
    unsigned flags = (res->low ? RB_UNHEALTHY_RESOURCES_LOW : 0) | controls_flag(ctx);
    return health_update(ctx, actor, false, apply_check, &flags, st);
}

/* Every box that is not busy (and, without `all`, not a resting persistent
 * box) is torn down; idle boxes that hold stray processes or cgroups get a
 * run-scope cleanup. Returns how many cleanups failed. */
static int recover_boxes(struct rb_ctx *ctx, const struct rb_scan *s, bool all)
{
    int failed = 0;
    for (size_t i = 0; i < s->n_boxes; i++) {
        const struct rb_scan_box *b = &s->boxes[i];
        if (b->state == RB_BOX_BUSY)
            continue;
        bool whole = b->state == RB_BOX_DEAD || all;
        if (!whole && !b->processes && !b->cgroups)
            continue;
        struct rb_box box;
        if (box_lock(ctx, b->id, true, &box, NULL) < 0)
            continue; /* it came to life meanwhile: not ours to touch */
        struct rb_cleanup_report rep;
        /* A resting box keeps its lock file: only its stray run is undone. */
        worker_teardown(ctx, &box, whole ? RB_SCOPE_BOX : RB_SCOPE_RUN, whole ? RB_LOCK_RELEASE : RB_LOCK_RESTING,
                        "recover", &rep);
        log_event(&ctx->log, rep.outcome == RB_CLEANUP_FAILURE ? RB_LOG_ERROR : RB_LOG_WARNING, "box_recovered",
                  "box_id=%ld state=%s outcome=%s", b->id, box_state_name(b->state), cleanup_outcome_name(rep.outcome));
        failed += rep.outcome == RB_CLEANUP_FAILURE;
    }
    return failed;
}

int worker_recover(struct rb_ctx *ctx, bool all, struct rb_recovery *rec, struct rb_health_state *st,
                   struct rb_error *err)
{
    memset(rec, 0, sizeof(*rec));
    struct rb_scan s;
    int r = worker_scan(ctx, &s, &rec->leftovers, err);
    if (r < 0)
        return r;
    flag_orphans(ctx, &rec->leftovers, "recover");
    rec->failed_cleanups = recover_boxes(ctx, &s, all);
    scan_free(&s);
    r = worker_scan(ctx, NULL, &rec->leftovers, err);
    if (r < 0)
        return r;
    rec->clean = worker_leftovers_clean(&rec->leftovers) && rec->failed_cleanups == 0;
    struct rb_resources res;
    worker_measure_resources(ctx, &res);
    if (!rec->clean) {
        r = worker_quarantine(ctx, RB_REASON_BASELINE, false, "recover", st);
    } else {
        /* Automatic quarantines lift once the host is proven clean; a
         * resource quarantine only once the resources are back too. */
        health_load(ctx, st);
        bool resources_hold = !strcmp(st->quarantine_reason, RB_REASON_RESOURCES) && res.exhausted;
        struct lift a = { .reason = "recovered", .operator= false };
        /* Flags first, so that a lift lands in the state that holds now. */
        r = refresh_unhealthy(ctx, &res, "recover", st);
        if (r >= 0 && !resources_hold)
            r = health_update(ctx, "recover", true, apply_lift, &a, st);
    }
    return r < 0 ? health_error(ctx, r, err) : 0;
}

int worker_unquarantine(struct rb_ctx *ctx, const char *reason, struct rb_health_state *st, struct rb_error *err)
{
    struct rb_leftovers l;
    int r = worker_scan(ctx, NULL, &l, err);
    if (r < 0)
        return r;
    if (!worker_leftovers_clean(&l))
        return rb_error_say(err, -EAGAIN,
                            "refusing to unquarantine: the host is not clean (%d mounts, %d cgroups, %d processes, "
                            "%d temp dirs left; run rustbox health --recover)",
                            l.mounts, l.cgroups, l.processes, l.temp_dirs);
    struct lift a = { .reason = reason ? reason : "operator", .operator= true };
    struct rb_resources res;
    worker_measure_resources(ctx, &res);
    r = refresh_unhealthy(ctx, &res, "operator", st);
    if (r >= 0)
        r = health_update(ctx, "operator", true, apply_lift, &a, st);
    return r < 0 ? health_error(ctx, r, err) : 0;
}

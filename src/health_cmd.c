/* SPDX-License-Identifier: Apache-2.0 */
#include "health_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "box.h"
#include "cleanup.h"
#include "health.h"
#include "run.h"
#include "metrics.h"
#include "scan.h"
#include "util.h"

/* "Low" starts at this multiple of a floor: unhealthy before exhausted. */
#define RB_RESOURCES_LOW_FACTOR 2

static void check_floor(struct rb_resources *res, const char *what, double have, double floor)
{
    if (have < floor) {
        res->exhausted = true;
        snprintf(res->detail, sizeof(res->detail), "%s %.0f under the floor %.0f", what, have, floor);
    } else if (have < floor * RB_RESOURCES_LOW_FACTOR) {
        res->low = true;
        if (!res->detail[0])
            snprintf(res->detail, sizeof(res->detail), "%s %.0f near the floor %.0f", what, have, floor);
    }
}

void resources_measure(const struct rb_ctx *ctx, struct rb_resources *res)
{
    const struct rb_floors *f = &ctx->cfg.floors;
    memset(res, 0, sizeof(*res));
    res->disk_free = res->inodes_free = UINT64_MAX;
    const char *dirs[] = { ctx->cfg.work_root, ctx->cfg.state_dir };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        struct statvfs sv;
        if (statvfs(dirs[i], &sv) < 0)
            continue;
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
    if (read_file("/proc/meminfo", &meminfo, NULL) == 0) {
        const char *m = strstr(meminfo, "MemAvailable:");
        res->mem_available = m ? strtoull(m + strlen("MemAvailable:"), NULL, 10) * 1024 : UINT64_MAX;
    }
    check_floor(res, "disk bytes free", (double)res->disk_free, (double)f->disk_free);
    check_floor(res, "inodes free", (double)res->inodes_free, (double)f->inodes_free);
    check_floor(res, "fd free ratio", res->fds_free_ratio, f->fds_free_ratio);
    check_floor(res, "memory available bytes", (double)res->mem_available, (double)f->mem_available);
}

static void print_health(const struct rb_ctx *ctx, const struct rb_health_state *st)
{
    _cleanup_free_ char *json = health_to_json(st, ctx);
    printf("%s\n", json ? json : "{}");
}

static int health_exit(const struct rb_health_state *st)
{
    return st->status == RB_HEALTHY ? RB_EXIT_OK : RB_EXIT_FAIL;
}

struct reason_arg {
    const char *reason;
    bool operator;
    bool lifted;
};

static void apply_lift(struct rb_health_state *st, struct rb_transition *tr, void *data)
{
    struct reason_arg *a = data;
    a->lifted = health_on_lift(st, a->operator, a->reason, tr);
}

static void apply_check(struct rb_health_state *st, struct rb_transition *tr, void *data)
{
    health_on_check(st, *(const unsigned *)data, tr);
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
        int r = box_lock(ctx, b->id, true, &box);
        if (r < 0)
            continue; /* it came to life meanwhile: not ours to touch */
        struct rb_cleanup_report rep;
        cleanup_box(ctx, &box, whole ? RB_SCOPE_BOX : RB_SCOPE_RUN, &rep);
        log_event(&ctx->log, rep.outcome == RB_CLEANUP_FAILURE ? RB_LOG_ERROR : RB_LOG_WARNING, "box_recovered",
                  "box_id=%ld state=%s outcome=%s", b->id, box_state_name(b->state),
                  cleanup_outcome_name(rep.outcome));
        failed += rep.outcome == RB_CLEANUP_FAILURE;
        metrics_record_cleanup(ctx, &rep);
        (void)health_record_cleanup(ctx, &rep);
        box_unlock(&box, whole && rep.outcome != RB_CLEANUP_FAILURE);
    }
    return failed;
}

static json_object *leftovers_json(const struct rb_leftovers *l)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "clean", json_object_new_boolean(!l->mounts && !l->cgroups && !l->processes &&
                                                               !l->temp_dirs));
    json_object_object_add(o, "mounts", json_object_new_int(l->mounts));
    json_object_object_add(o, "cgroups", json_object_new_int(l->cgroups));
    json_object_object_add(o, "processes", json_object_new_int(l->processes));
    json_object_object_add(o, "temp_dirs", json_object_new_int(l->temp_dirs));
    return o;
}

static bool leftovers_clean(const struct rb_leftovers *l)
{
    return !l->mounts && !l->cgroups && !l->processes && !l->temp_dirs;
}

static int scan_or_fail(const struct rb_ctx *ctx, struct rb_scan *s, struct rb_leftovers *l)
{
    int r = scan_host(ctx, s);
    if (r < 0) {
        log_error("cannot read the host's state: %s", strerror(-r));
        return r;
    }
    scan_leftovers(s, l);
    return 0;
}

static void print_json(json_object *o)
{
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static int do_verify_clean(struct rb_ctx *ctx)
{
    struct rb_scan s;
    struct rb_leftovers l;
    if (scan_or_fail(ctx, &s, &l) < 0)
        return RB_EXIT_INTERNAL;
    scan_free(&s);
    print_json(leftovers_json(&l));
    return leftovers_clean(&l) ? RB_EXIT_OK : RB_EXIT_FAIL;
}

/* Orphans are a containment failure: quarantine at once, whoever noticed. */
static void flag_orphans(const struct rb_ctx *ctx, const struct rb_leftovers *l, const char *actor)
{
    if (!l->orphans)
        return;
    log_event(&ctx->log, RB_LOG_ERROR, "orphan_detected", "processes=%d actor=%s", l->orphans, actor);
    metrics_record_violation(ctx);
    (void)health_quarantine(ctx, RB_REASON_ORPHAN, false, actor, NULL);
}

static int do_check(struct rb_ctx *ctx)
{
    struct rb_scan s;
    struct rb_leftovers l;
    if (scan_or_fail(ctx, &s, &l) < 0)
        return RB_EXIT_INTERNAL;
    scan_free(&s);
    flag_orphans(ctx, &l, "check");
    struct rb_resources res;
    resources_measure(ctx, &res);
    if (res.exhausted) {
        log_event(&ctx->log, RB_LOG_ERROR, "resource_exhaustion", "detail=\"%s\"", res.detail);
        (void)health_quarantine(ctx, RB_REASON_RESOURCES, false, "check", NULL);
    }
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    unsigned flags = (l.stale_boxes ? RB_UNHEALTHY_STALE_BOX : 0) | (res.low ? RB_UNHEALTHY_RESOURCES_LOW : 0) |
                     (missing ? RB_UNHEALTHY_CONTROLS_MISSING : 0);
    struct rb_health_state st;
    int r = health_update(ctx, "check", false, apply_check, &flags, &st);
    if (r < 0) {
        log_error("cannot update the health state under %s: %s", ctx->cfg.state_dir, strerror(-r));
        return RB_EXIT_INTERNAL;
    }
    metrics_refresh_textfile(ctx);
    print_health(ctx, &st);
    return health_exit(&st);
}

/* Once a scan has proven the host clean, what a check flagged earlier (a
 * stale box) is known to be over; what still holds is measured again. */
static int refresh_unhealthy(struct rb_ctx *ctx, const struct rb_resources *res, const char *actor,
                             struct rb_health_state *st)
{
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    unsigned flags = (res->low ? RB_UNHEALTHY_RESOURCES_LOW : 0) | (missing ? RB_UNHEALTHY_CONTROLS_MISSING : 0);
    return health_update(ctx, actor, false, apply_check, &flags, st);
}

static int do_recover(struct rb_ctx *ctx, bool all)
{
    struct rb_scan s;
    struct rb_leftovers l;
    if (scan_or_fail(ctx, &s, &l) < 0)
        return RB_EXIT_INTERNAL;
    flag_orphans(ctx, &l, "recover");
    int failed = recover_boxes(ctx, &s, all);
    scan_free(&s);
    if (scan_or_fail(ctx, &s, &l) < 0)
        return RB_EXIT_INTERNAL;
    scan_free(&s);
    bool clean = leftovers_clean(&l) && failed == 0;
    struct rb_resources res;
    resources_measure(ctx, &res);
    struct rb_health_state st;
    int r;
    if (!clean) {
        r = health_quarantine(ctx, RB_REASON_BASELINE, false, "recover", &st);
    } else {
        /* Automatic quarantines lift once the host is proven clean; a
         * resource quarantine only once the resources are back too. */
        health_load(ctx, &st);
        bool resources_hold = !strcmp(st.quarantine_reason, RB_REASON_RESOURCES) && res.exhausted;
        struct reason_arg a = { .reason = "recovered", .operator = false };
        /* Flags first, so that a lift lands in the state that holds now. */
        r = refresh_unhealthy(ctx, &res, "recover", &st);
        if (r == 0 && !resources_hold)
            r = health_update(ctx, "recover", true, apply_lift, &a, &st);
    }
    if (r < 0) {
        log_error("cannot update the health state under %s: %s", ctx->cfg.state_dir, strerror(-r));
        return RB_EXIT_INTERNAL;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "clean", json_object_new_boolean(clean));
    json_object_object_add(o, "failed_cleanups", json_object_new_int(failed));
    json_object_object_add(o, "leftovers", leftovers_json(&l));
    json_object_object_add(o, "status", json_object_new_string(health_status_name(st.status)));
    json_object_object_add(o, "quarantine_reason",
                           st.quarantine_reason[0] ? json_object_new_string(st.quarantine_reason) : NULL);
    print_json(o);
    return clean && st.status != RB_QUARANTINED ? RB_EXIT_OK : RB_EXIT_FAIL;
}

static int do_unquarantine(struct rb_ctx *ctx)
{
    struct rb_scan s;
    struct rb_leftovers l;
    if (scan_or_fail(ctx, &s, &l) < 0)
        return RB_EXIT_INTERNAL;
    scan_free(&s);
    if (!leftovers_clean(&l)) {
        log_error("refusing to unquarantine: the host is not clean (%d mounts, %d cgroups, %d processes, "
                  "%d temp dirs left; run rustbox health --recover)",
                  l.mounts, l.cgroups, l.processes, l.temp_dirs);
        return RB_EXIT_FAIL;
    }
    struct reason_arg a = { .reason = ctx->cli.reason ? ctx->cli.reason : "operator", .operator = true };
    struct rb_health_state st;
    struct rb_resources res;
    resources_measure(ctx, &res);
    int r = refresh_unhealthy(ctx, &res, "operator", &st);
    if (r == 0)
        r = health_update(ctx, "operator", true, apply_lift, &a, &st);
    if (r < 0) {
        log_error("cannot update the health state under %s: %s", ctx->cfg.state_dir, strerror(-r));
        return RB_EXIT_INTERNAL;
    }
    print_health(ctx, &st);
    return RB_EXIT_OK;
}

int cmd_health(struct rb_ctx *ctx)
{
    struct rb_health_state st;
    switch (ctx->cli.health_action) {
    case RB_HEALTH_CHECK: return do_check(ctx);
    case RB_HEALTH_RECOVER: return do_recover(ctx, ctx->cli.health_cleanup);
    case RB_HEALTH_VERIFY_CLEAN: return do_verify_clean(ctx);
    case RB_HEALTH_UNQUARANTINE: return do_unquarantine(ctx);
    case RB_HEALTH_QUARANTINE: {
        int r = health_quarantine(ctx, ctx->cli.reason, true, "operator", &st);
        if (r < 0) {
            log_error("cannot update the health state under %s: %s", ctx->cfg.state_dir, strerror(-r));
            return RB_EXIT_INTERNAL;
        }
        print_health(ctx, &st);
        return RB_EXIT_OK;
    }
    case RB_HEALTH_SHOW:
    default:
        health_load(ctx, &st);
        if (st.unreadable[0])
            log_error("health state unreadable: %s", st.unreadable);
        print_health(ctx, &st);
        return health_exit(&st);
    }
}

/* Quarantine history summary: count, reasons, time to recovery. */
static json_object *history_summary(const struct rb_ctx *ctx)
{
    json_object *sum = json_object_new_object();
    _cleanup_free_ char *text = NULL;
    json_object *arr = health_read_history(ctx, &text) == 0 ? json_tokener_parse(text) : NULL;
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    json_object *reasons = json_object_new_object();
    int quarantines = 0, recoveries = 0;
    double total = 0, longest = 0;
    struct tm since_tm = { 0 };
    bool open_q = false;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i), *v;
        const char *to = json_object_object_get_ex(e, "to", &v) ? json_object_get_string(v) : "";
        const char *from = json_object_object_get_ex(e, "from", &v) ? json_object_get_string(v) : "";
        const char *reason = json_object_object_get_ex(e, "reason", &v) ? json_object_get_string(v) : "";
        const char *when = json_object_object_get_ex(e, "time", &v) ? json_object_get_string(v) : "";
        struct tm tm = { 0 };
        bool timed = when && strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (to && !strcmp(to, "quarantined")) {
            quarantines++;
            json_object *c;
            int prev = json_object_object_get_ex(reasons, reason, &c) ? json_object_get_int(c) : 0;
            json_object_object_add(reasons, reason, json_object_new_int(prev + 1));
            since_tm = tm;
            open_q = timed;
        } else if (from && !strcmp(from, "quarantined") && open_q && timed) {
            double d = difftime(timegm(&tm), timegm(&since_tm));
            total += d;
            longest = d > longest ? d : longest;
            recoveries++;
            open_q = false;
        }
    }
    json_object_put(arr);
    json_object_object_add(sum, "transitions", json_object_new_int((int)n));
    json_object_object_add(sum, "quarantines", json_object_new_int(quarantines));
    json_object_object_add(sum, "reasons", reasons);
    json_object_object_add(sum, "recoveries", json_object_new_int(recoveries));
    json_object_object_add(sum, "mean_time_to_recovery_s",
                           recoveries ? json_object_new_double(total / recoveries) : NULL);
    json_object_object_add(sum, "max_time_to_recovery_s", recoveries ? json_object_new_double(longest) : NULL);
    return sum;
}

int cmd_audit(struct rb_ctx *ctx)
{
    struct rb_scan s;
    struct rb_leftovers l;
    if (scan_or_fail(ctx, &s, &l) < 0)
        return RB_EXIT_INTERNAL;
    json_object *o = json_object_new_object(), *boxes = json_object_new_array();
    for (size_t i = 0; i < s.n_boxes; i++) {
        const struct rb_scan_box *b = &s.boxes[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "box_id", json_object_new_int64(b->id));
        json_object_object_add(e, "state", json_object_new_string(box_state_name(b->state)));
        json_object_object_add(e, "mounts", json_object_new_int(b->mounts));
        json_object_object_add(e, "cgroups", json_object_new_int(b->cgroups));
        json_object_object_add(e, "processes", json_object_new_int(b->processes));
        json_object_object_add(e, "dir", json_object_new_boolean(b->has_dir));
        json_object_array_add(boxes, e);
    }
    scan_free(&s);
    struct rb_health_state st;
    health_load(ctx, &st);
    json_object_object_add(o, "schema", json_object_new_string("rustbox.audit/1"));
    json_object_object_add(o, "boxes", boxes);
    json_object_object_add(o, "leftovers", leftovers_json(&l));
    json_object_object_add(o, "stale_boxes", json_object_new_int(l.stale_boxes));
    json_object_object_add(o, "orphan_processes", json_object_new_int(l.orphans));
    json_object_object_add(o, "status", json_object_new_string(health_status_name(st.status)));
    json_object_object_add(o, "failed_cleanup_count", json_object_new_int64(st.failed_cleanup_count));
    json_object_object_add(o, "quarantine_history", history_summary(ctx));
    print_json(o);
    return leftovers_clean(&l) ? RB_EXIT_OK : RB_EXIT_FAIL;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "lifecycle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handback.h"
#include "log.h"
#include "metrics.h"
#include "run.h"
#include "util.h"
#include "verdict.h"
#include "worker.h"

/* What the caller got wrong, as against what went wrong on the host. */
static enum rb_status status_of(int r)
{
    switch (r) {
    case 0: return RB_STATUS_DONE;
    case -ERANGE:
    case -EEXIST:
    case -EBUSY: return RB_STATUS_REFUSED;
    case -EHOSTDOWN: return RB_STATUS_QUARANTINED;
    default: return RB_STATUS_FAILED;
    }
}

/* A box's lock refused: busy or never initialised are the caller's to fix. */
static enum rb_status lock_status(int r)
{
    return r == -ENOENT ? RB_STATUS_REFUSED : status_of(r);
}

static int check_box_id(const struct rb_ctx *ctx, long id, struct rb_error *err)
{
    if (id >= 0 && (uint64_t)id < ctx->cfg.num_boxes)
        return 0;
    return rb_error_say(err, -ERANGE, "box id %ld is out of range: num_boxes is %u (raise it in the config)", id,
                        ctx->cfg.num_boxes);
}

/* A box's dir exists (or something is in its place). */
static bool box_dir_present(const struct rb_box *box)
{
    struct stat st;
    return lstat(box->dir, &st) == 0;
}

/* A box dir in either layout's place (they differ when box_root is set). */
static bool any_box_dir_present(const struct rb_ctx *ctx, const struct rb_box *box)
{
    struct rb_box other = *box;
    return box_dir_present(box) ||
           (box_set_layout(ctx, &other, box->layout == RB_LAYOUT_ISOLATE ? RB_LAYOUT_NATIVE : RB_LAYOUT_ISOLATE) == 0 &&
            box_dir_present(&other));
}

enum rb_status lifecycle_init(struct rb_ctx *ctx, long id, const struct rb_box_shape *shape, struct rb_box *box,
                              struct rb_error *err)
{
    int r = check_box_id(ctx, id, err);
    if (r == 0)
        r = worker_refuse_if_quarantined(ctx, err);
    if (r == 0)
        r = box_lock(ctx, id, true, box, err);
    if (r < 0)
        return status_of(r);
    if (shape->refuse_existing && box_dir_present(box)) {
        (void)box_unlock(box, false); /* the existing box stays as it is */
        return status_of(rb_error_say(err, -EEXIST, "box %ld already exists", id));
    }
    /* rustbox's own init re-creates an existing box from scratch. */
    if (box_dir_present(box)) {
        struct rb_cleanup_report rep;
        worker_teardown(ctx, box, RB_SCOPE_BOX, RB_LOCK_KEEP, "init", &rep);
        if (rep.outcome == RB_CLEANUP_FAILURE) {
            const struct rb_cleanup_error *e = cleanup_report_main_error(&rep);
            (void)box_unlock(box, false); /* the failed box keeps its lock file for recovery */
            (void)rb_error_say(err, -EIO, "box %ld: the old box could not be removed: %s", id,
                               e ? e->detail : "unknown");
            return RB_STATUS_FAILED;
        }
    }
    box->persistent = true;
    box->no_cg = shape->layout == RB_LAYOUT_ISOLATE && shape->no_cg;
    if (shape->layout == RB_LAYOUT_ISOLATE) {
        r = box_create_isolate(ctx, box, shape->quota_blocks, shape->quota_inodes, err);
    } else {
        r = box_set_layout(ctx, box, RB_LAYOUT_NATIVE);
        r = r < 0 ? rb_error_set(err, r, "box %ld: cannot name its paths", id) : box_create_root(ctx, box, err);
    }
    if (r == 0)
        r = box_write_lock_info(box, 0, err);
    if (r < 0) {
        struct rb_cleanup_report rep;
        worker_teardown(ctx, box, RB_SCOPE_BOX, RB_LOCK_RELEASE, "init", &rep);
        return RB_STATUS_FAILED;
    }
    (void)box_unlock(box, false); /* made and idle: the lock file stays, the flock goes */
    return RB_STATUS_DONE;
}

/* Locks the persistent box a request names and makes it ready for a run:
 * the work dir goes to the box user and, unless the request keeps them,
 * the special files the judge or an earlier run left in it go (isolate
 * removes them before a run as well as after one). */
static int prepare_persistent(struct rb_ctx *ctx, const struct rb_run_request *req, struct rb_box *box, bool *locked,
                              uint64_t *lock_us, struct rb_error *err)
{
    uint64_t t = monotonic_us();
    int r = box_lock(ctx, req->box_id, false, box, err);
    *lock_us = monotonic_us() - t;
    if (r < 0)
        return r;
    *locked = true;
    if (!box_intact(ctx, box))
        return box->layout == RB_LAYOUT_ISOLATE
                   ? rb_error_say(err, -EUCLEAN,
                                  "box %ld is damaged: its work dir %s is missing (run: rustbox cleanup --box-id %ld)",
                                  box->id, box->workdir, box->id)
                   : rb_error_say(err, -EUCLEAN,
                                  "box %ld is damaged: its root %s is not mounted (run: rustbox cleanup --box-id %ld)",
                                  box->id, box->root, box->id);
    /* isolate 1.10.1's box made without --cg has no cgroup, and a --cg run
     * of it fails (run-cg-on-nocg-box): refused as a setup failure, so the
     * status (XX) and exit code (2) are isolate's. */
    if (box->no_cg && req->cg_meta_keys)
        return rb_error_say(err, -ENOENT,
                            "box %ld was made without --cg and has no control group (run: isolate --cleanup, then "
                            "--init with --cg)",
                            box->id);
    box->persistent = true;
    box->keep_special_files = req->special_files;
    r = box_write_lock_info(box, getpid(), err);
    if (r == 0 && box->layout == RB_LAYOUT_ISOLATE)
        /* isolate's chown -R: during a run box/ and all in it are the box
         * user's (modes kept: no entry is owned by uid -1). */
        return handback_tree(
            box->workdir,
            &(struct rb_handback){
                .uid = box->uid, .gid = box->gid, .box_uid = (uid_t)-1, .keep_special = req->special_files },
            err);
    if (r == 0)
        r = handback_tree(box->workdir, &(struct rb_handback){ .keep_special = req->special_files, .sweep_only = true },
                          err);
    return r < 0 ? r : box_chown_workdir(box, box->uid, box->gid, err);
}

/* Takes a free one-shot box: its lock alone. box_lock_free_id takes no id
 * with a dir on the host (a leftover for health and recovery to count), and
 * nothing is made here: the root is mounted inside the run
 * (rootfs_one_shot_root). */
static int prepare_one_shot(struct rb_ctx *ctx, struct rb_box *box, bool *locked, uint64_t *lock_us,
                            struct rb_error *err)
{
    uint64_t t = monotonic_us();
    int r = box_lock_free_id(ctx, box, err);
    *lock_us += monotonic_us() - t;
    if (r < 0)
        return r;
    *locked = true;
    /* The work root is where the root tmpfs is mounted inside the run:
     * made, root's alone, the first time as a box dir's parent is. */
    struct stat st;
    if (stat(box->parent, &st) < 0 && errno == ENOENT && (r = mkdir_p(box->parent, 0711)) < 0)
        return rb_error_set(err, r, "cannot create %s", box->parent);
    r = box_set_one_shot_root(box);
    if (r < 0)
        return rb_error_set(err, r, "box %ld: cannot name its paths", box->id);
    return box_write_lock_info(box, getpid(), err);
}

static void refuse_missing_controls(struct rb_ctx *ctx, struct rb_result *res)
{
    res->verdict = RB_IE;
    verdict_set_reason(res, "strict mode: missing controls: cgroup (%s)",
                       ctx->cg_caps.why[0] ? ctx->cg_caps.why : "no usable cgroup backend");
    log_error("refusing to run: %s", res->reason);
    metrics_record_run(ctx, res);
}

enum rb_status lifecycle_run(struct rb_ctx *ctx, struct rb_run_request *req, struct rb_result *res,
                             struct rb_error *err)
{
    request_apply_limits(req, &ctx->cfg.limits);
    int r = req->box_id >= 0 ? check_box_id(ctx, req->box_id, err) : 0;
    uint64_t t = monotonic_us();
    if (r == 0)
        r = worker_refuse_if_quarantined(ctx, err);
    if (r < 0)
        return status_of(r);
    run_result_init(ctx, req->box_id, &req->limits, res);
    if (req->share_net && !ctx->cfg.allow_share_net) {
        /* A refusal the judge must see as one: an IE result, so isolate's
         * meta file says status:XX rather than nothing. Not a run. */
        res->verdict = RB_IE;
        verdict_set_reason(res, "--share-net is not allowed on this host (allow_share_net in the config)");
        return RB_STATUS_DONE;
    }
    if (req->share_net) /* asked for and allowed: not missing, but not applied either */
        res->controls_applied &= ~(1u << RB_CTL_NET_NS);
    struct rb_timings *tm = &res->timings;
    tm->phase_us[RB_PHASE_CONFIG] = ctx->config_us;
    tm->phase_us[RB_PHASE_HEALTH_CHECK] = monotonic_us() - t;
    if (res->controls_missing && ctx->cfg.strict) {
        refuse_missing_controls(ctx, res);
        return RB_STATUS_DONE;
    }

    struct rb_box box;
    bool locked = false;
    int ending_proxy = -1;
    t = monotonic_us();
    r = req->box_id >= 0 ? prepare_persistent(ctx, req, &box, &locked, &tm->phase_us[RB_PHASE_LOCK], err)
                         : prepare_one_shot(ctx, &box, &locked, &tm->phase_us[RB_PHASE_LOCK], err);
    tm->phase_us[RB_PHASE_ROOT_BUILD] = monotonic_us() - t - tm->phase_us[RB_PHASE_LOCK];
    if (!locked)
        return req->box_id >= 0 ? lock_status(r) : status_of(r);
    if (r == -EUCLEAN) {
        (void)box_unlock(&box, false); /* untouched: its state is for cleanup to judge */
        return RB_STATUS_FAILED;
    }
    res->box_id = box.id; /* a one-shot box's id is known from here on */
    if (r < 0) {
        res->verdict = RB_IE;
        verdict_set_reason(res, "cannot prepare box %ld: %s", box.id, err->text);
        *err = (struct rb_error){ 0 }; /* reported in the result */
    } else {
        (void)run_in_box(ctx, &box, req, res, &ending_proxy); /* it fills res whatever happens */
    }

    t = monotonic_us();
    worker_teardown(ctx, &box, box.persistent ? RB_SCOPE_RUN : RB_SCOPE_BOX,
                    box.persistent ? RB_LOCK_IDLE : RB_LOCK_RELEASE, "run", &res->cleanup);
    res->cleanup_ran = true;
    tm->phase_us[RB_PHASE_CLEANUP] = monotonic_us() - t;
    if (res->cleanup.outcome == RB_CLEANUP_FAILURE)
        result_mark_cleanup_failed(res);
    log_event(&ctx->log, RB_LOG_INFO, "run_finished", "box_id=%ld verdict=%s cpu_time_s=%.3f wall_time_s=%.3f", box.id,
              verdict_name(res->verdict), res->cpu_time_s, res->wall_time_s);
    metrics_record_run(ctx, res);
    /* Last: the proxy tears its mount namespace down as it exits (0.2 ms
     * on average here, up to 2), beside the cleanup, the log and the
     * metrics. Cleanup proved the host clean without it: what it still
     * holds is its own namespaces, which nothing of the host sees. */
    run_reap_proxy(ending_proxy);
    tm->total_us = monotonic_us() - ctx->started_us;
    return RB_STATUS_DONE;
}

enum rb_status lifecycle_cleanup(struct rb_ctx *ctx, long id, struct rb_cleanup_report *rep, bool *existed,
                                 struct rb_error *err)
{
    *existed = false;
    int r = check_box_id(ctx, id, err);
    if (r < 0)
        return status_of(r);
    struct rb_box box;
    struct rb_error quiet = { 0 };
    r = box_lock(ctx, id, false, &box, &quiet);
    if (r == -ENOENT) {
        /* No lock: either nothing to do (isolate's --cleanup of a box that
         * never existed succeeds) or a leftover whose lock is gone. */
        if (!any_box_dir_present(ctx, &box))
            return RB_STATUS_DONE;
        r = box_lock(ctx, id, true, &box, err);
    } else if (r < 0) {
        *err = quiet;
    }
    if (r < 0)
        return lock_status(r);
    *existed = true;
    worker_teardown(ctx, &box, RB_SCOPE_BOX, RB_LOCK_RELEASE, "cleanup", rep);
    if (rep->outcome != RB_CLEANUP_FAILURE)
        return RB_STATUS_DONE;
    const struct rb_cleanup_error *e = cleanup_report_main_error(rep);
    (void)rb_error_say(err, -EIO, "box %ld: cleanup failed: %s: %s", id,
                       e ? cleanup_error_kind_name(e->kind) : "unknown", e ? e->detail : "");
    return RB_STATUS_FAILED;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"
#include "cleanup.h"
#include "health.h"
#include "metrics.h"
#include "run.h"
#include "util.h"

/* isolate reports every error with status 2; rustbox's own syntax uses 64 for
 * what the caller got wrong. */
static int usage_status(const struct rb_ctx *ctx)
{
    return ctx->cli.isolate_mode ? RB_EXIT_INTERNAL : RB_EXIT_USAGE;
}

static int check_box_id(const struct rb_ctx *ctx, long id)
{
    if (id >= 0 && (uint64_t)id < ctx->cfg.num_boxes)
        return 0;
    log_error("box id %ld is out of range: num_boxes is %u (raise it in the config)", id, ctx->cfg.num_boxes);
    return -ERANGE;
}

static int lock_error(const struct rb_ctx *ctx, long id, int r)
{
    if (r == -EBUSY)
        log_error("box %ld is busy: another rustbox process holds its lock", id);
    else if (r == -ENOENT)
        log_error("box %ld is not initialised (run: rustbox init --box-id %ld)", id, id);
    else
        log_error("box %ld: cannot take its lock: %s", id, strerror(-r));
    return r == -EBUSY || r == -ENOENT ? usage_status(ctx) : RB_EXIT_INTERNAL;
}

/* A quarantined worker takes no work: nothing is created, exit 75. */
static bool refuse_if_quarantined(const struct rb_ctx *ctx)
{
    struct rb_health_state st;
    health_load(ctx, &st);
    if (st.status != RB_QUARANTINED)
        return false;
    if (st.unreadable[0])
        log_error("worker treated as quarantined: health state unreadable: %s; refusing work (retry on another "
                  "host; see rustbox health)",
                  st.unreadable);
    else
        log_error("worker is quarantined (%s since %s): refusing work (retry on another host; see rustbox health)",
                  st.quarantine_reason, st.quarantine_timestamp[0] ? st.quarantine_timestamp : "unknown");
    return true;
}

/* Feeds a cleanup's outcome to the health state machine; a process of the
 * box found outside its cgroup quarantines the worker at once. */
static void record_cleanup(const struct rb_ctx *ctx, const struct rb_box *box, const struct rb_cleanup_report *rep)
{
    if (rep->stray_processes) {
        log_event(&ctx->log, RB_LOG_ERROR, "containment_violation", "box_id=%ld processes=%d", box->id,
                  rep->stray_processes);
        metrics_record_violation(ctx);
        (void)health_quarantine(ctx, RB_REASON_ORPHAN, false, "cleanup", NULL);
    }
    int r = health_record_cleanup(ctx, rep);
    if (r < 0)
        log_error("cannot record the cleanup in the health state under %s: %s", ctx->cfg.state_dir, strerror(-r));
}

static void log_cleanup(const struct rb_ctx *ctx, const struct rb_box *box, const struct rb_cleanup_report *rep)
{
    const struct rb_cleanup_error *e = cleanup_report_main_error(rep);
    enum rb_log_level lvl = rep->outcome == RB_CLEANUP_FAILURE ? RB_LOG_ERROR
                            : rep->outcome == RB_CLEANUP_PARTIAL ? RB_LOG_WARNING
                                                                 : RB_LOG_INFO;
    log_event(&ctx->log, lvl, rep->outcome == RB_CLEANUP_FAILURE ? "cleanup_failed" : "cleanup_finished",
              "box_id=%ld outcome=%s duration_s=%.3f errors=%zu%s%s%s%s%s", box->id,
              cleanup_outcome_name(rep->outcome), rep->duration_s, rep->n_errors, e ? " kind=" : "",
              e ? cleanup_error_kind_name(e->kind) : "", e ? " detail=\"" : "", e ? e->detail : "", e ? "\"" : "");
    metrics_record_cleanup(ctx, rep);
}

/* Removes the box's lock unless cleanup failed: a failed box keeps its lock
 * file so `health --recover` can find it. */
static void finish_box_cleanup(struct rb_box *box, const struct rb_cleanup_report *rep)
{
    box_unlock(box, rep->outcome != RB_CLEANUP_FAILURE);
}

int cmd_init(struct rb_ctx *ctx)
{
    long id = ctx->cli.box_id;
    if (check_box_id(ctx, id) < 0)
        return usage_status(ctx);
    if (refuse_if_quarantined(ctx))
        return RB_EXIT_QUARANTINED;
    struct rb_box box;
    int r = box_lock(ctx, id, true, &box);
    if (r < 0)
        return lock_error(ctx, id, r);
    /* isolate re-creates an existing box from scratch; so do we. */
    struct stat st;
    if (lstat(box.dir, &st) == 0) {
        struct rb_cleanup_report rep;
        cleanup_box(ctx, &box, RB_SCOPE_BOX, &rep);
        log_cleanup(ctx, &box, &rep);
        if (rep.outcome == RB_CLEANUP_FAILURE) {
            const struct rb_cleanup_error *e = cleanup_report_main_error(&rep);
            log_error("box %ld: the old box could not be removed: %s", id, e ? e->detail : "unknown");
            box_unlock(&box, false);
            return RB_EXIT_INTERNAL;
        }
    }
    box.persistent = true;
    r = box_create_root(ctx, &box);
    if (r == 0)
        r = box_write_lock_info(&box, 0);
    if (r < 0) {
        struct rb_cleanup_report rep;
        log_error("box %ld: cannot create it under %s: %s", id, box.dir, strerror(-r));
        cleanup_box(ctx, &box, RB_SCOPE_BOX, &rep);
        finish_box_cleanup(&box, &rep);
        return RB_EXIT_INTERNAL;
    }
    box_unlock(&box, false);
    printf("%s\n", box.root);
    return RB_EXIT_OK;
}

int cmd_cleanup(struct rb_ctx *ctx)
{
    long id = ctx->cli.box_id;
    if (check_box_id(ctx, id) < 0)
        return usage_status(ctx);
    struct rb_box box;
    int r = box_lock(ctx, id, false, &box);
    if (r == -ENOENT) {
        struct stat st;
        /* No lock: either nothing to do (isolate's --cleanup of a box that
         * never existed succeeds) or a leftover whose lock is gone. */
        if (lstat(box.dir, &st) < 0)
            return RB_EXIT_OK;
        r = box_lock(ctx, id, true, &box);
    }
    if (r < 0)
        return lock_error(ctx, id, r);
    struct rb_cleanup_report rep;
    cleanup_box(ctx, &box, RB_SCOPE_BOX, &rep);
    log_cleanup(ctx, &box, &rep);
    record_cleanup(ctx, &box, &rep);
    finish_box_cleanup(&box, &rep);
    if (!ctx->cli.isolate_mode) {
        _cleanup_free_ char *json = cleanup_report_to_json(id, &rep);
        printf("%s\n", json ? json : "{}");
    }
    if (rep.outcome == RB_CLEANUP_FAILURE) {
        const struct rb_cleanup_error *e = cleanup_report_main_error(&rep);
        log_error("box %ld: cleanup failed: %s: %s", id, e ? cleanup_error_kind_name(e->kind) : "unknown",
                  e ? e->detail : "");
        return RB_EXIT_INTERNAL;
    }
    return RB_EXIT_OK;
}

static json_object *controls_json(const struct rb_ctx *ctx)
{
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    json_object *o = json_object_new_object(), *a = json_object_new_array(), *m = json_object_new_array();
    for (int c = 0; c < RB_CTL_COUNT; c++)
        json_object_array_add((applied >> c) & 1 ? a : m, json_object_new_string(control_name(c)));
    json_object_object_add(o, "applied", a);
    json_object_object_add(o, "missing", m);
    json_object_object_add(o, "cgroup_backend", json_object_new_string(ctx->cg ? ctx->cg->name : "none"));
    json_object_object_add(o, "strict", json_object_new_boolean(ctx->cfg.strict));
    return o;
}

int cmd_dry_run(struct rb_ctx *ctx)
{
    const struct rb_cg_caps *caps = &ctx->cg_caps;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "schema", json_object_new_string("rustbox.capabilities/1"));
    json_object_object_add(o, "controls", controls_json(ctx));
    json_object *cg = json_object_new_object();
    json_object_object_add(cg, "requested", json_object_new_string(cgroup_backend_name(ctx->cfg.cgroup_backend)));
    json_object_object_add(cg, "memory", json_object_new_boolean(ctx->cg && caps->memory));
    json_object_object_add(cg, "pids", json_object_new_boolean(ctx->cg && caps->pids));
    json_object_object_add(cg, "cpu", json_object_new_boolean(ctx->cg && caps->cpu));
    json_object_object_add(cg, "detail", caps->why[0] ? json_object_new_string(caps->why) : NULL);
    json_object_object_add(o, "cgroup", cg);
    json_object_object_add(o, "pidfd_mode", json_object_new_string("native"));
    json_object_object_add(o, "namespace_support", json_object_new_string("full"));
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    json_object_object_add(o, "would_run", json_object_new_boolean(!(missing && ctx->cfg.strict)));
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return RB_EXIT_OK;
}

/* The meta file is the caller's, outside the box: write it with the caller's
 * own uid when rustbox runs set-uid, as isolate does. */
static int write_meta(const char *path, const char *text)
{
    uid_t euid = geteuid();
    bool drop = getuid() != euid;
    if (drop && seteuid(getuid()) < 0)
        return -errno;
    int r = write_file(path, text, O_CREAT | O_TRUNC);
    if (drop && seteuid(euid) < 0 && r == 0)
        r = -errno;
    return r;
}

static void isolate_status_line(const struct rb_result *res)
{
    if (res->verdict == RB_OK)
        fprintf(stderr, "OK (%.3f sec real, %.3f sec wall)\n", res->cpu_time_s, res->wall_time_s);
    else
        fprintf(stderr, "%s%s%s\n", verdict_name(res->verdict), res->reason ? ": " : "",
                res->reason ? res->reason : "");
}

static int report_result(struct rb_ctx *ctx, struct rb_result *res)
{
    const struct rb_cli *cli = &ctx->cli;
    int status = result_exit_status(res, cli->isolate_mode);
    if (cli->run.meta_path) {
        _cleanup_free_ char *meta = result_to_meta(res, true);
        int r = meta ? write_meta(cli->run.meta_path, meta) : -ENOMEM;
        if (r < 0) {
            log_error("cannot write the meta file %s: %s", cli->run.meta_path, strerror(-r));
            status = RB_EXIT_INTERNAL;
        }
    }
    if (cli->isolate_mode) {
        if (!cli->silent)
            isolate_status_line(res);
        return status;
    }
    _cleanup_free_ char *json = result_to_json(res);
    if (!json) {
        log_error("cannot render the result: out of memory");
        return RB_EXIT_INTERNAL;
    }
    printf("%s\n", json);
    return status;
}

static int refuse_missing_controls(struct rb_ctx *ctx, const struct rb_run_request *req)
{
    struct rb_result res = { .box_id = req->box_id, .verdict = RB_IE, .limits = req->limits, .strict = true };
    run_controls(ctx, &res.controls_applied, &res.controls_missing);
    res.cgroup_backend = ctx->cg ? ctx->cg->name : "none";
    snprintf(res.reason_buf, sizeof(res.reason_buf), "strict mode: missing controls: cgroup (%s)",
             ctx->cg_caps.why[0] ? ctx->cg_caps.why : "no usable cgroup backend");
    res.reason = res.reason_buf;
    log_error("refusing to run: %s", res.reason);
    metrics_record_run(ctx, &res);
    report_result(ctx, &res);
    return RB_EXIT_INTERNAL;
}

int cmd_run(struct rb_ctx *ctx)
{
    struct rb_run_request *req = &ctx->cli.run;
    request_apply_limits(req, &ctx->cfg.limits);
    if (req->box_id >= 0 && check_box_id(ctx, req->box_id) < 0)
        return usage_status(ctx);
    if (refuse_if_quarantined(ctx))
        return RB_EXIT_QUARANTINED;
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    if (missing && ctx->cfg.strict)
        return refuse_missing_controls(ctx, req);

    struct rb_box box;
    int r;
    if (req->box_id >= 0) {
        r = box_lock(ctx, req->box_id, false, &box);
        if (r < 0)
            return lock_error(ctx, req->box_id, r);
        if (!box_root_mounted(&box)) {
            log_error("box %ld is damaged: its root %s is not mounted (run: rustbox cleanup --box-id %ld)",
                      box.id, box.root, box.id);
            box_unlock(&box, false);
            return RB_EXIT_INTERNAL;
        }
        box.persistent = true;
        r = box_write_lock_info(&box, getpid());
        if (r == 0)
            r = box_chown_workdir(&box, box.uid, box.gid, false);
    } else {
        r = box_lock_free_id(ctx, &box);
        if (r < 0) {
            log_error("no free box: all %u box ids are in use or awaiting recovery", ctx->cfg.num_boxes);
            return RB_EXIT_INTERNAL;
        }
        r = box_write_lock_info(&box, getpid());
        if (r == 0)
            r = box_create_root(ctx, &box);
        if (r == 0)
            r = box_chown_workdir(&box, box.uid, box.gid, false);
    }

    struct rb_result res;
    if (r < 0) {
        memset(&res, 0, sizeof(res));
        res.box_id = box.id;
        res.verdict = RB_IE;
        res.limits = req->limits;
        snprintf(res.reason_buf, sizeof(res.reason_buf), "cannot prepare box %ld: %s", box.id, strerror(-r));
        res.reason = res.reason_buf;
    } else {
        run_in_box(ctx, &box, req, &res);
    }

    enum rb_cleanup_scope scope = box.persistent ? RB_SCOPE_RUN : RB_SCOPE_BOX;
    cleanup_box(ctx, &box, scope, &res.cleanup);
    res.cleanup_ran = true;
    log_cleanup(ctx, &box, &res.cleanup);
    record_cleanup(ctx, &box, &res.cleanup);
    if (box.persistent) {
        /* Hand the work dir back so the judge can read the outputs. */
        (void)box_chown_workdir(&box, getuid(), getgid(), true);
        (void)box_write_lock_info(&box, 0);
        box_unlock(&box, false);
    } else {
        finish_box_cleanup(&box, &res.cleanup);
    }
    if (res.cleanup.outcome == RB_CLEANUP_FAILURE)
        result_mark_cleanup_failed(&res);
    log_event(&ctx->log, RB_LOG_INFO, "run_finished", "box_id=%ld verdict=%s cpu_time_s=%.3f wall_time_s=%.3f",
              box.id, verdict_name(res.verdict), res.cpu_time_s, res.wall_time_s);
    metrics_record_run(ctx, &res);
    int status = report_result(ctx, &res);
    result_free(&res);
    return status;
}

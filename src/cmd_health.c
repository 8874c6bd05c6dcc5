/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "health.h"
#include "log.h"
#include "scan.h"
#include "util.h"
#include "worker.h"

static void print_json(json_object *o)
{
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
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

static int failed(const struct rb_error *err)
{
    log_error("%s", err->text);
    return RB_EXIT_INTERNAL;
}

static json_object *leftovers_json(const struct rb_leftovers *l)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "clean", json_object_new_boolean(worker_leftovers_clean(l)));
    json_object_object_add(o, "mounts", json_object_new_int(l->mounts));
    json_object_object_add(o, "cgroups", json_object_new_int(l->cgroups));
    json_object_object_add(o, "processes", json_object_new_int(l->processes));
    json_object_object_add(o, "temp_dirs", json_object_new_int(l->temp_dirs));
    return o;
}

static int do_verify_clean(struct rb_ctx *ctx)
{
    struct rb_leftovers l;
    struct rb_error err = { 0 };
    if (worker_scan(ctx, NULL, &l, &err) < 0)
        return failed(&err);
    print_json(leftovers_json(&l));
    return worker_leftovers_clean(&l) ? RB_EXIT_OK : RB_EXIT_FAIL;
}

static int do_check(struct rb_ctx *ctx)
{
    struct rb_leftovers l;
    struct rb_health_state st;
    struct rb_error err = { 0 };
    if (worker_check(ctx, &l, &st, &err) < 0)
        return failed(&err);
    print_health(ctx, &st);
    return health_exit(&st);
}

static int do_recover(struct rb_ctx *ctx, bool all)
{
    struct rb_recovery rec;
    struct rb_health_state st;
    struct rb_error err = { 0 };
    if (worker_recover(ctx, all, &rec, &st, &err) < 0)
        return failed(&err);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "clean", json_object_new_boolean(rec.clean));
    json_object_object_add(o, "failed_cleanups", json_object_new_int(rec.failed_cleanups));
    json_object_object_add(o, "leftovers", leftovers_json(&rec.leftovers));
    json_object_object_add(o, "status", json_object_new_string(health_status_name(st.status)));
    json_object_object_add(o, "quarantine_reason",
                           st.quarantine_reason[0] ? json_object_new_string(st.quarantine_reason) : NULL);
    print_json(o);
    return rec.clean && st.status != RB_QUARANTINED ? RB_EXIT_OK : RB_EXIT_FAIL;
}

static int do_unquarantine(struct rb_ctx *ctx, const char *reason)
{
    struct rb_health_state st;
    struct rb_error err = { 0 };
    int r = worker_unquarantine(ctx, reason, &st, &err);
    if (r == -EAGAIN) {
        log_error("%s", err.text);
        return RB_EXIT_FAIL;
    }
    if (r < 0)
        return failed(&err);
    print_health(ctx, &st);
    return RB_EXIT_OK;
}

int cmd_health(struct rb_ctx *ctx, struct rb_cli *cli)
{
    struct rb_health_state st;
    switch (cli->health_action) {
    case RB_HEALTH_CHECK: return do_check(ctx);
    case RB_HEALTH_RECOVER: return do_recover(ctx, cli->health_cleanup);
    case RB_HEALTH_VERIFY_CLEAN: return do_verify_clean(ctx);
    case RB_HEALTH_UNQUARANTINE: return do_unquarantine(ctx, cli->reason);
    case RB_HEALTH_QUARANTINE: {
        int r = worker_quarantine(ctx, cli->reason, true, "operator", &st);
        if (r < 0) {
            log_error("cannot update the health state under %s/health: %s", ctx->cfg.state_dir, strerror(-r));
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

int cmd_audit(struct rb_ctx *ctx, struct rb_cli *cli)
{
    (void)cli; /* audit takes no options of its own */
    struct rb_scan s;
    struct rb_leftovers l;
    struct rb_error err = { 0 };
    if (worker_scan(ctx, &s, &l, &err) < 0) {
        log_error("%s", err.text);
        return RB_EXIT_INTERNAL;
    }
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
    return worker_leftovers_clean(&l) ? RB_EXIT_OK : RB_EXIT_FAIL;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "health.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *const status_names[] = { "healthy", "unhealthy", "quarantined" };

const char *health_status_name(enum rb_health_status s)
{
    return (unsigned)s < ARRAY_SIZE(status_names) ? status_names[s] : "quarantined";
}

void health_init(struct rb_health_state *st)
{
    memset(st, 0, sizeof(*st));
    st->status = RB_HEALTHY;
}

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* Outside quarantine the status follows from what is wrong right now. */
static enum rb_health_status derived_status(const struct rb_health_state *st)
{
    if (st->status == RB_QUARANTINED)
        return RB_QUARANTINED;
    return st->unhealthy || st->failed_cleanup_count ? RB_UNHEALTHY : RB_HEALTHY;
}

static void settle(struct rb_health_state *st, enum rb_health_status from, const char *reason, struct rb_transition *tr)
{
    st->status = derived_status(st);
    tr->from = from;
    tr->to = st->status;
    tr->changed = from != st->status;
    copy(tr->reason, sizeof(tr->reason), reason);
}

void health_on_cleanup(struct rb_health_state *st, enum rb_cleanup_outcome outcome, const char *error,
                       uint32_t max_failures, struct rb_transition *tr)
{
    enum rb_health_status from = st->status;
    if (outcome != RB_CLEANUP_FAILURE) {
        st->failed_cleanup_count = 0;
        st->unhealthy &= ~(unsigned)RB_UNHEALTHY_CLEANUP_FAILURE;
        settle(st, from, "cleanup_succeeded", tr);
        return;
    }
    st->failed_cleanup_count++;
    st->unhealthy |= RB_UNHEALTHY_CLEANUP_FAILURE;
    copy(st->last_cleanup_error, sizeof(st->last_cleanup_error), error);
    if (st->failed_cleanup_count >= max_failures && st->status != RB_QUARANTINED) {
        char now[32];
        utc_timestamp(now, sizeof(now));
        health_on_quarantine(st, RB_REASON_CLEANUP_FAILURE, false, now, tr);
        tr->from = from;
        tr->changed = from != st->status;
        return;
    }
    settle(st, from, RB_REASON_CLEANUP_FAILURE, tr);
}

void health_on_quarantine(struct rb_health_state *st, const char *reason, bool manual, const char *now,
                          struct rb_transition *tr)
{
    enum rb_health_status from = st->status;
    /* A quarantine in force keeps its first reason: that is what the
     * operator must resolve, and a later one must not hide it. */
    if (st->status != RB_QUARANTINED) {
        st->status = RB_QUARANTINED;
        copy(st->quarantine_reason, sizeof(st->quarantine_reason), reason);
        copy(st->quarantine_timestamp, sizeof(st->quarantine_timestamp), now);
        st->manual = manual;
    }
    tr->from = from;
    tr->to = st->status;
    tr->changed = from != st->status;
    copy(tr->reason, sizeof(tr->reason), reason);
}

bool health_on_lift(struct rb_health_state *st, bool by_operator, const char *reason, struct rb_transition *tr)
{
    enum rb_health_status from = st->status;
    memset(tr, 0, sizeof(*tr));
    tr->from = tr->to = from;
    if (st->status != RB_QUARANTINED)
        return true;
    bool automatic_only = !st->manual && strcmp(st->quarantine_reason, RB_REASON_ORPHAN) != 0;
    if (!by_operator && !automatic_only)
        return false;
    st->status = RB_HEALTHY;
    st->quarantine_reason[0] = '\0';
    st->quarantine_timestamp[0] = '\0';
    st->manual = false;
    st->failed_cleanup_count = 0;
    st->unhealthy &= ~(unsigned)RB_UNHEALTHY_CLEANUP_FAILURE;
    st->unreadable[0] = '\0';
    settle(st, from, reason, tr);
    return true;
}

void health_on_check(struct rb_health_state *st, unsigned unhealthy_now, struct rb_transition *tr)
{
    enum rb_health_status from = st->status;
    unsigned keep = st->unhealthy & RB_UNHEALTHY_CLEANUP_FAILURE;
    st->unhealthy = keep | (unhealthy_now & ~(unsigned)RB_UNHEALTHY_CLEANUP_FAILURE);
    settle(st, from,
           unhealthy_now & RB_UNHEALTHY_STALE_BOX          ? "stale_box"
           : unhealthy_now & RB_UNHEALTHY_RESOURCES_LOW    ? "resources_low"
           : unhealthy_now & RB_UNHEALTHY_CONTROLS_MISSING ? "controls_missing"
                                                           : "check",
           tr);
}

char *health_to_json(const struct rb_health_state *st, const struct rb_ctx *ctx)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(health_status_name(st->status)));
    json_object_object_add(o, "can_accept_submissions", json_object_new_boolean(st->status != RB_QUARANTINED));
    json_object_object_add(o, "quarantine_reason",
                           st->quarantine_reason[0] ? json_object_new_string(st->quarantine_reason) : NULL);
    json_object_object_add(o, "quarantine_timestamp",
                           st->quarantine_timestamp[0] ? json_object_new_string(st->quarantine_timestamp) : NULL);
    json_object_object_add(o, "failed_cleanup_count", json_object_new_int64(st->failed_cleanup_count));
    json_object_object_add(o, "last_cleanup_error",
                           st->last_cleanup_error[0] ? json_object_new_string(st->last_cleanup_error) : NULL);
    json_object *why = json_object_new_array();
    static const struct {
        unsigned flag;
        const char *name;
    } flags[] = {
        { RB_UNHEALTHY_CLEANUP_FAILURE, "cleanup_failure" },
        { RB_UNHEALTHY_RESOURCES_LOW, "resources_low" },
        { RB_UNHEALTHY_STALE_BOX, "stale_box" },
        { RB_UNHEALTHY_CONTROLS_MISSING, "controls_missing" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
        if (st->unhealthy & flags[i].flag)
            json_object_array_add(why, json_object_new_string(flags[i].name));
    json_object_object_add(o, "unhealthy_reasons", why);
    if (st->unreadable[0])
        json_object_object_add(o, "state_error", json_object_new_string(st->unreadable));
    json_object *b = json_object_new_object();
    json_object_object_add(b, "cgroup_backend", json_object_new_string(ctx->cg ? ctx->cg->name : "none"));
    json_object_object_add(b, "pidfd_mode", json_object_new_string("native"));
    json_object_object_add(b, "namespace_support", json_object_new_string("full"));
    json_object_object_add(o, "backend_selection", b);
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

static int get_string(json_object *o, const char *key, char *dst, size_t len, bool nullable)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return -EBADMSG;
    if (!v && nullable) {
        dst[0] = '\0';
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return -EBADMSG;
    copy(dst, len, json_object_get_string(v));
    return 0;
}

int health_parse(const char *text, struct rb_health_state *st)
{
    health_init(st);
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return -ENOMEM;
    json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text));
    bool complete = o && json_tokener_get_error(tok) == json_tokener_success &&
                    json_tokener_get_parse_end(tok) == strlen(text);
    json_tokener_free(tok);
    int r = complete && json_object_is_type(o, json_type_object) ? 0 : -EBADMSG;
    char status[32] = "";
    json_object *v;
    if (r == 0)
        r = get_string(o, "status", status, sizeof(status), false);
    if (r == 0) {
        r = -EBADMSG;
        for (int s = RB_HEALTHY; s <= RB_QUARANTINED; s++)
            if (!strcmp(status, status_names[s])) {
                st->status = (enum rb_health_status)s;
                r = 0;
            }
    }
    if (r == 0)
        r = get_string(o, "quarantine_reason", st->quarantine_reason, sizeof(st->quarantine_reason), true);
    if (r == 0)
        r = get_string(o, "quarantine_timestamp", st->quarantine_timestamp, sizeof(st->quarantine_timestamp), true);
    if (r == 0)
        r = get_string(o, "last_cleanup_error", st->last_cleanup_error, sizeof(st->last_cleanup_error), true);
    if (r == 0 &&
        (!json_object_object_get_ex(o, "failed_cleanup_count", &v) || !json_object_is_type(v, json_type_int) ||
         json_object_get_int64(v) < 0 || json_object_get_int64(v) > UINT32_MAX))
        r = -EBADMSG;
    if (r == 0)
        st->failed_cleanup_count = (uint32_t)json_object_get_int64(v);
    if (r == 0 && (!json_object_object_get_ex(o, "manual", &v) || !json_object_is_type(v, json_type_boolean)))
        r = -EBADMSG;
    if (r == 0)
        st->manual = json_object_get_boolean(v);
    if (r == 0 && (!json_object_object_get_ex(o, "unhealthy", &v) || !json_object_is_type(v, json_type_int) ||
                   json_object_get_int64(v) < 0 || json_object_get_int64(v) > RB_UNHEALTHY_ALL))
        r = -EBADMSG;
    if (r == 0)
        st->unhealthy = (unsigned)json_object_get_int64(v);
    if (r == 0 && st->status == RB_QUARANTINED && !st->quarantine_reason[0])
        r = -EBADMSG;
    json_object_put(o);
    return r;
}

static char *state_to_text(const struct rb_health_state *st)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(health_status_name(st->status)));
    json_object_object_add(o, "quarantine_reason",
                           st->quarantine_reason[0] ? json_object_new_string(st->quarantine_reason) : NULL);
    json_object_object_add(o, "quarantine_timestamp",
                           st->quarantine_timestamp[0] ? json_object_new_string(st->quarantine_timestamp) : NULL);
    json_object_object_add(o, "manual", json_object_new_boolean(st->manual));
    json_object_object_add(o, "failed_cleanup_count", json_object_new_int64(st->failed_cleanup_count));
    json_object_object_add(o, "last_cleanup_error",
                           st->last_cleanup_error[0] ? json_object_new_string(st->last_cleanup_error) : NULL);
    json_object_object_add(o, "unhealthy", json_object_new_int64(st->unhealthy));
    char *s = strdup_printf("%s\n",
                            json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

/* Sized for a state dir at its bound (config.h), the state file's path so
 * that it fits whole, with an errno text, in the error naming it. */
struct health_paths {
    char dir[RB_STATE_DIR_MAX + sizeof("/health")];
    char state[RB_STATE_DIR_MAX + sizeof("/health/state.json")];
    char history[RB_STATE_DIR_MAX + sizeof("/health/quarantine-history.json")];
    char lock[RB_STATE_DIR_MAX + sizeof("/health/lock")];
};
_Static_assert(sizeof(((struct health_paths *)0)->state) - 1 + sizeof(": ") - 1 + RB_ERRNO_TEXT_MAX <
                   RB_HEALTH_ERROR_MAX,
               "the state file's path and an errno text fit the state error");

/* -ENAMETOOLONG, never a cut path, for a state dir past its bound (a context
 * not made by config_load): cut, the health and metrics locks once came out
 * as one file. The buffers then hold the paths' starts, for messages. */
static int paths_of(const struct rb_ctx *ctx, struct health_paths *p)
{
    const char *sd = ctx->cfg.state_dir;
    const int r[] = {
        path_printf(p->dir, sizeof(p->dir), "%s/health", sd),
        path_printf(p->state, sizeof(p->state), "%s/health/state.json", sd),
        path_printf(p->history, sizeof(p->history), "%s/health/quarantine-history.json", sd),
        path_printf(p->lock, sizeof(p->lock), "%s/health/lock", sd),
    };
    for (size_t i = 0; i < ARRAY_SIZE(r); i++)
        if (r[i] < 0)
            return r[i];
    return 0;
}

void health_load(const struct rb_ctx *ctx, struct rb_health_state *st)
{
    /* st is whole on every path below, whatever read_file returns. */
    health_init(st);
    struct health_paths p;
    _cleanup_free_ char *text = NULL;
    int r = paths_of(ctx, &p);
    if (r == 0)
        r = read_file(p.state, &text, NULL);
    if (r == -ENOENT)
        return;
    if (r == 0)
        r = health_parse(text, st);
    if (r < 0) {
        health_init(st);
        st->status = RB_QUARANTINED;
        copy(st->quarantine_reason, sizeof(st->quarantine_reason), RB_REASON_STATE_UNREADABLE);
        snprintf(st->unreadable, sizeof(st->unreadable), "%s: %s", p.state,
                 r == -EBADMSG ? "corrupt (not a rustbox health state)" : strerror(-r));
    }
}

static int append_history(const struct health_paths *p, const char *actor, const struct rb_transition *tr)
{
    _cleanup_free_ char *text = NULL;
    json_object *arr = NULL;
    if (read_file(p->history, &text, NULL) == 0)
        arr = json_tokener_parse(text);
    /* A damaged history must not block the state machine: start afresh and
     * keep the damaged file beside it for the operator. */
    if (arr && !json_object_is_type(arr, json_type_array)) {
        json_object_put(arr);
        arr = NULL;
    }
    if (!arr) {
        if (text) {
            char aside[700];
            snprintf(aside, sizeof(aside), "%s.damaged", p->history);
            (void)rename(p->history, aside);
        }
        arr = json_object_new_array();
    }
    char now[32];
    utc_timestamp(now, sizeof(now));
    json_object *e = json_object_new_object();
    json_object_object_add(e, "time", json_object_new_string(now));
    json_object_object_add(e, "from", json_object_new_string(health_status_name(tr->from)));
    json_object_object_add(e, "to", json_object_new_string(health_status_name(tr->to)));
    json_object_object_add(e, "reason", json_object_new_string(tr->reason));
    json_object_object_add(e, "actor", json_object_new_string(actor));
    json_object_array_add(arr, e);
    size_t n = json_object_array_length(arr);
    if (n > RB_HEALTH_HISTORY_MAX)
        json_object_array_del_idx(arr, 0, n - RB_HEALTH_HISTORY_MAX);
    _cleanup_free_ char *out = strdup_printf(
        "%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(arr);
    return out ? write_file_atomic(p->history, out, 0644) : -ENOMEM;
}

int health_update(const struct rb_ctx *ctx, const char *actor, bool rebuild, health_mutator fn, void *data,
                  struct rb_health_state *out)
{
    struct health_paths p;
    int r = paths_of(ctx, &p);
    if (r == 0)
        r = mkdir_p(p.dir, 0755);
    if (r < 0)
        return r;
    _cleanup_close_ int lock = open(p.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0)
        return -errno;
    while (flock(lock, LOCK_EX) < 0)
        if (errno != EINTR)
            return -errno;
    struct rb_health_state st;
    health_load(ctx, &st);
    bool unreadable = st.unreadable[0] != '\0';
    if (unreadable && rebuild) {
        /* The caller verified the host clean: a fresh state is the truth. */
        char aside[700];
        snprintf(aside, sizeof(aside), "%s.damaged", p.state);
        (void)rename(p.state, aside);
    }
    _cleanup_free_ char *before = state_to_text(&st);
    struct rb_transition tr = { 0 };
    fn(&st, &tr, data);
    if (out)
        *out = st;
    /* An unreadable file is evidence: it stays until a recovery rebuilds it. */
    if (unreadable && !rebuild)
        return 0;
    _cleanup_free_ char *after = state_to_text(&st);
    if (!before || !after)
        return -ENOMEM;
    if (strcmp(before, after) != 0 || unreadable) {
        r = write_file_atomic(p.state, after, 0644);
        if (r < 0)
            return r;
    }
    if (tr.changed) {
        r = append_history(&p, actor, &tr);
        if (r < 0)
            return r;
        log_event(&ctx->log, tr.to == RB_QUARANTINED ? RB_LOG_ERROR : RB_LOG_WARNING,
                  tr.to == RB_QUARANTINED     ? "worker_quarantined"
                  : tr.from == RB_QUARANTINED ? "worker_unquarantined"
                                              : "health_changed",
                  "from=%s to=%s reason=\"%s\" actor=%s", health_status_name(tr.from), health_status_name(tr.to),
                  tr.reason, actor);
        /* The caller counts the quarantine in the metrics: health knows
         * nothing of them (the worker module joins the two). */
        if (tr.to == RB_QUARANTINED)
            return RB_HEALTH_ENTERED_QUARANTINE;
    }
    return 0;
}

struct quarantine_event {
    const char *reason;
    bool manual;
};

static void apply_quarantine(struct rb_health_state *st, struct rb_transition *tr, void *data)
{
    const struct quarantine_event *ev = data;
    char now[32];
    utc_timestamp(now, sizeof(now));
    health_on_quarantine(st, ev->reason, ev->manual, now, tr);
}

int health_quarantine(const struct rb_ctx *ctx, const char *reason, bool manual, const char *actor,
                      struct rb_health_state *out)
{
    struct quarantine_event ev = { reason, manual };
    return health_update(ctx, actor, false, apply_quarantine, &ev, out);
}

struct cleanup_event {
    const struct rb_cleanup_report *rep;
    uint32_t max;
};

static void apply_cleanup(struct rb_health_state *st, struct rb_transition *tr, void *data)
{
    const struct cleanup_event *ev = data;
    char err[RB_HEALTH_ERROR_MAX] = "";
    const struct rb_cleanup_report *rep = ev->rep;
    const struct rb_cleanup_error *e = cleanup_report_main_error(rep);
    if (rep->outcome == RB_CLEANUP_FAILURE && e)
        /* The state keeps a summary; the whole detail is in the log and the
         * run's result. 280 bytes leave room for the longest kind name. */
        (void)snprintf(err, sizeof(err), "%s: %.280s", cleanup_error_kind_name(e->kind), e->detail);
    health_on_cleanup(st, rep->outcome, err, ev->max, tr);
}

int health_record_cleanup(const struct rb_ctx *ctx, const struct rb_cleanup_report *rep)
{
    /* The common case changes nothing: skip the lock and the write. */
    struct rb_health_state st;
    health_load(ctx, &st);
    if (rep->outcome != RB_CLEANUP_FAILURE && st.failed_cleanup_count == 0 &&
        !(st.unhealthy & RB_UNHEALTHY_CLEANUP_FAILURE))
        return 0;
    struct cleanup_event ev = { rep, ctx->cfg.max_cleanup_failures };
    return health_update(ctx, "cleanup", false, apply_cleanup, &ev, NULL);
}

int health_read_history(const struct rb_ctx *ctx, char **text)
{
    struct health_paths p;
    int r = paths_of(ctx, &p);
    return r < 0 ? r : read_file(p.history, text, NULL);
}

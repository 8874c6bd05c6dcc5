/* SPDX-License-Identifier: Apache-2.0 */
#include "result.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const verdict_names[RB_VERDICT_COUNT] = {
    [RB_OK] = "OK",   [RB_RE] = "RE",   [RB_SIG] = "SIG", [RB_TLE] = "TLE",
    [RB_MLE] = "MLE", [RB_OLE] = "OLE", [RB_SV] = "SV",   [RB_IE] = "IE",
};

static const char *const control_names[RB_CTL_COUNT] = {
    [RB_CTL_PID_NS] = "pid_ns",
    [RB_CTL_MOUNT_NS] = "mount_ns",
    [RB_CTL_NET_NS] = "net_ns",
    [RB_CTL_IPC_NS] = "ipc_ns",
    [RB_CTL_UTS_NS] = "uts_ns",
    [RB_CTL_CGROUP] = "cgroup",
    [RB_CTL_SECCOMP] = "seccomp",
    [RB_CTL_CAPS_DROPPED] = "caps_dropped",
    [RB_CTL_NO_NEW_PRIVS] = "no_new_privs",
    [RB_CTL_RLIMITS] = "rlimits",
};

const char *phase_name(enum rb_phase p)
{
    static const char *const names[RB_PHASE_COUNT] = {
        [RB_PHASE_CONFIG] = "config",
        [RB_PHASE_HEALTH_CHECK] = "health_check",
        [RB_PHASE_LOCK] = "lock",
        [RB_PHASE_ROOT_BUILD] = "root_build",
        [RB_PHASE_CGROUP_CREATE] = "cgroup_create",
        [RB_PHASE_CLONE_EXEC] = "clone_exec",
        [RB_PHASE_WAIT] = "wait",
        [RB_PHASE_CLEANUP] = "cleanup",
    };
    return (unsigned)p < RB_PHASE_COUNT ? names[p] : "unknown";
}

const char *verdict_name(enum rb_verdict v)
{
    return (unsigned)v < RB_VERDICT_COUNT ? verdict_names[v] : "IE";
}

const char *control_name(enum rb_control c)
{
    return (unsigned)c < RB_CTL_COUNT ? control_names[c] : "unknown";
}

void result_mark_cleanup_failed(struct rb_result *res)
{
    static const char tag[] = "cleanup_failed";
    /* Marking twice must not nest the program's outcome a second time. */
    if (res->verdict == RB_IE && res->reason && strncmp(res->reason, tag, strlen(tag)) == 0)
        return;
    /* The old reason may live in reason_buf, which is about to be rewritten. */
    char old[sizeof(res->reason_buf)];
    snprintf(old, sizeof(old), "%s", res->reason ? res->reason : "");
    if (old[0])
        snprintf(res->reason_buf, sizeof(res->reason_buf), "%s; program verdict: %s (%.200s)", tag,
                 verdict_name(res->verdict), old);
    else
        snprintf(res->reason_buf, sizeof(res->reason_buf), "%s; program verdict: %s", tag, verdict_name(res->verdict));
    res->reason = res->reason_buf;
    res->verdict = RB_IE;
}

int result_exit_status(const struct rb_result *res, bool isolate_mode)
{
    /* isolate's 0/1/2 and the native table of SPEC §1 agree for run. */
    (void)isolate_mode;
    switch (res->verdict) {
    case RB_OK: return 0;
    case RB_IE: return 2;
    default: return 1;
    }
}

void result_free(struct rb_result *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
    res->out_len = res->err_len = 0;
}

/* ---- JSON ---- */

/* Length of the well-formed UTF-8 sequence at p (*ok), or of the maximal
 * ill-formed subpart to replace with one U+FFFD (Unicode §3.9, as browsers
 * do), so that a judge sees the same text whatever decoder it uses. */
static size_t utf8_step(const unsigned char *p, size_t n, bool *ok)
{
    unsigned char b = p[0], lo = 0x80, hi = 0xBF;
    size_t need;
    *ok = false;
    if (b < 0x80) {
        *ok = true;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
    } else if (b == 0xE0) {
        need = 2;
        lo = 0xA0;
    } else if (b >= 0xE1 && b <= 0xEF) {
        need = 2;
        if (b == 0xED) /* UTF-16 surrogates */
            hi = 0x9F;
    } else if (b == 0xF0) {
        need = 3;
        lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
        need = 3;
    } else if (b == 0xF4) {
        need = 3;
        hi = 0x8F;
    } else {
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi)
            return i;
        lo = 0x80;
        hi = 0xBF;
    }
    *ok = true;
    return need + 1;
}

size_t utf8_whole_prefix(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    /* The last byte that is no continuation byte, within a sequence's reach. */
    size_t lead = len;
    while (lead > 0 && len - lead < 4) {
        lead--;
        if ((p[lead] & 0xC0) != 0x80)
            break;
    }
    if (lead == len || p[lead] < 0xC2 || p[lead] > 0xF4)
        return len;
    size_t need = p[lead] < 0xE0 ? 2 : p[lead] < 0xF0 ? 3 : 4;
    bool ok;
    /* Cut only a sequence that is well formed as far as it goes and ends
     * early; anything else is the program's own and is kept (as U+FFFD). */
    if (len - lead < need && utf8_step(p + lead, len - lead, &ok) == len - lead && !ok)
        return lead;
    return len;
}

/* A JSON string of the captured bytes: valid UTF-8 is kept (NULs included,
 * json-c escapes them), anything else becomes U+FFFD. */
static struct json_object *json_bytes(const char *data, size_t len)
{
    if (!data)
        return json_object_new_string("");
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    bool ok = true;
    while (i < len) {
        size_t step = utf8_step(p + i, len - i, &ok);
        if (!ok)
            break;
        i += step;
    }
    if (ok && len <= INT_MAX)
        return json_object_new_string_len(data, (int)len);

    if (len > (INT_MAX - 3) / 3)
        return NULL;
    /* Freed by hand: clang 14's analyser does not follow a scope cleanup. */
    char *buf = malloc(len * 3 + 1);
    if (!buf)
        return NULL;
    size_t o = i;
    memcpy(buf, data, i);
    while (i < len) {
        size_t step = utf8_step(p + i, len - i, &ok);
        if (ok) {
            memcpy(buf + o, p + i, step);
            o += step;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
        i += step;
    }
    struct json_object *s = json_object_new_string_len(buf, (int)o);
    free(buf);
    return s;
}

/* Times are shown to the millisecond: more digits would be noise from the
 * clock and a rendering such as 0.012000000000000001 helps nobody. */
static struct json_object *json_fixed3(double d)
{
    char buf[64];
    if (!isfinite(d) || d < 0)
        d = 0;
    snprintf(buf, sizeof(buf), "%.3f", d);
    return json_object_new_double_s(d, buf);
}

/* Limits read as the operator wrote them: 1.0, 0.5, 1.25. */
static struct json_object *json_seconds_short(double d)
{
    char buf[64];
    if (!isfinite(d) || d < 0)
        d = 0;
    snprintf(buf, sizeof(buf), "%.3f", d);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot + 1 && *end == '0')
            *end-- = '\0';
    }
    return json_object_new_double_s(d, buf);
}

static uint64_t bytes_to_kib(uint64_t b)
{
    /* Rounded up so that a small non-zero limit never reads as "unlimited". */
    return b / 1024 + (b % 1024 != 0);
}

/* Adds v under k; a NULL v here means an allocation failed. */
static int add(struct json_object *o, const char *k, struct json_object *v)
{
    if (!v)
        return -ENOMEM;
    if (json_object_object_add(o, k, v) < 0) {
        json_object_put(v);
        return -ENOMEM;
    }
    return 0;
}

static int add_null(struct json_object *o, const char *k)
{
    return json_object_object_add(o, k, NULL) < 0 ? -ENOMEM : 0;
}

static int add_u64_or_null(struct json_object *o, const char *k, uint64_t v)
{
    return v ? add(o, k, json_object_new_uint64(v)) : add_null(o, k);
}

static struct json_object *limits_json(const struct rb_limits *l)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int r = 0;
    /* 0 means unlimited for every limit but extra_time_s, where it means none. */
    r |= l->cpu_time_s > 0 ? add(o, "cpu_time_s", json_seconds_short(l->cpu_time_s)) : add_null(o, "cpu_time_s");
    r |= l->wall_time_s > 0 ? add(o, "wall_time_s", json_seconds_short(l->wall_time_s)) : add_null(o, "wall_time_s");
    r |= add(o, "extra_time_s", json_seconds_short(l->extra_time_s));
    r |= add_u64_or_null(o, "memory_kib", bytes_to_kib(l->memory));
    r |= add_u64_or_null(o, "processes", l->processes);
    r |= add_u64_or_null(o, "file_size_kib", bytes_to_kib(l->file_size));
    r |= add_u64_or_null(o, "open_files", l->open_files);
    r |= add_u64_or_null(o, "stack_kib", bytes_to_kib(l->stack));
    r |= add_u64_or_null(o, "output_limit_kib", bytes_to_kib(l->output_limit));
    if (r) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static struct json_object *control_list(unsigned bits)
{
    struct json_object *a = json_object_new_array();
    if (!a)
        return NULL;
    for (int c = 0; c < RB_CTL_COUNT; c++) {
        if (!(bits & (1u << c)))
            continue;
        struct json_object *s = json_object_new_string(control_names[c]);
        if (!s || json_object_array_add(a, s) < 0) {
            json_object_put(s);
            json_object_put(a);
            return NULL;
        }
    }
    return a;
}

static struct json_object *controls_json(const struct rb_result *res)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int r = 0;
    r |= add(o, "applied", control_list(res->controls_applied));
    r |= add(o, "missing", control_list(res->controls_missing));
    r |= res->cgroup_backend ? add(o, "cgroup_backend", json_object_new_string(res->cgroup_backend))
                             : add_null(o, "cgroup_backend");
    r |= add(o, "strict", json_object_new_boolean(res->strict));
    if (r) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static struct json_object *cleanup_json(const struct rb_cleanup_report *rep)
{
    struct json_object *o = json_object_new_object();
    struct json_object *errors = json_object_new_array();
    if (!o || !errors) {
        json_object_put(o);
        json_object_put(errors);
        return NULL;
    }
    size_t n = rep->n_errors < RB_MAX_CLEANUP_ERRORS ? rep->n_errors : RB_MAX_CLEANUP_ERRORS;
    for (size_t i = 0; i < n; i++) {
        const struct rb_cleanup_error *e = &rep->errors[i];
        char line[sizeof(e->detail) + 64];
        /* detail is always NUL-terminated by cleanup_report_add; %.*s guards
         * against a report filled in by hand. */
        int dl = (int)strnlen(e->detail, sizeof(e->detail));
        if (dl)
            snprintf(line, sizeof(line), "%s: %.*s", cleanup_error_kind_name(e->kind), dl, e->detail);
        else
            snprintf(line, sizeof(line), "%s", cleanup_error_kind_name(e->kind));
        struct json_object *s = json_bytes(line, strlen(line));
        if (!s || json_object_array_add(errors, s) < 0) {
            json_object_put(s);
            json_object_put(errors);
            json_object_put(o);
            return NULL;
        }
    }
    int r = 0;
    r |= add(o, "outcome", json_object_new_string(cleanup_outcome_name(rep->outcome)));
    r |= add(o, "duration_s", json_fixed3(rep->duration_s));
    r |= add(o, "errors", errors);
    if (r) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

char *cleanup_report_to_json(long box_id, const struct rb_cleanup_report *rep)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int r = add(o, "schema", json_object_new_string("rustbox.cleanup/1"));
    r |= add(o, "box_id", json_object_new_int64(box_id));
    r |= add(o, "cleanup", cleanup_json(rep));
    char *s = r ? NULL
                : strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

/* "timings": {"config_us": ..., ..., "cleanup_steps": {"kill_us": ...},
 * "total_us": ...}: every phase in order, then the teardown's steps (part of
 * cleanup_us), then the total. */
static struct json_object *timings_json(const struct rb_result *res)
{
    struct json_object *o = json_object_new_object();
    struct json_object *steps = json_object_new_object();
    if (!o || !steps) {
        json_object_put(o);
        json_object_put(steps);
        return NULL;
    }
    int r = 0;
    char key[32];
    for (int p = 0; p < RB_PHASE_COUNT; p++) {
        snprintf(key, sizeof(key), "%s_us", phase_name((enum rb_phase)p));
        r |= add(o, key, json_object_new_uint64(res->timings.phase_us[p]));
    }
    for (int s = 0; s < RB_CSTEP_COUNT; s++) {
        snprintf(key, sizeof(key), "%s_us", cleanup_step_name((enum rb_cleanup_step)s));
        r |= add(steps, key, json_object_new_uint64(res->cleanup.step_us[s]));
    }
    r |= add(o, "cleanup_steps", steps);
    r |= add(o, "total_us", json_object_new_uint64(res->timings.total_us));
    if (r) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

char *result_to_json(const struct rb_result *res)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int r = 0;
    /* Key order is part of the contract (SPEC §2); json-c keeps insertion order. */
    r |= add(o, "schema", json_object_new_string("rustbox.result/1"));
    r |= add(o, "box_id", json_object_new_int64(res->box_id));
    r |= add(o, "verdict", json_object_new_string(verdict_name(res->verdict)));
    r |= res->reason ? add(o, "reason", json_bytes(res->reason, strlen(res->reason))) : add_null(o, "reason");
    r |= res->exited ? add(o, "exit_code", json_object_new_int(res->exit_code)) : add_null(o, "exit_code");
    r |= res->signal ? add(o, "signal", json_object_new_int(res->signal)) : add_null(o, "signal");
    r |= add(o, "cpu_time_s", json_fixed3(res->cpu_time_s));
    r |= add(o, "wall_time_s", json_fixed3(res->wall_time_s));
    r |= add(o, "memory_peak_kib", json_object_new_uint64(res->memory_peak_kib));
    r |= add(o, "stdout", json_bytes(res->out, res->out_len));
    r |= add(o, "stderr", json_bytes(res->err, res->err_len));
    r |= add(o, "output_truncated", json_object_new_boolean(res->output_truncated));
    r |= add(o, "limits", limits_json(&res->limits));
    r |= add(o, "controls", controls_json(res));
    r |= res->cleanup_ran ? add(o, "cleanup", cleanup_json(&res->cleanup)) : add_null(o, "cleanup");
    r |= add(o, "timings", timings_json(res));

    char *text = NULL;
    if (!r) {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        text = s ? strdup(s) : NULL;
    }
    json_object_put(o);
    return text;
}

/* ---- isolate meta file ---- */

/* isolate's meta status and message for a run, from what happened to the
 * program rather than from rustbox's finer verdict: isolate knows a timeout
 * (TO), a signal (SG), a non-zero exit (RE) and its own failure (XX). An
 * out-of-memory kill is the signal that ended the program (with
 * cg-oom-killed), a file-size overflow SIGXFSZ, a forbidden system call
 * SIGSYS. NULL status: the run is OK. */
/* The box failed before the program started (verdict.c's reason). */
static bool setup_failed(const struct rb_result *res)
{
    return res->verdict == RB_IE && res->reason && !strncmp(res->reason, RB_SETUP_FAILED, sizeof(RB_SETUP_FAILED) - 1);
}

const char *result_isolate_status(const struct rb_result *res, char *msg, size_t len)
{
    msg[0] = '\0';
    switch (res->verdict) {
    case RB_IE: {
        /* A failure inside the box before the program: isolate says what
         * failed without rustbox's "setup failed" prefix. */
        const char *reason = res->reason && *res->reason ? res->reason : "Internal error";
        if (setup_failed(res))
            reason += sizeof(RB_SETUP_FAILED) - 1;
        snprintf(msg, len, "%s", reason);
        return "XX";
    }
    case RB_TLE:
        /* CMS tells wall from CPU timeouts by "wall" in this message. */
        snprintf(msg, len, "%s",
                 res->reason && strstr(res->reason, "wall") ? "Time limit exceeded (wall clock)"
                                                            : "Time limit exceeded");
        return "TO";
    case RB_OLE:
        /* isolate has no output limit: say which limit rustbox enforced. */
        if (res->killed_by_supervisor) {
            snprintf(msg, len, "Output limit exceeded");
            return "SG";
        }
        break;
    default: break;
    }
    if (res->signal) {
        snprintf(msg, len, "Caught fatal signal %d", res->signal);
        return "SG";
    }
    if (res->exited && res->exit_code != 0) {
        snprintf(msg, len, "Exited with error status %d", res->exit_code);
        return "RE";
    }
    if (res->verdict != RB_OK && !res->exited) {
        /* Ended without an exit status or a signal of its own (an output
         * limit kill, say): still never read as success. */
        snprintf(msg, len, "%s", res->reason && *res->reason ? res->reason : verdict_name(res->verdict));
        return "SG";
    }
    return NULL;
}

/* The meta file is line-based; a reason carrying a newline must not forge keys. */
static void put_message(FILE *f, const char *msg)
{
    fputs("message:", f);
    for (const char *p = msg; *p; p++)
        fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
    fputc('\n', f);
}

static void put_status(FILE *f, const char *status, const char *msg)
{
    fprintf(f, "status:%s\n", status);
    if (msg[0])
        put_message(f, msg);
}

/* Keys and their order as isolate writes them: a box it killed for time
 * starts with status, message and killed (written at the kill), every other
 * run ends with its exit code or signal, then status and message. */
char *result_to_meta(const struct rb_result *res, bool cgroup_mode)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;

    char msg[320];
    const char *status = result_isolate_status(res, msg, sizeof(msg));
    /* isolate writes only status and message when the program never ran. */
    bool ran = res->verdict != RB_IE || (res->have_rusage && !setup_failed(res));
    bool timed_out_by_kill = res->verdict == RB_TLE && res->killed_by_supervisor;
    if (timed_out_by_kill) {
        put_status(f, status, msg);
        fputs("killed:1\n", f);
    }
    if (ran) {
        fprintf(f, "time:%.3f\n", isfinite(res->cpu_time_s) ? res->cpu_time_s : 0.0);
        fprintf(f, "time-wall:%.3f\n", isfinite(res->wall_time_s) ? res->wall_time_s : 0.0);
        fprintf(f, "max-rss:%" PRIu64 "\n", res->have_rusage ? res->max_rss_kib : res->memory_peak_kib);
        if (res->have_rusage) {
            fprintf(f, "csw-voluntary:%" PRIu64 "\n", res->csw_voluntary);
            fprintf(f, "csw-forced:%" PRIu64 "\n", res->csw_forced);
        }
        if (cgroup_mode) {
            fprintf(f, "cg-mem:%" PRIu64 "\n", res->memory_peak_kib);
            /* A judge reads this key's presence as "the OOM killer acted". */
            if (res->oom_killed)
                fputs("cg-oom-killed:1\n", f);
        }
    }
    if (!timed_out_by_kill) {
        if (ran && res->verdict != RB_TLE && res->verdict != RB_IE) {
            if (res->signal)
                fprintf(f, "exitsig:%d\n", res->signal);
            else if (res->exited)
                fprintf(f, "exitcode:%d\n", res->exit_code);
            /* isolate writes killed only for the limits it enforces by
             * killing; a forbidden call (SV) ends as the signal alone. */
            if (res->killed_by_supervisor && res->verdict == RB_OLE)
                fputs("killed:1\n", f);
        }
        if (status)
            put_status(f, status, msg);
    }

    if (ferror(f)) {
        fclose(f);
        free(text);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

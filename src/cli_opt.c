/* SPDX-License-Identifier: Apache-2.0 */
/* cli_opt: the option scanner, value parsers and request-option table both
 * command-line syntaxes share, and the --dir/--env rules of a request.
 * Nothing here includes cli.h: cli.c and isolate_cli.c build on this. */
#include "cli_opt.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dirrules.h"
#include "error.h"
#include "util.h"


static bool all_digits(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* In rustbox's syntax "--processes 8" works and "--processes many" is an
 * error naming --processes; in isolate's, getopt would never take a value
 * from the next word, but a plain number is taken anyway because no judge
 * runs a program named "8". Either way a bare "--processes" (unlimited)
 * does not eat the program or the next option. */
static void take_optional(struct opt_iter *it, struct opt_hit *hit)
{
    const char *next = it->i < it->argc ? it->argv[it->i] : NULL;
    if (next && (it->syntax == CLI_NATIVE ? next[0] != '-' : all_digits(next)))
        hit->val = it->argv[it->i++];
}

/* The short option c (if not 0) or the long one name[0..n). */
static bool opt_is(const struct opt_def *d, char c, const char *name, size_t n)
{
    if (c)
        return d->shrt == c;
    return d->lng && strlen(d->lng) == n && !strncmp(d->lng, name, n);
}

/* Looks among the command's own options, then among the request options
 * spelt so in the iterator's syntax. Fills hit->def and hit->req. */
static bool find_opt(const struct opt_iter *it, const struct opt_def *defs, char c, const char *name, size_t n,
                     struct opt_hit *hit)
{
    for (const struct opt_def *d = defs; d->id; d++) {
        if (opt_is(d, c, name, n)) {
            hit->def = d;
            return true;
        }
    }
    for (const struct req_opt *o = it->reqs; o && o->def.id; o++) {
        if (o->val[it->syntax] != RV_ABSENT && opt_is(&o->def, c, name, n)) {
            hit->def = &o->def;
            hit->req = o;
            return true;
        }
    }
    return false;
}

/* getopt_long, which isolate uses, takes a long option by any prefix that
 * names one option only: "--box=1" is "--box-id=1". find_prefix counts the
 * options name[0..n) begins, fills hit with the last one and lists them
 * all, for getopt's message about an ambiguous one. */
struct prefix_matches {
    int count;
    char list[256]; /* " '--a' '--b'", as getopt lists them */
    size_t used;
};

static void prefix_match(struct prefix_matches *m, struct opt_hit *hit, const struct opt_def *d,
                         const struct req_opt *o)
{
    m->count++;
    hit->def = d;
    hit->req = o;
    if (m->used < sizeof(m->list)) {
        int w = snprintf(m->list + m->used, sizeof(m->list) - m->used, " '--%s'", d->lng);
        m->used += w > 0 ? (size_t)w : 0;
    }
}

static void find_prefix(const struct opt_iter *it, const struct opt_def *defs, const char *name, size_t n,
                        struct opt_hit *hit, struct prefix_matches *m)
{
    for (const struct opt_def *d = defs; d->id; d++)
        if (d->lng && !strncmp(d->lng, name, n))
            prefix_match(m, hit, d, NULL);
    for (const struct req_opt *o = it->reqs; o && o->def.id; o++)
        if (o->val[it->syntax] != RV_ABSENT && o->def.lng && !strncmp(o->def.lng, name, n))
            prefix_match(m, hit, &o->def, o);
}

/* isolate's syntax words its scanning errors as glibc's getopt_long does
 * for isolate (argv[0] first), since judges match on them. */
static const char *prog_name(const struct opt_iter *it)
{
    return it->argc > 0 && it->argv[0] ? it->argv[0] : "isolate";
}

static int next_short(struct opt_iter *it, const struct opt_def *defs, struct opt_hit *hit, char *err, size_t errlen)
{
    char c = *it->cluster++;
    bool iso = it->syntax == CLI_ISOLATE;
    if (!find_opt(it, defs, c, NULL, 0, hit))
        return iso ? rb_error_refuse(err, errlen, "%s: invalid option -- '%c'", prog_name(it), c)
                   : rb_error_refuse(err, errlen, "unknown option '-%c'%s", c, it->ctx ? it->ctx : "");
    const struct opt_def *d = hit->def;
    snprintf(hit->name, sizeof(hit->name), "-%c", c);
    if (d->arg == ARG_NONE)
        return OPT_FOUND;
    if (*it->cluster) {
        hit->val = it->cluster;
        it->cluster = NULL;
    } else if (d->arg == ARG_OPT) {
        take_optional(it, hit);
    } else if (it->i < it->argc) {
        hit->val = it->argv[it->i++];
    } else {
        return iso ? rb_error_refuse(err, errlen, "%s: option requires an argument -- '%c'", prog_name(it), c)
                   : rb_error_refuse(err, errlen, "%s needs a value", hit->name);
    }
    return OPT_FOUND;
}

int opt_next(struct opt_iter *it, const struct opt_def *defs, struct opt_hit *hit, char *err, size_t errlen)
{
    memset(hit, 0, sizeof(*hit));
    if (it->cluster && *it->cluster)
        return next_short(it, defs, hit, err, errlen);
    it->cluster = NULL;
    if (it->i >= it->argc || !it->argv[it->i])
        return OPT_END;
    const char *a = it->argv[it->i++];
    if (!strcmp(a, "--"))
        return OPT_DASHDASH;
    if (a[0] != '-' || a[1] == '\0') {
        hit->val = a;
        return OPT_POSITIONAL;
    }
    if (a[1] != '-') {
        it->cluster = a + 1;
        return next_short(it, defs, hit, err, errlen);
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    bool iso = it->syntax == CLI_ISOLATE;
    if (!find_opt(it, defs, 0, name, n, hit) && iso && n) {
        struct prefix_matches m = { 0 };
        find_prefix(it, defs, name, n, hit, &m);
        if (m.count > 1)
            return rb_error_refuse(err, errlen, "%s: option '%s' is ambiguous; possibilities:%s", prog_name(it), a,
                                   m.list);
    }
    if (!hit->def)
        return iso ? rb_error_refuse(err, errlen, "%s: unrecognized option '%s'", prog_name(it), a)
                   : rb_error_refuse(err, errlen, "unknown option '--%.*s'%s", (int)n, name, it->ctx ? it->ctx : "");
    const struct opt_def *d = hit->def;
    snprintf(hit->name, sizeof(hit->name), "--%s", d->lng);
    if (d->arg == ARG_NONE && eq)
        return iso ? rb_error_refuse(err, errlen, "%s: option '%s' doesn't allow an argument", prog_name(it), hit->name)
                   : rb_error_refuse(err, errlen, "%s takes no value", hit->name);
    if (eq)
        hit->val = eq + 1;
    else if (d->arg == ARG_OPT)
        take_optional(it, hit);
    else if (d->arg == ARG_REQ && it->i < it->argc)
        hit->val = it->argv[it->i++];
    else if (d->arg == ARG_REQ)
        return iso ? rb_error_refuse(err, errlen, "%s: option '%s' requires an argument", prog_name(it), hit->name)
                   : rb_error_refuse(err, errlen, "%s needs a value", hit->name);
    return OPT_FOUND;
}

/* ---- values ---- */

int val_seconds(const struct opt_hit *h, double *dst, char *err, size_t errlen)
{
    int r = parse_seconds(h->val, dst);
    if (r == -ERANGE)
        return rb_error_refuse(err, errlen, "%s: time '%s' is too large", h->name, h->val);
    if (r < 0)
        return rb_error_refuse(err, errlen, "%s: invalid time '%s' (use seconds, e.g. 1.5)", h->name, h->val);
    return 0;
}

int val_size(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen)
{
    int r = parse_size(h->val, dst);
    if (r == -ERANGE)
        return rb_error_refuse(err, errlen, "%s: size '%s' is too large", h->name, h->val);
    if (r < 0)
        return rb_error_refuse(err, errlen, "%s: invalid size '%s' (use a number with an optional K, M or G suffix)",
                               h->name, h->val);
    return 0;
}

int val_kib(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen)
{
    uint64_t v;
    int r = parse_uint(h->val, UINT64_MAX / 1024, &v);
    if (r == -ERANGE)
        return rb_error_refuse(err, errlen, "%s: size '%s' is too large", h->name, h->val);
    if (r < 0)
        return rb_error_refuse(err, errlen, "%s: invalid size '%s' (use a number of KiB)", h->name, h->val);
    *dst = v * 1024;
    return 0;
}

int val_count(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen)
{
    int r = parse_uint(h->val, CLI_COUNT_MAX, dst);
    if (r == -ERANGE)
        return rb_error_refuse(err, errlen, "%s: number '%s' is too large (at most %d)", h->name, h->val,
                               CLI_COUNT_MAX);
    if (r < 0)
        return rb_error_refuse(err, errlen, "%s: invalid number '%s' (use a non-negative integer)", h->name, h->val);
    return 0;
}

int val_box_id(const struct opt_hit *h, long *dst, char *err, size_t errlen)
{
    uint64_t v;
    if (parse_uint(h->val, CLI_BOX_ID_MAX, &v) < 0)
        return rb_error_refuse(err, errlen, "%s: invalid box id '%s' (use a number from 0 to %d)", h->name, h->val,
                               CLI_BOX_ID_MAX);
    *dst = (long)v;
    return 0;
}

int val_nonempty(const struct opt_hit *h, char **dst, char *err, size_t errlen)
{
    if (!*h->val)
        return rb_error_refuse(err, errlen, "%s: the value must not be empty", h->name);
    *dst = (char *)h->val;
    return 0;
}

/* ---- the run request's options, both syntaxes ---- */

#define FIELD_TYPE(f) \
    _Generic(((struct rb_run_request *)0)->f, double: RT_DOUBLE, uint64_t: RT_U64, char *: RT_STRING,    \
             bool: RT_BOOL, default: RT_OTHER)
#define REQ(lng, shrt, arg, native, isolate, f, limit, rules)                                                    \
    {                                                                                                            \
        { lng, shrt, arg, OPT_REQUEST }, { native, isolate }, offsetof(struct rb_run_request, f), FIELD_TYPE(f), \
            limit, rules                                                                                         \
    }
#define IGNORED(lng, native, isolate)                                             \
    {                                                                             \
        { lng, 0, ARG_NONE, OPT_REQUEST }, { native, isolate }, 0, RT_OTHER, 0, 0 \
    }

/* The column of a syntax gives how the value reads there; RV_ABSENT: no
 * such spelling in that syntax. Where a spelling is in both syntaxes it
 * means the same, except that isolate counts sizes in KiB. */
/* clang-format off: the table's columns are its point */
const struct req_opt req_opts[] = {
    /*  long                short arg       native      isolate     field                limit bit          rules */
    REQ("time", 't', ARG_REQ, RV_SECONDS, RV_SECONDS, limits.cpu_time_s, RB_LIM_CPU, 0),
    REQ("wall-time", 'w', ARG_REQ, RV_SECONDS, RV_SECONDS, limits.wall_time_s, RB_LIM_WALL, 0),
    REQ("extra-time", 'x', ARG_REQ, RV_SECONDS, RV_SECONDS, limits.extra_time_s, RB_LIM_EXTRA, 0),
    REQ("memory", 0, ARG_REQ, RV_SIZE, RV_ABSENT, limits.memory, RB_LIM_MEMORY, 0),
    REQ("cg-mem", 0, ARG_REQ, RV_KIB, RV_KIB, limits.memory, RB_LIM_MEMORY, 0),
    /* isolate's -m: each process's address space (RLIMIT_AS), as isolate
     * sets it, so malloc fails rather than the box being OOM-killed; the
     * box's memory limit stays --cg-mem's (or the config's). */
    REQ("mem", 'm', ARG_REQ, RV_KIB, RV_KIB, address_space, 0, 0),
    REQ("processes", 'p', ARG_OPT, RV_COUNT, RV_COUNT, limits.processes, RB_LIM_PROCESSES, 0),
    REQ("file-size", 0, ARG_REQ, RV_SIZE, RV_ABSENT, limits.file_size, RB_LIM_FILE_SIZE, 0),
    REQ("fsize", 'f', ARG_REQ, RV_KIB, RV_KIB, limits.file_size, RB_LIM_FILE_SIZE, 0),
    REQ("open-files", 'n', ARG_REQ, RV_COUNT, RV_COUNT, limits.open_files, RB_LIM_OPEN_FILES, 0),
    REQ("stack", 0, ARG_REQ, RV_SIZE, RV_KIB, limits.stack, RB_LIM_STACK, 0),
    REQ(NULL, 'k', ARG_REQ, RV_KIB, RV_KIB, limits.stack, RB_LIM_STACK, 0),
    REQ("output-limit", 0, ARG_REQ, RV_SIZE, RV_ABSENT, limits.output_limit, RB_LIM_OUTPUT, 0),
    REQ("stdin", 'i', ARG_REQ, RV_TEXT, RV_TEXT, stdin_path, 0, 0),
    REQ("stdout", 'o', ARG_REQ, RV_TEXT, RV_TEXT, stdout_path, 0, 0),
    REQ("stderr", 'r', ARG_REQ, RV_TEXT, RV_TEXT, stderr_path, 0, RQ_STDERR),
    REQ("stderr-to-stdout", 0, ARG_NONE, RV_TRUE, RV_TRUE, stderr_to_stdout, 0, RQ_STDERR),
    REQ("chdir", 'c', ARG_REQ, RV_TEXT, RV_TEXT, chdir, 0, 0),
    REQ("dir", 'd', ARG_REQ, RV_DIR, RV_DIR, dirs, 0, 0),
    REQ("env", 'E', ARG_REQ, RV_ENV, RV_ENV, env, 0, 0),
    REQ("full-env", 'e', ARG_NONE, RV_TRUE, RV_TRUE, full_env, 0, 0),
    REQ("meta", 'M', ARG_REQ, RV_TEXT, RV_TEXT, meta_path, 0, 0),
    REQ("code", 0, ARG_REQ, RV_TEXT, RV_ABSENT, code, 0, 0),
    REQ("special-files", 0, ARG_NONE, RV_TRUE, RV_TRUE, special_files, 0, 0),
    REQ("share-net", 0, ARG_NONE, RV_TRUE, RV_TRUE, share_net, 0, 0),
    /* isolate's cgroup switches: rustbox always uses cgroups; --cg decides
     * whether isolate's meta file carries the cg- keys and, with
     * --no-cg-timing, whose CPU time counts (request_cpu_rule). --cg-timing
     * is isolate's default. */
    REQ("cg", 0, ARG_NONE, RV_TRUE, RV_TRUE, cg_meta_keys, 0, 0),
    IGNORED("cg-timing", RV_IGNORED, RV_IGNORED),
    REQ("no-cg-timing", 0, ARG_NONE, RV_ABSENT, RV_TRUE, process_timing, 0, 0),
    { { NULL, 0, 0, 0 }, { RV_ABSENT, RV_ABSENT }, 0, RT_OTHER, 0, 0 },
};
/* clang-format on */

enum req_type req_val_type(enum req_val v)
{
    switch (v) {
    case RV_SECONDS: return RT_DOUBLE;
    case RV_SIZE:
    case RV_KIB:
    case RV_COUNT: return RT_U64;
    case RV_TEXT: return RT_STRING;
    case RV_TRUE: return RT_BOOL;
    default: return RT_OTHER;
    }
}

/* rustbox's syntax refuses 0 where it would read as no limit at all: a box
 * without a memory limit, output captured without bound (the supervisor's
 * memory, SPEC §3), a "limit" of no process (a bare --processes is how to
 * say none). isolate's syntax keeps isolate's reading of 0: no limit. 0 for
 * --open-files (as many as the host allows), --file-size and --stack (no
 * rlimit) is taken in both: docs/decisions.md. */
static int refuse_zero(const struct opt_hit *h, unsigned limit, char *err, size_t errlen)
{
    switch (limit) {
    case RB_LIM_MEMORY:
        return rb_error_refuse(err, errlen, "%s: 0 would leave the box without a memory limit; give a size", h->name);
    case RB_LIM_OUTPUT:
        return rb_error_refuse(err, errlen, "%s: 0 would capture output without a bound; give a size", h->name);
    case RB_LIM_PROCESSES:
        return rb_error_refuse(err, errlen, "%s: 0 is not a process limit; give at least 1, or a bare %s for no limit",
                               h->name, h->name);
    default: return 0;
    }
}

int req_option(struct rb_run_request *req, enum cli_syntax syntax, const struct opt_hit *h, char *err, size_t errlen)
{
    const struct req_opt *o = h->req;
    enum req_val kind = o->val[syntax];
    /* A row whose field is not of the kind's type would write past it;
     * the unit tests check every row, this keeps a slip from corrupting. */
    if (kind == RV_ABSENT || o->type != req_val_type(kind))
        return rb_error_refuse(err, errlen, "%s: not handled", h->name);
    void *field = (char *)req + o->field;
    uint64_t *number = field;
    int r = 0;
    req->limits_set |= o->limit;
    if (o->rules & RQ_STDERR) {
        req->stderr_to_stdout = false;
        req->stderr_path = NULL;
    }
    switch (kind) {
    case RV_SECONDS: r = val_seconds(h, field, err, errlen); break;
    case RV_SIZE: r = val_size(h, number, err, errlen); break;
    case RV_KIB: r = val_kib(h, number, err, errlen); break;
    case RV_COUNT:
        *number = 0; /* a bare --processes: unlimited, as in isolate */
        r = h->val ? val_count(h, number, err, errlen) : 0;
        break;
    case RV_TEXT: r = val_nonempty(h, field, err, errlen); break;
    case RV_TRUE: *(bool *)field = true; break;
    case RV_DIR: r = req_add_dir(req, h->val, err, errlen); break;
    case RV_ENV: r = req_add_env(req, h->val, err, errlen); break;
    case RV_IGNORED:
    case RV_ABSENT: break;
    }
    if (r == 0 && syntax == CLI_NATIVE && h->val && (kind == RV_SIZE || kind == RV_KIB || kind == RV_COUNT) &&
        *number == 0)
        r = refuse_zero(h, o->limit, err, errlen);
    return r;
}

/* ---- --dir and --env rules ---- */

/* dirrules' refusals quote the spec; the option they came from goes first. */
static int dir_error(int r, char *err, size_t errlen)
{
    static const char prefix[] = "--dir: ";
    if (r >= 0 || !err || !errlen)
        return r;
    /* Truncated as one message formatted into err would be. */
    size_t room = errlen - 1;
    size_t plen = sizeof(prefix) - 1 < room ? sizeof(prefix) - 1 : room;
    size_t len = strnlen(err, room);
    if (len > room - plen)
        len = room - plen;
    memmove(err + plen, err, len);
    memcpy(err, prefix, plen);
    err[plen + len] = '\0';
    return r;
}

int req_add_dir(struct rb_run_request *req, const char *spec, char *err, size_t errlen)
{
    return dir_error(dirrules_add(&req->dirs, &req->n_dirs, spec, err, errlen), err, errlen);
}

int req_drop_default_dirs(struct rb_run_request *req, char *err, size_t errlen)
{
    return dir_error(dirrules_drop_defaults(&req->dirs, &req->n_dirs, err, errlen), err, errlen);
}

int req_add_env(struct rb_run_request *req, const char *spec, char *err, size_t errlen)
{
    if (!spec || !*spec)
        return rb_error_refuse(err, errlen, "--env: empty value (use VAR or VAR=VALUE)");
    size_t n = strcspn(spec, "=");
    bool ok = n > 0 && !(spec[0] >= '0' && spec[0] <= '9');
    for (size_t i = 0; ok && i < n; i++) {
        char c = spec[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (!ok)
        return rb_error_refuse(
            err, errlen,
            "--env: invalid variable name '%.*s' in '%s' (use letters, digits and _, not starting with a digit)",
            (int)n, spec, spec);
    char *copy = strdup(spec);
    if (!copy)
        return -ENOMEM;
    for (size_t i = 0; i < req->n_env; i++) {
        if (strncmp(req->env[i], spec, n) || (req->env[i][n] != '=' && req->env[i][n] != '\0'))
            continue;
        free(req->env[i]);
        req->env[i] = copy;
        return 0;
    }
    char **ne = realloc(req->env, (req->n_env + 1) * sizeof(*ne));
    if (!ne) {
        free(copy);
        return -ENOMEM;
    }
    req->env = ne;
    ne[req->n_env++] = copy;
    return 0;
}

void req_free_rules(struct rb_run_request *req)
{
    free(req->caller_fds);
    req->caller_fds = NULL;
    req->n_caller_fds = 0;
    dirrules_free(&req->dirs, &req->n_dirs);
    for (size_t i = 0; i < req->n_env; i++)
        free(req->env[i]);
    free(req->env);
    req->env = NULL;
    req->n_env = 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lifecycle.h"
#include "log.h"
#include "run.h"
#include "util.h"

/* isolate reports every error with status 2; rustbox's own syntax uses 64 for
 * what the caller got wrong. */
static int usage_status(const struct rb_cli *cli)
{
    return cli->isolate_mode ? RB_EXIT_INTERNAL : RB_EXIT_USAGE;
}

/* The exit status of a lifecycle call that did not do its job; its error
 * text is printed as the library worded it. */
static int failure_status(const struct rb_cli *cli, enum rb_status st, const struct rb_error *err)
{
    if (err->code)
        log_error("%s", err->text);
    switch (st) {
    case RB_STATUS_REFUSED: return usage_status(cli);
    case RB_STATUS_QUARANTINED: return RB_EXIT_QUARANTINED;
    default: return RB_EXIT_INTERNAL;
    }
}

int cmd_init(struct rb_ctx *ctx, struct rb_cli *cli)
{
    struct rb_box box;
    struct rb_error err = { 0 };
    /* isolate's syntax gets isolate's layout: --init prints a private dir
     * that holds box/; rustbox's own keeps its tmpfs root (docs/SPEC.md). */
    struct rb_box_shape shape = { .layout = cli->isolate_mode ? RB_LAYOUT_ISOLATE : RB_LAYOUT_NATIVE,
                                  .refuse_existing = cli->isolate_mode,
                                  .no_cg = cli->isolate_mode && !cli->run.cg_meta_keys,
                                  .quota_blocks = cli->quota_blocks,
                                  .quota_inodes = cli->quota_inodes };
    enum rb_status st = lifecycle_init(ctx, cli->box_id, &shape, &box, &err);
    if (st == RB_STATUS_REFUSED && err.code == -EEXIST && cli->isolate_mode) {
        /* isolate's words and status for a second --init. */
        fprintf(stderr, "Box already exists, run `isolate %s--cleanup' first\n", cli->run.cg_meta_keys ? "--cg " : "");
        return RB_EXIT_INTERNAL;
    }
    if (st != RB_STATUS_DONE)
        return failure_status(cli, st, &err);
    printf("%s\n", box.layout == RB_LAYOUT_ISOLATE ? box.dir : box.root);
    return RB_EXIT_OK;
}

int cmd_print_cg_root(struct rb_ctx *ctx, struct rb_cli *cli)
{
    (void)cli;
    if (!ctx->cg) {
        fprintf(stderr, "No usable control group hierarchy: %s\n",
                ctx->cg_caps.why[0] ? ctx->cg_caps.why : "no backend");
        return RB_EXIT_INTERNAL;
    }
    /* The dirs the boxes' groups are made in: one on cgroup v2, one line
     * per hierarchy (memory, pids, cpuacct, ...) on v1. */
    struct rb_cgroup cg;
    cgroup_init(&cg, ctx->cg);
    int r = ctx->cg->parents(&cg, &ctx->cg_caps, ctx->cg_root, ctx->cfg.cgroup_parent, ctx->cfg.name_prefix);
    if (r < 0 || cg.n_dirs == 0) {
        fprintf(stderr, "Cannot name the control group root: %s\n", strerror(r < 0 ? -r : ENOENT));
        return RB_EXIT_INTERNAL;
    }
    for (int i = 0; i < cg.n_dirs; i++)
        printf("%s\n", cg.dirs[i]);
    return RB_EXIT_OK;
}

int cmd_cleanup(struct rb_ctx *ctx, struct rb_cli *cli)
{
    struct rb_cleanup_report rep;
    struct rb_error err = { 0 };
    bool existed;
    enum rb_status st = lifecycle_cleanup(ctx, cli->box_id, &rep, &existed, &err);
    if (st != RB_STATUS_DONE && !existed)
        return failure_status(cli, st, &err);
    if (existed && !cli->isolate_mode) {
        _cleanup_free_ char *json = cleanup_report_to_json(cli->box_id, &rep);
        printf("%s\n", json ? json : "{}");
    }
    return st == RB_STATUS_DONE ? RB_EXIT_OK : failure_status(cli, st, &err);
}

static json_object *controls_json(const struct rb_ctx *ctx)
{
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    json_object *o = json_object_new_object(), *a = json_object_new_array(), *m = json_object_new_array();
    for (int c = 0; c < RB_CTL_COUNT; c++)
        json_object_array_add((applied >> c) & 1 ? a : m, json_object_new_string(control_name((enum rb_control)c)));
    json_object_object_add(o, "applied", a);
    json_object_object_add(o, "missing", m);
    json_object_object_add(o, "cgroup_backend", json_object_new_string(ctx->cg ? ctx->cg->name : "none"));
    json_object_object_add(o, "strict", json_object_new_boolean(ctx->cfg.strict));
    return o;
}

int cmd_dry_run(struct rb_ctx *ctx, struct rb_cli *cli)
{
    (void)cli; /* the report is of the host, whatever the request */
    const struct rb_cg_caps *caps = &ctx->cg_caps;
    _cleanup_json_ json_object *o = json_object_new_object();
    json_object_object_add(o, "schema", json_object_new_string("rustbox.capabilities/1"));
    json_object_object_add(o, "controls", controls_json(ctx));
    json_object *cg = json_object_new_object();
    json_object_object_add(cg, "requested", json_object_new_string(cgroup_backend_name(ctx->cfg.cgroup_backend)));
    json_object_object_add(cg, "memory", json_object_new_boolean(ctx->cg && caps->memory));
    json_object_object_add(cg, "pids", json_object_new_boolean(ctx->cg && caps->pids));
    json_object_object_add(cg, "cpu", json_object_new_boolean(ctx->cg && caps->cpu));
    json_object_object_add(cg, "detail", caps->why[0] ? json_object_new_string(caps->why) : NULL);
    json_object_object_add(o, "cgroup", cg);
    /* The ids boxes run as: cleanup and health treat every process of them as a box's. */
    const struct rb_config *cfg = &ctx->cfg;
    json_object *ids = json_object_new_object();
    json_object_object_add(ids, "num_boxes", json_object_new_int64(cfg->num_boxes));
    json_object_object_add(ids, "first_uid", json_object_new_int64(cfg->first_uid));
    json_object_object_add(ids, "last_uid", json_object_new_int64((int64_t)cfg->first_uid + cfg->num_boxes - 1));
    json_object_object_add(ids, "first_gid", json_object_new_int64(cfg->first_gid));
    json_object_object_add(ids, "last_gid", json_object_new_int64((int64_t)cfg->first_gid + cfg->num_boxes - 1));
    json_object_object_add(o, "box_ids", ids);
    json_object_object_add(o, "pidfd_mode", json_object_new_string("native"));
    json_object_object_add(o, "namespace_support", json_object_new_string("full"));
    unsigned applied, missing;
    run_controls(ctx, &applied, &missing);
    json_object_object_add(o, "would_run", json_object_new_boolean(!(missing && ctx->cfg.strict)));
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    return RB_EXIT_OK;
}

/* Where a meta file may not go: below a box's directory,
 * <work_root>/<prefix>-<id> (or <box_root>/<id>), whose box/ and tmp/ the
 * box fills as it likes (a symlink planted there once had root overwrite a
 * file outside). The box directory itself is root's and no box can write
 * it: Judge0 keeps its meta file there, next to box/, as isolate allows.
 * Only the boxes' directories, not all of work_root: that may be a shared
 * directory such as /tmp, where judges keep their meta files. */
struct meta_bounds {
    char root[PATH_MAX];     /* work_root, resolved */
    char box_root[PATH_MAX]; /* box_root, resolved; "" when unset */
    const char *prefix;
    char why[PATH_MAX + 64];
};

/* The end of the box dir name in dir when dir is <root>/<prefix>-<id>[/...]
 * (prefix NULL: <root>/<id>[/...]), else NULL. */
static const char *box_dir_end(const char *dir, const char *root, const char *prefix)
{
    size_t rl = strlen(root), pl = prefix ? strlen(prefix) : 0;
    const char *rest = dir;
    if (!(rl == 1 && root[0] == '/')) {
        if (strncmp(dir, root, rl) != 0 || dir[rl] != '/')
            return NULL;
        rest = dir + rl;
    }
    rest++; /* the '/' after the root */
    if (prefix && (strncmp(rest, prefix, pl) != 0 || rest[pl] != '-'))
        return NULL;
    const char *end = rest + (prefix ? pl + 1 : 0);
    if (!(*end >= '0' && *end <= '9'))
        return NULL;
    while (*end >= '0' && *end <= '9')
        end++;
    return *end && *end != '/' ? NULL : end;
}

static const char *meta_dir_refused(const char *dir, void *data)
{
    struct meta_bounds *b = data;
    const char *end = box_dir_end(dir, b->root, b->prefix);
    if (!end && b->box_root[0])
        end = box_dir_end(dir, b->box_root, NULL);
    if (!end || !*end) /* not a box's, or the box dir itself */
        return NULL;
    (void)snprintf(b->why, sizeof(b->why), "the box directory %.*s, whose subdirectories its box can change",
                   (int)(end - dir), dir); /* a prefix of a PATH_MAX path: it fits */
    return b->why;
}

/* Checks (text NULL) or writes the meta file with the caller's own uid and
 * gid when rustbox runs set-uid, through no symlink a box or another user
 * could have planted (host_file_write), refusing the dirs `refuse` names. */
static int meta_write_as_caller(const char *path, const char *text, host_dir_refuse_fn refuse, void *refuse_data,
                                struct rb_error *err)
{
    /* isolate 2.x's "-M -": the meta file on stdout, after the program's
     * own output (nothing to check before the run). */
    if (!strcmp(path, "-")) {
        if (text && (fputs(text, stdout) == EOF || fflush(stdout) == EOF))
            return rb_error_set(err, negative_errno(), "cannot write the meta file to stdout");
        return 0;
    }
    uid_t euid = geteuid();
    gid_t egid = getegid();
    bool drop = getuid() != euid;
    /* The gid too: a set-gid install must not make root's group the file's. */
    if (drop && (setegid(getgid()) < 0 || seteuid(getuid()) < 0)) {
        int e = negative_errno();
        if (setegid(egid) < 0) {
            /* Taking back what was just held cannot fail; the error
             * reported is the first one. */
        }
        return rb_error_set(err, e, "cannot write %s: cannot take the caller's uid and gid", path);
    }
    int r = text ? host_file_write(path, text, refuse, refuse_data, err)
                 : host_file_check(path, refuse, refuse_data, err);
    if (drop && (seteuid(euid) < 0 || setegid(egid) < 0) && r == 0)
        r = rb_error_set(err, negative_errno(), "cannot write %s: cannot take back uid %ju", path, (uintmax_t)euid);
    return r;
}

/* The meta file is the caller's, outside the box: checked (text NULL) or
 * written with the caller's own uid when rustbox runs set-uid, as isolate
 * does, never through a symlink a box or another user planted. */
static int meta_file(const struct rb_ctx *ctx, const char *path, const char *text, struct rb_error *err)
{
    struct meta_bounds b = { .prefix = ctx->cfg.name_prefix };
    if (!realpath(ctx->cfg.work_root, b.root))
        (void)snprintf(b.root, sizeof(b.root), "%s", ctx->cfg.work_root); /* config bounds it far below PATH_MAX */
    if (ctx->cfg.box_root[0] && !realpath(ctx->cfg.box_root, b.box_root))
        (void)snprintf(b.box_root, sizeof(b.box_root), "%s", ctx->cfg.box_root);
    return meta_write_as_caller(path, text, meta_dir_refused, &b, err);
}

/* --verbose: where the run's time went, one line before the status line. */
static void isolate_timings(const struct rb_result *res)
{
    fputs("Timings (us):", stderr);
    for (int p = 0; p < RB_PHASE_COUNT; p++)
        fprintf(stderr, " %s %" PRIu64, phase_name((enum rb_phase)p), res->timings.phase_us[p]);
    fprintf(stderr, " (cleanup:");
    for (int s = 0; s < RB_CSTEP_COUNT; s++)
        fprintf(stderr, " %s %" PRIu64, cleanup_step_name((enum rb_cleanup_step)s), res->cleanup.step_us[s]);
    fprintf(stderr, ") total %" PRIu64 "\n", res->timings.total_us);
}

/* isolate's last line on stderr: "OK (...)" or the meta file's message. */
static void isolate_status_line(const struct rb_result *res)
{
    char msg[320];
    if (!result_isolate_status(res, msg, sizeof(msg)))
        fprintf(stderr, "OK (%.3f sec real, %.3f sec wall)\n", res->cpu_time_s, res->wall_time_s);
    else
        fprintf(stderr, "%s\n", msg);
}

static int report_result(const struct rb_ctx *ctx, const struct rb_cli *cli, const struct rb_result *res)
{
    int status = result_exit_status(res, cli->isolate_mode);
    if (cli->run.meta_path) {
        struct rb_error err = { 0 };
        _cleanup_free_ char *meta = result_to_meta(res, !cli->isolate_mode || cli->run.cg_meta_keys);
        int r = meta ? meta_file(ctx, cli->run.meta_path, meta, &err)
                     : rb_error_set(&err, -ENOMEM, "cannot write the meta file %s", cli->run.meta_path);
        if (r < 0) {
            log_error("%s", err.text);
            status = RB_EXIT_INTERNAL;
        }
    }
    if (cli->isolate_mode) {
        if (cli->verbose)
            isolate_timings(res);
        /* -s silences the verdict, never rustbox's own failure. */
        if (!cli->silent || res->verdict == RB_IE)
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

/* isolate's die(): the message on stderr and, when a meta path is known, a
 * meta file saying status:XX with it, so that no judge reads the refusal as
 * a run. ctx NULL: before the config is read, when the boxes' dirs are not
 * known and none is refused by name; host_file_write still follows no
 * symlink a box could plant (box/ is not the caller's while a box owns it). */
static void isolate_die(const struct rb_ctx *ctx, const struct rb_cli *cli, const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    if (!cli->run.meta_path)
        return;
    struct rb_result res = { .verdict = RB_IE, .reason = (char *)msg };
    _cleanup_free_ char *meta = result_to_meta(&res, cli->run.cg_meta_keys);
    struct rb_error merr = { 0 };
    int r = !meta ? -ENOMEM
            : ctx ? meta_file(ctx, cli->run.meta_path, meta, &merr)
                  : meta_write_as_caller(cli->run.meta_path, meta, NULL, NULL, &merr);
    if (r < 0)
        log_error("%s", meta ? merr.text : "cannot render the meta file: out of memory");
}

/* A run refused before it had a result, in isolate's syntax: the message
 * isolate gives for a box never initialised, otherwise the library's. */
static int isolate_refusal(const struct rb_ctx *ctx, const struct rb_cli *cli, enum rb_status st,
                           const struct rb_error *err)
{
    char msg[sizeof(err->text) + 64];
    if (st == RB_STATUS_REFUSED && err->code == -ENOENT)
        snprintf(msg, sizeof(msg), "Box directory not found, did you run `isolate %s--init'?",
                 cli->run.cg_meta_keys ? "--cg " : "");
    else
        snprintf(msg, sizeof(msg), "%s", err->code ? err->text : "refused");
    isolate_die(ctx, cli, msg);
    return failure_status(cli, st, &(struct rb_error){ 0 });
}

int cmd_isolate_fatal(struct rb_ctx *ctx, struct rb_cli *cli)
{
    isolate_die(ctx, cli, cli->fatal);
    return RB_EXIT_INTERNAL;
}

int cmd_isolate_early_refusal(const struct rb_cli *cli, const char *msg)
{
    isolate_die(NULL, cli, msg);
    return RB_EXIT_INTERNAL;
}

/* --inherit-fds: the caller's descriptors, those above 2 open without
 * O_CLOEXEC when the command starts (rustbox opens all of its own with
 * O_CLOEXEC). */
static int list_caller_fds(struct rb_run_request *req, struct rb_error *err)
{
    _cleanup_dir_ DIR *d = opendir("/proc/self/fd");
    if (!d)
        return rb_error_set(err, negative_errno(), "--inherit-fds: cannot list /proc/self/fd");
    req->caller_fds = calloc(RB_MAX_INHERIT_FDS, sizeof(int));
    if (!req->caller_fds)
        return rb_error_set(err, -ENOMEM, "--inherit-fds");
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t fd;
        if (parse_uint(e->d_name, INT_MAX, &fd) < 0 || fd <= STDERR_FILENO || (int)fd == dirfd(d))
            continue;
        int flags = fcntl((int)fd, F_GETFD);
        if (flags < 0 || flags & FD_CLOEXEC)
            continue;
        if (req->n_caller_fds == RB_MAX_INHERIT_FDS)
            return rb_error_set(err, -EMFILE, "--inherit-fds: more than %d descriptors to pass on", RB_MAX_INHERIT_FDS);
        req->caller_fds[req->n_caller_fds++] = (int)fd;
    }
    return 0;
}

int cmd_run(struct rb_ctx *ctx, struct rb_cli *cli)
{
    struct rb_result res;
    struct rb_error err = { 0 };
    /* A meta path that cannot be written safely is refused before anything
     * runs; it is checked again when written. */
    if (cli->run.meta_path && meta_file(ctx, cli->run.meta_path, NULL, &err) < 0) {
        /* isolate opens its meta file first thing and dies with this; a
         * path rustbox refuses (EPERM: into a box's directory) keeps the
         * reason. */
        if (cli->isolate_mode && err.code != -EPERM)
            fprintf(stderr, "Failed to open metafile '%s'\n", cli->run.meta_path);
        else
            log_error("%s", err.text);
        return usage_status(cli);
    }
    if (cli->run.inherit_fds && list_caller_fds(&cli->run, &err) < 0) {
        isolate_die(ctx, cli, err.text); /* --inherit-fds is isolate's alone */
        return RB_EXIT_INTERNAL;
    }
    enum rb_status st = lifecycle_run(ctx, &cli->run, &res, &err);
    if (st != RB_STATUS_DONE)
        return cli->isolate_mode ? isolate_refusal(ctx, cli, st, &err) : failure_status(cli, st, &err);
    int status = report_result(ctx, cli, &res);
    result_free(&res);
    return status;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* isolate_cli: isolate 1.10's command line (SPEC §1), so that a judge which
 * drives isolate (CMS, for one) runs unmodified on rustbox. Units are
 * isolate's: seconds and KiB. Like isolate, options stop at the first
 * non-option word or at "--"; what follows is the program, untouched.
 * Also isolate's --dir/--env rule syntax, which the native `run` shares,
 * and cli_free, which releases those rules. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli_opt.h"
#include "util.h"


/* ---- --dir and --env, shared with the native `run` ---- */

/* "usr//lib/", "/usr/./lib" -> "/usr/lib". ".." is refused: a rule must not
 * reach outside the box's root. */
static int box_path(const char *in, const char *spec, char **out, char *err, size_t errlen)
{
    size_t len = strlen(in);
    char *p = malloc(len + 2);
    if (!p)
        return -ENOMEM;
    size_t n = 0;
    for (const char *s = in; *s;) {
        while (*s == '/')
            s++;
        size_t c = strcspn(s, "/");
        if (c == 0 || (c == 1 && s[0] == '.')) {
            s += c;
            continue;
        }
        if (c == 2 && s[0] == '.' && s[1] == '.') {
            free(p);
            return cli_fail(err, errlen, "--dir: '..' is not allowed in the box path of '%s'", spec);
        }
        p[n++] = '/';
        memcpy(p + n, s, c);
        n += c;
        s += c;
    }
    p[n] = '\0';
    if (n == 0) {
        free(p);
        return cli_fail(err, errlen, "--dir: '%s' has no box path (the box root itself cannot be bound)", spec);
    }
    *out = p;
    return 0;
}

static int dir_options(char *opts, const char *spec, unsigned *flags, char *err, size_t errlen)
{
    static const struct { const char *name; unsigned flag; } known[] = {
        { "rw", RB_DIR_RW }, { "noexec", RB_DIR_NOEXEC }, { "maybe", RB_DIR_MAYBE },
        { "dev", RB_DIR_DEV }, { "tmp", RB_DIR_TMP },
    };
    char *save = NULL;
    /* Empty options ("a::rw") were refused by the caller: strtok_r skips them. */
    for (char *o = opts;; o = NULL) {
        char *tok = strtok_r(o, ":,", &save);
        if (!tok)
            break;
        size_t k;
        for (k = 0; k < ARRAY_SIZE(known); k++)
            if (!strcmp(tok, known[k].name))
                break;
        if (k < ARRAY_SIZE(known)) {
            *flags |= known[k].flag;
            continue;
        }
        if (!strcmp(tok, "fs") || !strcmp(tok, "norec"))
            return cli_fail(err, errlen, "--dir: option '%s' in '%s' is not supported by rustbox", tok, spec);
        return cli_fail(err, errlen, "--dir: unknown option '%s' in '%s' (use rw, noexec, maybe, dev or tmp)", tok,
                    spec);
    }
    return 0;
}

int cli_add_dir(struct rb_run_request *req, const char *spec, char *err, size_t errlen)
{
    if (!spec || !*spec)
        return cli_fail(err, errlen, "--dir: empty rule (use BOX[=HOST][:OPTIONS])");
    _cleanup_free_ char *copy = strdup(spec);
    if (!copy)
        return -ENOMEM;
    unsigned flags = 0;
    char *opts = strchr(copy, ':');
    if (opts) {
        *opts++ = '\0';
        size_t olen = strlen(opts);
        if (olen == 0 || strchr(":,", opts[olen - 1]) || strstr(opts, "::") || strstr(opts, ",,") ||
            strchr(":,", opts[0]))
            return cli_fail(err, errlen, "--dir: empty option in '%s'", spec);
        int r = dir_options(opts, spec, &flags, err, errlen);
        if (r < 0)
            return r;
    }
    char *host = strchr(copy, '=');
    if (host)
        *host++ = '\0';

    _cleanup_free_ char *inside = NULL;
    _cleanup_free_ char *outside = NULL;
    int r = box_path(copy, spec, &inside, err, errlen);
    if (r < 0)
        return r;
    if (host && !*host) {
        if (flags)
            return cli_fail(err, errlen, "--dir: '%s' removes a rule and takes no options", spec);
        flags = RB_DIR_REMOVE;
    } else if (flags & RB_DIR_TMP) {
        if (host)
            return cli_fail(err, errlen, "--dir: ':tmp' takes no host directory in '%s'", spec);
        flags |= RB_DIR_RW; /* as in isolate: a fresh tmp dir is writable */
    } else if (host) {
        if (host[0] != '/')
            return cli_fail(err, errlen, "--dir: host directory '%s' in '%s' must be an absolute path", host, spec);
        if (!(outside = strdup(host)))
            return -ENOMEM;
    } else if (!(outside = strdup(inside))) {
        return -ENOMEM;
    }

    /* A later rule for the same box path replaces the earlier one. */
    for (size_t i = 0; i < req->n_dirs; i++) {
        struct rb_dir_rule *d = &req->dirs[i];
        if (strcmp(d->inside, inside))
            continue;
        free(d->outside);
        d->outside = outside;
        outside = NULL;
        d->flags = flags;
        return 0;
    }
    if (req->n_dirs >= RB_MAX_DIR_RULES)
        return cli_fail(err, errlen, "--dir: too many rules (at most %d)", RB_MAX_DIR_RULES);
    struct rb_dir_rule *nd = realloc(req->dirs, (req->n_dirs + 1) * sizeof(*nd));
    if (!nd)
        return -ENOMEM;
    req->dirs = nd;
    nd[req->n_dirs++] = (struct rb_dir_rule){ .inside = inside, .outside = outside, .flags = flags };
    inside = outside = NULL;
    return 0;
}

int cli_add_env(struct rb_run_request *req, const char *spec, char *err, size_t errlen)
{
    if (!spec || !*spec)
        return cli_fail(err, errlen, "--env: empty value (use VAR or VAR=VALUE)");
    size_t n = strcspn(spec, "=");
    bool ok = n > 0 && !(spec[0] >= '0' && spec[0] <= '9');
    for (size_t i = 0; ok && i < n; i++) {
        char c = spec[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (!ok)
        return cli_fail(err, errlen,
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

void cli_free(struct rb_cli *cli)
{
    struct rb_run_request *req = &cli->run;
    for (size_t i = 0; i < req->n_dirs; i++) {
        free(req->dirs[i].inside);
        free(req->dirs[i].outside);
    }
    free(req->dirs);
    req->dirs = NULL;
    req->n_dirs = 0;
    for (size_t i = 0; i < req->n_env; i++)
        free(req->env[i]);
    free(req->env);
    req->env = NULL;
    req->n_env = 0;
}

/* ---- isolate's options ---- */

enum {
    I_BOX_ID = 1, I_CHDIR, I_IGNORED, I_CG_MEM, I_INIT, I_RUN, I_CLEANUP, I_VERSION, I_DIR, I_NO_DEFAULT_DIRS,
    I_FSIZE, I_ENV, I_EXTRA, I_FULL_ENV, I_MEM, I_META, I_OPEN_FILES, I_PROCESSES, I_SILENT, I_STACK,
    I_STDERR, I_STDERR_TO_STDOUT, I_STDIN, I_STDOUT, I_TIME, I_VERBOSE, I_WALL, I_AS_ID, I_CORE,
    I_UNSUPPORTED, I_CONFIG, I_DRY_RUN, I_HELP,
};

static const struct opt_def isolate_opts[] = {
    { "box-id", 'b', ARG_REQ, I_BOX_ID },          { "chdir", 'c', ARG_REQ, I_CHDIR },
    { "cg", 0, ARG_NONE, I_IGNORED },              { "cg-mem", 0, ARG_REQ, I_CG_MEM },
    { "cg-timing", 0, ARG_NONE, I_IGNORED },       { "no-cg-timing", 0, ARG_NONE, I_IGNORED },
    { "init", 0, ARG_NONE, I_INIT },               { "run", 0, ARG_NONE, I_RUN },
    { "cleanup", 0, ARG_NONE, I_CLEANUP },         { "version", 0, ARG_NONE, I_VERSION },
    { "dir", 'd', ARG_REQ, I_DIR },                { "no-default-dirs", 'D', ARG_NONE, I_NO_DEFAULT_DIRS },
    { "fsize", 'f', ARG_REQ, I_FSIZE },            { "env", 'E', ARG_REQ, I_ENV },
    { "extra-time", 'x', ARG_REQ, I_EXTRA },       { "full-env", 'e', ARG_NONE, I_FULL_ENV },
    { "mem", 'm', ARG_REQ, I_MEM },                { "meta", 'M', ARG_REQ, I_META },
    { "open-files", 'n', ARG_REQ, I_OPEN_FILES },  { "processes", 'p', ARG_OPT, I_PROCESSES },
    { "silent", 's', ARG_NONE, I_SILENT },         { "stack", 'k', ARG_REQ, I_STACK },
    { "stderr", 'r', ARG_REQ, I_STDERR },          { "stderr-to-stdout", 0, ARG_NONE, I_STDERR_TO_STDOUT },
    { "stdin", 'i', ARG_REQ, I_STDIN },            { "stdout", 'o', ARG_REQ, I_STDOUT },
    { "time", 't', ARG_REQ, I_TIME },              { "verbose", 'v', ARG_NONE, I_VERBOSE },
    { "wall-time", 'w', ARG_REQ, I_WALL },         { "as-uid", 0, ARG_REQ, I_AS_ID },
    { "as-gid", 0, ARG_REQ, I_AS_ID },             { "core", 0, ARG_REQ, I_CORE },
    /* Accepted by isolate but refused here, each with its reason. */
    { "quota", 'q', ARG_REQ, I_UNSUPPORTED },      { "share-net", 0, ARG_NONE, I_UNSUPPORTED },
    { "inherit-fds", 0, ARG_NONE, I_UNSUPPORTED }, { "tty-hack", 0, ARG_NONE, I_UNSUPPORTED },
    { "special-files", 0, ARG_NONE, I_UNSUPPORTED }, { "wait", 0, ARG_NONE, I_UNSUPPORTED },
    { "print-cg-root", 0, ARG_NONE, I_UNSUPPORTED },
    /* rustbox's own, so that tests and hosts can point at a config. */
    { "config", 0, ARG_REQ, I_CONFIG },            { "dry-run", 0, ARG_NONE, I_DRY_RUN },
    { "help", 'h', ARG_NONE, I_HELP },
    { NULL, 0, 0, 0 },
};

static int unsupported(const struct opt_hit *h, char *err, size_t errlen)
{
    static const struct { const char *option, *why; } reasons[] = {
        { "quota", "disk quotas are not supported; the box is a size-limited tmpfs (box_size in the config)" },
        { "share-net", "not supported: rustbox never shares the host network with a box" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
        if (!strcmp(h->def->lng, reasons[i].option))
            return cli_fail(err, errlen, "%s: %s", h->name, reasons[i].why);
    return cli_fail(err, errlen, "%s: not supported by rustbox", h->name);
}

/* -D: isolate drops its default rules. rustbox has no switch for its default
 * binds and tmpfs dirs, so each one the caller gave no rule for gets a removal
 * rule. The minimal /dev (null, zero, ...) is not a rule and stays. */
static int no_default_dirs(struct rb_run_request *req, char *err, size_t errlen)
{
    static const char *const defaults[] = { "/bin", "/lib", "/lib64", "/usr", "/tmp", "/dev/shm" };
    for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
        bool ruled = false;
        for (size_t j = 0; j < req->n_dirs && !ruled; j++)
            ruled = !strcmp(req->dirs[j].inside, defaults[i]);
        if (ruled)
            continue;
        char spec[16];
        snprintf(spec, sizeof(spec), "%s=", defaults[i]);
        int r = cli_add_dir(req, spec, err, errlen);
        if (r < 0)
            return r;
    }
    return 0;
}

struct isolate_state {
    enum rb_command mode;
    bool no_default_dirs;
    bool have_cg_mem;
    uint64_t as_limit; /* -m: address space in isolate, the memory limit here */
    bool have_as_limit;
};

static int isolate_option(struct rb_cli *cli, struct isolate_state *st, const struct opt_hit *h, char *err,
                          size_t errlen)
{
    struct rb_run_request *req = &cli->run;
    struct rb_limits *l = &req->limits;
    enum rb_command mode = RB_CMD_NONE;
    uint64_t v;
    switch (h->def->id) {
    case I_BOX_ID:
        if (val_box_id(h, &cli->box_id, err, errlen) < 0)
            return -EINVAL;
        req->box_id = cli->box_id;
        return 0;
    case I_INIT: mode = RB_CMD_INIT; break;
    case I_RUN: mode = RB_CMD_RUN; break;
    case I_CLEANUP: mode = RB_CMD_CLEANUP; break;
    case I_VERSION: mode = RB_CMD_VERSION; break;
    case I_TIME: return val_seconds(h, &l->cpu_time_s, err, errlen);
    case I_WALL: return val_seconds(h, &l->wall_time_s, err, errlen);
    case I_EXTRA: return val_seconds(h, &l->extra_time_s, err, errlen);
    case I_CG_MEM: st->have_cg_mem = true; return val_kib(h, &l->memory, err, errlen);
    case I_MEM: st->have_as_limit = true; return val_kib(h, &st->as_limit, err, errlen);
    case I_STACK: return val_kib(h, &l->stack, err, errlen);
    case I_FSIZE: return val_kib(h, &l->file_size, err, errlen);
    case I_OPEN_FILES: return val_count(h, &l->open_files, err, errlen);
    case I_PROCESSES:
        l->processes = 0; /* bare -p: unlimited */
        return h->val ? val_count(h, &l->processes, err, errlen) : 0;
    case I_STDIN: return val_nonempty(h, &req->stdin_path, err, errlen);
    case I_STDOUT: return val_nonempty(h, &req->stdout_path, err, errlen);
    case I_STDERR:
        req->stderr_to_stdout = false; /* the later of the two wins, as in isolate */
        return val_nonempty(h, &req->stderr_path, err, errlen);
    case I_STDERR_TO_STDOUT:
        req->stderr_to_stdout = true;
        req->stderr_path = NULL;
        return 0;
    case I_CHDIR: return val_nonempty(h, &req->chdir, err, errlen);
    case I_DIR: return cli_add_dir(req, h->val, err, errlen);
    case I_NO_DEFAULT_DIRS: st->no_default_dirs = true; return 0;
    case I_ENV: return cli_add_env(req, h->val, err, errlen);
    case I_FULL_ENV: req->full_env = true; return 0;
    case I_META: return val_nonempty(h, &req->meta_path, err, errlen);
    case I_VERBOSE: cli->verbose = true; return 0;
    case I_SILENT: cli->silent = true; return 0;
    case I_AS_ID:
        /* The caller's identity comes from the kernel; the value is only checked. */
        return val_count(h, &v, err, errlen);
    case I_CORE:
        if (val_count(h, &v, err, errlen) < 0)
            return -EINVAL;
        if (v != 0)
            return cli_fail(err, errlen, "%s: core dumps are not supported (only 0 is accepted)", h->name);
        return 0;
    case I_CONFIG: return val_nonempty(h, &cli->config_path, err, errlen);
    case I_DRY_RUN: cli->dry_run = true; return 0;
    case I_HELP:
    case I_IGNORED: return 0;
    case I_UNSUPPORTED: return unsupported(h, err, errlen);
    default: return cli_fail(err, errlen, "%s: not handled", h->name);
    }
    if (st->mode != RB_CMD_NONE && st->mode != mode)
        return cli_fail(err, errlen, "give only one of --init, --run, --cleanup or --version");
    st->mode = mode;
    return 0;
}

static void isolate_defaults(struct rb_cli *cli)
{
    memset(cli, 0, sizeof(*cli));
    cli->isolate_mode = true;
    cli->box_id = cli->run.box_id = 0;
    cli->run.output = RB_OUTPUT_INHERIT;
    /* isolate's defaults, not the config's: a judge tuned for isolate
     * expects exactly these when it leaves a limit out. */
    cli->run.limits = (struct rb_limits){ .processes = 1, .open_files = 64 };
    cli->run.limits_set = RB_LIM_CPU | RB_LIM_WALL | RB_LIM_EXTRA | RB_LIM_MEMORY | RB_LIM_PROCESSES |
                          RB_LIM_FILE_SIZE | RB_LIM_OPEN_FILES | RB_LIM_STACK | RB_LIM_OUTPUT;
}

static int isolate_finish(struct rb_cli *cli, struct isolate_state *st, char **program, char *err,
                          size_t errlen)
{
    switch (st->mode) {
    case RB_CMD_NONE:
        return cli_fail(err, errlen, "give one of --init, --run or --cleanup (isolate syntax; see --help)");
    case RB_CMD_VERSION:
        break;
    case RB_CMD_INIT:
    case RB_CMD_CLEANUP:
        if (program)
            return cli_fail(err, errlen, "%s takes no program (found '%s')",
                        st->mode == RB_CMD_INIT ? "--init" : "--cleanup", program[0]);
        break;
    default:
        if (!program)
            return cli_fail(err, errlen, "--run needs a program: isolate [OPTIONS] --run -- PROG [ARGS...]");
        cli->run.argv = program;
    }
    cli->cmd = st->mode;
    if (!st->have_cg_mem && st->have_as_limit)
        cli->run.limits.memory = st->as_limit;
    if (st->no_default_dirs)
        return no_default_dirs(&cli->run, err, errlen);
    return 0;
}

int isolate_parse(int argc, char **argv, struct rb_cli *cli, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    isolate_defaults(cli);
    /* --help before the program wins over every other mistake. */
    for (int j = 1; j < argc && argv[j] && strcmp(argv[j], "--"); j++) {
        if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
            cli->cmd = RB_CMD_HELP;
            return 0;
        }
    }
    struct isolate_state st = { .mode = RB_CMD_NONE };
    struct opt_iter it = { .argc = argc, .argv = argv, .i = 1, .ctx = " (isolate syntax)" };
    char **program = NULL;
    int r = 0;
    for (;;) {
        struct opt_hit h;
        r = opt_next(&it, isolate_opts, &h, err, errlen);
        if (r < 0)
            break;
        if (r == OPT_END)
            break;
        if (r == OPT_POSITIONAL) {
            program = &argv[it.i - 1];
            break;
        }
        if (r == OPT_DASHDASH) {
            if (it.i < argc && argv[it.i])
                program = &argv[it.i];
            break;
        }
        if ((r = isolate_option(cli, &st, &h, err, errlen)) < 0)
            break;
    }
    if (r >= 0)
        r = isolate_finish(cli, &st, program, err, errlen);
    if (r < 0) {
        cli_free(cli);
        return r;
    }
    return 0;
}

/* rustbox's global options, which may precede either syntax. */
static int skip_globals(int argc, char **argv, int i)
{
    while (i < argc && argv[i]) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            i += 2;
        else if (!strncmp(argv[i], "--config=", 9) || !strcmp(argv[i], "--dry-run"))
            i++;
        else
            break;
    }
    return i;
}

bool isolate_mode_requested(int argc, char **argv)
{
    if (argc < 1 || !argv || !argv[0])
        return false;
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (!strcmp(base, "isolate"))
        return true;
    /* The native syntax puts its command word right after the global
     * options; isolate's mode is always a flag. */
    int i = skip_globals(argc, argv, 1);
    if (i < argc && argv[i] && argv[i][0] != '-')
        return false;
    for (; i < argc && argv[i] && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--init") || !strcmp(argv[i], "--run") || !strcmp(argv[i], "--cleanup"))
            return true;
    return false;
}

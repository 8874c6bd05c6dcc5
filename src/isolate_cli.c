/* SPDX-License-Identifier: Apache-2.0 */
/* isolate_cli: isolate 1.10's command line (SPEC §1), so that a judge which
 * drives isolate (CMS, for one) runs unmodified on rustbox. Units are
 * isolate's: seconds and KiB. Like isolate (glibc's getopt_long), options
 * may follow the program's first word; "--" ends them.
 * The options that fill the run request are the table both syntaxes share
 * (req_opts in cli_opt.c, its isolate column); this file has the rest:
 * the mode flags, -D and the options rustbox refuses. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opt.h"
#include "dirrules.h"
#include "error.h"
#include "util.h"

/* ---- isolate's options ---- */

enum {
    I_BOX_ID = 1,
    I_INIT,
    I_RUN,
    I_CLEANUP,
    I_VERSION,
    I_NO_DEFAULT_DIRS,
    I_SILENT,
    I_VERBOSE,
    I_AS_UID,
    I_AS_GID,
    I_CORE,
    I_QUOTA,
    I_INHERIT_FDS,
    I_TTY_HACK,
    I_CONFIG,
    I_DRY_RUN,
    I_WAIT,
    I_PRINT_CG_ROOT,
    I_HELP,
};

/* isolate's options besides the request's (req_opts). isolate 1.10.1 has
 * no --wait and no --print-cg-root (2.x): they are unknown options here
 * too, as the recorded cases show. */
/* clang-format off: the option table reads as a table */
static const struct opt_def isolate_opts[] = {
    { "box-id", 'b', ARG_REQ, I_BOX_ID },
    { "no-default-dirs", 'D', ARG_NONE, I_NO_DEFAULT_DIRS },
    { "init", 0, ARG_NONE, I_INIT },
    { "run", 0, ARG_NONE, I_RUN },
    { "cleanup", 0, ARG_NONE, I_CLEANUP },
    { "version", 0, ARG_NONE, I_VERSION },
    { "silent", 's', ARG_NONE, I_SILENT },
    { "verbose", 'v', ARG_NONE, I_VERBOSE },
    { "as-uid", 0, ARG_REQ, I_AS_UID },
    { "as-gid", 0, ARG_REQ, I_AS_GID },
    { "core", 0, ARG_REQ, I_CORE },
    { "quota", 'q', ARG_REQ, I_QUOTA },
    { "inherit-fds", 0, ARG_NONE, I_INHERIT_FDS },
    { "tty-hack", 0, ARG_NONE, I_TTY_HACK },
    /* rustbox's own, so that tests and hosts can point at a config. */
    { "config", 0, ARG_REQ, I_CONFIG },
    { "dry-run", 0, ARG_NONE, I_DRY_RUN },
    /* isolate 2.x's, which SPEC asks for beside 1.10.1's */
    { "wait", 0, ARG_NONE, I_WAIT },
    { "print-cg-root", 0, ARG_NONE, I_PRINT_CG_ROOT },
    { "help", 'h', ARG_NONE, I_HELP },
    { NULL, 0, 0, 0 },
};
/* clang-format on */

/* isolate_option's result besides 0 and -errno: a refusal isolate reports
 * as a fatal error (cli->fatal holds it); parsing stops there, as isolate
 * dies there. */
#define ISOLATE_FATAL 100

static int fatal(struct rb_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fatal(struct rb_cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rb_error_line(cli->fatal, sizeof(cli->fatal), fmt, ap);
    va_end(ap);
    return ISOLATE_FATAL;
}

/* isolate's opt_uint: strtoul's reading, then the unsigned int range. */
static int isolate_uint(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(h->val, &end, 10);
    if (errno || end == h->val || *end)
        return rb_error_refuse(err, errlen, "Invalid numeric parameter: %s", h->val);
    if (x > UINT_MAX)
        return rb_error_refuse(err, errlen, "Numeric parameter out of range: %s", h->val);
    if (dst)
        *dst = x;
    return 0;
}

/* isolate's --quota=BLOCKS,INODES: 1 KiB blocks and inodes of box/, both
 * positive (served at --init by a tmpfs of that size on box/). */
static int val_quota(const struct opt_hit *h, uint64_t *blocks, uint64_t *inodes, char *err, size_t errlen)
{
    const char *comma = strchr(h->val, ',');
    char b[32];
    if (!comma || (size_t)(comma - h->val) >= sizeof(b))
        return rb_error_refuse(err, errlen, "%s: expected BLOCKS,INODES, got '%s'", h->name, h->val);
    memcpy(b, h->val, (size_t)(comma - h->val));
    b[comma - h->val] = '\0';
    /* At most 2^40 KiB (1 PiB): the byte size must not overflow. */
    if (parse_uint(b, (uint64_t)1 << 40, blocks) < 0 || parse_uint(comma + 1, UINT32_MAX, inodes) < 0 || !*blocks ||
        !*inodes)
        return rb_error_refuse(err, errlen, "%s: expected BLOCKS,INODES (positive numbers), got '%s'", h->name, h->val);
    return 0;
}

struct isolate_state {
    enum rb_command mode;
    bool no_default_dirs;
};

/* -d: an unknown option is isolate's fatal "Unknown directory option", an
 * empty box path its usage error; whatever else rustbox refuses in a rule is
 * a refusal (fatal), with rustbox's reason. */
static int isolate_dir(struct rb_cli *cli, const struct opt_hit *h, char *err, size_t errlen)
{
    const char *tok;
    size_t n = dirrules_unknown_option(h->val, &tok);
    if (n)
        return fatal(cli, "Unknown directory option %.*s", (int)n, tok);
    const char *p = h->val + strspn(h->val, "/");
    if (!*p || *p == '=' || *p == ':')
        return rb_error_refuse(err, errlen, "Invalid directory rule specified: %s", h->val);
    int r = req_option(&cli->run, CLI_ISOLATE, h, err, errlen);
    if (r == -EINVAL)
        return fatal(cli, "%s", err && errlen ? err : "--dir: refused");
    return r;
}

static int isolate_request_option(struct rb_cli *cli, const struct opt_hit *h, char *err, size_t errlen)
{
    enum req_val kind = h->req->val[CLI_ISOLATE];
    if (kind == RV_DIR)
        return isolate_dir(cli, h, err, errlen);
    if ((kind == RV_KIB || kind == RV_COUNT) && h->val && isolate_uint(h, NULL, err, errlen) < 0)
        return -EINVAL;
    return req_option(&cli->run, CLI_ISOLATE, h, err, errlen);
}

static int isolate_option(struct rb_cli *cli, struct isolate_state *st, const struct opt_hit *h, char *err,
                          size_t errlen)
{
    enum rb_command mode = RB_CMD_NONE;
    uint64_t v = 0;
    if (h->req)
        return isolate_request_option(cli, h, err, errlen);
    switch (h->def->id) {
    case I_BOX_ID:
        if (isolate_uint(h, NULL, err, errlen) < 0 || val_box_id(h, &cli->box_id, err, errlen) < 0)
            return -EINVAL;
        cli->run.box_id = cli->box_id;
        return 0;
    case I_INIT: mode = RB_CMD_INIT; break;
    case I_RUN: mode = RB_CMD_RUN; break;
    case I_CLEANUP: mode = RB_CMD_CLEANUP; break;
    case I_VERSION: mode = RB_CMD_VERSION; break;
    case I_NO_DEFAULT_DIRS: st->no_default_dirs = true; return 0;
    case I_VERBOSE: cli->verbose = true; return 0;
    case I_SILENT: cli->silent = true; return 0;
    case I_AS_UID: cli->as_uid_set = true; return isolate_uint(h, &cli->as_uid, err, errlen);
    case I_AS_GID: cli->as_gid_set = true; return isolate_uint(h, &cli->as_gid, err, errlen);
    case I_CORE:
        /* RLIMIT_CORE in KiB, as isolate sets it (docs/decisions.md: where
         * a dump goes). */
        if (isolate_uint(h, &v, err, errlen) < 0)
            return -EINVAL;
        cli->run.core_size = v * 1024;
        return 0;
    case I_QUOTA: return val_quota(h, &cli->quota_blocks, &cli->quota_inodes, err, errlen);
    case I_INHERIT_FDS: cli->run.inherit_fds = true; return 0;
    /* The program runs in a session of its own, so it never has the
     * caller's terminal to take over: accepted, without effect. */
    case I_TTY_HACK: return 0;
    case I_CONFIG: return val_nonempty(h, &cli->config_path, err, errlen);
    case I_DRY_RUN: cli->dry_run = true; return 0;
    case I_WAIT: cli->wait_for_box = true; return 0;
    case I_PRINT_CG_ROOT: mode = RB_CMD_PRINT_CG_ROOT; break;
    case I_HELP: return 0; /* found by the pre-scan in isolate_parse */
    default: return rb_error_refuse(err, errlen, "%s: not handled", h->name);
    }
    if (st->mode != RB_CMD_NONE && st->mode != mode)
        return rb_error_refuse(err, errlen, "Only one command is allowed.");
    st->mode = mode;
    return 0;
}

static void isolate_defaults(struct rb_cli *cli)
{
    memset(cli, 0, sizeof(*cli));
    cli->isolate_mode = true;
    cli->box_id = cli->run.box_id = 0;
    cli->run.output = RB_OUTPUT_INHERIT;
    cli->run.rules = RB_RULES_ISOLATE;
    /* isolate's defaults, not the config's: a judge tuned for isolate
     * expects exactly these when it leaves a limit out. */
    cli->run.limits = (struct rb_limits){ .processes = 1, .open_files = 64 };
    cli->run.limits_set = RB_LIM_CPU | RB_LIM_WALL | RB_LIM_EXTRA | RB_LIM_MEMORY | RB_LIM_PROCESSES |
                          RB_LIM_FILE_SIZE | RB_LIM_OPEN_FILES | RB_LIM_STACK | RB_LIM_OUTPUT;
}

/* isolate's checks after its options, in its order and words. */
static int isolate_finish(struct rb_cli *cli, struct isolate_state *st, char **program, char *err, size_t errlen)
{
    switch (st->mode) {
    case RB_CMD_NONE: return rb_error_refuse(err, errlen, "Please specify an isolate command (e.g. --init, --run).");
    case RB_CMD_VERSION: break;
    case RB_CMD_PRINT_CG_ROOT: break;
    case RB_CMD_INIT:
    case RB_CMD_CLEANUP:
        if (program)
            return rb_error_refuse(err, errlen, "%s mode takes no parameters",
                                   st->mode == RB_CMD_INIT ? "--init" : "--cleanup");
        break;
    default:
        if (!program)
            return rb_error_refuse(err, errlen, "--run mode requires a command to run");
        cli->run.argv = program;
    }
    if (cli->as_uid_set != cli->as_gid_set)
        return rb_error_refuse(err, errlen, "--as-uid and --as-gid must be used either both or none");
    cli->cmd = st->mode;
    /* -D: isolate drops its default rules. rustbox has no switch for its
     * default binds and tmpfs dirs, so each one the caller gave no rule for
     * gets a removal rule; done last, so that the caller's rules survive
     * whichever side of -D they are on. /box, /proc and the minimal /dev
     * are not rules: the request says to leave them out. */
    cli->run.no_default_dirs = st->no_default_dirs;
    if (st->no_default_dirs)
        return req_drop_default_dirs(&cli->run, err, errlen);
    return 0;
}

/* getopt_long's permutation, as isolate has it: words that are not options
 * move after the options, so options after them still count ("--run prog
 * -t 1" sets a time limit) and the program is what is left once "--" or
 * the end is reached. pos lists the indices of the non-option words before
 * argv[rest], in order; argv is rearranged in place. Returns the index of
 * the program's first word. */
static int permute(char **argv, int argc, const int *pos, int npos, int rest)
{
    char **opts = malloc((size_t)argc * sizeof(*opts));
    if (!opts)
        return -ENOMEM;
    int no = 0, k = 0;
    for (int i = 1; i < rest; i++) {
        if (k < npos && pos[k] == i)
            k++;
        else
            opts[no++] = argv[i];
    }
    for (int i = 0; i < npos; i++)
        opts[no + i] = argv[pos[i]];
    memcpy(&argv[1], opts, (size_t)(no + npos) * sizeof(*opts));
    free(opts);
    return 1 + no;
}

static int isolate_scan(int argc, char **argv, struct rb_cli *cli, struct isolate_state *st, char ***program, char *err,
                        size_t errlen)
{
    struct opt_iter it = {
        .argc = argc,
        .argv = argv,
        .i = 1,
        .syntax = CLI_ISOLATE,
        .reqs = req_opts,
    };
    int *pos = malloc((size_t)(argc > 0 ? argc : 1) * sizeof(*pos));
    if (!pos)
        return -ENOMEM;
    int npos = 0, rest = argc, r;
    for (;;) {
        struct opt_hit h;
        r = opt_next(&it, isolate_opts, &h, err, errlen);
        if (r < 0 || r == OPT_END)
            break;
        if (r == OPT_POSITIONAL) {
            pos[npos++] = it.i - 1;
            continue;
        }
        if (r == OPT_DASHDASH) {
            rest = it.i;
            break;
        }
        if ((r = isolate_option(cli, st, &h, err, errlen)) != 0)
            break;
    }
    if (r >= 0 && r != ISOLATE_FATAL) {
        int first = permute(argv, rest, pos, npos, rest);
        r = first < 0 ? first : 0;
        if (first >= 0 && first < argc && argv[first])
            *program = &argv[first];
    }
    free(pos);
    return r;
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
    char **program = NULL;
    int r = isolate_scan(argc, argv, cli, &st, &program, err, errlen);
    if (r == ISOLATE_FATAL) {
        /* Reported by the command, which can write the meta file. */
        cli->cmd = RB_CMD_NONE;
        req_free_rules(&cli->run);
        return 0;
    }
    if (r >= 0)
        r = isolate_finish(cli, &st, program, err, errlen);
    if (r < 0) {
        cli->usage_error = r == -EINVAL;
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

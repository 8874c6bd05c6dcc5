/* SPDX-License-Identifier: Apache-2.0 */
/* isolate_cli: isolate 1.10's command line (SPEC §1), so that a judge which
 * drives isolate (CMS, for one) runs unmodified on rustbox. Units are
 * isolate's: seconds and KiB. Like isolate, options stop at the first
 * non-option word or at "--"; what follows is the program, untouched.
 * The options that fill the run request are the table both syntaxes share
 * (req_opts in cli_opt.c, its isolate column); this file has the rest:
 * the mode flags, -D and the options rustbox refuses. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli_opt.h"
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
    I_AS_ID,
    I_CORE,
    I_QUOTA,
    I_UNSUPPORTED,
    I_CONFIG,
    I_DRY_RUN,
    I_HELP,
};

/* isolate's options besides the request's (req_opts). */
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
    { "as-uid", 0, ARG_REQ, I_AS_ID },
    { "as-gid", 0, ARG_REQ, I_AS_ID },
    { "core", 0, ARG_REQ, I_CORE },
    { "quota", 'q', ARG_REQ, I_QUOTA },
    /* Accepted by isolate but refused here, each with its reason. */
    { "inherit-fds", 0, ARG_NONE, I_UNSUPPORTED },
    { "tty-hack", 0, ARG_NONE, I_UNSUPPORTED },
    { "wait", 0, ARG_NONE, I_UNSUPPORTED },
    { "print-cg-root", 0, ARG_NONE, I_UNSUPPORTED },
    /* rustbox's own, so that tests and hosts can point at a config. */
    { "config", 0, ARG_REQ, I_CONFIG },
    { "dry-run", 0, ARG_NONE, I_DRY_RUN },
    { "help", 'h', ARG_NONE, I_HELP },
    { NULL, 0, 0, 0 },
};
/* clang-format on */

static int unsupported(const struct opt_hit *h, char *err, size_t errlen)
{
    return cli_fail(err, errlen, "%s: not supported by rustbox", h->name);
}

/* isolate's --quota=BLOCKS,INODES: 1 KiB blocks and inodes of box/, both
 * positive (served at --init by a tmpfs of that size on box/). */
static int val_quota(const struct opt_hit *h, uint64_t *blocks, uint64_t *inodes, char *err, size_t errlen)
{
    const char *comma = strchr(h->val, ',');
    char b[32];
    if (!comma || (size_t)(comma - h->val) >= sizeof(b))
        return cli_fail(err, errlen, "%s: expected BLOCKS,INODES, got '%s'", h->name, h->val);
    memcpy(b, h->val, (size_t)(comma - h->val));
    b[comma - h->val] = '\0';
    /* At most 2^40 KiB (1 PiB): the byte size must not overflow. */
    if (parse_uint(b, (uint64_t)1 << 40, blocks) < 0 || parse_uint(comma + 1, UINT32_MAX, inodes) < 0 || !*blocks ||
        !*inodes)
        return cli_fail(err, errlen, "%s: expected BLOCKS,INODES (positive numbers), got '%s'", h->name, h->val);
    return 0;
}

struct isolate_state {
    enum rb_command mode;
    bool no_default_dirs;
};

static int isolate_option(struct rb_cli *cli, struct isolate_state *st, const struct opt_hit *h, char *err,
                          size_t errlen)
{
    enum rb_command mode = RB_CMD_NONE;
    uint64_t v;
    if (h->req)
        return req_option(&cli->run, CLI_ISOLATE, h, err, errlen);
    switch (h->def->id) {
    case I_BOX_ID:
        if (val_box_id(h, &cli->box_id, err, errlen) < 0)
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
    case I_AS_ID:
        /* The caller's identity comes from the kernel; the value is only checked. */
        return val_count(h, &v, err, errlen);
    case I_CORE:
        if (val_count(h, &v, err, errlen) < 0)
            return -EINVAL;
        if (v != 0)
            return cli_fail(err, errlen, "%s: core dumps are not supported (only 0 is accepted)", h->name);
        return 0;
    case I_QUOTA: return val_quota(h, &cli->quota_blocks, &cli->quota_inodes, err, errlen);
    case I_CONFIG: return val_nonempty(h, &cli->config_path, err, errlen);
    case I_DRY_RUN: cli->dry_run = true; return 0;
    case I_HELP: return 0; /* found by the pre-scan in isolate_parse */
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
    cli->run.rules = RB_RULES_ISOLATE;
    /* isolate's defaults, not the config's: a judge tuned for isolate
     * expects exactly these when it leaves a limit out. */
    cli->run.limits = (struct rb_limits){ .processes = 1, .open_files = 64 };
    cli->run.limits_set = RB_LIM_CPU | RB_LIM_WALL | RB_LIM_EXTRA | RB_LIM_MEMORY | RB_LIM_PROCESSES |
                          RB_LIM_FILE_SIZE | RB_LIM_OPEN_FILES | RB_LIM_STACK | RB_LIM_OUTPUT;
}

static int isolate_finish(struct rb_cli *cli, struct isolate_state *st, char **program, char *err, size_t errlen)
{
    switch (st->mode) {
    case RB_CMD_NONE:
        return cli_fail(err, errlen, "give one of --init, --run or --cleanup (isolate syntax; see --help)");
    case RB_CMD_VERSION: break;
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
    /* -D: isolate drops its default rules. rustbox has no switch for its
     * default binds and tmpfs dirs, so each one the caller gave no rule for
     * gets a removal rule; done last, so that the caller's rules survive
     * whichever side of -D they are on. The minimal /dev (null, zero, ...)
     * is not a rule and stays. */
    if (st->no_default_dirs)
        return req_drop_default_dirs(&cli->run, err, errlen);
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
    struct opt_iter it = {
        .argc = argc,
        .argv = argv,
        .i = 1,
        .ctx = " (isolate syntax)",
        .syntax = CLI_ISOLATE,
        .reqs = req_opts,
    };
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

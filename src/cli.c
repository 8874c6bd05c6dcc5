/* SPDX-License-Identifier: Apache-2.0 */
/* cli: rustbox's native command line (SPEC §1) and its usage texts. The
 * options of `run` are the request table both syntaxes share (cli_opt.c);
 * isolate's syntax lives in isolate_cli.c. The parser never prints; every
 * error is one line in err and -EINVAL. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>
#include <unistd.h>

#include "cli_opt.h"
#include "error.h"
#include "util.h"

/* ---- native commands ---- */

enum {
    O_CONFIG = 1,
    O_DRY_RUN,
    O_HELP,
    O_BOX_ID,
    O_VERBOSE,
    O_SILENT,
    O_CHECK,
    O_RECOVER,
    O_CLEANUP,
    O_VERIFY_CLEAN,
    O_QUARANTINE,
    O_UNQUARANTINE,
    O_REASON,
    O_TEXTFILE,
    O_OUTPUT,
    O_LISTEN,
};

/* clang-format off: the option tables read as tables */
#define COMMON_OPTS                                                                                               \
    { "config", 0, ARG_REQ, O_CONFIG }, { "dry-run", 0, ARG_NONE, O_DRY_RUN }, { "help", 'h', ARG_NONE, O_HELP }, \
        { "verbose", 'v', ARG_NONE, O_VERBOSE },                                                                  \
    {                                                                                                             \
        "silent", 's', ARG_NONE, O_SILENT                                                                         \
    }

/* `run` takes box_opts and the request options (req_opts). */
static const struct opt_def box_opts[] = { COMMON_OPTS, { "box-id", 'b', ARG_REQ, O_BOX_ID }, { NULL, 0, 0, 0 } };
static const struct opt_def health_opts[] = {
    COMMON_OPTS,
    { "check", 0, ARG_NONE, O_CHECK },
    { "recover", 0, ARG_NONE, O_RECOVER },
    { "cleanup", 0, ARG_NONE, O_CLEANUP },
    { "verify-clean", 0, ARG_NONE, O_VERIFY_CLEAN },
    { "quarantine", 0, ARG_NONE, O_QUARANTINE },
    { "unquarantine", 0, ARG_NONE, O_UNQUARANTINE },
    { "reason", 0, ARG_REQ, O_REASON },
    { NULL, 0, 0, 0 },
};
static const struct opt_def metrics_opts[] = { COMMON_OPTS, { "textfile", 0, ARG_REQ, O_TEXTFILE }, { NULL, 0, 0, 0 } };
static const struct opt_def baseline_opts[] = { COMMON_OPTS, { "output", 0, ARG_REQ, O_OUTPUT }, { NULL, 0, 0, 0 } };
static const struct opt_def serve_opts[] = { COMMON_OPTS, { "listen", 0, ARG_REQ, O_LISTEN }, { NULL, 0, 0, 0 } };
static const struct opt_def plain_opts[] = { COMMON_OPTS, { NULL, 0, 0, 0 } };

static const struct {
    const char *name;
    enum rb_command cmd;
    const struct opt_def *opts;
    const struct req_opt *reqs; /* req_opts, searched after opts, or NULL */
} commands[] = {
    { "init", RB_CMD_INIT, box_opts, NULL },           { "run", RB_CMD_RUN, box_opts, req_opts },
    { "cleanup", RB_CMD_CLEANUP, box_opts, NULL },     { "health", RB_CMD_HEALTH, health_opts, NULL },
    { "metrics", RB_CMD_METRICS, metrics_opts, NULL }, { "baseline", RB_CMD_BASELINE, baseline_opts, NULL },
    { "audit", RB_CMD_AUDIT, plain_opts, NULL },       { "serve", RB_CMD_SERVE, serve_opts, NULL },
    { "version", RB_CMD_VERSION, plain_opts, NULL },   { "help", RB_CMD_HELP, plain_opts, NULL },
};
/* clang-format on */

static int command_index(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(commands); i++)
        if (!strcmp(commands[i].name, name))
            return (int)i;
    return -1;
}

static const char *command_name(enum rb_command cmd)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (commands[i].cmd == cmd)
            return commands[i].name;
    return "rustbox";
}

static int health_option(struct rb_cli *cli, const struct opt_hit *h, int *actions, char *err, size_t errlen)
{
    enum rb_health_action a;
    switch (h->def->id) {
    case O_CHECK: a = RB_HEALTH_CHECK; break;
    case O_RECOVER: a = RB_HEALTH_RECOVER; break;
    case O_VERIFY_CLEAN: a = RB_HEALTH_VERIFY_CLEAN; break;
    case O_QUARANTINE: a = RB_HEALTH_QUARANTINE; break;
    case O_UNQUARANTINE: a = RB_HEALTH_UNQUARANTINE; break;
    case O_CLEANUP: cli->health_cleanup = true; return 0;
    case O_REASON: return val_nonempty(h, &cli->reason, err, errlen);
    default: return rb_error_refuse(err, errlen, "%s: not handled", h->name);
    }
    if (*actions && cli->health_action != a)
        return rb_error_refuse(
            err, errlen, "health: give only one of --check, --recover, --verify-clean, --quarantine, --unquarantine");
    (*actions)++;
    cli->health_action = a;
    return 0;
}

static int check_command(struct rb_cli *cli, bool have_positional_file, char *err, size_t errlen)
{
    switch (cli->cmd) {
    case RB_CMD_INIT:
    case RB_CMD_CLEANUP:
        if (cli->box_id < 0)
            return rb_error_refuse(err, errlen, "%s: --box-id N is required", command_name(cli->cmd));
        return 0;
    case RB_CMD_RUN:
        if (!cli->run.argv == !cli->run.code)
            return rb_error_refuse(err, errlen, "run: give a program after -- or --code");
        return 0;
    case RB_CMD_HEALTH:
        if (cli->health_action == RB_HEALTH_QUARANTINE && !cli->reason)
            return rb_error_refuse(err, errlen, "health: --quarantine needs --reason R");
        if (cli->reason && cli->health_action != RB_HEALTH_QUARANTINE && cli->health_action != RB_HEALTH_UNQUARANTINE)
            return rb_error_refuse(err, errlen, "health: --reason only goes with --quarantine or --unquarantine");
        if (cli->health_cleanup && cli->health_action != RB_HEALTH_RECOVER)
            return rb_error_refuse(err, errlen, "health: --cleanup only goes with --recover");
        return 0;
    case RB_CMD_BASELINE:
        if (!cli->baseline_diff)
            return 0;
        if (cli->baseline_file && !have_positional_file)
            return rb_error_refuse(err, errlen, "baseline: --output only goes with 'capture'");
        if (!cli->baseline_file)
            return rb_error_refuse(err, errlen, "baseline diff: give the baseline FILE to compare with");
        return 0;
    default: return 0;
    }
}

static int parse_command(struct opt_iter *it, const struct opt_def *opts, struct rb_cli *cli, char *err, size_t errlen)
{
    const char *name = command_name(cli->cmd);
    char ctx[32];
    snprintf(ctx, sizeof(ctx), " for %s", name);
    it->ctx = ctx;
    it->syntax = CLI_NATIVE;
    bool subcommand = false, positional_file = false;
    int actions = 0;
    for (;;) {
        struct opt_hit h;
        int r = opt_next(it, opts, &h, err, errlen);
        if (r < 0)
            return r;
        if (r == OPT_END)
            break;
        if (r == OPT_DASHDASH) {
            if (cli->cmd != RB_CMD_RUN)
                return rb_error_refuse(err, errlen, "%s: unexpected '--'", name);
            if (it->i < it->argc && it->argv[it->i])
                cli->run.argv = &it->argv[it->i];
            break;
        }
        if (r == OPT_POSITIONAL) {
            if (cli->cmd == RB_CMD_BASELINE && !subcommand) {
                subcommand = true;
                if (!strcmp(h.val, "diff"))
                    cli->baseline_diff = true;
                else if (strcmp(h.val, "capture"))
                    return rb_error_refuse(err, errlen, "baseline: unknown action '%s' (use 'capture' or 'diff FILE')",
                                           h.val);
                continue;
            }
            if (cli->cmd == RB_CMD_BASELINE && cli->baseline_diff && !positional_file) {
                positional_file = true;
                cli->baseline_file = (char *)h.val;
                continue;
            }
            if (cli->cmd == RB_CMD_RUN)
                return rb_error_refuse(err, errlen, "run: unexpected argument '%s' (put the program after --)", h.val);
            return rb_error_refuse(err, errlen, "%s: unexpected argument '%s'", name, h.val);
        }
        if (h.req) {
            if ((r = req_option(&cli->run, CLI_NATIVE, &h, err, errlen)) < 0)
                return r;
            continue;
        }
        switch (h.def->id) {
        case O_CONFIG: r = val_nonempty(&h, &cli->config_path, err, errlen); break;
        case O_DRY_RUN: cli->dry_run = true; break;
        case O_HELP: break; /* found by the pre-scan in cli_parse */
        case O_VERBOSE: cli->verbose = true; break;
        case O_SILENT: cli->silent = true; break;
        case O_TEXTFILE: r = val_nonempty(&h, &cli->textfile_dir, err, errlen); break;
        case O_LISTEN: r = val_nonempty(&h, &cli->listen, err, errlen); break;
        case O_OUTPUT: r = val_nonempty(&h, &cli->baseline_file, err, errlen); break;
        case O_BOX_ID: r = val_box_id(&h, &cli->box_id, err, errlen); break;
        default: r = health_option(cli, &h, &actions, err, errlen);
        }
        if (r < 0)
            return r;
    }
    cli->run.box_id = cli->box_id;
    if (cli->cmd == RB_CMD_BASELINE && !subcommand)
        return rb_error_refuse(err, errlen, "baseline: give 'capture [--output FILE]' or 'diff FILE'");
    return check_command(cli, positional_file, err, errlen);
}

static bool is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int cli_parse(int argc, char **argv, struct rb_cli *cli, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (isolate_mode_requested(argc, argv))
        return isolate_parse(argc, argv, cli, err, errlen);
    memset(cli, 0, sizeof(*cli));
    cli->box_id = cli->run.box_id = -1;

    int i = 1;
    while (i < argc && argv[i]) {
        const char *a = argv[i];
        if (!strcmp(a, "--config") || !strncmp(a, "--config=", 9)) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !*v)
                return rb_error_refuse(err, errlen, "--config needs a FILE");
            cli->config_path = (char *)v;
        } else if (!strcmp(a, "--dry-run")) {
            cli->dry_run = true;
        } else if (is_help(a)) {
            cli->cmd = RB_CMD_HELP;
            return 0;
        } else if (!strcmp(a, "--version")) {
            cli->cmd = RB_CMD_VERSION;
            return 0;
        } else if (a[0] == '-') {
            return rb_error_refuse(
                err, errlen, "unknown option '%s' (before the command, only --config FILE and --dry-run are allowed)",
                a);
        } else {
            break;
        }
        i++;
    }
    if (i >= argc || !argv[i])
        return rb_error_refuse(err, errlen, "missing command (see 'rustbox --help')");
    int ci = command_index(argv[i]);
    if (ci < 0)
        return rb_error_refuse(err, errlen, "unknown command '%s' (see 'rustbox --help')", argv[i]);
    enum rb_command cmd = commands[ci].cmd;

    if (cmd == RB_CMD_HELP) {
        cli->cmd = RB_CMD_HELP;
        if (i + 1 < argc && argv[i + 1] && !is_help(argv[i + 1])) {
            int hi = command_index(argv[i + 1]);
            if (hi < 0)
                return rb_error_refuse(err, errlen, "help: unknown command '%s'", argv[i + 1]);
            cli->help_for = commands[hi].cmd == RB_CMD_HELP ? RB_CMD_NONE : commands[hi].cmd;
        }
        return 0;
    }
    /* --help anywhere before the program wins over every other mistake. */
    for (int j = i + 1; j < argc && argv[j] && strcmp(argv[j], "--"); j++) {
        if (is_help(argv[j])) {
            cli->cmd = RB_CMD_HELP;
            cli->help_for = cmd;
            return 0;
        }
    }
    cli->cmd = cmd;
    struct opt_iter it = { .argc = argc, .argv = argv, .i = i + 1, .reqs = commands[ci].reqs };
    int r = parse_command(&it, commands[ci].opts, cli, err, errlen);
    if (r < 0)
        cli_free(cli);
    return r;
}

/* ---- the request's rules, either syntax (cli_opt.c) ---- */

int cli_add_dir(struct rb_run_request *req, const char *spec, char *err, size_t errlen)
{
    return req_add_dir(req, spec, err, errlen);
}

int cli_add_env(struct rb_run_request *req, const char *spec, char *err, size_t errlen)
{
    return req_add_env(req, spec, err, errlen);
}

void cli_free(struct rb_cli *cli)
{
    req_free_rules(&cli->run);
}

int cli_check_caller(const struct rb_cli *cli, uintmax_t caller_uid, char *err, size_t errlen)
{
    if (caller_uid == 0)
        return 0;
    /* Run set-uid by a judge user (or by hand by one): whatever would have
     * root read or write a path, or choose where root mounts a box and as
     * whom, is root's alone. --dir sources and --meta are checked with the
     * caller's rights where they are used. */
    if (cli->as_uid_set)
        return rb_error_refuse(err, errlen, "--as-uid and --as-gid are allowed only to root");
    const char *what = cli->config_path                                    ? "--config"
                       : cli->cmd == RB_CMD_METRICS && cli->textfile_dir   ? "--textfile"
                       : cli->cmd == RB_CMD_BASELINE && cli->baseline_file ? "a baseline file"
                       : cli->cmd == RB_CMD_SERVE                          ? "serve"
                                                                           : NULL;
    if (!what)
        return 0;
    return rb_error_refuse(err, errlen, "%s: refused: only root may use it (uid %ju runs rustbox set-uid)", what,
                           caller_uid);
}

int cli_report_parse_error(const struct rb_cli *cli, const char *err)
{
    if (!cli->isolate_mode) {
        fprintf(stderr, "rustbox: %s\n", err);
        return RB_EXIT_USAGE;
    }
    /* isolate's usage(): the message on stderr, the usage text on stdout. */
    fprintf(stderr, "%s\n", err);
    if (cli->usage_error) {
        fflush(stderr);
        isolate_usage();
    }
    return RB_EXIT_INTERNAL;
}

int cli_apply_identity(const struct rb_cli *cli, char *err, size_t errlen)
{
    if (!cli->as_uid_set)
        return 0;
    /* Only the real ids change, and the groups become the user's one
     * group: what a set-uid rustbox run by that user would have. */
    gid_t g = (gid_t)cli->as_gid;
    if (setgroups(1, &g) < 0 || setresgid(g, (gid_t)-1, (gid_t)-1) < 0 ||
        setresuid((uid_t)cli->as_uid, (uid_t)-1, (uid_t)-1) < 0)
        return rb_error_refuse(err, errlen, "--as-uid %ju --as-gid %ju: cannot take the ids: %s",
                               (uintmax_t)cli->as_uid, (uintmax_t)cli->as_gid, strerror(errno));
    return 0;
}

/* ---- usage ---- */

static const char usage_global[] =
    "usage: rustbox [--config FILE] [--dry-run] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  init     --box-id N                          create box N (persistent)\n"
    "  run      [--box-id N] [LIMITS] -- PROG ARGS  run PROG in box N, or in a one-shot box\n"
    "  run      [--box-id N] [LIMITS] --code 'SH'   same, with /bin/sh -c 'SH'\n"
    "  cleanup  --box-id N                          tear box N down, verify, release it\n"
    "  health   [--check | --recover [--cleanup] | --verify-clean |\n"
    "            --quarantine --reason R | --unquarantine [--reason R]]\n"
    "  metrics  [--textfile DIR]                    Prometheus text exposition\n"
    "  baseline capture [--output FILE] | diff FILE\n"
    "  audit                                        leftover resources and health history\n"
    "  serve    [--listen ADDR]                     /metrics and /health over HTTP\n"
    "  version\n"
    "\n"
    "global options:\n"
    "  --config FILE  configuration (default: $RUSTBOX_CONFIG, then " RB_DEFAULT_CONFIG_PATH
    ")\n"
    "  --dry-run      print the capability report as JSON and run nothing\n"
    "\n"
    "Invoked as 'isolate', or with --init, --run or --cleanup, rustbox accepts isolate's syntax.\n"
    "'rustbox COMMAND --help' describes one command.\n";

static const char usage_run[] =
    "usage: rustbox run [--box-id N] [LIMITS] -- PROG [ARGS...]\n"
    "       rustbox run [--box-id N] [LIMITS] --code 'SH'\n"
    "\n"
    "Without --box-id the run uses a one-shot box that is cleaned up afterwards.\n"
    "\n"
    "limits (SIZE takes a K, M or G suffix; unset ones come from the config):\n"
    "  -t, --time S            CPU time limit in seconds\n"
    "  -w, --wall-time S       wall-clock limit in seconds\n"
    "  -x, --extra-time S      grace time before a program over its limit is killed\n"
    "      --memory SIZE       memory of the whole box (cgroup)\n"
    "  -m, --mem KIB           the same in KiB (isolate units)\n"
    "  -p, --processes[=N]     processes and threads; a bare -p means unlimited\n"
    "      --file-size SIZE    largest file the program may write (-f KIB)\n"
    "  -n, --open-files N      open file descriptors\n"
    "      --stack SIZE        stack size (-k KIB)\n"
    "      --output-limit SIZE stdout+stderr captured in the result\n"
    "\n"
    "files and environment:\n"
    "  -i, --stdin F   -o, --stdout F   -r, --stderr F   --stderr-to-stdout\n"
    "  -d, --dir BOX[=HOST][:rw|:noexec|:tmp|:maybe|:dev|:norec]   (BOX= removes a rule)\n"
    "      --dir BOX=tmpfs:fs, BOX=proc:fs   a fresh tmpfs or proc (read-only unless :rw)\n"
    "  -E, --env VAR[=VAL]   -e, --full-env   -c, --chdir DIR\n"
    "  -M, --meta FILE       isolate-style meta file\n"
    "      --special-files   keep the symlinks, FIFOs and sockets of a persistent\n"
    "                        box's work dir (removed before and after a run otherwise)\n"
    "      --share-net       the host's network namespace instead of loopback only\n"
    "                        (refused as IE when the config's allow_share_net is false)\n";

static const char usage_health[] =
    "usage: rustbox health [--check | --recover [--cleanup] | --verify-clean |\n"
    "                       --quarantine --reason R | --unquarantine [--reason R]]\n"
    "\n"
    "Without an action, prints the worker's health state as JSON.\n"
    "  --check          re-evaluate resources and leftovers\n"
    "  --recover        clean leftovers of dead boxes and lift an automatic quarantine\n"
    "  --cleanup        with --recover: also clean every box no live process holds\n"
    "  --verify-clean   count leftovers that belong to no live box (exit 1 if any)\n"
    "  --quarantine --reason R      stop accepting runs\n"
    "  --unquarantine [--reason R]  accept runs again (only if verify-clean passes)\n";

void cli_usage(enum rb_command cmd, bool isolate_mode)
{
    if (isolate_mode) {
        isolate_usage();
        return;
    }
    static const struct {
        enum rb_command cmd;
        const char *text;
    } texts[] = {
        { RB_CMD_RUN, usage_run },
        { RB_CMD_HEALTH, usage_health },
        { RB_CMD_INIT,
          "usage: rustbox init --box-id N\n\n"
          "Creates box N; files in its box/ directory persist until cleanup.\n" },
        { RB_CMD_CLEANUP,
          "usage: rustbox cleanup --box-id N\n\n"
          "Tears box N down, verifies the host is back to baseline, and releases it.\n" },
        { RB_CMD_METRICS,
          "usage: rustbox metrics [--textfile DIR]\n\n"
          "Prints the Prometheus metrics; with --textfile also writes DIR/rustbox.prom.\n" },
        { RB_CMD_BASELINE,
          "usage: rustbox baseline capture [--output FILE]\n"
          "       rustbox baseline diff FILE\n\n"
          "Captures the host's mounts, cgroups, processes and temp dirs, or compares with FILE.\n" },
        { RB_CMD_AUDIT, "usage: rustbox audit\n\nReports leftover resources and the health history.\n" },
        { RB_CMD_SERVE,
          "usage: rustbox serve [--listen ADDR]\n\n"
          "Serves /metrics and /health over HTTP (default " RB_DEFAULT_LISTEN ").\n" },
        { RB_CMD_VERSION, "usage: rustbox version\n" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        if (texts[i].cmd == cmd) {
            fputs(texts[i].text, stdout);
            return;
        }
    }
    fputs(usage_global, stdout);
}

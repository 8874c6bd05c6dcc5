/* SPDX-License-Identifier: Apache-2.0 */
/* rustbox: run untrusted programs under kernel-enforced isolation and limits,
 * then prove the host is back to its baseline. main parses the command line,
 * loads the config, and hands both to one command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "context.h"
#include "log.h"
#include "util.h"

static int dispatch(struct rb_ctx *ctx, struct rb_cli *cli)
{
    if (cli->fatal[0])
        return cmd_isolate_fatal(ctx, cli);
    switch (cli->cmd) {
    case RB_CMD_INIT: return cmd_init(ctx, cli);
    case RB_CMD_RUN: return cli->dry_run ? cmd_dry_run(ctx, cli) : cmd_run(ctx, cli);
    case RB_CMD_CLEANUP: return cmd_cleanup(ctx, cli);
    case RB_CMD_PRINT_CG_ROOT: return cmd_print_cg_root(ctx, cli);
    case RB_CMD_HEALTH: return cmd_health(ctx, cli);
    case RB_CMD_METRICS: return cmd_metrics(ctx, cli);
    case RB_CMD_BASELINE: return cmd_baseline(ctx, cli);
    case RB_CMD_AUDIT: return cmd_audit(ctx, cli);
    case RB_CMD_SERVE: return cmd_serve(ctx, cli);
    default: return RB_EXIT_INTERNAL;
    }
}

int main(int argc, char **argv)
{
    struct rb_cli cli = { 0 };
    struct rb_ctx ctx = { .started_us = monotonic_us() };
    char err[512] = "";
    if (cli_parse(argc, argv, &cli, err, sizeof(err)) < 0) {
        cli_free(&cli);
        return cli_report_parse_error(&cli, err);
    }
    if (cli.cmd == RB_CMD_HELP) {
        cli_usage(cli.help_for, cli.isolate_mode);
        cli_free(&cli);
        return RB_EXIT_OK;
    }
    if (cli.cmd == RB_CMD_VERSION) {
        printf("rustbox %s\n", RUSTBOX_VERSION);
        cli_free(&cli);
        return RB_EXIT_OK;
    }
    /* Before the config is read: nothing is done for a refused caller. */
    if (cli_check_caller(&cli, (uintmax_t)getuid(), err, sizeof(err)) < 0) {
        int status = cli.isolate_mode ? cmd_isolate_early_refusal(&cli, err) : (log_error("%s", err), RB_EXIT_USAGE);
        cli_free(&cli);
        return status;
    }
    if (cli_apply_identity(&cli, err, sizeof(err)) < 0) {
        int status = cli.isolate_mode ? cmd_isolate_early_refusal(&cli, err) : (log_error("%s", err), RB_EXIT_INTERNAL);
        cli_free(&cli);
        return status;
    }
    uint64_t config_started = monotonic_us();
    int r = config_load(&ctx.cfg, cli.config_path, err, sizeof(err));
    if (r < 0) {
        int status = cli.isolate_mode ? cmd_isolate_early_refusal(&cli, err) : (log_error("%s", err), RB_EXIT_USAGE);
        cli_free(&cli);
        config_free(&ctx.cfg);
        return status;
    }
    ctx.log.verbose = cli.verbose;
    ctx.log.silent = cli.silent;
    log_open();
    ctx.cg_root = RB_CG_ROOT_DEFAULT;
    ctx.cg = cgroup_select(ctx.cfg.cgroup_backend, ctx.cg_root, ctx.cfg.cgroup_parent, &ctx.cg_caps);
    ctx.config_us = monotonic_us() - config_started;
    ctx.wait_for_box = cli.wait_for_box;

    int status = dispatch(&ctx, &cli);
    cli_free(&cli);
    config_free(&ctx.cfg);
    return status;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* rustbox: run untrusted programs under kernel-enforced isolation and limits,
 * then prove the host is back to its baseline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "commands.h"
#include "health_cmd.h"
#include "context.h"
#include "metrics.h"
#include "serve.h"
#include "util.h"

static int dispatch(struct rb_ctx *ctx)
{
    switch (ctx->cli.cmd) {
    case RB_CMD_INIT: return cmd_init(ctx);
    case RB_CMD_RUN: return ctx->cli.dry_run ? cmd_dry_run(ctx) : cmd_run(ctx);
    case RB_CMD_CLEANUP: return cmd_cleanup(ctx);
    case RB_CMD_HEALTH: return cmd_health(ctx);
    case RB_CMD_METRICS: return cmd_metrics(ctx);
    case RB_CMD_BASELINE: return cmd_baseline(ctx);
    case RB_CMD_AUDIT: return cmd_audit(ctx);
    case RB_CMD_SERVE: return cmd_serve(ctx);
    default: return RB_EXIT_INTERNAL;
    }
}

int main(int argc, char **argv)
{
    struct rb_ctx ctx = { 0 };
    char err[512] = "";
    if (cli_parse(argc, argv, &ctx.cli, err, sizeof(err)) < 0) {
        log_error("%s", err);
        cli_free(&ctx.cli);
        return isolate_mode_requested(argc, argv) ? RB_EXIT_INTERNAL : RB_EXIT_USAGE;
    }
    if (ctx.cli.cmd == RB_CMD_HELP) {
        cli_usage(ctx.cli.help_for, ctx.cli.isolate_mode);
        cli_free(&ctx.cli);
        return RB_EXIT_OK;
    }
    if (ctx.cli.cmd == RB_CMD_VERSION) {
        printf("rustbox %s\n", RUSTBOX_VERSION);
        cli_free(&ctx.cli);
        return RB_EXIT_OK;
    }
    int r = config_load(&ctx.cfg, ctx.cli.config_path, err, sizeof(err));
    if (r < 0) {
        log_error("%s", err);
        cli_free(&ctx.cli);
        config_free(&ctx.cfg);
        return ctx.cli.isolate_mode ? RB_EXIT_INTERNAL : RB_EXIT_USAGE;
    }
    ctx.log.verbose = ctx.cli.verbose;
    ctx.log.silent = ctx.cli.silent;
    log_open();
    ctx.cg_root = RB_CG_ROOT_DEFAULT;
    ctx.cg = cgroup_select(ctx.cfg.cgroup_backend, ctx.cg_root, ctx.cfg.cgroup_parent, &ctx.cg_caps);

    int status = dispatch(&ctx);
    cli_free(&ctx.cli);
    config_free(&ctx.cfg);
    return status;
}

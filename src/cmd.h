/* SPDX-License-Identifier: Apache-2.0 */
/* cmd: the commands — each takes the parsed command line, calls the library
 * and prints what it got back (JSON, isolate's meta file and status line, or
 * the library's error text unchanged). Each returns the process exit status. */
#ifndef RUSTBOX_CMD_H
#define RUSTBOX_CMD_H

#include "cli.h"
#include "context.h"

/* cmd_box.c: the box lifecycle and the capability report of --dry-run. */
int cmd_init(struct rb_ctx *ctx, struct rb_cli *cli);
int cmd_run(struct rb_ctx *ctx, struct rb_cli *cli);
int cmd_cleanup(struct rb_ctx *ctx, struct rb_cli *cli);
/* isolate 2.x's --print-cg-root: where the boxes' cgroups are made. */
int cmd_print_cg_root(struct rb_ctx *ctx, struct rb_cli *cli);
int cmd_dry_run(struct rb_ctx *ctx, struct rb_cli *cli);
/* A refusal isolate's syntax found while parsing (cli->fatal): its message,
 * the meta file if -M came before it, exit 2. */
int cmd_isolate_fatal(struct rb_ctx *ctx, struct rb_cli *cli);
/* A refusal before the config is read (the caller's rights, the config
 * itself), in isolate's syntax: the message, status:XX in the meta file
 * when one is named, exit 2; no judge reads it as a run. */
int cmd_isolate_early_refusal(const struct rb_cli *cli, const char *msg);

/* cmd_health.c: health in all its forms, and audit. */
int cmd_health(struct rb_ctx *ctx, struct rb_cli *cli);
int cmd_audit(struct rb_ctx *ctx, struct rb_cli *cli);

/* cmd_report.c: metrics, baseline and serve. */
int cmd_metrics(struct rb_ctx *ctx, struct rb_cli *cli);
int cmd_baseline(struct rb_ctx *ctx, struct rb_cli *cli);
int cmd_serve(struct rb_ctx *ctx, struct rb_cli *cli);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* commands: the box lifecycle commands (init, run, cleanup) and the
 * capability report of --dry-run. Each returns the process exit status. */
#ifndef RUSTBOX_COMMANDS_H
#define RUSTBOX_COMMANDS_H

#include "context.h"

int cmd_init(struct rb_ctx *ctx);
int cmd_run(struct rb_ctx *ctx);
int cmd_cleanup(struct rb_ctx *ctx);
int cmd_dry_run(struct rb_ctx *ctx);

#endif

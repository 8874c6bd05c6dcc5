/* SPDX-License-Identifier: Apache-2.0 */
/* cli: the command line (native syntax, SPEC §1) parsed into one request. */
#ifndef RUSTBOX_CLI_H
#define RUSTBOX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "request.h"

#define RB_EXIT_OK 0
#define RB_EXIT_FAIL 1
#define RB_EXIT_INTERNAL 2
#define RB_EXIT_USAGE 64
#define RB_EXIT_QUARANTINED 75

enum rb_command {
    RB_CMD_NONE,
    RB_CMD_HELP,
    RB_CMD_VERSION,
    RB_CMD_INIT,
    RB_CMD_RUN,
    RB_CMD_CLEANUP,
    RB_CMD_HEALTH,
    RB_CMD_METRICS,
    RB_CMD_BASELINE,
    RB_CMD_AUDIT,
    RB_CMD_SERVE,
};

enum rb_health_action {
    RB_HEALTH_SHOW,
    RB_HEALTH_CHECK,
    RB_HEALTH_RECOVER,
    RB_HEALTH_VERIFY_CLEAN,
    RB_HEALTH_QUARANTINE,
    RB_HEALTH_UNQUARANTINE,
};

struct rb_cli {
    char *config_path;
    bool dry_run;
    bool isolate_mode; /* invoked as isolate or with --init/--run/--cleanup */
    bool verbose;
    bool silent;
    enum rb_command cmd;
    enum rb_command help_for; /* RB_CMD_NONE: general help */
    long box_id;              /* -1: not given */
    uint64_t quota_blocks;    /* isolate's --quota (KiB, inodes); 0: none */
    uint64_t quota_inodes;
    struct rb_run_request run;
    enum rb_health_action health_action;
    bool health_cleanup;
    char *reason;
    char *textfile_dir;
    bool baseline_diff; /* false: capture */
    char *baseline_file;
    char *listen;
};

/* Parses argv (native or isolate syntax). Returns 0, or -EINVAL with one
 * line in err naming the bad argument and why. Strings point into argv or are
 * owned by cli (freed by cli_free). */
int cli_parse(int argc, char **argv, struct rb_cli *cli, char *err, size_t errlen);
void cli_free(struct rb_cli *cli);
/* The parts of a command line only root may give, checked for a caller
 * whose real uid is caller_uid (not 0: rustbox runs set-uid for it):
 * --config, metrics --textfile, a baseline file, serve. Returns 0, or
 * -EINVAL with one line in err. */
int cli_check_caller(const struct rb_cli *cli, uintmax_t caller_uid, char *err, size_t errlen);
/* Adds a --dir rule (shared by both syntaxes). */
int cli_add_dir(struct rb_run_request *req, const char *spec, char *err, size_t errlen);
int cli_add_env(struct rb_run_request *req, const char *spec, char *err, size_t errlen);
void cli_usage(enum rb_command cmd, bool isolate_mode);

/* isolate 1.10 syntax; called by cli_parse when it detects isolate mode. */
int isolate_parse(int argc, char **argv, struct rb_cli *cli, char *err, size_t errlen);
bool isolate_mode_requested(int argc, char **argv);

#endif

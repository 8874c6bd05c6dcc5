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
    RB_CMD_PRINT_CG_ROOT, /* isolate 2.x's --print-cg-root */
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
    bool wait_for_box; /* isolate 2.x's --wait: a busy box is waited for */
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
    /* isolate's syntax: a parse failure that is a usage error (isolate
     * prints its usage after the message), and a refusal found while
     * parsing that isolate reports as a fatal error (its message, a meta
     * file saying status:XX if -M came before it, exit 2): the parse then
     * succeeds with cmd RB_CMD_NONE and the message here. */
    bool usage_error;
    char fatal[512];
    /* --as-uid/--as-gid (0: not given): root acting for that user. */
    uint64_t as_uid, as_gid;
    bool as_uid_set, as_gid_set;
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
/* Prints a failed parse's message (and isolate's usage after a usage error
 * in its syntax); returns the exit status. */
int cli_report_parse_error(const struct rb_cli *cli, const char *err);
/* --as-uid/--as-gid: the real ids become the given user's (the effective
 * ones stay root's), so every check made for a set-uid caller is made for
 * that user. 0, or -EINVAL/-errno with one line in err. */
int cli_apply_identity(const struct rb_cli *cli, char *err, size_t errlen);
/* isolate 1.10.1's usage text on stdout (isolate_usage.c). */
void isolate_usage(void);

/* isolate 1.10 syntax; called by cli_parse when it detects isolate mode. */
int isolate_parse(int argc, char **argv, struct rb_cli *cli, char *err, size_t errlen);
bool isolate_mode_requested(int argc, char **argv);

#endif

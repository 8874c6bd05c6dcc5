/* cli: the command line (native syntax, SPEC §1) parsed into one request. */
#ifndef RUSTBOX_CLI_H
#define RUSTBOX_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

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

/* Which fields of rb_run_request.limits were given on the command line. */
enum rb_limit_bit {
    RB_LIM_CPU = 1 << 0,
    RB_LIM_WALL = 1 << 1,
    RB_LIM_EXTRA = 1 << 2,
    RB_LIM_MEMORY = 1 << 3,
    RB_LIM_PROCESSES = 1 << 4,
    RB_LIM_FILE_SIZE = 1 << 5,
    RB_LIM_OPEN_FILES = 1 << 6,
    RB_LIM_STACK = 1 << 7,
    RB_LIM_OUTPUT = 1 << 8,
};

/* --dir BOX[=HOST][:opts], isolate's order and options. */
enum rb_dir_flag {
    RB_DIR_RW = 1 << 0,
    RB_DIR_NOEXEC = 1 << 1,
    RB_DIR_TMP = 1 << 2,     /* a fresh tmpfs instead of a bind */
    RB_DIR_MAYBE = 1 << 3,   /* skip silently if HOST does not exist */
    RB_DIR_DEV = 1 << 4,     /* allow device nodes */
    RB_DIR_REMOVE = 1 << 5,  /* "BOX=" : drop a default rule */
};

/* --dir rules a run may add; with the defaults they must fit the box's
 * mount table (sandbox.c). */
#define RB_MAX_DIR_RULES 48
#define RB_DEFAULT_DIR_RULES 6

struct rb_dir_rule {
    char *inside;  /* absolute path in the box */
    char *outside; /* host path; NULL for tmp */
    unsigned flags;
};

struct rb_run_request {
    long box_id; /* -1: one-shot box */
    struct rb_limits limits;
    unsigned limits_set; /* rb_limit_bit */
    char *stdin_path;
    char *stdout_path;
    char *stderr_path;
    bool stderr_to_stdout;
    char *chdir;
    struct rb_dir_rule *dirs;
    size_t n_dirs;
    char **env; /* "VAR=VAL" or "VAR" (inherit from the caller) */
    size_t n_env;
    bool full_env;
    char **argv; /* NULL-terminated; points into the process argv */
    char *code;  /* --code 'SH' */
    char *meta_path;
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
    long box_id; /* -1: not given */
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
/* Applies the config's defaults to every limit the command line left unset. */
void cli_apply_limits(struct rb_run_request *req, const struct rb_limits *defaults);
/* Adds a --dir rule (shared by both syntaxes). */
int cli_add_dir(struct rb_run_request *req, const char *spec, char *err, size_t errlen);
int cli_add_env(struct rb_run_request *req, const char *spec, char *err, size_t errlen);
void cli_usage(enum rb_command cmd, bool isolate_mode);

/* isolate 1.10 syntax; called by cli_parse when it detects isolate mode. */
int isolate_parse(int argc, char **argv, struct rb_cli *cli, char *err, size_t errlen);
bool isolate_mode_requested(int argc, char **argv);

#endif

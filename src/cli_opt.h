/* SPDX-License-Identifier: Apache-2.0 */
/* cli_opt: what both command-line syntaxes share — the option scanner (long
 * options --opt=v and --opt v, short ones -t1, -t 1, -vs), the value
 * parsers, and the one table of the options that fill the run request, with
 * a column per syntax — with errors as one line naming the option as the
 * user spelled it. */
#ifndef RUSTBOX_CLI_OPT_H
#define RUSTBOX_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request.h"

#define CLI_BOX_ID_MAX INT32_MAX
#define CLI_COUNT_MAX INT32_MAX

enum arg_kind { ARG_NONE, ARG_REQ, ARG_OPT };

/* The id of every row of req_opts: req_option handles them all. */
#define OPT_REQUEST (-1)

struct opt_def {
    const char *lng;
    char shrt;
    enum arg_kind arg;
    int id; /* 0 ends a table */
};

/* rustbox's own (`rustbox run`) and isolate 1.10's. */
enum cli_syntax { CLI_NATIVE, CLI_ISOLATE, CLI_SYNTAXES };

/* How the value of a request option reads, which fixes the C type of the
 * field it goes to (req_val_type). */
enum req_val {
    RV_ABSENT,  /* the option is not spelt this way in this syntax */
    RV_IGNORED, /* accepted and without effect */
    RV_SECONDS, /* double: seconds, "1.5" */
    RV_SIZE,    /* uint64_t: bytes, with an optional K, M or G suffix */
    RV_KIB,     /* uint64_t: a plain number of KiB, isolate's unit */
    RV_COUNT,   /* uint64_t: a number; if the value is optional, none means 0 (unlimited) */
    RV_TEXT,    /* char *: a non-empty word, pointing into argv */
    RV_TRUE,    /* bool: set by the option's presence */
    RV_DIR,     /* a --dir rule (dirrules.h) */
    RV_ENV,     /* a --env rule */
};

/* C types of request fields, checked against the value kind of each row. */
enum req_type { RT_OTHER, RT_DOUBLE, RT_U64, RT_STRING, RT_BOOL };

/* What a value kind and a field cannot say. */
enum req_rule {
    RQ_STDERR = 1 << 2, /* --stderr and --stderr-to-stdout: the later wins */
};

/* One option that fills struct rb_run_request, for both syntaxes. */
struct req_opt {
    struct opt_def def;             /* names; id OPT_REQUEST */
    enum req_val val[CLI_SYNTAXES]; /* how the value reads in each syntax */
    size_t field;                   /* offsetof(struct rb_run_request, ...) */
    enum req_type type;             /* the field's C type */
    unsigned limit;                 /* the RB_LIM_* bit it sets */
    unsigned rules;                 /* RQ_* */
};

/* The table; ends with a row whose def.id is 0. */
extern const struct req_opt req_opts[];
/* The C type a value kind writes (RT_OTHER: none, or a rule list). */
enum req_type req_val_type(enum req_val v);


struct opt_iter {
    int argc;
    char **argv;
    int i;
    const char *cluster; /* rest of a short-option cluster such as "-vs" */
    const char *ctx;     /* appended to "unknown option" errors, e.g. " for run" */
    /* Which column of req_opts applies, and how an optional value (only
     * --processes has one) is taken: natively any next word not starting
     * with '-' (rustbox's syntax has no bare words before the program), in
     * isolate's syntax only a plain number (a bare "--processes" may be
     * followed by the program). */
    enum cli_syntax syntax;
    /* req_opts if the command takes them (searched after the command's
     * own options), or NULL. */
    const struct req_opt *reqs;
};

struct opt_hit {
    const struct opt_def *def;
    const struct req_opt *req; /* the row of req_opts, or NULL */
    const char *val;
    char name[40]; /* as the user spelled it: "--time" or "-t" */
};

enum { OPT_FOUND, OPT_POSITIONAL, OPT_DASHDASH, OPT_END };

/* Next option, positional word, "--" or the end; <0 on a bad option. */
int opt_next(struct opt_iter *it, const struct opt_def *defs, struct opt_hit *hit, char *err, size_t errlen);

int val_seconds(const struct opt_hit *h, double *dst, char *err, size_t errlen);
int val_size(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen);
/* isolate's units: a plain number of KiB. */
int val_kib(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen);
int val_count(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen);
int val_box_id(const struct opt_hit *h, long *dst, char *err, size_t errlen);
int val_nonempty(const struct opt_hit *h, char **dst, char *err, size_t errlen);

/* Applies one request option (h->req) in the given syntax. */
int req_option(struct rb_run_request *req, enum cli_syntax syntax, const struct opt_hit *h, char *err, size_t errlen);
/* --dir BOX[=HOST][:OPTIONS] and --env VAR[=VAL] rules of a request (a later
 * rule for the same box path or variable replaces the earlier one); the
 * errors name --dir or --env. cli.h's cli_add_dir, cli_add_env and cli_free
 * are these. */
int req_add_dir(struct rb_run_request *req, const char *spec, char *err, size_t errlen);
int req_add_env(struct rb_run_request *req, const char *spec, char *err, size_t errlen);
/* isolate's -D: a removal rule for each default directory rule the request
 * has no rule for. */
int req_drop_default_dirs(struct rb_run_request *req, char *err, size_t errlen);
void req_free_rules(struct rb_run_request *req);

#endif

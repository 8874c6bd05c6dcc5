/* SPDX-License-Identifier: Apache-2.0 */
/* cli_opt: the option scanner and value parsers both command-line syntaxes
 * share — long options (--opt=v, --opt v), short ones (-t1, -t 1, -vs) —
 * with errors as one line naming the option as the user spelled it. */
#ifndef RUSTBOX_CLI_OPT_H
#define RUSTBOX_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_BOX_ID_MAX INT32_MAX
#define CLI_COUNT_MAX INT32_MAX

enum arg_kind { ARG_NONE, ARG_REQ, ARG_OPT };

struct opt_def {
    const char *lng;
    char shrt;
    enum arg_kind arg;
    int id; /* 0 ends a table */
};

struct opt_iter {
    int argc;
    char **argv;
    int i;
    const char *cluster; /* rest of a short-option cluster such as "-vs" */
    const char *ctx;     /* appended to "unknown option" errors, e.g. " for run" */
    /* Whether an optional value (only --processes has one) may be any next
     * word not starting with '-' (rustbox's syntax has no bare words before
     * the program) or only a plain number (isolate's, where a bare
     * "--processes" may be followed by the program). */
    bool optional_takes_word;
};

struct opt_hit {
    const struct opt_def *def;
    const char *val;
    char name[40]; /* as the user spelled it: "--time" or "-t" */
};

enum { OPT_FOUND, OPT_POSITIONAL, OPT_DASHDASH, OPT_END };

int cli_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Next option, positional word, "--" or the end; <0 on a bad option. */
int opt_next(struct opt_iter *it, const struct opt_def *defs, struct opt_hit *hit, char *err, size_t errlen);

int val_seconds(const struct opt_hit *h, double *dst, char *err, size_t errlen);
int val_size(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen);
/* isolate's units: a plain number of KiB. */
int val_kib(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen);
int val_count(const struct opt_hit *h, uint64_t *dst, char *err, size_t errlen);
int val_box_id(const struct opt_hit *h, long *dst, char *err, size_t errlen);
int val_nonempty(const struct opt_hit *h, char **dst, char *err, size_t errlen);

#endif

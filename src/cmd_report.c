/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "cmd.h"
#include "log.h"
#include "metrics.h"
#include "scan.h"
#include "serve.h"
#include "util.h"

int cmd_metrics(struct rb_ctx *ctx, struct rb_cli *cli)
{
    _cleanup_free_ char *text = NULL;
    int r = metrics_render(ctx, &text);
    if (r < 0) {
        log_error("cannot read the metrics store %s/metrics/counters: %s", ctx->cfg.state_dir, strerror(-r));
        return RB_EXIT_INTERNAL;
    }
    if (cli->textfile_dir) {
        r = metrics_write_textfile(cli->textfile_dir, text);
        if (r < 0) {
            log_error("cannot write %s/rustbox.prom: %s", cli->textfile_dir, strerror(-r));
            return RB_EXIT_INTERNAL;
        }
    }
    fputs(text, stdout);
    return fflush(stdout) == 0 ? RB_EXIT_OK : RB_EXIT_INTERNAL;
}

static const char *pretty(json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The snapshot a diff compares against; NULL after printing why. */
static json_object *load_snapshot(const char *file)
{
    _cleanup_free_ char *text = NULL;
    int r = read_file(file, &text, NULL);
    _cleanup_json_ json_object *before = r == 0 ? json_tokener_parse(text) : NULL;
    if (r < 0 || !baseline_is_snapshot(before)) {
        log_error("baseline diff: %s: %s", file, r < 0 ? strerror(-r) : "not a rustbox baseline snapshot");
        return NULL;
    }
    return TAKE_PTR(before);
}

int cmd_baseline(struct rb_ctx *ctx, struct rb_cli *cli)
{
    const char *file = cli->baseline_file;
    _cleanup_json_ json_object *before = NULL;
    if (cli->baseline_diff && !(before = load_snapshot(file)))
        return RB_EXIT_USAGE;
    struct rb_scan s;
    int r = scan_host(ctx, &s);
    if (r < 0) {
        log_error("baseline: cannot read the host's state: %s", strerror(-r));
        return RB_EXIT_INTERNAL;
    }
    _cleanup_json_ json_object *now = baseline_from_scan(&s);
    scan_free(&s);
    if (before) {
        bool equal;
        _cleanup_json_ json_object *d = baseline_diff(before, now, &equal);
        printf("%s\n", pretty(d));
        return equal ? RB_EXIT_OK : RB_EXIT_FAIL;
    }
    if (!file) {
        printf("%s\n", pretty(now));
        return RB_EXIT_OK;
    }
    _cleanup_free_ char *text = strdup_printf("%s\n", pretty(now));
    r = text ? write_file_atomic(file, text, 0644) : -ENOMEM;
    if (r < 0) {
        log_error("baseline capture: cannot write %s: %s", file, strerror(-r));
        return RB_EXIT_INTERNAL;
    }
    return RB_EXIT_OK;
}

int cmd_serve(struct rb_ctx *ctx, struct rb_cli *cli)
{
    struct rb_error err = { 0 };
    int r = serve_run(ctx, cli->listen, &err);
    if (r == 0)
        return RB_EXIT_OK;
    log_error("%s", err.text);
    return r == -EINVAL ? RB_EXIT_USAGE : RB_EXIT_INTERNAL;
}

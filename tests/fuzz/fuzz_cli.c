/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: cli_parse (src/cli.h), rustbox's command line in both
 * syntaxes. The input's first byte picks argv[0] ("rustbox", "isolate",
 * a path ending in /isolate, or another name); the rest is split at NUL
 * bytes into the arguments. cli_parse may keep pointers into argv, so argv
 * lives until cli_free. Checks, beyond no crash, leak or UB: a refusal
 * comes with a non-empty, one-line error (SPEC §1); an accepted command
 * is a known one, and a run has a program (argv or --code), limits the
 * config's defaults can complete, and well-formed --dir/--env rules whose
 * merge with the defaults (dirrules_merge, what the sandbox mounts) fits
 * its table, names each box path once, holds no removal rule and puts
 * every parent before its children. */
#include <errno.h>

#include "cli.h"
#include "config.h"
#include "dirrules.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 8192)
        return 0;
    static const char *const names[] = { "rustbox", "isolate", "/usr/local/bin/isolate", "./build/rustbox" };
    const char *name = names[data[0] % 4];
    data++;
    size--;

    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    int argc = 1;
    for (size_t i = 0; i < size; i++)
        argc += buf[i] == '\0';
    if (size)
        argc++;
    char **argv = calloc((size_t)argc + 1, sizeof(char *));
    char *argv0 = strdup(name);
    if (!argv || !argv0)
        abort();
    argv[0] = argv0;
    int k = 1;
    if (size) {
        argv[k++] = buf;
        for (size_t i = 0; i < size; i++)
            if (buf[i] == '\0')
                argv[k++] = buf + i + 1;
    }
    argv[k] = NULL;
    argc = k;

    struct rb_cli cli;
    char err[512];
    memset(err, 'X', sizeof(err));
    int r = cli_parse(argc, argv, &cli, err, sizeof(err));
    if (r < 0) {
        FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "unexpected error code %d", r);
        FUZZ_CHECK(err[0] != '\0' && err[0] != 'X', "a refusal without a message");
        FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL, "error not terminated");
        if (fuzz_strict())
            FUZZ_CHECK(fuzz_one_line(err), "error is not one line: %s", err);
    } else {
        FUZZ_CHECK(cli.cmd >= RB_CMD_NONE && cli.cmd <= RB_CMD_PRINT_CG_ROOT, "command %d", (int)cli.cmd);
        if (cli.cmd == RB_CMD_RUN) {
            struct rb_run_request *req = &cli.run;
            FUZZ_CHECK(req->code || (req->argv && req->argv[0]), "a run without a program");
            for (size_t i = 0; i < req->n_dirs; i++) {
                const struct rb_dir_rule *d = &req->dirs[i];
                FUZZ_CHECK(d->inside && d->inside[0] == '/' && !strstr(d->inside, "/../") &&
                               strcmp(d->inside, "/") != 0, "--dir box path '%s'", d->inside ? d->inside : "(null)");
                FUZZ_CHECK((d->flags & (RB_DIR_TMP | RB_DIR_REMOVE)) || (d->outside && d->outside[0]),
                           "--dir host path '%s'", d->outside ? d->outside : "(null)");
            }
            struct rb_dir_rule merged[RB_DIR_RULES_MERGED_MAX];
            size_t n = dirrules_merge(req->dirs, req->n_dirs, merged, RB_DIR_RULES_MERGED_MAX);
            FUZZ_CHECK(n != SIZE_MAX, "%zu --dir rules do not fit the merged table", req->n_dirs);
            for (size_t i = 0; n != SIZE_MAX && i < n; i++) {
                FUZZ_CHECK(!(merged[i].flags & RB_DIR_REMOVE), "removal rule %s mounted", merged[i].inside);
                for (size_t j = i + 1; j < n; j++) {
                    size_t len = strlen(merged[j].inside);
                    FUZZ_CHECK(strcmp(merged[i].inside, merged[j].inside) != 0, "%s merged twice", merged[i].inside);
                    FUZZ_CHECK(strncmp(merged[i].inside, merged[j].inside, len) || merged[i].inside[len] != '/',
                               "%s mounted after %s, inside it", merged[j].inside, merged[i].inside);
                }
            }
            for (size_t i = 0; i < req->n_env; i++)
                FUZZ_CHECK(req->env[i] && req->env[i][0] && req->env[i][0] != '=', "--env '%s'", req->env[i]);
            struct rb_config cfg;
            if (config_defaults(&cfg) == 0) {
                request_apply_limits(req, &cfg.limits);
                config_free(&cfg);
            }
            FUZZ_CHECK(req->limits.cpu_time_s >= 0 && req->limits.wall_time_s >= 0 &&
                           req->limits.extra_time_s >= 0, "negative time limit");
            FUZZ_CHECK(req->box_id >= -1, "box id %ld", req->box_id);
        }
        if (cli.box_id != -1)
            FUZZ_CHECK(cli.box_id >= 0 && cli.box_id <= 2147483647L, "box id %ld", cli.box_id);
    }
    cli_free(&cli);
    free(argv0);
    free(argv);
    free(buf);
    return 0;
}

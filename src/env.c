/* SPDX-License-Identifier: Apache-2.0 */
/* env: builds the box's environment on the supervisor's side, where a failed
 * allocation can still become a clean IE; inside the box there would be no
 * one left to report it. Every entry is a separate allocation owned by the
 * array, so that env_free can always release a finished one. */
#include "env.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "scoped.h"

struct env_builder {
    char **env; /* NULL-terminated: cap leaves room for the terminator */
    size_t n;
};

/* Takes entry. Later entries override earlier ones with the same name; the
 * array was sized for every entry, so adding one never allocates. */
static void env_put(struct env_builder *b, char *entry)
{
    size_t name_len = strcspn(entry, "=");
    for (size_t i = 0; i < b->n; i++)
        if (!strncmp(b->env[i], entry, name_len) && b->env[i][name_len] == '=') {
            free(b->env[i]);
            b->env[i] = entry;
            return;
        }
    b->env[b->n++] = entry;
}

static int env_set(struct env_builder *b, const char *entry)
{
    char *copy = strdup(entry);
    if (!copy)
        return -1;
    env_put(b, copy);
    return 0;
}

/* NAME=VALUE in one allocation. */
static int env_set_pair(struct env_builder *b, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    char *entry = malloc(nl + vl + 2);
    if (!entry)
        return -1;
    memcpy(entry, name, nl);
    entry[nl] = '=';
    memcpy(entry + nl + 1, value, vl + 1);
    env_put(b, entry);
    return 0;
}

const char *env_lookup(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (char *const *e = envp; e && *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* An entry of the caller's environment that --full-env (-e) passes on:
 * all but where rustbox's own configuration lives, which is the host's
 * business, not the program's. */
static bool passes_to_box(const char *entry)
{
    return strncmp(entry, RB_CONFIG_ENV "=", sizeof(RB_CONFIG_ENV)) != 0;
}

/* isolate's rule: any entry of the name goes first (the last entry moves
 * into its place), then NAME=VALUE is appended; an empty value, or a bare
 * name the caller does not have, leaves the name unset. The order matters to
 * programs that print their environment, so it is isolate's exactly. */
static int env_apply_isolate_rule(struct env_builder *b, const char *spec, char *const *caller_env)
{
    size_t name_len = strcspn(spec, "=");
    for (size_t i = 0; i < b->n; i++)
        if (!strncmp(b->env[i], spec, name_len) && b->env[i][name_len] == '=') {
            free(b->env[i]);
            b->env[i] = b->env[--b->n];
            b->env[b->n] = NULL;
            break;
        }
    char *entry;
    if (spec[name_len] == '=') {
        if (!spec[name_len + 1])
            return 0;
        entry = strdup(spec);
    } else {
        const char *v = env_lookup(caller_env, spec);
        if (!v)
            return 0;
        size_t len = name_len + strlen(v) + 2;
        entry = malloc(len);
        if (entry)
            snprintf(entry, len, "%s=%s", spec, v);
    }
    if (!entry)
        return -1;
    b->env[b->n++] = entry;
    return 0;
}

/* isolate 1.10's environment: the caller's with -e, then LIBC_FATAL_STDERR_=1
 * and the -E rules, each applied as env_apply_isolate_rule does. */
static int env_fill_isolate(struct env_builder *b, const struct rb_run_request *req, char *const *caller_env)
{
    if (req->full_env)
        for (char *const *e = caller_env; e && *e; e++) {
            if (!passes_to_box(*e))
                continue;
            char *copy = strdup(*e);
            if (!copy)
                return -1;
            b->env[b->n++] = copy;
        }
    if (env_apply_isolate_rule(b, "LIBC_FATAL_STDERR_=1", caller_env) < 0)
        return -1;
    for (size_t i = 0; i < req->n_env; i++)
        if (env_apply_isolate_rule(b, req->env[i], caller_env) < 0)
            return -1;
    return 0;
}

/* Fills b (sized for every entry) in SPEC §3's order: the caller's whole
 * environment with --full-env, the fixed entries, then --env in order. */
static int env_fill(struct env_builder *b, const struct rb_run_request *req, char *const *caller_env)
{
    if (req->full_env)
        for (char *const *e = caller_env; e && *e; e++) {
            if (!passes_to_box(*e))
                continue;
            if (env_set(b, *e) < 0)
                return -1;
        }
    if (env_set(b, "LIBC_FATAL_STDERR_=1") < 0 || env_set(b, "PATH=" RB_SANDBOX_PATH) < 0 ||
        env_set(b, "HOME=" RB_SANDBOX_HOME) < 0)
        return -1;
    for (size_t i = 0; i < req->n_env; i++) {
        const char *spec = req->env[i];
        if (strchr(spec, '=')) {
            if (env_set(b, spec) < 0)
                return -1;
            continue;
        }
        /* A bare name passes the caller's value through, as isolate's -E does. */
        const char *v = env_lookup(caller_env, spec);
        if (v && env_set_pair(b, spec, v) < 0)
            return -1;
    }
    return 0;
}

char **env_build(const struct rb_run_request *req, char *const *caller_env)
{
    /* Three fixed entries and the terminator. */
    size_t cap = req->n_env + 4;
    if (req->full_env)
        for (char *const *e = caller_env; e && *e; e++)
            cap++;
    struct env_builder b = { calloc(cap, sizeof(char *)), 0 };
    if (!b.env)
        return NULL;
    /* Freed by hand rather than by a scope cleanup: the static analyser
     * (clang 14) does not follow __attribute__((cleanup)) and would report
     * every early return as a leak. */
    int r = req->rules == RB_RULES_ISOLATE ? env_fill_isolate(&b, req, caller_env) : env_fill(&b, req, caller_env);
    if (r < 0) {
        env_free(b.env);
        return NULL;
    }
    return b.env;
}

void env_free(char **envp)
{
    if (!envp)
        return;
    for (char **e = envp; *e; e++)
        free(*e);
    free(envp);
}

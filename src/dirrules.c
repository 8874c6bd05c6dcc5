/* SPDX-License-Identifier: Apache-2.0 */
/* dirrules: isolate's default directory rules, the parsing of one rule, rule
 * lists and their merge with the defaults (see dirrules.h). */
#include "dirrules.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

const struct rb_dir_rule dirrules_defaults[RB_DEFAULT_DIR_RULES] = {
    { "/bin", "/bin", 0 },
    { "/lib", "/lib", 0 },
    { "/lib64", "/lib64", RB_DIR_MAYBE },
    { "/usr", "/usr", 0 },
    { "/tmp", NULL, RB_DIR_TMP | RB_DIR_RW | RB_DIR_NOEXEC },
    { "/dev/shm", NULL, RB_DIR_TMP | RB_DIR_RW | RB_DIR_NOEXEC },
};

static const struct {
    const char *name;
    unsigned flag;
} known_options[] = {
    { "rw", RB_DIR_RW },   { "noexec", RB_DIR_NOEXEC }, { "maybe", RB_DIR_MAYBE }, { "dev", RB_DIR_DEV },
    { "tmp", RB_DIR_TMP }, { "fs", RB_DIR_FS },         { "norec", RB_DIR_NOREC },
};

/* The filesystems an fs rule may mount: a fresh tmpfs (size-limited like
 * the box's own) and a proc of the box's pid namespace. Any other type
 * would hand the box a filesystem rustbox does not bound (a device-backed
 * one, sysfs, a second cgroup tree). */
static const char *const fs_types[] = { "tmpfs", "proc" };

static int rb_error_refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int no_memory(char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "out of memory");
    return -ENOMEM;
}

static bool token_is(const char *tok, size_t n, const char *name)
{
    return strlen(name) == n && !strncmp(tok, name, n);
}

static size_t known_option(const char *tok, size_t n)
{
    size_t k;
    for (k = 0; n && k < ARRAY_SIZE(known_options); k++)
        if (token_is(tok, n, known_options[k].name))
            break;
    return k;
}

size_t dirrules_unknown_option(const char *spec, const char **tok)
{
    const char *colon = spec ? strchr(spec, ':') : NULL;
    for (const char *t = colon ? colon + 1 : NULL; t && *t;) {
        size_t n = strcspn(t, ":,");
        if (n && known_option(t, n) == ARRAY_SIZE(known_options)) {
            *tok = t;
            return n;
        }
        t += n;
        if (*t)
            t++;
    }
    return 0;
}

/* opts: what follows the first ':' of spec, options separated by ':' or ','. */
static int parse_options(const char *opts, const char *spec, unsigned *flags, char *err, size_t errlen)
{
    size_t olen = strlen(opts);
    /* An empty option at either end or doubled is refused; a mixed pair
     * such as ",:" is skipped, as it always was. */
    if (olen == 0 || strchr(":,", opts[0]) || strchr(":,", opts[olen - 1]) || strstr(opts, "::") || strstr(opts, ",,"))
        return rb_error_refuse(err, errlen, "empty option in '%s'", spec);
    for (const char *tok = opts; *tok;) {
        size_t n = strcspn(tok, ":,");
        size_t k = known_option(tok, n);
        if (n && k < ARRAY_SIZE(known_options))
            *flags |= known_options[k].flag;
        else if (n)
            return rb_error_refuse(err, errlen,
                                   "unknown option '%.*s' in '%s' (use rw, noexec, maybe, dev, tmp, fs or norec)",
                                   (int)n, tok, spec);
        tok += n;
        if (*tok)
            tok++;
    }
    return 0;
}

/* The box path of spec (its part before '=' or ':') in canonical form, so
 * that a rule for "usr//lib/" and one for "/usr/./lib" are the same rule:
 * "/usr/lib". Writes it to out unless out is NULL; returns its length, 0 for
 * the box root itself, SIZE_MAX for a ".." (which could reach outside the
 * box's root). */
static size_t box_path(const char *spec, char *out)
{
    size_t n = 0;
    for (const char *s = spec; *s && *s != '=' && *s != ':';) {
        while (*s == '/')
            s++;
        size_t c = strcspn(s, "/=:");
        if (c == 0 || (c == 1 && s[0] == '.')) {
            s += c;
            continue;
        }
        if (c == 2 && s[0] == '.' && s[1] == '.')
            return SIZE_MAX;
        if (out) {
            out[n] = '/';
            memcpy(out + n + 1, s, c);
        }
        n += c + 1;
        s += c;
    }
    if (out)
        out[n] = '\0';
    return n;
}

int dirrules_parse(const char *spec, struct rb_dir_rule *rule, char *err, size_t errlen)
{
    *rule = (struct rb_dir_rule){ 0 };
    if (!spec || !*spec)
        return rb_error_refuse(err, errlen, "empty rule (use BOX[=HOST][:OPTIONS])");
    unsigned flags = 0;
    const char *colon = strchr(spec, ':');
    if (colon) {
        int r = parse_options(colon + 1, spec, &flags, err, errlen);
        if (r < 0)
            return r;
    }
    /* HOST runs from the first '=' before the options to the options; it
     * may itself hold a '='. */
    size_t boxlen = strcspn(spec, "=:");
    const char *host = spec[boxlen] == '=' ? spec + boxlen + 1 : NULL;
    size_t hostlen = host ? strcspn(host, ":") : 0;

    size_t len = box_path(spec, NULL);
    if (len == SIZE_MAX)
        return rb_error_refuse(err, errlen, "'..' is not allowed in the box path of '%s'", spec);
    if (len == 0)
        return rb_error_refuse(err, errlen, "'%s' has no box path (the box root itself cannot be bound)", spec);
    if (host && hostlen == 0) {
        /* isolate takes "BOX=:rw" as a rule that binds nothing, its options
         * unused: a removal. Options that would make something are refused. */
        if (flags & (RB_DIR_TMP | RB_DIR_FS))
            return rb_error_refuse(err, errlen, "'%s' removes a rule and takes no tmp or fs option", spec);
        flags = RB_DIR_REMOVE;
        host = NULL;
    } else if ((flags & (RB_DIR_TMP | RB_DIR_FS)) == (RB_DIR_TMP | RB_DIR_FS)) {
        return rb_error_refuse(err, errlen, "':tmp' and ':fs' exclude each other in '%s'", spec);
    } else if (flags & RB_DIR_TMP) {
        if (host)
            return rb_error_refuse(err, errlen, "':tmp' takes no host directory in '%s'", spec);
        flags |= RB_DIR_RW; /* as in isolate: a fresh tmp dir is writable */
    } else if (flags & RB_DIR_FS) {
        size_t k = ARRAY_SIZE(fs_types);
        for (size_t i = 0; host && i < k; i++)
            if (token_is(host, hostlen, fs_types[i]))
                k = i;
        if (!host || k == ARRAY_SIZE(fs_types))
            return rb_error_refuse(err, errlen,
                                   "filesystem type '%.*s' in '%s' is not supported (use BOX=tmpfs:fs or BOX=proc:fs)",
                                   host ? (int)hostlen : (int)boxlen, host ? host : spec, spec);
    }

    /* Everything is checked before anything is allocated, so no refusal has
     * memory to release. (No cleanup attributes here: clang's analyzer does
     * not follow them and would report every early return as a leak.) */
    char *inside = malloc(len + 1);
    if (!inside)
        return no_memory(err, errlen);
    box_path(spec, inside);
    char *outside = NULL;
    if (!(flags & (RB_DIR_TMP | RB_DIR_REMOVE))) {
        outside = host ? strndup(host, hostlen) : strdup(inside);
        if (!outside) {
            free(inside);
            return no_memory(err, errlen);
        }
    }
    if (spec[0] != '/')
        flags |= RB_DIR_NO_SLASH;
    *rule = (struct rb_dir_rule){ .inside = inside, .outside = outside, .flags = flags };
    return 0;
}

void dirrules_rule_free(struct rb_dir_rule *rule)
{
    free(rule->inside);
    free(rule->outside);
    *rule = (struct rb_dir_rule){ 0 };
}

static size_t find_rule(const struct rb_dir_rule *rules, size_t n, const char *inside)
{
    size_t i = 0;
    while (i < n && strcmp(rules[i].inside, inside))
        i++;
    return i;
}

/* Takes *rule over whatever happens: it replaces the rule for its box path,
 * or is appended. */
static int put_rule(struct rb_dir_rule **rules, size_t *n, struct rb_dir_rule *rule, char *err, size_t errlen)
{
    size_t i = find_rule(*rules, *n, rule->inside);
    if (i < *n) {
        struct rb_dir_rule *d = &(*rules)[i];
        free(d->outside);
        d->outside = rule->outside;
        d->flags = rule->flags;
        free(rule->inside); /* the same path as d->inside */
        *rule = (struct rb_dir_rule){ 0 };
        return 0;
    }
    if (*n >= RB_MAX_DIR_RULES) {
        dirrules_rule_free(rule);
        return rb_error_refuse(err, errlen, "too many rules (at most %d)", RB_MAX_DIR_RULES);
    }
    struct rb_dir_rule *grown = realloc(*rules, (*n + 1) * sizeof(*grown));
    if (!grown) {
        dirrules_rule_free(rule);
        return no_memory(err, errlen);
    }
    *rules = grown;
    grown[(*n)++] = *rule;
    *rule = (struct rb_dir_rule){ 0 };
    return 0;
}

int dirrules_add(struct rb_dir_rule **rules, size_t *n, const char *spec, char *err, size_t errlen)
{
    struct rb_dir_rule rule;
    int r = dirrules_parse(spec, &rule, err, errlen);
    if (r < 0)
        return r;
    return put_rule(rules, n, &rule, err, errlen);
}

int dirrules_drop_defaults(struct rb_dir_rule **rules, size_t *n, char *err, size_t errlen)
{
    for (size_t i = 0; i < ARRAY_SIZE(dirrules_defaults); i++) {
        const char *path = dirrules_defaults[i].inside;
        if (find_rule(*rules, *n, path) < *n)
            continue; /* the caller's own rule for it stays */
        struct rb_dir_rule rule = { .inside = strdup(path), .flags = RB_DIR_REMOVE };
        if (!rule.inside)
            return no_memory(err, errlen);
        int r = put_rule(rules, n, &rule, err, errlen);
        if (r < 0)
            return r;
    }
    return 0;
}

void dirrules_free(struct rb_dir_rule **rules, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        dirrules_rule_free(&(*rules)[i]);
    free(*rules);
    *rules = NULL;
    *n = 0;
}

/* Box paths are canonical ("/a/b"), so the slashes count the components. */
static unsigned rule_depth(const char *p)
{
    unsigned n = 0;
    for (; *p; p++)
        n += *p == '/';
    return n;
}

size_t dirrules_merge(const struct rb_dir_rule *rules, size_t n_rules, struct rb_dir_rule *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(dirrules_defaults); i++) {
        if (n == cap)
            return SIZE_MAX;
        out[n++] = dirrules_defaults[i];
    }
    for (size_t i = 0; i < n_rules; i++) {
        size_t j = find_rule(out, n, rules[i].inside);
        if (rules[i].flags & RB_DIR_REMOVE) {
            if (j < n) {
                memmove(&out[j], &out[j + 1], (n - j - 1) * sizeof(*out));
                n--;
            }
            continue;
        }
        if (j == n) {
            if (n == cap)
                return SIZE_MAX; /* never write past the caller's table */
            n++;
        }
        out[j] = rules[i];
    }
    /* A stable insertion sort by depth: a parent is mounted before what is
     * mounted inside it, which would otherwise be covered. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && rule_depth(out[j].inside) < rule_depth(out[j - 1].inside); j--) {
            struct rb_dir_rule t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

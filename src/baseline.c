/* SPDX-License-Identifier: Apache-2.0 */
#include "baseline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const char *const categories[] = { "mounts", "cgroups", "processes", "temp_dirs" };

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_object *sorted_array(char **items, size_t n)
{
    if (n > 1)
        qsort(items, n, sizeof(char *), cmp_str);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(items[i]));
    return a;
}

json_object *baseline_from_scan(const struct rb_scan *s)
{
    json_object *o = json_object_new_object();
    char now[32];
    utc_timestamp(now, sizeof(now));
    json_object_object_add(o, "schema", json_object_new_string("rustbox.baseline/1"));
    json_object_object_add(o, "captured_at", json_object_new_string(now));
    json_object_object_add(o, "mounts", sorted_array(s->mounts, s->n_mounts));
    json_object_object_add(o, "cgroups", sorted_array(s->cgroups, s->n_cgroups));
    /* A process is named by pid and uid: a recycled pid with another owner
     * is a different process. */
    char **procs = calloc(s->n_procs + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; procs && i < s->n_procs; i++) {
        procs[n] = strdup_printf("pid %d uid %u", (int)s->procs[i].pid, (unsigned)s->procs[i].uid);
        if (procs[n])
            n++;
    }
    json_object_object_add(o, "processes", sorted_array(procs, n));
    for (size_t i = 0; i < n; i++)
        free(procs[i]);
    free(procs);
    json_object_object_add(o, "temp_dirs", sorted_array(s->dirs, s->n_dirs));
    return o;
}

static bool array_has(json_object *a, const char *s)
{
    size_t n = a ? json_object_array_length(a) : 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s))
            return true;
    return false;
}

/* Items of `from` missing in `in`. */
static json_object *missing(json_object *from, json_object *in, bool *any)
{
    json_object *out = json_object_new_array();
    size_t n = from ? json_object_array_length(from) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(from, i));
        if (s && !array_has(in, s)) {
            json_object_array_add(out, json_object_new_string(s));
            *any = true;
        }
    }
    return out;
}

json_object *baseline_diff(json_object *before, json_object *after, bool *equal)
{
    json_object *added = json_object_new_object(), *removed = json_object_new_object();
    bool differ = false;
    for (size_t i = 0; i < ARRAY_SIZE(categories); i++) {
        json_object *b = NULL, *a = NULL;
        json_object_object_get_ex(before, categories[i], &b);
        json_object_object_get_ex(after, categories[i], &a);
        json_object_object_add(added, categories[i], missing(a, b, &differ));
        json_object_object_add(removed, categories[i], missing(b, a, &differ));
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "equal", json_object_new_boolean(!differ));
    json_object_object_add(o, "added", added);
    json_object_object_add(o, "removed", removed);
    *equal = !differ;
    return o;
}

bool baseline_is_snapshot(json_object *o)
{
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "schema", &v) ||
        !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), "rustbox.baseline/1"))
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(categories); i++)
        if (!json_object_object_get_ex(o, categories[i], &v) || !json_object_is_type(v, json_type_array))
            return false;
    return true;
}

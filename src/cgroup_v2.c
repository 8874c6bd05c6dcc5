/* cgroup v2 backend: one group in the unified hierarchy with memory, pids and cpu. */
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

static int v2_dir(char *buf, size_t len, const char *root, const char *parent, const char *name)
{
    int n = snprintf(buf, len, "%s%s%s%s%s", root, *parent ? "/" : "", parent, name ? "/" : "",
                     name ? name : "");
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool word_in(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += wl)
        if ((p == list || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\n' || p[wl] == '\0'))
            return true;
    return false;
}

static void v2_probe(const char *root, const char *parent, struct rb_cg_caps *caps)
{
    memset(caps, 0, sizeof(*caps));
    struct statfs sf;
    if (statfs(root, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
        snprintf(caps->why, sizeof(caps->why), "%s is not a cgroup2 hierarchy (cgroup v1 or hybrid host)",
                 root);
        return;
    }
    char dir[300], file[320];
    _cleanup_free_ char *ctrls = NULL;
    if (v2_dir(dir, sizeof(dir), root, parent, NULL) < 0)
        return;
    snprintf(file, sizeof(file), "%s/cgroup.controllers", dir);
    if (read_file(file, &ctrls, NULL) < 0) {
        snprintf(caps->why, sizeof(caps->why), "cannot read %s", file);
        return;
    }
    caps->usable = true;
    caps->memory = word_in(ctrls, "memory");
    caps->pids = word_in(ctrls, "pids");
    caps->cpu = word_in(ctrls, "cpu");
    if (!caps->memory || !caps->pids || !caps->cpu)
        snprintf(caps->why, sizeof(caps->why), "cgroup v2 controllers missing in %s:%s%s%s", file,
                 caps->memory ? "" : " memory", caps->pids ? "" : " pids", caps->cpu ? "" : " cpu");
}

static int v2_paths(struct rb_cgroup *cg, const struct rb_cg_caps *caps, const char *root, const char *parent,
                    const char *name)
{
    cg->n_dirs = 1;
    return v2_dir(cg->dirs[0], sizeof(cg->dirs[0]), root, parent, name);
}

static int v2_write(const char *dir, const char *file, const char *value)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return write_file(path, value, 0);
}

/* Controllers must be enabled in the parent's subtree_control for the child
 * to get the interface files; enabling an already-enabled one is a no-op. */
static int v2_enable_in_parent(const char *dir)
{
    char parent[300];
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (!slash)
        return -EINVAL;
    *slash = '\0';
    char path[400];
    _cleanup_free_ char *have = NULL;
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control", parent);
    int r = read_file(path, &have, NULL);
    if (r < 0)
        return r;
    static const char *const need[] = { "memory", "pids", "cpu" };
    for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
        if (word_in(have, need[i]))
            continue;
        char op[16];
        snprintf(op, sizeof(op), "+%s", need[i]);
        if ((r = write_file(path, op, 0)) < 0)
            return r;
    }
    return 0;
}

static int v2_create(struct rb_cgroup *cg, uint64_t memory, uint64_t pids)
{
    int r = v2_enable_in_parent(cg->dirs[0]);
    if (r < 0)
        return r;
    if (mkdir(cg->dirs[0], 0755) < 0)
        return -errno;
    char buf[32];
    if (memory) {
        snprintf(buf, sizeof(buf), "%" PRIu64, memory);
        r = v2_write(cg->dirs[0], "memory.max", buf);
        char swap[400];
        snprintf(swap, sizeof(swap), "%s/memory.swap.max", cg->dirs[0]);
        if (r == 0 && access(swap, F_OK) == 0)
            r = v2_write(cg->dirs[0], "memory.swap.max", "0");
    }
    if (r == 0 && pids) {
        snprintf(buf, sizeof(buf), "%" PRIu64, pids);
        r = v2_write(cg->dirs[0], "pids.max", buf);
    }
    if (r < 0)
        rmdir(cg->dirs[0]);
    return r;
}

static uint64_t keyed_value(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
            return strtoull(p + kl + 1, NULL, 10);
    return 0;
}

static int v2_usage(const struct rb_cgroup *cg, struct rb_cg_usage *u)
{
    memset(u, 0, sizeof(*u));
    char path[400];
    _cleanup_free_ char *stat = NULL, *events = NULL;
    snprintf(path, sizeof(path), "%s/cpu.stat", cg->dirs[0]);
    int r = read_file(path, &stat, NULL);
    if (r < 0)
        return r;
    u->cpu_ns = keyed_value(stat, "usage_usec") * 1000;
    snprintf(path, sizeof(path), "%s/memory.peak", cg->dirs[0]);
    /* Kernels before 5.19 have no memory.peak: the current usage at the end
     * is then the best figure there is (documented in docs/cgroups.md). */
    if (read_u64_file(path, &u->memory_peak) < 0) {
        snprintf(path, sizeof(path), "%s/memory.current", cg->dirs[0]);
        (void)read_u64_file(path, &u->memory_peak);
    }
    snprintf(path, sizeof(path), "%s/memory.events", cg->dirs[0]);
    if (read_file(path, &events, NULL) == 0)
        u->oom_kills = keyed_value(events, "oom_kill");
    return 0;
}

static int v2_list_pids(const struct rb_cgroup *cg, pid_t *pids, int max)
{
    char path[400];
    _cleanup_free_ char *text = NULL;
    snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dirs[0]);
    int r = read_file(path, &text, NULL);
    if (r < 0)
        return r;
    int n = 0;
    for (char *p = text; *p && n < max;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        pids[n++] = (pid_t)v;
        p = end + (*end == '\n');
    }
    return n;
}

const struct rb_cgroup_backend rb_cgroup_v2 = {
    .name = "v2",
    .join_file = "cgroup.procs",
    .probe = v2_probe,
    .paths = v2_paths,
    .create = v2_create,
    .usage = v2_usage,
    .list_pids = v2_list_pids,
};

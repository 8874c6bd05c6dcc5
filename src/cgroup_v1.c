/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v1 backend: one group per controller hierarchy (memory, pids, cpuacct). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

enum { V1_MEMORY, V1_PIDS, V1_CPUACCT, V1_COUNT };
/* Socket buffers of the group's TCP connections (kernel memory v1 counts
 * apart from memory.limit_in_bytes). */
#define V1_TCP_LIMIT "memory.kmem.tcp.limit_in_bytes"
static const char *const v1_ctrl[V1_COUNT] = { "memory", "pids", "cpuacct" };

/* The longest group dir, /sys/fs/cgroup/cpuacct/<parent>/<prefix>-<id>, is
 * what config.h's bound on cgroup_parent is derived from. */
_Static_assert(sizeof(RB_CG_ROOT_DEFAULT "/cpuacct/") - 1 + RB_CGROUP_PARENT_MAX + 1 + RB_BOX_NAME_LEN_MAX <
                   RB_CG_DIR_MAX,
               "a box's v1 group dir at the config bounds fits RB_CG_DIR_MAX");

/* A controller's dir below root: where the groups live (<root>/<ctrl>/<parent>). */
static int v1_dir(char *buf, size_t len, const char *root, const char *ctrl, const char *parent)
{
    return path_printf(buf, len, "%s/%s%s%s", root, ctrl, *parent ? "/" : "", parent);
}

/* A controller counts when the kernel lists it as bound to a v1 hierarchy
 * (/proc/cgroups: non-zero hierarchy id, enabled) and that hierarchy is
 * mounted where we look, with the configured parent present. */
static bool v1_controller_present(const char *table, const char *root, const char *ctrl, const char *parent)
{
    bool bound = false;
    for (const char *line = table; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        char name[64];
        unsigned hier, num, enabled;
        if (sscanf(line, "%63s %u %u %u", name, &hier, &num, &enabled) == 4 && strcmp(name, ctrl) == 0)
            bound = hier != 0 && enabled;
    }
    char dir[RB_CG_DIR_MAX], procs[RB_CG_DIR_MAX + 16];
    if (!bound || v1_dir(dir, sizeof(dir), root, ctrl, parent) < 0 ||
        path_printf(procs, sizeof(procs), "%s/cgroup.procs", dir) < 0)
        return false;
    return access(procs, F_OK) == 0;
}

static void v1_probe(const char *root, const char *parent, struct rb_cg_caps *caps)
{
    memset(caps, 0, sizeof(*caps));
    _cleanup_free_ char *table = NULL;
    if (read_file("/proc/cgroups", &table, NULL) < 0) {
        snprintf(caps->why, sizeof(caps->why), "cannot read /proc/cgroups");
        return;
    }
    caps->memory = v1_controller_present(table, root, "memory", parent);
    caps->pids = v1_controller_present(table, root, "pids", parent);
    caps->cpu = v1_controller_present(table, root, "cpuacct", parent);
    caps->usable = caps->memory || caps->pids || caps->cpu;
    if (!caps->memory || !caps->pids || !caps->cpu) {
        snprintf(caps->why, sizeof(caps->why), "cgroup v1 controllers missing under %s:%s%s%s", root,
                 caps->memory ? "" : " memory", caps->pids ? "" : " pids", caps->cpu ? "" : " cpuacct");
        return;
    }
    /* v1 charges socket buffers to a group only once its TCP limit is set
     * (v2 always does). A kernel built without it (or one that drops the
     * deprecated file) still limits memory, but not the TCP buffers: said
     * here, so that --dry-run shows it. */
    char dir[RB_CG_DIR_MAX], tcp[RB_CG_DIR_MAX + 48];
    if (v1_dir(dir, sizeof(dir), root, "memory", parent) == 0 &&
        path_printf(tcp, sizeof(tcp), "%s/" V1_TCP_LIMIT, dir) == 0 && access(tcp, F_OK) < 0)
        snprintf(caps->why, sizeof(caps->why), "%s is absent: TCP buffers are not counted in the memory limit", tcp);
}

/* One parent per hierarchy in use; the prefix plays no part (v1 groups sit
 * right in the controller's dir or in the configured parent). */
static int v1_parents(struct rb_cgroup *cg, const struct rb_cg_caps *caps, const char *root, const char *parent,
                      const char *prefix)
{
    bool have[V1_COUNT] = { caps->memory, caps->pids, caps->cpu };
    cg->n_dirs = 0;
    for (int i = 0; i < V1_COUNT; i++) {
        if (!have[i])
            continue;
        int r = v1_dir(cg->dirs[cg->n_dirs], sizeof(cg->dirs[0]), root, v1_ctrl[i], parent);
        if (r < 0)
            return r;
        cg->n_dirs++;
    }
    return 0;
}

/* Index into cg->dirs of a controller, or -1 when it is not in use. A dir's
 * controller is the first "/<controller>/" in it (the component after the
 * root): cgroup_parent may name a controller further down. */
static int v1_find(const struct rb_cgroup *cg, int ctrl)
{
    for (int i = 0; i < cg->n_dirs; i++) {
        const char *earliest = NULL;
        int which = -1;
        for (int c = 0; c < V1_COUNT; c++) {
            char needle[32];
            (void)snprintf(needle, sizeof(needle), "/%s/", v1_ctrl[c]); /* the names are short */
            const char *at = strstr(cg->dirs[i], needle);
            if (at && (!earliest || at < earliest)) {
                earliest = at;
                which = c;
            }
        }
        if (which == ctrl)
            return i;
    }
    return -1;
}

static int v1_write(const char *dir, const char *file, uint64_t value)
{
    char path[RB_CG_DIR_MAX + 64], buf[32];
    int r = path_printf(path, sizeof(path), "%s/%s", dir, file);
    if (r < 0)
        return r;
    (void)snprintf(buf, sizeof(buf), "%" PRIu64, value); /* 20 digits at most: it fits */
    return write_file(path, buf, 0);
}

static int v1_create(struct rb_cgroup *cg, uint64_t memory, uint64_t pids)
{
    int r = 0;
    int made = 0;
    for (; made < cg->n_dirs; made++) {
        if (mkdir(cg->dirs[made], 0755) < 0) {
            r = -errno;
            break;
        }
    }
    int mem = v1_find(cg, V1_MEMORY), pid = v1_find(cg, V1_PIDS);
    if (r == 0 && mem >= 0 && memory) {
        r = v1_write(cg->dirs[mem], "memory.limit_in_bytes", memory);
        char memsw[RB_CG_DIR_MAX + 64];
        if (r == 0)
            r = path_printf(memsw, sizeof(memsw), "%s/memory.memsw.limit_in_bytes", cg->dirs[mem]);
        /* Without swap accounting the file is absent and there is no swap to limit. */
        if (r == 0 && access(memsw, F_OK) == 0)
            r = v1_write(cg->dirs[mem], "memory.memsw.limit_in_bytes", memory);
        /* Without this, v1 leaves TCP buffers out of the group's memory: 20
         * loopback connections once parked 200 MiB in a box limited to 64M.
         * Set, they are charged to a counter of their own, limited to the
         * same amount (v1 has no way to make them share memory's); past it
         * sends block or fail. Absent: v1_probe says so. */
        char tcp[RB_CG_DIR_MAX + 64];
        if (r == 0)
            r = path_printf(tcp, sizeof(tcp), "%s/" V1_TCP_LIMIT, cg->dirs[mem]);
        if (r == 0 && access(tcp, F_OK) == 0)
            r = v1_write(cg->dirs[mem], V1_TCP_LIMIT, memory);
    }
    if (r == 0 && pid >= 0 && pids)
        r = v1_write(cg->dirs[pid], "pids.max", pids);
    if (r < 0) {
        /* Undo what this call made; a group that existed before is not ours to drop. */
        for (int i = 0; i < made; i++)
            rmdir(cg->dirs[i]);
    }
    return r;
}

static int v1_open_stats(const struct rb_cgroup *cg, struct rb_cg_stats *st)
{
    cgroup_stats_init(st);
    /* A controller the host lacks (a run without strict) has no counter. */
    const struct {
        int ctrl;
        const char *file;
    } files[RB_CG_STATS] = {
        [RB_CG_STAT_CPU] = { V1_CPUACCT, "cpuacct.usage" },
        [RB_CG_STAT_MEMORY] = { V1_MEMORY, "memory.max_usage_in_bytes" },
        [RB_CG_STAT_OOM] = { V1_MEMORY, "memory.oom_control" },
    };
    for (int i = 0; i < RB_CG_STATS; i++) {
        int at = v1_find(cg, files[i].ctrl);
        if (at < 0)
            continue;
        char path[RB_CG_DIR_MAX + 64];
        int r = path_printf(path, sizeof(path), "%s/%s", cg->dirs[at], files[i].file);
        if (r == 0 && (st->fd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            r = negative_errno();
        if (r < 0) {
            cgroup_stats_close(st);
            return r;
        }
    }
    return 0;
}

static int v1_usage(const struct rb_cg_stats *st, bool cpu_only, struct rb_cg_usage *u)
{
    memset(u, 0, sizeof(*u));
    int r = 0;
    if (st->fd[RB_CG_STAT_CPU] >= 0)
        r = read_u64_fd(st->fd[RB_CG_STAT_CPU], &u->cpu_ns);
    if (cpu_only || r < 0)
        return r;
    if (st->fd[RB_CG_STAT_MEMORY] >= 0)
        r = read_u64_fd(st->fd[RB_CG_STAT_MEMORY], &u->memory_peak);
    if (r == 0 && st->fd[RB_CG_STAT_OOM] >= 0)
        r = cgroup_stat_keyed(st->fd[RB_CG_STAT_OOM], "oom_kill", &u->oom_kills);
    return r == -ENODATA ? 0 : r;
}

/* pids.current counts every task of the group until it is reaped, zombies
 * included: 0 proves the pids group empty, and a box's processes join all
 * of its groups before the program runs (cgroup_join). */
static int v1_populated(const struct rb_cgroup *cg)
{
    int i = v1_find(cg, V1_PIDS);
    if (i < 0)
        return -EOPNOTSUPP;
    char path[RB_CG_DIR_MAX + 16];
    uint64_t n = 0;
    int r = path_printf(path, sizeof(path), "%s/pids.current", cg->dirs[i]);
    if (r == 0)
        r = read_u64_file(path, &n);
    return r == -ENOENT ? 0 : r < 0 ? r : n > 0;
}

static int v1_list_pids(const struct rb_cgroup *cg, pid_t *pids, int max)
{
    int n = 0, missing = 0;
    for (int i = 0; i < cg->n_dirs; i++) {
        char path[RB_CG_DIR_MAX + 16];
        _cleanup_free_ char *text = NULL;
        int r = path_printf(path, sizeof(path), "%s/cgroup.procs", cg->dirs[i]);
        if (r < 0)
            return r;
        r = read_file(path, &text, NULL);
        if (r == -ENOENT) {
            missing++;
            continue;
        }
        if (r < 0)
            return r;
        for (char *p = text; *p && n < max;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            bool seen = false;
            for (int j = 0; j < n; j++)
                seen = seen || pids[j] == (pid_t)v;
            if (!seen)
                pids[n++] = (pid_t)v;
            p = end + (*end == '\n');
        }
    }
    return missing == cg->n_dirs && n == 0 ? -ENOENT : n;
}

const struct rb_cgroup_backend rb_cgroup_v1 = {
    .name = "v1",
    .join_file = "tasks",
    .probe = v1_probe,
    .parents = v1_parents,
    .create = v1_create,
    .open_stats = v1_open_stats,
    .usage = v1_usage,
    .populated = v1_populated,
    .list_pids = v1_list_pids,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* Backend-independent half of the cgroup interface: selection, joining,
 * killing and removal work the same on every hierarchy. */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define RB_CG_MAX_KILL_PIDS 4096

const struct rb_cgroup_backend *cgroup_select(enum rb_cg_choice want, const char *root, const char *parent,
                                              struct rb_cg_caps *caps)
{
    const struct rb_cgroup_backend *b;
    if (want == RB_CG_AUTO) {
        /* A pure cgroup2 host has no v1 to fall back on: there, what v2
         * lacks (a parent that holds processes, say) is the answer. */
        rb_cgroup_v2.probe(root, parent, caps);
        b = &rb_cgroup_v2;
        if (!caps->usable) {
            b = &rb_cgroup_v1;
            b->probe(root, parent, caps);
        }
    } else {
        b = want == RB_CG_V2 ? &rb_cgroup_v2 : &rb_cgroup_v1;
        b->probe(root, parent, caps);
    }
    /* v2 groups come whole or not at all: one that cannot get memory, pids
     * and cpu from its parent cannot be made (non-strict runs go without). */
    if (b == &rb_cgroup_v2 && !(caps->memory && caps->pids && caps->cpu))
        return NULL;
    return caps->usable ? b : NULL;
}

void cgroup_init(struct rb_cgroup *cg, const struct rb_cgroup_backend *b)
{
    memset(cg, 0, sizeof(*cg));
    cg->backend = b;
    for (int i = 0; i < RB_CG_MAX_CTRL; i++)
        cg->procs_fd[i] = -1;
}

int cgroup_describe(struct rb_cgroup *cg, const struct rb_cgroup_backend *b, const struct rb_cg_caps *caps,
                    const char *root, const char *parent, const char *prefix, const char *name)
{
    cgroup_init(cg, b);
    int r = b->parents(cg, caps, root, parent, prefix);
    for (int i = 0; r == 0 && i < cg->n_dirs; i++) {
        size_t used = strlen(cg->dirs[i]);
        r = path_printf(cg->dirs[i] + used, sizeof(cg->dirs[i]) - used, "/%s", name);
    }
    if (r < 0)
        cg->n_dirs = 0; /* no dir of a cut name may be created or removed */
    return r;
}

int cgroup_open_procs(struct rb_cgroup *cg)
{
    for (int i = 0; i < cg->n_dirs; i++) {
        char path[RB_CG_DIR_MAX + 32];
        int r = path_printf(path, sizeof(path), "%s/%s", cg->dirs[i], cg->backend->join_file);
        if (r == 0 && (cg->procs_fd[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0)
            r = negative_errno();
        if (r < 0) {
            cgroup_close_procs(cg);
            return r;
        }
    }
    return 0;
}

int cgroup_join(struct rb_cgroup *cg)
{
    for (int i = 0; i < cg->n_dirs; i++) {
        /* "0" moves the writer itself, so no pid needs to cross a pid namespace. */
        if (cg->procs_fd[i] < 0 || write(cg->procs_fd[i], "0", 1) != 1)
            return cg->procs_fd[i] < 0 ? -EBADF : -errno;
    }
    cgroup_close_procs(cg);
    return 0;
}

void cgroup_close_procs(struct rb_cgroup *cg)
{
    for (int i = 0; i < RB_CG_MAX_CTRL; i++) {
        if (cg->procs_fd[i] >= 0)
            (void)safe_close(cg->procs_fd[i]);
        cg->procs_fd[i] = -1;
    }
}

void cgroup_stats_init(struct rb_cg_stats *st)
{
    for (int i = 0; i < RB_CG_STATS; i++)
        st->fd[i] = -1;
}

void cgroup_stats_close(struct rb_cg_stats *st)
{
    for (int i = 0; i < RB_CG_STATS; i++) {
        if (st->fd[i] >= 0)
            (void)safe_close(st->fd[i]); /* read only: nothing to flush */
        st->fd[i] = -1;
    }
}

bool cgroup_keyed_value(const char *text, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            *out = strtoull(p + kl + 1, NULL, 10);
            return true;
        }
    return false;
}

int cgroup_stat_keyed(int fd, const char *key, uint64_t *out)
{
    /* The keyed counters read here are a few hundred bytes (v2's cpu.stat
     * is the longest). */
    char buf[2048];
    int r = read_text_fd(fd, buf, sizeof(buf));
    if (r < 0)
        return r;
    return cgroup_keyed_value(buf, key, out) ? 0 : -ENODATA;
}

int cgroup_populated(const struct rb_cgroup *cg)
{
    int r = cg->backend && cg->backend->populated ? cg->backend->populated(cg) : 1;
    return r == 0 ? 0 : 1;
}

int cgroup_kill_all(const struct rb_cgroup *cg)
{
    if (cg->backend->kill) {
        int k = cg->backend->kill(cg);
        if (k != -EOPNOTSUPP)
            return k == -ENOENT ? 0 : k;
    }
    pid_t pids[RB_CG_MAX_KILL_PIDS];
    int n = cg->backend->list_pids(cg, pids, (int)ARRAY_SIZE(pids));
    if (n < 0)
        return n == -ENOENT ? 0 : n;
    int r = 0;
    for (int i = 0; i < n; i++)
        if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH && r == 0)
            r = -errno;
    return r < 0 ? r : n;
}

int cgroup_remove(const struct rb_cgroup *cg, const char **failed_dir)
{
    int first = 0;
    /* Every dir is tried even after a failure, so what can go does go. */
    for (int i = cg->n_dirs - 1; i >= 0; i--) {
        if (rmdir(cg->dirs[i]) < 0 && errno != ENOENT && first == 0) {
            first = -errno;
            if (failed_dir)
                *failed_dir = cg->dirs[i];
        }
    }
    return first;
}

int cgroup_count_existing(const struct rb_cgroup *cg)
{
    int n = 0;
    struct stat st;
    for (int i = 0; i < cg->n_dirs; i++)
        if (stat(cg->dirs[i], &st) == 0)
            n++;
    return n;
}

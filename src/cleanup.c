/* SPDX-License-Identifier: Apache-2.0 */
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <libmount/libmount.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

struct cleanup_run {
    struct rb_ctx *ctx;
    struct rb_box *box;
    struct rb_cleanup_report *rep;
    struct rb_cgroup cg;
    double started;
    double deadline;
    bool timed_out;
};

static void pause_briefly(void)
{
    struct timespec ts = { 0, (long)(RB_CLEANUP_RETRY_S * 1e9) };
    nanosleep(&ts, NULL);
}

static bool transient(int err)
{
    return err == -EBUSY || err == -EAGAIN || err == -EINTR;
}

static bool time_left(struct cleanup_run *c, double until)
{
    if (monotonic_s() < until)
        return true;
    if (until >= c->deadline)
        c->timed_out = true;
    return false;
}

int cleanup_pids_of_uid(uid_t uid, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        struct stat st;
        /* /proc/<pid> is owned by the process's effective uid. A zombie has
         * released everything but its pid; its parent, not us, reaps it. */
        if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && st.st_uid == uid && !proc_is_zombie((pid_t)pid))
            pids[n++] = (pid_t)pid;
    }
    closedir(d);
    return n;
}

static bool path_below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

static int by_depth_desc(const void *a, const void *b)
{
    size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

int cleanup_mounts_under(const char *dir, char ***targets, int *n)
{
    *targets = NULL;
    *n = 0;
    struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
    if (!tb)
        return -errno ? -errno : -EIO;
    struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
    struct libmnt_fs *fs;
    int r = 0, cap = 0;
    while (it && mnt_table_next_fs(tb, it, &fs) == 0) {
        const char *t = mnt_fs_get_target(fs);
        if (!t || !path_below(t, dir))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nt = realloc(*targets, (size_t)cap * sizeof(char *));
            if (!nt) {
                r = -ENOMEM;
                break;
            }
            *targets = nt;
        }
        if (!((*targets)[*n] = strdup(t))) {
            r = -ENOMEM;
            break;
        }
        (*n)++;
    }
    mnt_free_iter(it);
    mnt_unref_table(tb);
    if (*n > 1)
        qsort(*targets, (size_t)*n, sizeof(char *), by_depth_desc);
    return r;
}

static void free_targets(char **t, int n)
{
    for (int i = 0; i < n; i++)
        free(t[i]);
    free(t);
}

/* The box's processes: what its cgroup holds, and with by_uid also whatever
 * runs as its uid (a /proc sweep, the slower and wider net). */
static int box_pids(const struct rb_cgroup *cg, uid_t uid, bool by_uid, pid_t *pids, int max)
{
    int n = cg->backend ? cg->backend->list_pids(cg, pids, max) : 0;
    if (n < 0)
        n = 0;
    if (!by_uid)
        return n;
    pid_t byuid[RB_CLEANUP_MAX_PIDS];
    int m = cleanup_pids_of_uid(uid, byuid, (int)ARRAY_SIZE(byuid));
    for (int i = 0; i < m && n < max; i++) {
        bool seen = false;
        for (int j = 0; j < n && !seen; j++)
            seen = pids[j] == byuid[i];
        if (!seen)
            pids[n++] = byuid[i];
    }
    return n;
}

static int count_strays(const struct cleanup_run *c)
{
    pid_t in_cg[RB_CLEANUP_MAX_PIDS], by_uid[RB_CLEANUP_MAX_PIDS];
    int n = box_pids(&c->cg, c->box->uid, false, in_cg, (int)ARRAY_SIZE(in_cg));
    int m = cleanup_pids_of_uid(c->box->uid, by_uid, (int)ARRAY_SIZE(by_uid));
    int strays = 0;
    for (int i = 0; i < m; i++) {
        bool inside = false;
        for (int j = 0; j < n && !inside; j++)
            inside = in_cg[j] == by_uid[i];
        strays += !inside;
    }
    return strays;
}

static void step_kill(struct cleanup_run *c, bool by_uid)
{
    /* The group's own kill first where the backend has one (v2: cgroup.kill):
     * one step that no fork racing a pid-by-pid sweep escapes. If it fails,
     * the failure is recorded and the sweep below stands in for it. */
    if (c->cg.backend && c->cg.backend->kill) {
        int k = c->cg.backend->kill(&c->cg);
        if (k < 0 && k != -ENOENT && k != -EOPNOTSUPP) {
            cleanup_report_add(c->rep, RB_ERR_PROCESS_REAP_FAILED, "%s: cgroup.kill: %s; signalling pid by pid",
                               c->cg.dirs[0], strerror(-k));
            c->rep->used_fallback = true;
        }
    }
    pid_t pids[RB_CLEANUP_MAX_PIDS];
    for (;;) {
        int n = box_pids(&c->cg, c->box->uid, by_uid, pids, (int)ARRAY_SIZE(pids));
        if (n <= 0)
            return;
        for (int i = 0; i < n; i++)
            kill(pids[i], SIGKILL);
        if (!time_left(c, c->deadline)) {
            cleanup_report_add(c->rep, RB_ERR_PROCESS_REAP_FAILED, "%d process(es) of %s survive SIGKILL, e.g. pid %d",
                               n, c->box->name, (int)pids[0]);
            return;
        }
        pause_briefly();
    }
}

static bool still_mounted(const char *target)
{
    struct statx stx;
    if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
        return errno != ENOENT;
    /* Kernels without the attribute: assume mounted, so the fallback runs. */
    if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return true;
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

static void step_unmount(struct cleanup_run *c)
{
    char **targets;
    int n;
    int r = cleanup_mounts_under(c->box->dir, &targets, &n);
    if (r < 0) {
        cleanup_report_add(c->rep, RB_ERR_MOUNT_UNMOUNT_FAILED, "%s: reading the mount table: %s", c->box->dir,
                           strerror(-r));
        return;
    }
    double patience = c->started + (c->deadline - c->started) * RB_CLEANUP_UNMOUNT_SHARE;
    for (int i = 0; i < n; i++) {
        for (;;) {
            r = umount2(targets[i], 0) < 0 ? -errno : 0;
            /* Whatever umount2 said, what counts is whether the mount is gone. */
            if (r == 0 || !still_mounted(targets[i]))
                break;
            if (!transient(r) || !time_left(c, patience))
                break;
            pause_briefly();
        }
        if (r == 0 || !still_mounted(targets[i]))
            continue;
        /* Lazy unmount: detached now, freed when its last user lets go. */
        if (umount2(targets[i], MNT_DETACH) == 0) {
            c->rep->used_fallback = true;
            continue;
        }
        cleanup_report_add(c->rep, RB_ERR_MOUNT_UNMOUNT_FAILED, "%s: %s", targets[i], strerror(errno));
    }
    free_targets(targets, n);
}

static void step_cgroups(struct cleanup_run *c)
{
    if (!c->cg.backend)
        return;
    for (;;) {
        const char *failed = NULL;
        int r = cgroup_remove(&c->cg, &failed);
        if (r == 0)
            return;
        if (transient(r) && time_left(c, c->deadline)) {
            /* Busy means a process is still inside: kill again, then retry. */
            if (cgroup_kill_all(&c->cg) > 0)
                c->rep->used_fallback = true;
            pause_briefly();
            continue;
        }
        cleanup_report_add(c->rep, RB_ERR_CGROUP_REMOVAL_FAILED, "%s: %s", failed, strerror(-r));
        return;
    }
}

static void step_dirs(struct cleanup_run *c)
{
    /* remove_tree never crosses into another filesystem and rmdir refuses a
     * mount point, so a mount that survived step_unmount is left intact. */
    for (;;) {
        int r = remove_tree(c->box->dir);
        if (r == 0)
            return;
        if (transient(r) && time_left(c, c->deadline)) {
            pause_briefly();
            continue;
        }
        cleanup_report_add(c->rep, RB_ERR_TEMPDIR_REMOVAL_FAILED, "%s: %s", c->box->dir, strerror(-r));
        return;
    }
}

void cleanup_find_leftovers(const struct rb_ctx *ctx, const struct rb_box *box,
                            enum rb_cleanup_scope scope, struct rb_box_leftovers *left)
{
    memset(left, 0, sizeof(*left));
    struct rb_cgroup cg;
    cgroup_init(&cg, ctx->cg);
    if (ctx->cg && ctx->cg->paths(&cg, &ctx->cg_caps, ctx->cg_root, ctx->cfg.cgroup_parent, box->name) == 0) {
        left->cgroups = cgroup_count_existing(&cg);
        if (left->cgroups)
            snprintf(left->first, sizeof(left->first), "cgroup %s", box->name);
    }
    pid_t pids[RB_CLEANUP_MAX_PIDS];
    left->processes = box_pids(&cg, box->uid, true, pids, (int)ARRAY_SIZE(pids));
    if (left->processes > 0 && !left->first[0])
        snprintf(left->first, sizeof(left->first), "process %d", (int)pids[0]);
    if (scope == RB_SCOPE_RUN)
        return;
    struct stat st;
    /* Nothing can be mounted below a directory that does not exist: the
     * mount table is read only when the box dir is still there. */
    if (lstat(box->dir, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
        return; /* ENOTDIR: the work root is below a file, so no box dir can be there */
    left->dirs = 1;
    char **targets;
    int n;
    if (cleanup_mounts_under(box->dir, &targets, &n) == 0) {
        left->mounts = n;
        if (n && !left->first[0])
            snprintf(left->first, sizeof(left->first), "mount %s", targets[0]);
        free_targets(targets, n);
    }
    if (!left->first[0])
        snprintf(left->first, sizeof(left->first), "dir %s", box->dir);
}

static bool anything_left(const struct rb_box_leftovers *left)
{
    return left->mounts || left->cgroups || left->processes || left->dirs;
}

static void verify(struct cleanup_run *c, enum rb_cleanup_scope scope)
{
    struct rb_box_leftovers left;
    cleanup_find_leftovers(c->ctx, c->box, scope, &left);
    if (anything_left(&left) && time_left(c, c->deadline)) {
        /* The fallback: a second pass of every step, wider than the first —
         * processes by uid as well as by cgroup, unmounts straight to lazy
         * once the patience is spent. What it mends makes the outcome
         * partial; what it cannot is reported below. */
        c->rep->used_fallback = true;
        if (left.processes)
            c->rep->stray_processes = count_strays(c);
        step_kill(c, true);
        if (scope == RB_SCOPE_BOX)
            step_unmount(c);
        step_cgroups(c);
        if (scope == RB_SCOPE_BOX)
            step_dirs(c);
        cleanup_find_leftovers(c->ctx, c->box, scope, &left);
    }
    if (anything_left(&left))
        cleanup_report_add(c->rep, RB_ERR_BASELINE_EQUIVALENCE_FAILED,
                           "%s: %d mount(s), %d cgroup(s), %d process(es), %d dir(s) left; first: %s",
                           c->box->name, left.mounts, left.cgroups, left.processes, left.dirs, left.first);
}

void cleanup_box(struct rb_ctx *ctx, struct rb_box *box, enum rb_cleanup_scope scope,
                 struct rb_cleanup_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    struct cleanup_run c = { .ctx = ctx, .box = box, .rep = rep };
    c.started = monotonic_s();
    c.deadline = c.started + ctx->cfg.cleanup_timeout_s;
    cgroup_init(&c.cg, ctx->cg);
    if (ctx->cg)
        (void)ctx->cg->paths(&c.cg, &ctx->cg_caps, ctx->cg_root, ctx->cfg.cgroup_parent, box->name);

    step_kill(&c, false);
    if (scope == RB_SCOPE_BOX)
        step_unmount(&c);
    step_cgroups(&c);
    if (scope == RB_SCOPE_BOX)
        step_dirs(&c);
    verify(&c, scope);
    if (c.timed_out)
        cleanup_report_add(rep, RB_ERR_CLEANUP_TIMEOUT, "%s: gave up after %.1f s", box->name,
                           ctx->cfg.cleanup_timeout_s);
    rep->outcome = cleanup_report_classify(rep);
    rep->duration_s = monotonic_s() - c.started;
}

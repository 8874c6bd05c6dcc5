/* SPDX-License-Identifier: Apache-2.0 */
#include "cleanup.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "handback.h"
#include "hostproc.h"
#include "util.h"

/* The box's groups are its own description (box->cg): cleanup removes what
 * the runs created under exactly those names. */
struct cleanup_run {
    struct rb_ctx *ctx;
    struct rb_box *box;
    struct rb_cleanup_report *rep;
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

/* The box's processes: what its cgroup holds (cg NULL: no group to list),
 * and with by_uid also whatever runs as its uid (a /proc sweep, the slower
 * and wider net). A source that cannot be read adds nothing; verification
 * reads them again. */
static int box_pids(const struct rb_cgroup *cg, uid_t uid, bool by_uid, pid_t *pids, int max)
{
    int n = cg && cg->backend ? cg->backend->list_pids(cg, pids, max) : 0;
    if (n < 0)
        n = 0;
    if (!by_uid)
        return n;
    /* The uid's processes go after the cgroup's, in place (no second array
     * on the stack), each kept once. */
    int m = hostproc_pids_of_uid(uid, pids + n, max - n), kept = n;
    for (int i = n; i < n + m; i++) {
        bool seen = false;
        for (int j = 0; j < n && !seen; j++)
            seen = pids[j] == pids[i];
        if (!seen)
            pids[kept++] = pids[i];
    }
    return kept;
}

static int count_strays(const struct cleanup_run *c)
{
    pid_t in_cg[RB_CLEANUP_MAX_PIDS], by_uid[RB_CLEANUP_MAX_PIDS];
    int n = box_pids(&c->box->cg, c->box->uid, false, in_cg, (int)ARRAY_SIZE(in_cg));
    int m = hostproc_pids_of_uid(c->box->uid, by_uid, (int)ARRAY_SIZE(by_uid));
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
    const struct rb_cgroup *cg = &c->box->cg;
    /* A group that holds no process (one counter) needs neither its kill
     * nor a listing, which on v1 builds a pid list in each hierarchy. The
     * first pass only: the fallback's sweep by uid looks wider, and a
     * process somewhere else in the box's groups keeps them from being
     * removed, which kills again (step_cgroups). */
    if (!by_uid && cgroup_populated(cg) == 0)
        return;
    if (cg->backend && cg->backend->kill) {
        int k = cg->backend->kill(cg);
        if (k < 0 && k != -ENOENT && k != -EOPNOTSUPP) {
            cleanup_report_add(c->rep, RB_ERR_PROCESS_REAP_FAILED, "%s: cgroup.kill: %s; signalling pid by pid",
                               cg->dirs[0], strerror(-k));
            c->rep->used_fallback = true;
        }
    }
    pid_t pids[RB_CLEANUP_MAX_PIDS];
    for (;;) {
        int n = box_pids(cg, c->box->uid, by_uid, pids, (int)ARRAY_SIZE(pids));
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

/* Whether the mount is still in the table: by its id and parent, since a
 * freed id can be handed to the next mount anywhere. A table that cannot be
 * read proves nothing gone. */
static bool still_mounted(const struct rb_mount *m)
{
    bool present = true;
    return hostproc_mount_present(m->id, m->parent, NULL, &present) < 0 || present;
}

/* Unmounts m by its name below an fd of the dir it is mounted in, once the
 * name is shown to lead to m itself: a path that now leads elsewhere
 * (shadowed, or swapped by someone) is never unmounted in its place, and
 * the dir fd pins the place between the check and the unmount (only root
 * mounts or unmounts there, and a mount point cannot be renamed). The
 * check's own fd is closed first: it would keep the mount busy. -ESTALE for
 * a name that leads elsewhere. */
static int unmount_by_id(const struct rb_mount *m, int flags)
{
    const char *slash = strrchr(m->point, '/');
    if (!slash || !slash[1])
        return -ESTALE; /* the root itself is no box's mount */
    char parent[PATH_MAX];
    int r = path_printf(parent, sizeof(parent), "%.*s", (int)(slash == m->point ? 1 : slash - m->point), m->point);
    if (r < 0)
        return r;
    _cleanup_close_ int dfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return negative_errno();
    int fd = openat(dfd, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return negative_errno();
    uint64_t id = 0;
    r = hostproc_fd_mount_id(fd, &id);
    (void)safe_close(fd);
    if (r < 0)
        return r;
    if (id != m->id)
        return -ESTALE;
    char path[PATH_MAX + 32];
    if ((r = path_printf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, slash + 1)) < 0)
        return r;
    return umount2(path, flags | UMOUNT_NOFOLLOW) < 0 ? negative_errno() : 0;
}

static void step_unmount(struct cleanup_run *c)
{
    /* As in cleanup_find_leftovers: with no recorded mount and no box dir
     * (a one-shot box's root lives in its run alone), nothing of the box
     * can be mounted on the host, and the table need not be read. */
    struct stat st;
    if (!c->box->root_mnt_id && lstat(c->box->dir, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
        return;
    struct rb_mount *mounts;
    int n;
    int r = hostproc_box_mounts(c->box->dir, c->box->root_mnt_id, c->box->name, &mounts, &n);
    if (r < 0) {
        cleanup_report_add(c->rep, RB_ERR_MOUNT_UNMOUNT_FAILED, "%s: reading the mount table: %s", c->box->dir,
                           strerror(-r));
        return;
    }
    double patience = c->started + (c->deadline - c->started) * RB_CLEANUP_UNMOUNT_SHARE;
    for (int i = 0; i < n; i++) {
        const struct rb_mount *m = &mounts[i];
        for (;;) {
            r = unmount_by_id(m, 0);
            /* Whatever umount2 said, what counts is whether the mount is gone. */
            if (r == 0 || !still_mounted(m))
                break;
            if (!transient(r) || !time_left(c, patience))
                break;
            pause_briefly();
        }
        if (r == 0 || !still_mounted(m))
            continue;
        /* Lazy unmount: detached now, freed when its last user lets go. */
        if (r != -ESTALE && (r = unmount_by_id(m, MNT_DETACH)) == 0) {
            c->rep->used_fallback = true;
            continue;
        }
        cleanup_report_add(c->rep, RB_ERR_MOUNT_UNMOUNT_FAILED, "mount %" PRIu64 " at %s: %s", m->id, m->point,
                           r == -ESTALE ? "the path leads to another mount" : strerror(-r));
    }
    hostproc_free_mount_list(mounts, n);
}

static void step_cgroups(struct cleanup_run *c)
{
    const struct rb_cgroup *cg = &c->box->cg;
    if (!cg->backend)
        return;
    for (;;) {
        const char *failed = NULL;
        int r = cgroup_remove(cg, &failed);
        if (r == 0)
            return;
        if (transient(r) && time_left(c, c->deadline)) {
            /* Busy means a process is still inside: kill again, then retry. */
            if (cgroup_kill_all(cg) > 0)
                c->rep->used_fallback = true;
            pause_briefly();
            continue;
        }
        cleanup_report_add(c->rep, RB_ERR_CGROUP_REMOVAL_FAILED, "%s: %s", failed, strerror(-r));
        return;
    }
}

/* The box dir and everything below it. The tree may be the box's own (an
 * isolate-layout box/ and tmp/ are on the disk): handback's walk in its
 * removing mode goes to any depth with one directory open at a time,
 * relative to its descriptor, and follows no symlink. It never crosses into
 * another filesystem and rmdir refuses a mount point, so a mount that
 * survived step_unmount is left intact (and reported). */
static int remove_box_dir(const struct rb_box *box, struct rb_error *err)
{
    _cleanup_close_ int pfd = open(box->parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (pfd < 0 || fstatat(pfd, box->leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : rb_error_set(err, negative_errno(), "%s", box->dir);
    if (S_ISDIR(st.st_mode)) {
        int r = handback_tree(box->dir, &(struct rb_handback){ .remove_all = true }, err);
        if (r < 0)
            return r;
    }
    if (unlinkat(pfd, box->leaf, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
        return rb_error_set(err, negative_errno(), "%s", box->dir);
    return 0;
}

static void step_dirs(struct cleanup_run *c)
{
    for (;;) {
        struct rb_error err = { 0 };
        int r = remove_box_dir(c->box, &err);
        if (r == 0)
            return;
        if (transient(r) && time_left(c, c->deadline)) {
            pause_briefly();
            continue;
        }
        if (err.text[0])
            cleanup_report_add(c->rep, RB_ERR_TEMPDIR_REMOVAL_FAILED, "%s", err.text);
        else
            cleanup_report_add(c->rep, RB_ERR_TEMPDIR_REMOVAL_FAILED, "%s: %s", c->box->dir, strerror(-r));
        return;
    }
}

void cleanup_find_leftovers(const struct rb_ctx *ctx, const struct rb_box *box, enum rb_cleanup_scope scope,
                            struct rb_box_leftovers *left)
{
    memset(left, 0, sizeof(*left));
    if (box->cg.backend) {
        left->cgroups = cgroup_count_existing(&box->cg);
        if (left->cgroups)
            snprintf(left->first, sizeof(left->first), "cgroup %s", box->name);
    }
    pid_t pids[RB_CLEANUP_MAX_PIDS];
    /* Groups that are gone hold no process: then only the uid's are left
     * to look for. */
    left->processes = box_pids(left->cgroups ? &box->cg : NULL, box->uid, true, pids, (int)ARRAY_SIZE(pids));
    if (left->processes > 0 && !left->first[0])
        snprintf(left->first, sizeof(left->first), "process %d", (int)pids[0]);
    if (scope == RB_SCOPE_RUN)
        return;
    struct stat st;
    /* Nothing can be mounted below a directory that does not exist: without
     * a recorded mount, the table is read only when the box dir is there. */
    bool dir = lstat(box->dir, &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
    if (!dir && !box->root_mnt_id)
        return; /* ENOTDIR: the work root is below a file, so no box dir can be there */
    left->dirs = dir;
    struct rb_mount *mounts;
    int n;
    int r = hostproc_box_mounts(box->dir, box->root_mnt_id, box->name, &mounts, &n);
    if (r == 0) {
        left->mounts = n;
        if (n && !left->first[0])
            snprintf(left->first, sizeof(left->first), "mount %" PRIu64 " at %s", mounts[0].id, mounts[0].point);
        hostproc_free_mount_list(mounts, n);
    } else {
        /* A table that cannot be read proves nothing gone: one mount counts
         * as left, so the box is not called clean. */
        left->mounts = 1;
        if (!left->first[0])
            snprintf(left->first, sizeof(left->first), "mount table: %s", strerror(-r));
    }
    if (!left->first[0])
        snprintf(left->first, sizeof(left->first), "dir %s", box->dir);
}

/* Runs one step, adding its time to the report's record of that step. */
#define TIMED_STEP(c, step, call)                                  \
    do {                                                           \
        uint64_t step_started_ = monotonic_us();                   \
        call;                                                      \
        (c)->rep->step_us[step] += monotonic_us() - step_started_; \
    } while (0)

static bool anything_left(const struct rb_box_leftovers *left)
{
    return left->mounts || left->cgroups || left->processes || left->dirs;
}

static void verify(struct cleanup_run *c, enum rb_cleanup_scope scope)
{
    struct rb_box_leftovers left;
    TIMED_STEP(c, RB_CSTEP_VERIFY, cleanup_find_leftovers(c->ctx, c->box, scope, &left));
    if (anything_left(&left) && time_left(c, c->deadline)) {
        /* The fallback: a second pass of every step, wider than the first —
         * processes by uid as well as by cgroup, unmounts straight to lazy
         * once the patience is spent. What it mends makes the outcome
         * partial; what it cannot is reported below. */
        c->rep->used_fallback = true;
        if (left.processes)
            c->rep->stray_processes = count_strays(c);
        TIMED_STEP(c, RB_CSTEP_KILL, step_kill(c, true));
        if (scope == RB_SCOPE_BOX)
            TIMED_STEP(c, RB_CSTEP_UNMOUNT, step_unmount(c));
        TIMED_STEP(c, RB_CSTEP_CGROUPS, step_cgroups(c));
        if (scope == RB_SCOPE_BOX)
            TIMED_STEP(c, RB_CSTEP_DIRS, step_dirs(c));
        TIMED_STEP(c, RB_CSTEP_VERIFY, cleanup_find_leftovers(c->ctx, c->box, scope, &left));
    }
    if (anything_left(&left))
        cleanup_report_add(c->rep, RB_ERR_BASELINE_EQUIVALENCE_FAILED,
                           "%s: %d mount(s), %d cgroup(s), %d process(es), %d dir(s) left; first: %s", c->box->name,
                           left.mounts, left.cgroups, left.processes, left.dirs, left.first);
}

void cleanup_box(struct rb_ctx *ctx, struct rb_box *box, enum rb_cleanup_scope scope, struct rb_cleanup_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    struct cleanup_run c = { .ctx = ctx, .box = box, .rep = rep };
    c.started = monotonic_s();
    c.deadline = c.started + ctx->cfg.cleanup_timeout_s;

    TIMED_STEP(&c, RB_CSTEP_KILL, step_kill(&c, false));
    if (scope == RB_SCOPE_BOX)
        TIMED_STEP(&c, RB_CSTEP_UNMOUNT, step_unmount(&c));
    TIMED_STEP(&c, RB_CSTEP_CGROUPS, step_cgroups(&c));
    if (scope == RB_SCOPE_BOX)
        TIMED_STEP(&c, RB_CSTEP_DIRS, step_dirs(&c));
    verify(&c, scope);
    if (c.timed_out)
        cleanup_report_add(rep, RB_ERR_CLEANUP_TIMEOUT, "%s: gave up after %.1f s", box->name,
                           ctx->cfg.cleanup_timeout_s);
    rep->outcome = cleanup_report_classify(rep);
    rep->duration_s = monotonic_s() - c.started;
}

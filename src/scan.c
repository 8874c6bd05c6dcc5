/* SPDX-License-Identifier: Apache-2.0 */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"
#include "hostproc.h"
#include "util.h"

const char *box_state_name(enum rb_box_state st)
{
    return st == RB_BOX_BUSY ? "busy" : st == RB_BOX_IDLE ? "idle" : "dead";
}

long scan_parse_box_name(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || name[n] != '-' || !name[n + 1])
        return -1;
    uint64_t id;
    if (parse_uint(name + n + 1, INT32_MAX, &id) < 0)
        return -1;
    return (long)id;
}

static int push_str(char ***arr, size_t *n, const char *s)
{
    char **na = realloc(*arr, (*n + 1) * sizeof(char *));
    if (!na)
        return -ENOMEM;
    *arr = na;
    if (!(na[*n] = strdup(s)))
        return -ENOMEM;
    (*n)++;
    return 0;
}

static struct rb_scan_box *box_entry(struct rb_scan *s, long id)
{
    for (size_t i = 0; i < s->n_boxes; i++)
        if (s->boxes[i].id == id)
            return &s->boxes[i];
    struct rb_scan_box *nb = realloc(s->boxes, (s->n_boxes + 1) * sizeof(*nb));
    if (!nb)
        return NULL;
    s->boxes = nb;
    struct rb_scan_box *b = &nb[s->n_boxes++];
    memset(b, 0, sizeof(*b));
    b->id = id;
    b->state = RB_BOX_DEAD;
    return b;
}

/* A box dir's name: <prefix>-<id> under work_root, <id> under box_root. */
static long box_dir_id(const struct rb_ctx *ctx, const char *name, bool box_root)
{
    uint64_t id;
    if (!box_root)
        return scan_parse_box_name(name, ctx->cfg.name_prefix);
    return name[0] >= '0' && name[0] <= '9' && parse_uint(name, INT32_MAX, &id) == 0 ? (long)id : -1;
}

/* Mount points whose first component below work_root (or box_root) names a
 * box. */
static int scan_mounts(const struct rb_ctx *ctx, struct rb_scan *s, const char *under, bool box_root)
{
    char **targets;
    int n;
    int r = hostproc_mounts_under(under, &targets, &n);
    if (r < 0)
        return r;
    size_t root_len = strlen(under);
    for (int i = 0; i < n && r == 0; i++) {
        char first[256];
        const char *rest = targets[i] + root_len + (targets[i][root_len] == '/');
        /* A component longer than a box name cannot be one: skip it. */
        if (path_printf(first, sizeof(first), "%.*s", (int)strcspn(rest, "/"), rest) < 0)
            continue;
        long id = box_dir_id(ctx, first, box_root);
        if (id < 0)
            continue;
        struct rb_scan_box *b = box_entry(s, id);
        if (!b)
            r = -ENOMEM;
        else {
            b->mounts++;
            r = push_str(&s->mounts, &s->n_mounts, targets[i]);
        }
    }
    hostproc_free_mounts(targets, n);
    return r;
}

static bool listed(char *const *arr, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(arr[i], s))
            return true;
    return false;
}

/* A box's mounts by the id its lock file records, and what hangs from them,
 * wherever their paths now say they are (a renamed ancestor, say): the
 * prefix scan above sees only what is still below work_root. */
static int scan_recorded_mounts(const struct rb_ctx *ctx, struct rb_scan *s)
{
    int r = 0;
    for (size_t i = 0; i < s->n_boxes && r == 0; i++) {
        struct rb_box box;
        pid_t holder;
        bool persistent;
        enum rb_box_layout layout = RB_LAYOUT_NATIVE;
        if (!s->boxes[i].has_lock || box_describe(ctx, s->boxes[i].id, &box) < 0 ||
            box_read_lock_info(box.lock_path, &holder, &persistent, &box.root_mnt_id, &layout, NULL) < 0 ||
            !box.root_mnt_id || box_set_layout(ctx, &box, layout) < 0)
            continue;
        struct rb_mount *mounts;
        int n;
        if ((r = hostproc_box_mounts(box.dir, box.root_mnt_id, box.name, &mounts, &n)) < 0)
            break;
        for (int j = 0; j < n && r == 0; j++) {
            if (listed(s->mounts, s->n_mounts, mounts[j].point))
                continue;
            s->boxes[i].mounts++;
            r = push_str(&s->mounts, &s->n_mounts, mounts[j].point);
        }
        hostproc_free_mount_list(mounts, n);
    }
    return r;
}

static int scan_named_dir(const struct rb_ctx *ctx, struct rb_scan *s, const char *dir, bool cgroups, bool box_root)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d))) {
        long id = box_dir_id(ctx, de->d_name, box_root);
        if (id < 0)
            continue;
        char path[1024];
        if ((r = path_printf(path, sizeof(path), "%s/%s", dir, de->d_name)) < 0)
            break;
        struct rb_scan_box *b = box_entry(s, id);
        if (!b) {
            r = -ENOMEM;
            break;
        }
        if (cgroups) {
            b->cgroups++;
            r = push_str(&s->cgroups, &s->n_cgroups, path);
        } else {
            b->has_dir = true;
            r = push_str(&s->dirs, &s->n_dirs, path);
        }
    }
    closedir(d);
    return r;
}

static int scan_cgroups(const struct rb_ctx *ctx, struct rb_scan *s)
{
    if (!ctx->cg)
        return 0;
    /* Where every box group lives: the backend's parent dir(s) of the prefix. */
    struct rb_cgroup cg;
    cgroup_init(&cg, ctx->cg);
    int r = ctx->cg->parents(&cg, &ctx->cg_caps, ctx->cg_root ? ctx->cg_root : RB_CG_ROOT_DEFAULT,
                             ctx->cfg.cgroup_parent, ctx->cfg.name_prefix);
    for (int i = 0; r == 0 && i < cg.n_dirs; i++)
        r = scan_named_dir(ctx, s, cg.dirs[i], true, false);
    return r;
}

/* Whether /proc/<pid>/cgroup puts the process in the box's group. */
static bool in_box_cgroup(pid_t pid, const char *name)
{
    char path[64], needle[RB_BOX_NAME_MAX + 2];
    _cleanup_free_ char *text = NULL;
    return path_printf(path, sizeof(path), "/proc/%d/cgroup", (int)pid) == 0 &&
           path_printf(needle, sizeof(needle), "/%s\n", name) == 0 && read_file(path, &text, NULL) == 0 &&
           strstr(text, needle) != NULL;
}

static int scan_processes(const struct rb_ctx *ctx, struct rb_scan *s)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    struct dirent *de;
    int r = 0;
    uint64_t first = ctx->cfg.first_uid, last = first + ctx->cfg.num_boxes;
    while (r == 0 && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        struct stat st;
        if (*end || pid <= 0 || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
            continue;
        if (st.st_uid < first || st.st_uid >= last || proc_is_zombie((pid_t)pid))
            continue;
        long id = (long)(st.st_uid - first);
        struct rb_scan_proc *np = realloc(s->procs, (s->n_procs + 1) * sizeof(*np));
        if (!np) {
            r = -ENOMEM;
            break;
        }
        s->procs = np;
        struct rb_scan_box *b = box_entry(s, id);
        if (!b) {
            r = -ENOMEM;
            break;
        }
        np[s->n_procs++] = (struct rb_scan_proc){ (pid_t)pid, st.st_uid, id };
        b->processes++;
    }
    closedir(d);
    return r;
}

static int scan_locks(const struct rb_ctx *ctx, struct rb_scan *s)
{
    char dir[600];
    int r = path_printf(dir, sizeof(dir), "%s/boxes", ctx->cfg.state_dir);
    if (r < 0)
        return r;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        uint64_t id;
        char lock[900];
        /* Only a box id is a box: its lock path always fits. */
        if (parse_uint(de->d_name, INT32_MAX, &id) < 0 ||
            path_printf(lock, sizeof(lock), "%s/%s/lock", dir, de->d_name) < 0 || access(lock, F_OK) < 0)
            continue;
        struct rb_scan_box *b = box_entry(s, (long)id);
        if (!b)
            r = -ENOMEM;
        else
            b->has_lock = true;
    }
    closedir(d);
    return r;
}

/* Busy if a live process holds the lock; idle if it is a persistent box
 * resting between runs with its root in place; dead otherwise. */
static void classify_box(const struct rb_ctx *ctx, struct rb_scan_box *b)
{
    struct rb_box box;
    b->state = RB_BOX_DEAD;
    if (!b->has_lock || box_describe(ctx, b->id, &box) < 0)
        return;
    _cleanup_close_ int fd = open(box.lock_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
        b->state = errno == EWOULDBLOCK ? RB_BOX_BUSY : RB_BOX_DEAD;
        return;
    }
    pid_t holder;
    bool persistent;
    enum rb_box_layout layout = RB_LAYOUT_NATIVE;
    if (box_read_lock_info(box.lock_path, &holder, &persistent, &box.root_mnt_id, &layout, NULL) == 0 && persistent &&
        holder == 0 && box_set_layout(ctx, &box, layout) == 0 && box_intact(ctx, &box))
        b->state = RB_BOX_IDLE;
}

int scan_host(const struct rb_ctx *ctx, struct rb_scan *s)
{
    memset(s, 0, sizeof(*s));
    int r = scan_locks(ctx, s);
    bool own_root = ctx->cfg.box_root && ctx->cfg.box_root[0];
    if (r == 0)
        r = scan_mounts(ctx, s, ctx->cfg.work_root, false);
    if (r == 0 && own_root)
        r = scan_mounts(ctx, s, ctx->cfg.box_root, true);
    if (r == 0)
        r = scan_recorded_mounts(ctx, s);
    if (r == 0)
        r = scan_cgroups(ctx, s);
    if (r == 0)
        r = scan_named_dir(ctx, s, ctx->cfg.work_root, false, false);
    if (r == 0 && own_root)
        r = scan_named_dir(ctx, s, ctx->cfg.box_root, false, true);
    if (r == 0)
        r = scan_processes(ctx, s);
    if (r < 0) {
        scan_free(s);
        return r;
    }
    for (size_t i = 0; i < s->n_boxes; i++)
        classify_box(ctx, &s->boxes[i]);
    for (size_t i = 0; i < s->n_procs; i++) {
        struct rb_scan_box *b = box_entry(s, s->procs[i].box_id);
        struct rb_box box;
        if (!b || box_describe(ctx, b->id, &box) < 0)
            continue;
        /* Inside its own box's group a process is that box's: running, or
         * left by a keeper that died before releasing the box (its lock
         * file stays; recovery's to kill, not an escape). A resting or a
         * released box has no processes. One already exiting has left its
         * group, but escaped nothing. */
        pid_t pid = s->procs[i].pid;
        bool released = b->state == RB_BOX_IDLE || (b->state == RB_BOX_DEAD && !b->has_lock);
        if ((released || !in_box_cgroup(pid, box.name)) && !proc_is_dying(pid))
            b->stray_processes++;
    }
    return 0;
}

static void free_strs(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

void scan_free(struct rb_scan *s)
{
    free(s->boxes);
    free_strs(s->mounts, s->n_mounts);
    free_strs(s->cgroups, s->n_cgroups);
    free(s->procs);
    free_strs(s->dirs, s->n_dirs);
    memset(s, 0, sizeof(*s));
}

void scan_leftovers(const struct rb_scan *s, struct rb_leftovers *l)
{
    memset(l, 0, sizeof(*l));
    for (size_t i = 0; i < s->n_boxes; i++) {
        const struct rb_scan_box *b = &s->boxes[i];
        if (b->state == RB_BOX_BUSY) {
            l->orphans += b->stray_processes;
            l->processes += b->stray_processes;
            continue;
        }
        l->processes += b->processes;
        l->cgroups += b->cgroups;
        l->orphans += b->stray_processes;
        if (b->state == RB_BOX_DEAD) {
            l->mounts += b->mounts;
            l->temp_dirs += b->has_dir;
            if (b->mounts || b->has_dir || b->cgroups || b->processes || b->has_lock)
                l->stale_boxes++;
        }
    }
}

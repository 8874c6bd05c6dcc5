/* SPDX-License-Identifier: Apache-2.0 */
#include "box.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Attempts at taking a lock whose file a concurrent release unlinked under us. */
#define BOX_LOCK_RETRIES 8
/* How long a lock held by someone else may take to come free before the box
 * counts as busy, and how often to look. */
#define BOX_LOCK_GRACE_S 0.05
#define BOX_LOCK_GRACE_STEP_US 1000

static int fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, len, f, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int box_describe(const struct rb_ctx *ctx, long id, struct rb_box *box)
{
    const struct rb_config *c = &ctx->cfg;
    memset(box, 0, sizeof(*box));
    box->lock_fd = -1;
    if (id < 0 || (uint64_t)id >= c->num_boxes)
        return -ERANGE;
    box->id = id;
    box->uid = (uid_t)(c->first_uid + (uint32_t)id);
    box->gid = (gid_t)(c->first_gid + (uint32_t)id);
    int r = fmt(box->name, sizeof(box->name), "%s-%ld", c->name_prefix, id);
    if (!r) r = fmt(box->dir, sizeof(box->dir), "%s/%s", c->work_root, box->name);
    if (!r) r = fmt(box->root, sizeof(box->root), "%s/root", box->dir);
    if (!r) r = fmt(box->workdir, sizeof(box->workdir), "%s/box", box->root);
    if (!r) r = fmt(box->lock_dir, sizeof(box->lock_dir), "%s/boxes/%ld", c->state_dir, id);
    if (!r) r = fmt(box->lock_path, sizeof(box->lock_path), "%s/lock", box->lock_dir);
    return r;
}

/* flock(2) locks the inode; a releaser unlinks the path, so a lock taken on
 * an inode no longer at the path is worthless and must be retried. */
static bool lock_still_current(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int box_read_lock_info(const char *lock_path, pid_t *holder, bool *persistent)
{
    _cleanup_free_ char *text = NULL;
    int r = read_file(lock_path, &text, NULL);
    if (r < 0)
        return r;
    json_object *o = json_tokener_parse(text);
    if (!o)
        return -EBADMSG;
    json_object *v;
    *holder = json_object_object_get_ex(o, "pid", &v) ? (pid_t)json_object_get_int(v) : -1;
    *persistent = json_object_object_get_ex(o, "persistent", &v) && json_object_get_boolean(v);
    json_object_put(o);
    return 0;
}

int box_write_lock_info(const struct rb_box *box, pid_t holder)
{
    char created[32];
    utc_timestamp(created, sizeof(created));
    char text[256];
    int r = fmt(text, sizeof(text),
                "{\"pid\": %d, \"box_id\": %ld, \"created_at\": \"%s\", \"version\": \"%s\", "
                "\"persistent\": %s}\n",
                (int)holder, box->id, created, RUSTBOX_VERSION, box->persistent ? "true" : "false");
    if (r < 0)
        return r;
    /* Written in place: the lock lives on this inode, so no rename. */
    if (ftruncate(box->lock_fd, 0) < 0)
        return -errno;
    ssize_t w = pwrite(box->lock_fd, text, strlen(text), 0);
    if (w < 0)
        return -errno;
    return (size_t)w == strlen(text) ? 0 : -EIO;
}

static int lock_open(struct rb_box *box, int open_flags)
{
    for (int attempt = 0; attempt < BOX_LOCK_RETRIES; attempt++) {
        if ((open_flags & O_CREAT) && mkdir_p(box->lock_dir, 0755) < 0)
            return -errno;
        int fd = open(box->lock_path, O_RDWR | O_CLOEXEC | open_flags, 0644);
        if (fd < 0) {
            if (errno == ENOENT && (open_flags & O_CREAT))
                continue; /* the dir went away between mkdir and open */
            return -errno;
        }
        int e = 0;
        /* A scan probes locks with a brief shared lock; wait that out
         * rather than call a free box busy. */
        for (double until = monotonic_s() + BOX_LOCK_GRACE_S;;) {
            if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                e = 0;
                break;
            }
            e = errno;
            if (e != EWOULDBLOCK || monotonic_s() > until)
                break;
            usleep(BOX_LOCK_GRACE_STEP_US);
        }
        if (e) {
            close(fd);
            return e == EWOULDBLOCK ? -EBUSY : -e;
        }
        if (!lock_still_current(fd, box->lock_path)) {
            close(fd);
            if (open_flags & O_EXCL)
                return -EEXIST;
            continue;
        }
        box->lock_fd = fd;
        return 0;
    }
    return -EBUSY;
}

int box_lock(const struct rb_ctx *ctx, long id, bool create, struct rb_box *box)
{
    int r = box_describe(ctx, id, box);
    if (r < 0)
        return r;
    r = lock_open(box, create ? O_CREAT : 0);
    if (r < 0)
        return r;
    pid_t holder;
    bool persistent = false;
    if (box_read_lock_info(box->lock_path, &holder, &persistent) == 0)
        box->persistent = persistent;
    return 0;
}

int box_lock_free_id(const struct rb_ctx *ctx, struct rb_box *box)
{
    for (uint32_t id = 0; id < ctx->cfg.num_boxes; id++) {
        int r = box_describe(ctx, id, box);
        if (r < 0)
            return r;
        struct stat st;
        /* A dir without a lock is a dead box's leftover: recovery's, not ours. */
        if (lstat(box->dir, &st) == 0 || access(box->lock_path, F_OK) == 0)
            continue;
        r = lock_open(box, O_CREAT | O_EXCL);
        if (r == -EEXIST || r == -EBUSY)
            continue;
        if (r < 0)
            return r;
        if (lstat(box->dir, &st) == 0) {
            box_unlock(box, true);
            continue;
        }
        return 0;
    }
    return -EAGAIN;
}

int box_unlock(struct rb_box *box, bool remove)
{
    int r = 0;
    if (box->lock_fd < 0)
        return 0;
    /* Unlink while still holding the lock, so nobody locks a doomed inode
     * and believes it owns the box. */
    if (remove) {
        if (unlink(box->lock_path) < 0 && errno != ENOENT)
            r = -errno;
        if (rmdir(box->lock_dir) < 0 && errno != ENOENT && errno != ENOTEMPTY && r == 0)
            r = -errno;
    }
    close(box->lock_fd);
    box->lock_fd = -1;
    return r;
}

bool box_root_mounted(const struct rb_box *box)
{
    struct stat root, parent;
    if (stat(box->root, &root) < 0 || stat(box->dir, &parent) < 0)
        return false;
    return root.st_dev != parent.st_dev;
}

int box_create_root(const struct rb_ctx *ctx, const struct rb_box *box)
{
    const struct rb_limits *l = &ctx->cfg.limits;
    int r = mkdir_p(ctx->cfg.work_root, 0755);
    if (r < 0)
        return r;
    if (mkdir(box->dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    if (mkdir(box->root, 0755) < 0 && errno != EEXIST) {
        r = -errno;
        rmdir(box->dir);
        return r;
    }
    char opts[128];
    snprintf(opts, sizeof(opts), "size=%" PRIu64 ",nr_inodes=%" PRIu64 ",mode=0755", l->box_size,
             l->box_inodes);
    if (mount(box->name, box->root, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
        r = -errno;
        rmdir(box->root);
        rmdir(box->dir);
        return r;
    }
    if (mkdir(box->workdir, 0755) < 0 || chown(box->workdir, getuid(), getgid()) < 0) {
        r = -errno;
        umount2(box->root, MNT_DETACH);
        rmdir(box->root);
        rmdir(box->dir);
        return r;
    }
    return 0;
}

struct chown_target {
    uid_t uid;
    gid_t gid;
};

static int chown_entry(int dirfd, const char *name, const struct stat *st, void *data)
{
    const struct chown_target *t = data;
    return fchownat(dirfd, name, t->uid, t->gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int box_chown_workdir(const struct rb_box *box, uid_t uid, gid_t gid, bool tree)
{
    if (!tree)
        return lchown(box->workdir, uid, gid) < 0 ? -errno : 0;
    struct chown_target t = { uid, gid };
    return walk_tree(box->workdir, chown_entry, &t);
}

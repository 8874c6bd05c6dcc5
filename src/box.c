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

#include "error.h"
#include "hostproc.h"
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

/* The bounds config_load holds the path keys to (config.h) are what the
 * longest box paths leave of these buffers. */
_Static_assert(RB_BOX_NAME_LEN_MAX < RB_BOX_NAME_MAX, "a box name at the bounds fits");
_Static_assert(RB_WORK_ROOT_MAX + 1 + RB_BOX_NAME_LEN_MAX + sizeof("/root/box") <= RB_BOX_PATH_MAX,
               "<work_root>/<name>/root/box at the bounds fits");
_Static_assert(RB_STATE_DIR_MAX + sizeof("/boxes/") - 1 + RB_BOX_ID_DIGITS_MAX + sizeof("/lock") <= RB_BOX_PATH_MAX,
               "<state_dir>/boxes/<id>/lock at the bounds fits");

int box_describe(const struct rb_ctx *ctx, long id, struct rb_box *box)
{
    const struct rb_config *c = &ctx->cfg;
    memset(box, 0, sizeof(*box));
    box->lock_fd = -1;
    cgroup_init(&box->cg, NULL); /* no dirs and, above all, no fd 0 held */
    if (id < 0 || (uint64_t)id >= c->num_boxes)
        return -ERANGE;
    box->id = id;
    box->uid = (uid_t)(c->first_uid + (uint32_t)id);
    box->gid = (gid_t)(c->first_gid + (uint32_t)id);
    int r = fmt(box->name, sizeof(box->name), "%s-%ld", c->name_prefix, id);
    if (!r)
        r = box_set_layout(ctx, box, RB_LAYOUT_NATIVE);
    if (!r)
        r = fmt(box->lock_dir, sizeof(box->lock_dir), "%s/boxes/%ld", c->state_dir, id);
    if (!r)
        r = fmt(box->lock_path, sizeof(box->lock_path), "%s/lock", box->lock_dir);
    if (!r && ctx->cg)
        r = cgroup_describe(&box->cg, ctx->cg, &ctx->cg_caps, ctx->cg_root ? ctx->cg_root : RB_CG_ROOT_DEFAULT,
                            c->cgroup_parent, c->name_prefix, box->name);
    return r;
}

const char *box_layout_name(enum rb_box_layout layout)
{
    return layout == RB_LAYOUT_ISOLATE ? "isolate" : "native";
}

int box_set_layout(const struct rb_ctx *ctx, struct rb_box *box, enum rb_box_layout layout)
{
    const struct rb_config *c = &ctx->cfg;
    bool own_root = layout == RB_LAYOUT_ISOLATE && c->box_root && c->box_root[0];
    box->layout = layout;
    int r = fmt(box->parent, sizeof(box->parent), "%s", own_root ? c->box_root : c->work_root);
    if (!r)
        r = own_root ? fmt(box->leaf, sizeof(box->leaf), "%ld", box->id)
                     : fmt(box->leaf, sizeof(box->leaf), "%s", box->name);
    if (!r)
        r = fmt(box->dir, sizeof(box->dir), "%s/%s", box->parent, box->leaf);
    if (!r)
        r = fmt(box->root, sizeof(box->root), "%s/root", box->dir);
    if (!r)
        r = layout == RB_LAYOUT_ISOLATE ? fmt(box->workdir, sizeof(box->workdir), "%s/box", box->dir)
                                        : fmt(box->workdir, sizeof(box->workdir), "%s/box", box->root);
    if (!r)
        r = fmt(box->tmpdir, sizeof(box->tmpdir), "%s/tmp", box->dir);
    return r;
}

int box_set_one_shot_root(struct rb_box *box)
{
    int r = fmt(box->root, sizeof(box->root), "%s", box->parent);
    return r ? r : fmt(box->workdir, sizeof(box->workdir), "%s/box", box->root);
}

/* flock(2) locks the inode; a releaser unlinks the path, so a lock taken on
 * an inode no longer at the path is worthless and must be retried. */
static bool lock_still_current(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int box_read_lock_info(const char *lock_path, pid_t *holder, bool *persistent, uint64_t *mnt_id,
                       enum rb_box_layout *layout, bool *no_cg)
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
    if (mnt_id)
        *mnt_id = json_object_object_get_ex(o, "mnt_id", &v) ? json_object_get_uint64(v) : 0;
    if (layout && json_object_object_get_ex(o, "layout", &v) && json_object_is_type(v, json_type_string))
        *layout = strcmp(json_object_get_string(v), "isolate") == 0 ? RB_LAYOUT_ISOLATE : RB_LAYOUT_NATIVE;
    if (no_cg)
        *no_cg = json_object_object_get_ex(o, "cg", &v) && !json_object_get_boolean(v);
    json_object_put(o);
    return 0;
}

/* The lock file's record is always this long (padded with spaces, which
 * JSON ignores), so an update is one pwrite over the old one and never a
 * truncation to zero: on ext4 that truncation makes the close start the
 * file's writeback at once (auto_da_alloc), and the unlink at the end of a
 * one-shot run then waits for the disk. */
#define BOX_LOCK_RECORD 320

int box_write_lock_info(const struct rb_box *box, pid_t holder, struct rb_error *err)
{
    char created[32];
    utc_timestamp(created, sizeof(created));
    char text[BOX_LOCK_RECORD + 1];
    /* At most BOX_LOCK_RECORD - 1 characters: the padding and the newline
     * always fit. */
    int r = fmt(text, BOX_LOCK_RECORD,
                "{\"pid\": %d, \"box_id\": %ld, \"created_at\": \"%s\", \"version\": \"%s\", "
                "\"persistent\": %s, \"mnt_id\": %" PRIu64 ", \"layout\": \"%s\"%s}",
                (int)holder, box->id, created, RUSTBOX_VERSION, box->persistent ? "true" : "false", box->root_mnt_id,
                box_layout_name(box->layout), box->no_cg ? ", \"cg\": false" : "");
    if (r < 0)
        return rb_error_set(err, r, "cannot describe the holder of %s", box->lock_path);
    size_t len = strlen(text);
    memset(text + len, ' ', BOX_LOCK_RECORD - 1 - len);
    text[BOX_LOCK_RECORD - 1] = '\n';
    text[BOX_LOCK_RECORD] = '\0';
    /* Written in place: the lock lives on this inode, so no rename. */
    ssize_t w = pwrite(box->lock_fd, text, BOX_LOCK_RECORD, 0);
    if (w < 0)
        return rb_error_set(err, -errno, "cannot write the lock file %s", box->lock_path);
    if ((size_t)w != BOX_LOCK_RECORD)
        return rb_error_set(err, -EIO, "short write to the lock file %s", box->lock_path);
    /* A file left longer by an older rustbox loses its tail (never 0). */
    struct stat st;
    if (fstat(box->lock_fd, &st) == 0 && st.st_size > BOX_LOCK_RECORD && ftruncate(box->lock_fd, BOX_LOCK_RECORD) < 0)
        return rb_error_set(err, -errno, "cannot truncate the lock file %s", box->lock_path);
    return 0;
}

/* -EBUSY and -EEXIST (a lost race) are the caller's to word; any other
 * failure is named here, with the path. */
static int lock_open(struct rb_box *box, int open_flags, bool wait, struct rb_error *err)
{
    for (int attempt = 0; attempt < BOX_LOCK_RETRIES; attempt++) {
        int fd = open(box->lock_path, O_RDWR | O_CLOEXEC | open_flags, 0644);
        if (fd < 0) {
            /* The lock dir is made once and kept (box_unlock). */
            if (errno == ENOENT && (open_flags & O_CREAT)) {
                int r = mkdir_p(box->lock_dir, 0755);
                if (r < 0)
                    return rb_error_set(err, r, "cannot create the lock dir %s", box->lock_dir);
                continue;
            }
            if (errno == ENOENT || errno == EEXIST)
                return -errno;
            return rb_error_set(err, -errno, "cannot open the lock file %s", box->lock_path);
        }
        int e = 0;
        /* isolate's --wait: as long as the box's holder keeps it. */
        while (wait && (e = flock(fd, LOCK_EX) < 0 ? errno : 0) == EINTR)
            ;
        /* A scan probes locks with a brief shared lock; wait that out
         * rather than call a free box busy. */
        for (double until = monotonic_s() + BOX_LOCK_GRACE_S; !wait;) {
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
            (void)close(fd); /* never locked: nothing to lose */
            if (e == EWOULDBLOCK)
                return -EBUSY;
            return rb_error_set(err, -e, "cannot lock %s", box->lock_path);
        }
        if (!lock_still_current(fd, box->lock_path)) {
            (void)close(fd); /* a stale inode: its lock protects nothing */
            if (open_flags & O_EXCL)
                return -EEXIST;
            continue;
        }
        box->lock_fd = fd;
        return 0;
    }
    return -EBUSY;
}

static int describe(const struct rb_ctx *ctx, long id, struct rb_box *box, struct rb_error *err)
{
    int r = box_describe(ctx, id, box);
    if (r == -ERANGE)
        return rb_error_say(err, r, "box id %ld is out of range: num_boxes is %u (raise it in the config)", id,
                            ctx->cfg.num_boxes);
    if (r < 0)
        return rb_error_set(err, r, "box %ld: cannot name its paths under %s, %s and cgroup parent %s", id,
                            ctx->cfg.work_root, ctx->cfg.state_dir, ctx->cfg.cgroup_parent);
    return 0;
}

/* A lock file that names no layout (just made, by recovery of a leftover
 * say): the box's dir tells, when the two layouts put it apart. */
static enum rb_box_layout guess_layout(const struct rb_ctx *ctx, const struct rb_box *box)
{
    struct rb_box iso = *box;
    struct stat st;
    if (!ctx->cfg.box_root || !ctx->cfg.box_root[0] || box_set_layout(ctx, &iso, RB_LAYOUT_ISOLATE) < 0)
        return RB_LAYOUT_NATIVE;
    return lstat(iso.dir, &st) == 0 && lstat(box->dir, &st) < 0 ? RB_LAYOUT_ISOLATE : RB_LAYOUT_NATIVE;
}

int box_lock(const struct rb_ctx *ctx, long id, bool create, struct rb_box *box, struct rb_error *err)
{
    int r = describe(ctx, id, box, err);
    if (r < 0)
        return r;
    r = lock_open(box, create ? O_CREAT : 0, ctx->wait_for_box, err);
    if (r == -EBUSY)
        return rb_error_say(err, r, "box %ld is busy: another rustbox process holds its lock", id);
    if (r == -ENOENT)
        return rb_error_say(err, r, "box %ld is not initialised (run: rustbox init --box-id %ld)", id, id);
    if (r < 0)
        return r;
    pid_t holder;
    bool persistent = false;
    uint64_t mnt_id = 0;
    enum rb_box_layout layout = guess_layout(ctx, box);
    bool no_cg = false;
    if (box_read_lock_info(box->lock_path, &holder, &persistent, &mnt_id, &layout, &no_cg) == 0) {
        box->persistent = persistent;
        box->no_cg = no_cg;
        box->root_mnt_id = mnt_id;
    }
    r = box_set_layout(ctx, box, layout);
    if (r < 0)
        return rb_error_set(err, r, "box %ld: cannot name its paths under %s", id, ctx->cfg.box_root);
    return 0;
}

int box_lock_free_id(const struct rb_ctx *ctx, struct rb_box *box, struct rb_error *err)
{
    for (uint32_t id = 0; id < ctx->cfg.num_boxes; id++) {
        int r = describe(ctx, id, box, err);
        if (r < 0)
            return r;
        struct stat st;
        /* A dir without a lock is a dead box's leftover: recovery's, not ours. */
        if (lstat(box->dir, &st) == 0 || guess_layout(ctx, box) == RB_LAYOUT_ISOLATE ||
            access(box->lock_path, F_OK) == 0)
            continue;
        r = lock_open(box, O_CREAT | O_EXCL, false, err);
        if (r == -EEXIST || r == -EBUSY)
            continue;
        if (r < 0)
            return r; /* the state dir is unusable: no other id will do better */
        if (lstat(box->dir, &st) == 0) {
            (void)box_unlock(box, true); /* lost a race for it; its new owner has the lock file */
            continue;
        }
        return 0;
    }
    return rb_error_say(err, -EAGAIN, "no free box: all %u box ids are in use or awaiting recovery",
                        ctx->cfg.num_boxes);
}

int box_unlock(struct rb_box *box, bool remove)
{
    int r = 0;
    if (box->lock_fd < 0)
        return 0;
    /* Unlink while still holding the lock, so nobody locks a doomed inode
     * and believes it owns the box. The lock dir stays: a box is its lock
     * file (scan.c), an empty dir is no box, and a dir made and removed on
     * every one-shot run cost its mkdir, and on a discard-mounted ext4 a
     * synchronous discard at its rmdir. */
    if (remove && unlink(box->lock_path) < 0 && errno != ENOENT)
        r = -errno;
    (void)close(box->lock_fd); /* the lock goes with the fd; a close error changes nothing */
    box->lock_fd = -1;
    return r;
}

/* The box dir, opened below the work root without following a symlink at
 * its name; -ENOTDIR for anything but a directory there, -ELOOP for a link. */
static int open_box_dir(const struct rb_ctx *ctx, const struct rb_box *box)
{
    /* work_root, box_root and their ancestors are root's alone (config_load
     * checks): the path up to them may be followed. */
    (void)ctx;
    _cleanup_close_ int wfd = open(box->parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (wfd < 0)
        return negative_errno();
    int dfd = openat(wfd, box->leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return dfd < 0 ? negative_errno() : dfd;
}

bool box_root_mounted(const struct rb_ctx *ctx, const struct rb_box *box)
{
    _cleanup_close_ int dfd = open_box_dir(ctx, box);
    if (dfd < 0)
        return false;
    /* The lookup of "root" crosses into whatever is mounted there. */
    _cleanup_close_ int rfd = openat(dfd, "root", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    uint64_t dir_id, root_id;
    if (rfd < 0 || hostproc_fd_mount_id(dfd, &dir_id) < 0 || hostproc_fd_mount_id(rfd, &root_id) < 0)
        return false;
    return root_id != dir_id && (!box->root_mnt_id || root_id == box->root_mnt_id);
}

static int fmt_fd_path(char *buf, size_t len, int fd)
{
    return fmt(buf, len, "/proc/self/fd/%d", fd);
}

/* The box dir, made below its parent (made first, root's alone like the
 * rest) without following a symlink: its fd, or -errno with err set. A
 * dir already there was made by someone else or left by a box that died:
 * never ours to build on. */
static int make_box_dir(const struct rb_box *box, int *parent_fd, struct rb_error *err)
{
    int r = mkdir_p(box->parent, 0711);
    if (r < 0)
        return rb_error_set(err, r, "cannot create %s", box->parent);
    *parent_fd = open(box->parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*parent_fd < 0)
        return rb_error_set(err, negative_errno(), "cannot open %s", box->parent);
    /* 0711: a set-uid caller reaches its box/ (0700, the caller's) by
     * name; no one else lists the dir or reads box/. */
    if (mkdirat(*parent_fd, box->leaf, 0711) < 0) {
        if (errno == EEXIST)
            return rb_error_say(err, -EEXIST,
                                "box dir %s already exists: a leftover, never reused (run: rustbox cleanup --box-id "
                                "%ld)",
                                box->dir, box->id);
        return rb_error_set(err, negative_errno(), "cannot create the box dir %s", box->dir);
    }
    int dfd = openat(*parent_fd, box->leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        r = rb_error_set(err, negative_errno(), "cannot open the box dir %s", box->dir);
        (void)unlinkat(*parent_fd, box->leaf, AT_REMOVEDIR); /* undo; cleanup verifies it went */
        return r;
    }
    /* The mode the umask may have narrowed: the caller's box/ must stay
     * reachable. */
    char self[64];
    if (fmt_fd_path(self, sizeof(self), dfd) < 0 || chmod(self, 0711) < 0) {
        r = rb_error_set(err, negative_errno(), "cannot set the mode of the box dir %s", box->dir);
        (void)close(dfd);
        (void)unlinkat(*parent_fd, box->leaf, AT_REMOVEDIR);
        return r;
    }
    return dfd;
}

int box_create_root(const struct rb_ctx *ctx, struct rb_box *box, struct rb_error *err)
{
    const struct rb_limits *l = &ctx->cfg.limits;
    box->root_mnt_id = 0;
    _cleanup_close_ int wfd = -1;
    int made = make_box_dir(box, &wfd, err);
    if (made < 0)
        return made;
    _cleanup_close_ int dfd = made;
    int r = 0;
    _cleanup_close_ int rfd = -1;
    if (mkdirat(dfd, "root", 0700) < 0 ||
        (rfd = openat(dfd, "root", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        r = rb_error_set(err, negative_errno(), "cannot create the box root %s", box->root);
        (void)unlinkat(dfd, "root", AT_REMOVEDIR);
        (void)unlinkat(wfd, box->leaf, AT_REMOVEDIR);
        return r;
    }
    /* Mounted on the directory the fd holds, not on whatever the path names
     * by the time mount(2) resolves it. */
    char target[64], opts[128];
    r = fmt_fd_path(target, sizeof(target), rfd);
    if (r == 0)
        r = fmt(opts, sizeof(opts), "size=%" PRIu64 ",nr_inodes=%" PRIu64 ",mode=0755", l->box_size, l->box_inodes);
    if (r == 0 && mount(box->name, target, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        r = negative_errno();
    if (r < 0) {
        (void)rb_error_set(err, r, "cannot mount the box's tmpfs on %s", box->root);
        (void)unlinkat(dfd, "root", AT_REMOVEDIR);
        (void)unlinkat(wfd, box->leaf, AT_REMOVEDIR);
        return r;
    }
    /* The lookup of "root" now crosses into the new mount: its id is what
     * cleanup will know it by. */
    _cleanup_close_ int mfd = openat(dfd, "root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    uint64_t dir_id = 0, id = 0;
    if (mfd < 0)
        r = negative_errno();
    else if ((r = hostproc_fd_mount_id(dfd, &dir_id)) == 0 && (r = hostproc_fd_mount_id(mfd, &id)) == 0 && id == dir_id)
        r = -EIO; /* the mount is not where the fd is: nothing to build on */
    if (r == 0)
        box->root_mnt_id = id;
    if (r == 0 && (mkdirat(mfd, "box", 0700) < 0 || fchownat(mfd, "box", getuid(), getgid(), AT_SYMLINK_NOFOLLOW) < 0))
        r = negative_errno();
    if (r < 0) {
        (void)rb_error_set(err, r, "cannot make the work dir %s", box->workdir);
        /* Undo by the name below the box dir's fd, which leads into the
         * mount (the fd of root/ itself is the dir beneath it); cleanup
         * finds by id whatever stays. */
        if (fmt(target, sizeof(target), "/proc/self/fd/%d/root", dfd) == 0)
            (void)umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
        (void)unlinkat(dfd, "root", AT_REMOVEDIR);
        (void)unlinkat(wfd, box->leaf, AT_REMOVEDIR);
        return r;
    }
    return 0;
}

/* Mounts a size- and inode-limited tmpfs (mode 0700 root's, fixed by the
 * caller) on the dir `name` below dfd, through an fd of it, and returns the
 * new mount's id in *id. */
static int mount_limited_tmpfs(int dfd, const char *name, const char *source, uint64_t size, uint64_t inodes,
                               uint64_t *id)
{
    _cleanup_close_ int tfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tfd < 0)
        return negative_errno();
    char target[64], opts[128];
    int r = fmt_fd_path(target, sizeof(target), tfd);
    if (r == 0)
        r = fmt(opts, sizeof(opts), "size=%" PRIu64 ",nr_inodes=%" PRIu64 ",mode=0700", size, inodes);
    if (r == 0 && mount(source, target, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        r = negative_errno();
    if (r < 0)
        return r;
    /* The lookup of the name now crosses into the new mount: its id is what
     * cleanup will know it by. */
    _cleanup_close_ int mfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    uint64_t dir_id = 0;
    if (mfd < 0)
        r = negative_errno();
    else if ((r = hostproc_fd_mount_id(dfd, &dir_id)) == 0 && (r = hostproc_fd_mount_id(mfd, id)) == 0 && *id == dir_id)
        r = -EIO; /* the mount is not where the fd is */
    if (r < 0 && fmt(target, sizeof(target), "/proc/self/fd/%d/%s", dfd, name) == 0)
        (void)umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
    return r;
}

int box_create_isolate(const struct rb_ctx *ctx, struct rb_box *box, uint64_t quota_blocks, uint64_t quota_inodes,
                       struct rb_error *err)
{
    box->root_mnt_id = 0;
    int r = box_set_layout(ctx, box, RB_LAYOUT_ISOLATE);
    if (r < 0)
        return rb_error_set(err, r, "box %ld: cannot name its paths under %s", box->id, box->parent);
    _cleanup_close_ int pfd = -1;
    _cleanup_close_ int dfd = make_box_dir(box, &pfd, err);
    if (dfd < 0)
        return dfd;
    if (mkdirat(dfd, "box", 0700) < 0) {
        r = rb_error_set(err, negative_errno(), "cannot make the work dir %s", box->workdir);
    } else if (quota_blocks && (r = mount_limited_tmpfs(dfd, "box", box->name, quota_blocks * 1024,
                                                        quota_inodes ? quota_inodes : 1, &box->root_mnt_id)) < 0) {
        (void)rb_error_set(err, r, "cannot mount the --quota tmpfs on %s", box->workdir);
    } else if (fchownat(dfd, "box", getuid(), getgid(), AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dfd, "box", 0700, 0) < 0) {
        r = rb_error_set(err, negative_errno(), "cannot hand the work dir %s to the caller", box->workdir);
    }
    if (r < 0) {
        char target[64];
        if (box->root_mnt_id && fmt(target, sizeof(target), "/proc/self/fd/%d/box", dfd) == 0)
            (void)umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
        box->root_mnt_id = 0;
        (void)unlinkat(dfd, "box", AT_REMOVEDIR);
        (void)unlinkat(pfd, box->leaf, AT_REMOVEDIR);
    }
    return r;
}

bool box_intact(const struct rb_ctx *ctx, const struct rb_box *box)
{
    if (box->layout != RB_LAYOUT_ISOLATE)
        return box_root_mounted(ctx, box);
    _cleanup_close_ int dfd = open_box_dir(ctx, box);
    if (dfd < 0)
        return false;
    _cleanup_close_ int bfd = openat(dfd, "box", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (bfd < 0)
        return false;
    if (!box->root_mnt_id)
        return true;
    uint64_t id;
    return hostproc_fd_mount_id(bfd, &id) == 0 && id == box->root_mnt_id;
}

int box_chown_workdir(const struct rb_box *box, uid_t uid, gid_t gid, struct rb_error *err)
{
    return lchown(box->workdir, uid, gid) < 0
               ? rb_error_set(err, -errno, "cannot hand the work dir %s to uid %u", box->workdir, (unsigned)uid)
               : 0;
}

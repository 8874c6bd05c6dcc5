/* SPDX-License-Identifier: Apache-2.0 */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "dirrules.h"
#include "util.h"

static int fail(int r, char *what, size_t wlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(int r, char *what, size_t wlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(what, wlen, fmt, ap); /* a shortened message still names the step */
    va_end(ap);
    return r;
}

/* The directory `name` below dfd, made with `mode` for uid:gid when
 * missing, and set to them when there: only root changes dfd's entries, so
 * what is there is what an earlier run made, but its type is checked all
 * the same and a symlink is never followed. */
static int ensure_dir(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    if (mkdirat(dfd, name, mode) < 0 && errno != EEXIST)
        return negative_errno();
    _cleanup_close_ int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return negative_errno();
    if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dfd, name, mode, 0) < 0)
        return negative_errno();
    return 0;
}

static int open_dir(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? negative_errno() : fd;
}

/* The box's root: a size- and inode-limited tmpfs (the config's box_size
 * and box_inodes), mounted on the directory fd holds, not on whatever its
 * path names by then. */
static int mount_root_tmpfs(const struct rb_box *box, const struct rb_config *cfg, int fd)
{
    char target[64], opts[128];
    (void)snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
    (void)snprintf(opts, sizeof(opts), "size=%" PRIu64 ",nr_inodes=%" PRIu64 ",mode=0755", cfg->limits.box_size,
                   cfg->limits.box_inodes);
    return mount(box->name, target, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ? negative_errno() : 0;
}

int rootfs_isolate_root(const struct rb_box *box, const struct rb_config *cfg, bool bind_box, char *what, size_t wlen)
{
    /* box_root or work_root and their ancestors are root's alone (config
     * checks); the box dir itself is never followed. */
    _cleanup_close_ int dfd = open(box->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return fail(negative_errno(), what, wlen, "open the box dir %s", box->dir);
    int r = ensure_dir(dfd, "root", 0750, 0, 0);
    if (r < 0)
        return fail(r, what, wlen, "make %s", box->root);
    r = ensure_dir(dfd, "tmp", 0755, 0, 0);
    if (r < 0)
        return fail(r, what, wlen, "make %s", box->tmpdir);
    _cleanup_close_ int rfd = open_dir(dfd, "root");
    if (rfd < 0)
        return fail(rfd, what, wlen, "open %s", box->root);
    r = mount_root_tmpfs(box, cfg, rfd);
    if (r < 0)
        return fail(r, what, wlen, "mount the root tmpfs on %s", box->root);
    /* The lookup of root/ now crosses into the tmpfs. */
    _cleanup_close_ int mfd = open_dir(dfd, "root");
    if (mfd < 0)
        return fail(mfd, what, wlen, "open the root tmpfs on %s", box->root);
    if (!bind_box) /* isolate's -D: /box only from a --dir rule */
        return 0;
    if (mkdirat(mfd, "box", 0755) < 0)
        return fail(negative_errno(), what, wlen, "make /box in the root tmpfs");
    _cleanup_close_ int src = open_dir(dfd, "box");
    if (src < 0)
        return fail(src, what, wlen, "open the work dir %s", box->workdir);
    _cleanup_close_ int mp = open_dir(mfd, "box");
    if (mp < 0)
        return fail(mp, what, wlen, "open /box in the root tmpfs");
    char source[64], target[64];
    (void)snprintf(source, sizeof(source), "/proc/self/fd/%d", src);
    (void)snprintf(target, sizeof(target), "/proc/self/fd/%d", mp);
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return fail(negative_errno(), what, wlen, "bind %s on /box", box->workdir);
    /* The remount must reach the bind, not the dir it covers. */
    _cleanup_close_ int bound = open_dir(mfd, "box");
    if (bound < 0)
        return fail(bound, what, wlen, "open /box");
    (void)snprintf(target, sizeof(target), "/proc/self/fd/%d", bound);
    if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL) < 0)
        return fail(negative_errno(), what, wlen, "remount /box nosuid,nodev");
    return 0;
}

int rootfs_one_shot_root(const struct rb_box *box, const struct rb_config *cfg, char *what, size_t wlen)
{
    /* The work root and its ancestors are root's alone (config checks). */
    _cleanup_close_ int rfd = open_dir(AT_FDCWD, box->root);
    if (rfd < 0)
        return fail(rfd, what, wlen, "open %s", box->root);
    int r = mount_root_tmpfs(box, cfg, rfd);
    if (r < 0)
        return fail(r, what, wlen, "mount the root tmpfs on %s", box->root);
    /* Looked up again, the path leads into the new mount. */
    _cleanup_close_ int mfd = open_dir(AT_FDCWD, box->root);
    struct statfs sf;
    if (mfd < 0 || fstatfs(mfd, &sf) < 0)
        return fail(mfd < 0 ? mfd : negative_errno(), what, wlen, "open the root tmpfs on %s", box->root);
    if (sf.f_type != TMPFS_MAGIC)
        return fail(-EXDEV, what, wlen, "%s is not the tmpfs just mounted", box->root);
    r = ensure_dir(mfd, "box", 0700, box->uid, box->gid);
    return r < 0 ? fail(r, what, wlen, "make %s", box->workdir) : 0;
}

/* The default /tmp rule, as dirrules_merge passes it on: its strings are
 * the defaults' own. */
static bool is_default_tmp(const struct rb_dir_rule *rule)
{
    for (size_t i = 0; i < RB_DEFAULT_DIR_RULES; i++)
        if (rule->inside == dirrules_defaults[i].inside && !strcmp(rule->inside, "/tmp"))
            return true;
    return false;
}

bool rootfs_tmp_on_disk(const struct rb_box *box, const struct rb_dir_rule *rule)
{
    return box->layout == RB_LAYOUT_ISOLATE && (rule->flags & RB_DIR_TMP) && strcmp(rule->inside, "/dev/shm") != 0;
}

unsigned rootfs_rule_flags(const struct rb_box *box, const struct rb_dir_rule *rule)
{
    if (box->layout == RB_LAYOUT_ISOLATE && is_default_tmp(rule))
        return rule->flags & ~(unsigned)RB_DIR_NOEXEC;
    return rule->flags;
}

int rootfs_tmp_name(const char *inside, bool no_slash, char *buf, size_t len)
{
    const char *name = !strcmp(inside, "/tmp") ? "tmp" : no_slash && inside[0] == '/' ? inside + 1 : inside;
    int r = path_printf(buf, len, "%s", name);
    for (char *p = buf; r == 0 && *p; p++)
        if (*p == '/')
            *p = ':';
    return r;
}

int rootfs_tmp_source(const struct rb_box *box, const struct rb_dir_rule *rule, int *fd, char *what, size_t wlen)
{
    const char *inside = rule->inside;
    char name[256];
    int r = rootfs_tmp_name(inside, rule->flags & RB_DIR_NO_SLASH, name, sizeof(name));
    if (r < 0)
        return fail(r, what, wlen, "--dir %s: name its dir below %s", inside, box->tmpdir);
    _cleanup_close_ int dfd = open(box->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return fail(negative_errno(), what, wlen, "open the box dir %s", box->dir);
    _cleanup_close_ int tfd = open_dir(dfd, "tmp");
    if (tfd < 0)
        return fail(tfd, what, wlen, "open %s", box->tmpdir);
    r = ensure_dir(tfd, name, 0700, box->uid, box->gid);
    if (r < 0)
        return fail(r, what, wlen, "make %s/%s", box->tmpdir, name);
    *fd = open_dir(tfd, name);
    return *fd < 0 ? fail(*fd, what, wlen, "open %s/%s", box->tmpdir, name) : 0;
}

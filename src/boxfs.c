/* SPDX-License-Identifier: Apache-2.0 */
#include "boxfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "dirrules.h"
#include "error.h"
#include "procfs.h"
#include "procinfo.h"
#include "rootfs.h"
#include "util.h"

#define MOUNT_PATH_MAX 1024
#define MAX_RULES RB_DIR_RULES_MERGED_MAX

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom" };
static const char *const dev_links[][2] = {
    { "fd", "/proc/self/fd" },
    { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },
};

/* What a mount point must be. */
enum mp_kind {
    MP_DIR,     /* a directory, made if missing */
    MP_FILE,    /* a regular file, made empty if missing */
    MP_MOUNTED, /* the root of a bind just made: whatever was bound; nothing is made */
};

static const char *file_type(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFDIR: return "a directory";
    case S_IFREG: return "a regular file";
    case S_IFLNK: return "a symlink";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    default: return "a file of unknown type";
    }
}

/* The errno that goes with finding `mode` where `want` was needed. */
static int wrong_type_errno(mode_t mode, enum mp_kind want)
{
    if (S_ISLNK(mode))
        return ELOOP;
    if (want == MP_DIR)
        return ENOTDIR;
    return S_ISDIR(mode) ? EISDIR : EEXIST;
}

/* Opens the mount point `inside` below `rootfd` as an O_PATH fd, making what
 * is missing of it. An earlier run of a persistent box may have left
 * anything on the path, so nothing is followed or opened for I/O: every
 * component is reached with O_PATH|O_NOFOLLOW from its parent's fd and its
 * type checked. A symlink could redirect the mount onto the host; a FIFO
 * opened for writing would block this proxy until the wall limit (or
 * forever); a write handle on the mount point would make its read-only
 * remount fail with EBUSY. Whatever is in the way ends the setup with an
 * error naming the path. Returns the fd; never returns on failure. */
static int open_mountpoint(const struct rb_sandbox_spec *s, int rootfd, const char *inside, enum mp_kind kind)
{
    char buf[MOUNT_PATH_MAX];
    /* inside with its slashes squeezed, up to the component at hand: one
     * more byte than buf for a relative path. */
    char walked[MOUNT_PATH_MAX + 1] = "";
    size_t wlen = 0;
    if ((size_t)snprintf(buf, sizeof(buf), "%s", inside) >= sizeof(buf))
        sandbox_fail(s->report_fd, ENAMETOOLONG, "mount point %.64s... in the box", inside);
    int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        sandbox_fail(s->report_fd, errno, "mount point %s in the box", inside);
    char *save = NULL;
    char *next;
    for (char *comp = strtok_r(buf, "/", &save); comp; comp = next) {
        next = strtok_r(NULL, "/", &save);
        wlen += (size_t)snprintf(walked + wlen, sizeof(walked) - wlen, "/%s", comp);
        if (!strcmp(comp, "..") || !strcmp(comp, "."))
            sandbox_fail(s->report_fd, EINVAL, "mount point %s in the box has a '%s' component", inside, comp);
        /* A failure short of the end names the component too. */
        const char *sep = next ? ": " : "";
        const char *here = next ? walked : "";
        enum mp_kind want = next ? MP_DIR : kind;
        bool make = kind != MP_MOUNTED;
        if (make && want == MP_DIR && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
            sandbox_fail(s->report_fd, errno, "mount point %s in the box%s%s", inside, sep, here);
        if (make && want == MP_FILE) {
            /* O_EXCL: what this makes is a regular file of ours; what is
             * there already is only looked at below. */
            int made = openat(fd, comp, O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (made < 0 && errno != EEXIST)
                sandbox_fail(s->report_fd, errno, "mount point %s in the box", inside);
            (void)safe_close(made); /* it only had to exist */
        }
        int nfd = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (nfd < 0)
            sandbox_fail(s->report_fd, errno, "mount point %s in the box%s%s", inside, sep, here);
        (void)safe_close(fd);
        fd = nfd;
        struct stat st;
        if (fstat(fd, &st) < 0)
            sandbox_fail(s->report_fd, errno, "mount point %s in the box%s%s", inside, sep, here);
        /* The root of a bind is whatever was bound (a host FIFO or device
         * too); its mount point was checked before the bind. */
        bool ok = want == MP_DIR ? S_ISDIR(st.st_mode) : want == MP_FILE ? S_ISREG(st.st_mode) : !S_ISLNK(st.st_mode);
        if (ok)
            continue;
        const char *wanted = want == MP_DIR ? "a directory" : want == MP_FILE ? "a regular file" : "a bind";
        sandbox_fail(s->report_fd, wrong_type_errno(st.st_mode, want), "mount point %s in the box%s%s is %s, not %s",
                     inside, sep, here, file_type(st.st_mode), wanted);
    }
    return fd;
}

static void fd_path(char *buf, size_t len, int fd)
{
    snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static int mount_tmpfs(const char *target, const struct rb_config *cfg, unsigned long flags)
{
    char opts[128];
    snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=1777", (unsigned long long)cfg->limits.box_size,
             (unsigned long long)cfg->limits.box_inodes);
    return mount("tmpfs", target, "tmpfs", flags, opts) < 0 ? -errno : 0;
}

/* rustbox run set-uid by a judge user (the real uid is the caller's, not
 * 0): a host path the caller names is resolved and opened with the
 * caller's filesystem ids, as isolate does, so a box never gets what the
 * caller could not read itself. Supplementary groups are still the
 * caller's here (they are dropped after the root is built). Root callers
 * keep root's rights. */
static void as_caller(const struct rb_sandbox_spec *s, bool on)
{
    uid_t uid = getuid();
    if (uid == 0)
        return;
    uid_t fsuid = on ? uid : geteuid();
    gid_t fsgid = on ? getgid() : getegid();
    /* setfs[ug]id report no error: the ids read back say whether it took. */
    (void)setfsgid(fsgid);
    (void)setfsuid(fsuid);
    if ((uid_t)setfsuid((uid_t)-1) != fsuid || (gid_t)setfsgid((gid_t)-1) != fsgid)
        sandbox_fail(s->report_fd, EPERM, "take the filesystem ids %ju:%ju", (uintmax_t)fsuid, (uintmax_t)fsgid);
}

/* Opens the host side of a bind (O_PATH, following symlinks as a bind
 * does) and checks, with the caller's rights, that the caller may read it
 * (and list a directory, and write it for a rw rule). Returns the fd and
 * sets *is_file; -1 for a "maybe" rule whose source cannot be reached;
 * never returns on failure. */
static int open_source(const struct rb_sandbox_spec *s, const struct rb_dir_rule *rule, bool *is_file)
{
    as_caller(s, true);
    int fd;
    if (rule->outside[0] == '/') {
        fd = open(rule->outside, O_PATH | O_CLOEXEC);
    } else {
        /* Relative to the box's directory, as isolate resolves it (from
         * the directory --init prints). Parts of it are the box's to
         * change: a symlink there is never followed, nor is a path that
         * leaves it. */
        struct open_how how = { .flags = O_PATH | O_CLOEXEC,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
        const char *printed = s->box->layout == RB_LAYOUT_ISOLATE ? s->box->dir : s->box->root;
        int dirfd = open(printed, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        fd = dirfd < 0 ? -1 : (int)syscall(SYS_openat2, dirfd, rule->outside, &how, sizeof(how));
        int e = errno;
        (void)safe_close(dirfd);
        errno = e;
    }
    int e = fd < 0 ? errno : 0;
    struct stat st = { 0 };
    if (fd >= 0 && fstat(fd, &st) < 0)
        e = errno;
    else if (fd >= 0 && getuid() != 0) {
        int want = R_OK | (S_ISDIR(st.st_mode) ? X_OK : 0) | (rule->flags & RB_DIR_RW ? W_OK : 0);
        /* access() checks the real uid and gids, the caller's, on any
         * kernel (AT_EACCESS on an fd needs faccessat2). */
        char self[64];
        fd_path(self, sizeof(self), fd);
        e = access(self, want) == 0 ? 0 : errno;
    }
    as_caller(s, false);
    if (fd < 0 && rule->flags & RB_DIR_MAYBE)
        return -1;
    if ((fd < 0 || e) && s->req->rules == RB_RULES_ISOLATE) /* isolate's words */
        sandbox_fail(s->report_fd, e, "Cannot mount %s on %s", rule->outside, rule->inside + 1);
    if (fd < 0 || e)
        sandbox_fail(s->report_fd, e, "--dir %s: host path %s", rule->inside, rule->outside);
    *is_file = !S_ISDIR(st.st_mode);
    return fd;
}

/* On a merged-/usr host /bin, /lib and /lib64 are symlinks into /usr: the
 * same symlink in the box is faithful and spares a bind and its remount. */
static bool replicate_symlink(const struct rb_sandbox_spec *s, int rootfd, const struct rb_dir_rule *rule)
{
    struct stat st;
    char target[MOUNT_PATH_MAX];
    if (rule->flags & (RB_DIR_TMP | RB_DIR_FS) || strcmp(rule->inside, rule->outside) != 0)
        return false;
    /* The link is read with the caller's rights, as a bind's source is. */
    as_caller(s, true);
    ssize_t n = lstat(rule->outside, &st) < 0 || !S_ISLNK(st.st_mode)
                    ? -1
                    : readlink(rule->outside, target, sizeof(target) - 1);
    as_caller(s, false);
    if (n < 0)
        return false;
    target[n] = '\0';
    char parent[MOUNT_PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", rule->inside);
    char *slash = strrchr(parent, '/');
    const char *name = slash ? slash + 1 : parent;
    if (slash)
        *slash = '\0';
    int pfd = open_mountpoint(s, rootfd, parent, MP_DIR);
    char have[MOUNT_PATH_MAX];
    ssize_t h = readlinkat(pfd, name, have, sizeof(have) - 1);
    /* A persistent box keeps its root between runs: the link may be there. */
    if (!(h == n && memcmp(have, target, (size_t)n) == 0) && symlinkat(target, pfd, name) < 0)
        sandbox_fail(s->report_fd, errno, "symlink %s -> %s", rule->inside, target);
    (void)safe_close(pfd);
    return true;
}

/* The MOUNT_ATTR_ flags every mount of a bound tree gets, from the
 * remount's MS_ flags. Only set, never cleared: a :rw rule leaves a
 * submount the host made read-only (or noexec) as the host has it
 * (docs/decisions.md). */
static uint64_t bind_attrs(unsigned long flags)
{
    uint64_t attrs = 0;
    if (flags & MS_RDONLY)
        attrs |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        attrs |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        attrs |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        attrs |= MOUNT_ATTR_NOEXEC;
    return attrs;
}

/* An fs rule (dirrules allows tmpfs and proc only): a fresh tmpfs bounded
 * like the box's own, or a proc of the box's pid namespace as the box's
 * /proc is mounted; read-only unless :rw. */
static void mount_fs(const struct rb_sandbox_spec *s, const char *target, const struct rb_dir_rule *rule,
                     unsigned long flags)
{
    if (!(rule->flags & RB_DIR_RW))
        flags |= MS_RDONLY;
    int r;
    if (!strcmp(rule->outside, "tmpfs")) {
        r = mount_tmpfs(target, s->cfg, flags);
    } else if (!strcmp(rule->outside, "proc")) {
        flags |= MS_NODEV | MS_NOEXEC;
        r = mount("proc", target, "proc", flags, "subset=pid,hidepid=invisible") < 0 &&
                    mount("proc", target, "proc", flags, "hidepid=2") < 0
                ? -errno
                : 0;
    } else {
        r = -EINVAL; /* refused by dirrules already */
    }
    if (r < 0 && s->req->rules == RB_RULES_ISOLATE)
        sandbox_fail(s->report_fd, r, "Cannot mount %s on %s", rule->outside, rule->inside + 1);
    if (r < 0)
        sandbox_fail(s->report_fd, r, "%s on %s", rule->outside, rule->inside);
}

static void mount_rule(const struct rb_sandbox_spec *s, int rootfd, const struct rb_dir_rule *rule)
{
    bool is_file = false;
    if (replicate_symlink(s, rootfd, rule))
        return;
    /* The source is bound from its fd: what is swapped on its path later
     * cannot redirect the bind. */
    int src = -1;
    char source[64];
    /* isolate layout: a ':tmp' dir is the box's own below its tmp/, bound. */
    bool tmp_dir = rootfs_tmp_on_disk(s->box, rule);
    if (tmp_dir) {
        char what[sizeof(((struct rb_report *)0)->what)];
        int r = rootfs_tmp_source(s->box, rule, &src, what, sizeof(what));
        if (r < 0)
            sandbox_fail(s->report_fd, r, "%s", what);
        fd_path(source, sizeof(source), src);
    } else if (!(rule->flags & (RB_DIR_TMP | RB_DIR_FS))) {
        src = open_source(s, rule, &is_file);
        if (src < 0)
            return; /* a "maybe" rule whose source is missing */
        fd_path(source, sizeof(source), src);
    }
    int fd = open_mountpoint(s, rootfd, rule->inside, is_file ? MP_FILE : MP_DIR);
    char target[64];
    fd_path(target, sizeof(target), fd);
    unsigned rflags = rootfs_rule_flags(s->box, rule);
    unsigned long flags = MS_NOSUID;
    if (!(rflags & RB_DIR_DEV))
        flags |= MS_NODEV;
    if (rflags & RB_DIR_NOEXEC)
        flags |= MS_NOEXEC;
    if ((rule->flags & RB_DIR_TMP) && !tmp_dir) {
        int r = mount_tmpfs(target, s->cfg, flags);
        if (r < 0)
            sandbox_fail(s->report_fd, r, "tmpfs on %s", rule->inside);
    } else if (rule->flags & RB_DIR_FS) {
        mount_fs(s, target, rule, flags);
    } else {
        /* norec: the source alone, none of the mounts below it. */
        unsigned long rec = rule->flags & RB_DIR_NOREC ? 0 : MS_REC;
        if (mount(source, target, NULL, MS_BIND | rec, NULL) < 0)
            sandbox_fail(s->report_fd, errno, "bind %s on %s", rule->outside, rule->inside);
        if (!(rule->flags & RB_DIR_RW))
            flags |= MS_RDONLY;
        /* The old fd still names the covered mount point; the remount must
         * reach the new mount, so resolve the path again. Both fds are
         * O_PATH: a write handle on the new mount would make a read-only
         * remount fail with EBUSY. */
        (void)safe_close(fd);
        fd = open_mountpoint(s, rootfd, rule->inside, MP_MOUNTED);
        fd_path(target, sizeof(target), fd);
        if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
            sandbox_fail(s->report_fd, errno, "remount %s", rule->inside);
        /* The remount reaches the top of the bound tree alone: every
         * submount of it (a tmpfs below a host dir, a separate /usr/local)
         * would keep its host flags, writable, dev and suid included.
         * mount_setattr(2) came in Linux 5.12: an older kernel's ENOSYS
         * ends the setup, not a box with writable submounts. The raw call:
         * glibc's wrapper would make the binary need glibc 2.36. */
        struct mount_attr attr = { .attr_set = bind_attrs(flags) };
        if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
            sandbox_fail(s->report_fd, errno, "remount the mounts below %s", rule->inside);
    }
    (void)safe_close(fd);
    (void)safe_close(src);
}

static void mount_dev(const struct rb_sandbox_spec *s, int rootfd)
{
    int fd = open_mountpoint(s, rootfd, "/dev", MP_DIR);
    char target[64];
    fd_path(target, sizeof(target), fd);
    /* Not nodev: the device nodes below live on it. Read-only once built. */
    if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=" RB_SANDBOX_DEV_SIZE ",mode=0755") < 0)
        sandbox_fail(s->report_fd, errno, "tmpfs on /dev");
    (void)safe_close(fd);
    int devfd = openat(rootfd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (devfd < 0)
        sandbox_fail(s->report_fd, errno, "open /dev in the box");
    /* Real nodes, not binds: we are root in the initial user namespace, and
     * mknod costs a fraction of a bind plus its read-only remount. */
    for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
        char host[32];
        struct stat st;
        snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
        if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode))
            sandbox_fail(s->report_fd, errno ? errno : ENODEV, "host device %s", host);
        if (mknodat(devfd, dev_nodes[i], S_IFCHR | 0666, st.st_rdev) < 0 || fchmodat(devfd, dev_nodes[i], 0666, 0) < 0)
            sandbox_fail(s->report_fd, errno, "create /dev/%s", dev_nodes[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
        if (symlinkat(dev_links[i][1], devfd, dev_links[i][0]) < 0)
            sandbox_fail(s->report_fd, errno, "symlink /dev/%s", dev_links[i][0]);
    if (mkdirat(devfd, "shm", 0755) < 0)
        sandbox_fail(s->report_fd, errno, "mkdir /dev/shm");
    (void)safe_close(devfd);
}

/* The box's memory limit as its /proc/meminfo tells it. */
static uint64_t box_memory_kib(const struct rb_sandbox_spec *s)
{
    struct sysinfo si;
    uint64_t host = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
    return procinfo_mem_total(s->req->limits.memory, s->req->address_space, host) / 1024;
}

static void mount_proc(const struct rb_sandbox_spec *s, int rootfd)
{
    int fd = open_mountpoint(s, rootfd, "/proc", MP_DIR);
    struct rb_procfs_spec spec = {
        .rootfd = rootfd, .mountpoint = fd, .dir = "proc", .mem_total_kib = box_memory_kib(s)
    };
    struct rb_error err = { 0 };
    int r = procfs_mount(&spec, &err);
    if (r < 0)
        sandbox_fail(s->report_fd, r, "%s", err.text);
    (void)safe_close(fd);
}

/* The dev tmpfs is finished once its nodes and /dev/shm are in place. */
static void seal_dev(const struct rb_sandbox_spec *s, const char *root)
{
    char dev[MOUNT_PATH_MAX];
    snprintf(dev, sizeof(dev), "%s/dev", root);
    if (mount(NULL, dev, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) < 0)
        sandbox_fail(s->report_fd, errno, "remount /dev read-only");
}

void boxfs_build(const struct rb_sandbox_spec *s)
{
    const char *root = s->box->root;
    /* Nothing we mount may leak back to the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        sandbox_fail(s->report_fd, errno, "make mounts private");
    if (s->box->layout == RB_LAYOUT_ISOLATE) {
        /* The root tmpfs of this run alone, with the box's box/ bound in. */
        char what[sizeof(((struct rb_report *)0)->what)];
        int r = rootfs_isolate_root(s->box, s->cfg, !s->req->no_default_dirs, what, sizeof(what));
        if (r < 0)
            sandbox_fail(s->report_fd, r, "%s", what);
    } else if (!s->box->persistent) {
        char what[sizeof(((struct rb_report *)0)->what)];
        int r = rootfs_one_shot_root(s->box, s->cfg, what, sizeof(what));
        if (r < 0)
            sandbox_fail(s->report_fd, r, "%s", what);
    }
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rootfd < 0)
        sandbox_fail(s->report_fd, errno, "open box root %s", root);
    /* isolate's -D leaves out /proc and /dev too, unless a rule names them. */
    bool bare = s->req->no_default_dirs;
    if (!bare) {
        mount_proc(s, rootfd);
        mount_dev(s, rootfd);
    }
    struct rb_dir_rule rules[MAX_RULES];
    /* isolate's defaults overlaid with --dir, parents before children. */
    size_t n = dirrules_merge(s->req->dirs, s->req->n_dirs, rules, MAX_RULES);
    if (n == SIZE_MAX)
        sandbox_fail(s->report_fd, E2BIG, "--dir: more than %d rules", MAX_RULES);
    for (size_t i = 0; i < n; i++)
        mount_rule(s, rootfd, &rules[i]);
    if (!bare)
        seal_dev(s, root);
    (void)safe_close(rootfd);
    if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
        sandbox_fail(s->report_fd, errno, "pivot_root into %s", root);
    /* The old root now sits on top of the new one: drop it from this namespace. */
    if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        sandbox_fail(s->report_fd, errno, "detach the host root");
}

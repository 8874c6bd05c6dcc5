/* SPDX-License-Identifier: Apache-2.0 */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "error.h"
#include "procinfo.h"
#include "util.h"

#define PROC_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)
/* Names on the box's root while a file is being bound (then unlinked). */
#define RB_PROCFS_STAGED ".rustbox-procinfo"
#define RB_PROCFS_EMPTY ".rustbox-empty"
#define RB_PROCFS_EMPTY_DIR ".rustbox-emptydir"

static void fd_path(char *buf, size_t len, int fd)
{
    snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* The ids of the CPUs this process may run on: the box's, since the
 * program inherits the mask. *n is their count; NULL when out of memory. */
static unsigned *affinity_cpus(size_t *n)
{
    for (int ncpu = 1024; ncpu <= (1 << 20); ncpu *= 2) {
        cpu_set_t *set = CPU_ALLOC((size_t)ncpu);
        if (!set)
            return NULL;
        size_t size = CPU_ALLOC_SIZE((size_t)ncpu);
        if (sched_getaffinity(0, size, set) < 0) {
            CPU_FREE(set);
            if (errno == EINVAL) /* more CPUs than the set holds */
                continue;
            return NULL;
        }
        size_t count = (size_t)CPU_COUNT_S(size, set), k = 0;
        unsigned *cpus = calloc(count ? count : 1, sizeof(*cpus));
        for (int c = 0; cpus && c < ncpu && k < count; c++)
            if (CPU_ISSET_S((size_t)c, size, set))
                cpus[k++] = (unsigned)c;
        CPU_FREE(set);
        *n = k;
        return cpus;
    }
    return NULL;
}

/* A root-owned 0444 file holding text, made on the box's root tmpfs under
 * the name the caller unlinks once it is bound (a bind's source must have
 * a name; the bind keeps the file). The box's user, never root and
 * without capabilities, cannot change it. No process of the box runs yet:
 * whatever is at the name is a leftover of a proxy that died here. */
static int staged_file(int rootfd, const char *name, const char *text, size_t len)
{
    if (unlinkat(rootfd, name, 0) < 0 && errno != ENOENT)
        return negative_errno();
    int fd = openat(rootfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0)
        return negative_errno();
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int r = w < 0 ? negative_errno() : -EIO;
            (void)close(fd);
            (void)unlinkat(rootfd, name, 0);
            return r;
        }
        done += (size_t)w;
    }
    return fd;
}

/* Binds what src holds onto dst: a detached copy of src's mount moved onto
 * dst, which walks no /proc/self/fd path for either end (some 10 us a bind
 * less than mount(2)'s, times the 29 binds of every run). Before Linux 5.2
 * (ENOSYS), mount(2) through the fds' paths. The raw calls: glibc's
 * wrappers would make the binary need glibc 2.36. */
static int bind_fd(int src, int dst)
{
    long tree = syscall(SYS_open_tree, src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree >= 0) {
        int r = syscall(SYS_move_mount, (int)tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
                    ? negative_errno()
                    : 0;
        (void)close((int)tree);
        return r;
    }
    if (errno != ENOSYS)
        return negative_errno();
    char from[64], to[64];
    fd_path(from, sizeof(from), src);
    fd_path(to, sizeof(to), dst);
    return mount(from, to, NULL, MS_BIND, NULL) < 0 ? negative_errno() : 0;
}

/* bind_fd onto the entry name of dirfd, looked up by move_mount itself: an
 * open and a close less per bind. A symlink there would be covered, not
 * followed (no MOVE_MOUNT_T_SYMLINKS); callers bind only onto files and
 * directories of the box's own procfs, where no process of the box runs
 * yet. The detached copy of src is kept in *tree until one is attached: a
 * bind that fails (no such entry) leaves it unused for the caller's next
 * name, and the caller closes what is left. */
static int bind_at_keeping(int src, int *tree, int dirfd, const char *name)
{
    if (*tree < 0) {
        long t = syscall(SYS_open_tree, src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (t < 0 && errno != ENOSYS)
            return negative_errno();
        if (t < 0) {
            int dst = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (dst < 0)
                return negative_errno();
            int r = bind_fd(src, dst);
            (void)close(dst);
            return r;
        }
        *tree = (int)t;
    }
    if (syscall(SYS_move_mount, *tree, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return negative_errno();
    (void)close(*tree); /* attached now: the mount stays */
    *tree = -1;
    return 0;
}

/* bind_at_keeping for one bind. */
static int bind_at(int src, int dirfd, const char *name)
{
    int tree = -1;
    int r = bind_at_keeping(src, &tree, dirfd, name);
    if (tree >= 0)
        (void)close(tree); /* a detached copy never attached: dropped whole */
    return r;
}

/* Binds the text over /proc/<name>. */
static int synthesize(const struct rb_procfs_spec *s, int procfd, const char *name, const char *text,
                      struct rb_error *err)
{
    int src = staged_file(s->rootfd, RB_PROCFS_STAGED, text, strlen(text));
    if (src < 0)
        return rb_error_say(err, src, "write the box's /proc/%s on its root", name);
    int r = bind_at(src, procfd, name);
    (void)close(src);
    if (unlinkat(s->rootfd, RB_PROCFS_STAGED, 0) < 0 && r == 0)
        r = negative_errno();
    return r < 0 ? rb_error_say(err, r, "bind the box's /proc/%s", name) : 0;
}

static int synthesize_texts(const struct rb_procfs_spec *s, int procfd, const unsigned *cpus, size_t n, char *text,
                            size_t len, long long btime, struct rb_error *err)
{
    procinfo_cpuinfo(text, len, cpus, n);
    int r = synthesize(s, procfd, "cpuinfo", text, err);
    if (r == 0) {
        /* Nothing of the box runs yet (its cgroup is this run's own and
         * empty): all of its memory is free. */
        procinfo_meminfo(text, len, s->mem_total_kib, 0);
        r = synthesize(s, procfd, "meminfo", text, err);
    }
    if (r == 0) {
        procinfo_stat(text, len, cpus, n, btime);
        r = synthesize(s, procfd, "stat", text, err);
    }
    return r;
}

static int synthesize_all(const struct rb_procfs_spec *s, int procfd, struct rb_error *err)
{
    size_t n = 0;
    unsigned *cpus = affinity_cpus(&n);
    if (!cpus)
        return rb_error_say(err, negative_errno(), "read the box's CPU affinity");
    struct sysinfo si;
    struct timespec now;
    long long btime = 0;
    if (sysinfo(&si) == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0)
        btime = (long long)now.tv_sec - si.uptime;
    size_t len = procinfo_cpuinfo(NULL, 0, cpus, n) + 1;
    size_t len_stat = procinfo_stat(NULL, 0, cpus, n, btime) + 1;
    if (len_stat > len)
        len = len_stat;
    if (len < 4096)
        len = 4096; /* meminfo's */
    char *text = malloc(len);
    int r = text ? synthesize_texts(s, procfd, cpus, n, text, len, btime, err)
                 : rb_error_say(err, -ENOMEM, "format the box's /proc files");
    free(text);
    free(cpus);
    return r;
}

/* Covers /proc/<m->name> with the empty file empty[0] or, a directory, with
 * the empty directory empty[1]: a bind each (a tmpfs each would cost three
 * times as much). The bind goes straight for the type the list gives, and
 * move_mount looks the name up itself: an entry this kernel lacks (ENOENT)
 * costs no more than a stat would, one it has a stat less. Only one of the
 * other type (a bind joins a file to a file, a directory to a directory:
 * EINVAL from move_mount, ENOTDIR from mount(2)) is looked at, to bind the
 * cover of its type. An entry only root may read gets its cover too:
 * needless (the box's user never is root and holds no capability) but
 * cheaper than the stat that would tell. */
static int mask(int procfd, const struct rb_proc_mask *m, const int empty[2], int tree[2], struct rb_error *err)
{
    int r = bind_at_keeping(empty[m->dir], &tree[m->dir], procfd, m->name);
    if (r == -EINVAL || r == -ENOTDIR) {
        struct stat st;
        if (fstatat(procfd, m->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            r = negative_errno();
        else if (S_ISDIR(st.st_mode) != m->dir && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
            r = bind_at_keeping(empty[!m->dir], &tree[!m->dir], procfd, m->name);
    }
    if (r == -ENOENT)
        return 0;
    return r < 0 ? rb_error_say(err, r, "cover the box's /proc/%s", m->name) : 0;
}

/* The empty file and directory the masks bind, on the box's root under
 * their staging names. */
static int make_empties(int rootfd, int empty[2], struct rb_error *err)
{
    empty[0] = staged_file(rootfd, RB_PROCFS_EMPTY, "", 0);
    if (empty[0] < 0)
        return rb_error_say(err, empty[0], "make an empty file on the box's root");
    if (unlinkat(rootfd, RB_PROCFS_EMPTY_DIR, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return rb_error_say(err, negative_errno(), "remove %s from the box's root", RB_PROCFS_EMPTY_DIR);
    if (mkdirat(rootfd, RB_PROCFS_EMPTY_DIR, 0555) < 0 ||
        (empty[1] = openat(rootfd, RB_PROCFS_EMPTY_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return rb_error_say(err, negative_errno(), "make an empty directory on the box's root");
    return 0;
}

/* Unlinks the staging names: the binds keep what they hold. */
static int remove_empties(int rootfd, int empty[2], struct rb_error *err)
{
    int r = 0;
    if (empty[0] >= 0) {
        (void)close(empty[0]);
        if (unlinkat(rootfd, RB_PROCFS_EMPTY, 0) < 0)
            r = rb_error_say(err, negative_errno(), "remove %s from the box's root", RB_PROCFS_EMPTY);
    }
    if (empty[1] >= 0) {
        (void)close(empty[1]);
        if (unlinkat(rootfd, RB_PROCFS_EMPTY_DIR, AT_REMOVEDIR) < 0 && r == 0)
            r = rb_error_say(err, negative_errno(), "remove %s from the box's root", RB_PROCFS_EMPTY_DIR);
    }
    return r;
}

int procfs_mount(const struct rb_procfs_spec *s, struct rb_error *err)
{
    char target[64];
    fd_path(target, sizeof(target), s->mountpoint);
    /* A full procfs of the box's pid namespace (subset=pid would hide
     * cpuinfo and meminfo, and nothing can be bound where procfs has no
     * entry). "invisible" is hidepid=2's name since Linux 5.8. */
    /* Read-only, as isolate mounts it: nothing below /proc (sysctls
     * included) is the box's to write. */
    if (mount("proc", target, "proc", PROC_FLAGS | MS_RDONLY, "hidepid=invisible") < 0 &&
        mount("proc", target, "proc", PROC_FLAGS | MS_RDONLY, "hidepid=2") < 0)
        return rb_error_say(err, negative_errno(), "mount /proc");
    /* Looked up from the root again, the name leads into the new mount. */
    int procfd = openat(s->rootfd, s->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sf;
    if (procfd < 0 || fstatfs(procfd, &sf) < 0) {
        int r = negative_errno();
        if (procfd >= 0)
            (void)close(procfd);
        return rb_error_say(err, r, "open the box's /proc");
    }
    int r = sf.f_type == PROC_SUPER_MAGIC ? 0
                                          : rb_error_say(err, -EXDEV, "the box's /proc is not the procfs just mounted");
    int empty[2] = { -1, -1 };
    if (r == 0)
        r = make_empties(s->rootfd, empty, err);
    if (r == 0)
        r = synthesize_all(s, procfd, err);
    int tree[2] = { -1, -1 };
    for (size_t i = 0; r == 0 && procinfo_masked[i].name; i++)
        r = mask(procfd, &procinfo_masked[i], empty, tree, err);
    for (size_t i = 0; i < 2; i++)
        if (tree[i] >= 0)
            (void)close(tree[i]); /* a detached copy never attached: dropped whole */
    int rm = remove_empties(s->rootfd, empty, err);
    if (r == 0)
        r = rm;
    (void)close(procfd);
    return r;
}

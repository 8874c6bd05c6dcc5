/* SPDX-License-Identifier: Apache-2.0 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "error.h"

/* strtoull would skip leading whitespace and take a sign, so the first
 * character is checked by hand: " 5", "\t5", "+5" and "-5" are all junk. */
static bool starts_with_digit(const char *s)
{
    return s && *s >= '0' && *s <= '9';
}

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!starts_with_digit(s))
        return -EINVAL;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return -EINVAL;
    if (errno == ERANGE || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int parse_size(const char *s, uint64_t *out)
{
    if (!starts_with_digit(s))
        return -EINVAL;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno == ERANGE)
        return end == s ? -EINVAL : -ERANGE;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default: return -EINVAL;
    }
    if (shift && (*end == 'B' || *end == 'b'))
        end++;
    if (*end)
        return -EINVAL;
    if (shift && v > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = (uint64_t)v << shift;
    return 0;
}

int parse_seconds(const char *s, double *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -EINVAL;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return -EINVAL;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < 0)
        return -EINVAL;
    if (errno == ERANGE || v > 1e9)
        return -ERANGE;
    *out = v;
    return 0;
}

int read_file(const char *path, char **out, size_t *len)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            free(buf);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int write_file(const char *path, const char *data, int flags)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
    if (fd < 0)
        return -errno;
    return write_all(fd, data, strlen(data));
}

/* The temp name is unique (mkostemp, O_EXCL) rather than derived from the
 * pid, so a planted symlink or a second writer in the same process cannot
 * redirect or interleave the write. fchmod gives the file exactly `mode`. */
int write_file_atomic(const char *path, const char *data, mode_t mode)
{
    _cleanup_free_ char *tmp = strdup_printf("%s.tmp.XXXXXX", path);
    if (!tmp)
        return -ENOMEM;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = 0;
    if (fchmod(fd, mode) < 0)
        r = -errno;
    if (r == 0)
        r = write_all(fd, data, strlen(data));
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    /* The rename is only durable once the directory holding it is synced.
     * Its name is copied to the stack: the rename took path, so it fits. */
    char dir[PATH_MAX] = ".";
    const char *slash = strrchr(path, '/');
    if (slash)
        r = path_printf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
    _cleanup_close_ int dfd = r == 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    /* The file is in place whatever the sync says; a failed one only leaves
     * the rename less durable, which the caller cannot mend. */
    if (dfd >= 0)
        (void)fsync(dfd);
    return 0;
}

/* Symlinks followed in one resolution, as the kernel's MAXSYMLINKS. */
#define RB_HOST_MAX_SYMLINKS 40

/* Whether a symlink in the directory `dir` may be followed: the directory
 * is root's or the caller's and no one else may write it, or it is sticky
 * and the link is root's, the caller's or the directory owner's (the rule
 * of fs.protected_symlinks). */
static bool trusted_link(const struct stat *dir, const struct stat *link)
{
    uid_t me = geteuid();
    if (dir->st_uid != 0 && dir->st_uid != me)
        return false;
    if (!(dir->st_mode & (S_IWGRP | S_IWOTH)))
        return true;
    return (dir->st_mode & S_ISVTX) && (link->st_uid == 0 || link->st_uid == me || link->st_uid == dir->st_uid);
}

/* Asks refuse about the directory open on fd, by its real path. */
static int check_dir(int fd, const char *path, host_dir_refuse_fn refuse, void *data, struct rb_error *err)
{
    if (!refuse)
        return 0;
    char link[64], real[PATH_MAX];
    (void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd); /* an int: it fits */
    ssize_t n = readlink(link, real, sizeof(real) - 1);
    if (n < 0)
        return rb_error_set(err, negative_errno(), "cannot write %s: cannot tell where %s leads", path, link);
    real[n] = '\0';
    const char *why = refuse(real, data);
    if (why)
        return rb_error_say(err, -EPERM, "refusing to write %s: it leads into %s", path, why);
    return 0;
}

/* Opens (O_PATH) the directory that holds path's last component, which is
 * returned in *base (a pointer into path). */
static int open_host_parent(const char *path, host_dir_refuse_fn refuse, void *data, int *out, const char **base,
                            struct rb_error *err)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return rb_error_say(err, -EISDIR, "cannot write %s: it names a directory, not a file", path);
    if (strlen(name) > NAME_MAX)
        return rb_error_set(err, -ENAMETOOLONG, "cannot write %s", path);
    /* What is left to resolve; a symlink's target is put in front of it. */
    char todo[PATH_MAX], expanded[PATH_MAX];
    if (path_printf(todo, sizeof(todo), "%.*s", slash ? (int)(slash - path + 1) : 0, path) < 0)
        return rb_error_set(err, -ENAMETOOLONG, "cannot write %s", path);
    _cleanup_close_ int cur = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return rb_error_set(err, negative_errno(), "cannot write %s", path);
    int r = check_dir(cur, path, refuse, data, err);
    int links = 0;
    for (const char *p = todo; r == 0 && *p;) {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *end = strchrnul(p, '/');
        char comp[NAME_MAX + 1];
        if ((size_t)(end - p) > NAME_MAX)
            return rb_error_set(err, -ENAMETOOLONG, "cannot write %s", path);
        memcpy(comp, p, (size_t)(end - p));
        comp[end - p] = '\0';
        p = end;
        if (strcmp(comp, ".") == 0)
            continue;
        _cleanup_close_ int next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st, dst;
        if (next < 0 || fstat(next, &st) < 0)
            return rb_error_set(err, negative_errno(), "cannot write %s: cannot open its directory %s", path, comp);
        if (S_ISLNK(st.st_mode)) {
            if (fstat(cur, &dst) < 0)
                return rb_error_set(err, negative_errno(), "cannot write %s", path);
            if (!trusted_link(&dst, &st))
                return rb_error_say(err, -ELOOP,
                                    "refusing to write %s: its component %s is a symlink in a directory others can "
                                    "change",
                                    path, comp);
            if (++links > RB_HOST_MAX_SYMLINKS)
                return rb_error_set(err, -ELOOP, "cannot write %s", path);
            char target[PATH_MAX];
            ssize_t n = readlinkat(next, "", target, sizeof(target) - 1);
            if (n <= 0)
                return rb_error_set(err, n < 0 ? negative_errno() : -ENOENT, "cannot write %s: cannot read %s", path,
                                    comp);
            target[n] = '\0';
            if (path_printf(expanded, sizeof(expanded), "%s/%s", target, p) < 0)
                return rb_error_set(err, -ENAMETOOLONG, "cannot write %s: %s leads too far", path, comp);
            memcpy(todo, expanded, strlen(expanded) + 1);
            p = todo;
            if (target[0] == '/') {
                safe_close(cur);
                cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (cur < 0)
                    return rb_error_set(err, negative_errno(), "cannot write %s", path);
                r = check_dir(cur, path, refuse, data, err);
            }
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            return rb_error_set(err, -ENOTDIR, "cannot write %s: %s", path, comp);
        safe_close(cur);
        cur = TAKE_FD(next);
        r = check_dir(cur, path, refuse, data, err);
    }
    if (r < 0)
        return r;
    *out = TAKE_FD(cur);
    *base = name;
    return 0;
}

/* The file in dirfd may be replaced: a regular file or absent. *old is
 * filled when it exists (st_nlink 0 when not). */
static int check_host_target(int dirfd, const char *base, const char *path, struct stat *old, struct rb_error *err)
{
    if (fstatat(dirfd, base, old, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            return rb_error_set(err, negative_errno(), "cannot write %s", path);
        memset(old, 0, sizeof(*old));
        return 0;
    }
    if (S_ISLNK(old->st_mode))
        return rb_error_say(err, -ELOOP, "refusing to write %s: it is a symbolic link", path);
    if (!S_ISREG(old->st_mode))
        return rb_error_say(err, -EINVAL, "refusing to write %s: it is not a regular file", path);
    return 0;
}

int host_file_check(const char *path, host_dir_refuse_fn refuse, void *refuse_data, struct rb_error *err)
{
    _cleanup_close_ int dirfd = -1;
    const char *base = path;
    struct stat old = { 0 };
    int r = open_host_parent(path, refuse, refuse_data, &dirfd, &base, err);
    return r < 0 ? r : check_host_target(dirfd, base, path, &old, err);
}

int host_file_write(const char *path, const char *text, host_dir_refuse_fn refuse, void *refuse_data,
                    struct rb_error *err)
{
    _cleanup_close_ int dirfd = -1;
    const char *base = path;
    struct stat old = { 0 };
    int r = open_host_parent(path, refuse, refuse_data, &dirfd, &base, err);
    if (r == 0)
        r = check_host_target(dirfd, base, path, &old, err);
    if (r < 0)
        return r;
    /* A name no one can have planted: O_EXCL refuses an existing one. No
     * fsync: the file is read by the caller right after, as isolate's is. */
    char tmp[NAME_MAX + 1];
    _cleanup_close_ int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; attempt++) {
        uint64_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
            rnd = (uint64_t)getpid() << 32 ^ (uint64_t)(monotonic_s() * 1e9);
        if (path_printf(tmp, sizeof(tmp), ".%.200s.%016" PRIx64 "%02x", base, rnd, (unsigned)attempt) < 0)
            return rb_error_set(err, -ENAMETOOLONG, "cannot write %s", path);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            return rb_error_set(err, negative_errno(), "cannot write %s: cannot create a file beside it", path);
    }
    if (fd < 0)
        return rb_error_set(err, -EEXIST, "cannot write %s: cannot create a file beside it", path);
    if (old.st_nlink) {
        /* The judge may have made the file with its own owner and mode. The
         * owner can only be kept by root; as someone else the file is theirs. */
        if (geteuid() == 0 && fchown(fd, old.st_uid, old.st_gid) < 0)
            r = rb_error_set(err, negative_errno(), "cannot write %s", path);
        if (r == 0 && fchmod(fd, old.st_mode & 0777) < 0)
            r = rb_error_set(err, negative_errno(), "cannot write %s", path);
    }
    if (r == 0 && (r = write_all(fd, text, strlen(text))) < 0)
        rb_error_set(err, r, "cannot write %s", path);
    if (r == 0 && renameat(dirfd, tmp, dirfd, base) < 0)
        r = rb_error_set(err, negative_errno(), "cannot write %s: cannot rename the new file over it", path);
    if (r < 0)
        (void)unlinkat(dirfd, tmp, 0); /* the error above says what failed; this only tidies */
    return r;
}

int mkdir_p(const char *path, mode_t mode)
{
    /* A copy on the stack rather than the heap: a path past PATH_MAX could
     * not be created anyway, and nothing is left to free on the way out. */
    char p[PATH_MAX];
    int r = path_printf(p, sizeof(p), "%s", path);
    if (r < 0)
        return r;
    /* The first character is skipped (the root needs no mkdir), but only
     * when there is one. */
    for (char *s = p[0] ? p + 1 : p; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return -errno;
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int read_u64_file(const char *path, uint64_t *out)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : read_u64_fd(fd, out);
}

int read_text_fd(int fd, char *buf, size_t cap)
{
    ssize_t n;
    while ((n = pread(fd, buf, cap - 1, 0)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return 0;
}

int read_u64_fd(int fd, uint64_t *out)
{
    char buf[64];
    int r = read_text_fd(fd, buf, sizeof(buf));
    if (r < 0)
        return r;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (end == buf || errno)
        return -EINVAL;
    *out = v;
    return 0;
}

uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void utc_timestamp(char *buf, size_t len)
{
    utc_timestamp_at(time(NULL), buf, len);
}

void utc_timestamp_at(time_t when, char *buf, size_t len)
{
    /* Computed here rather than with gmtime_r: glibc's loads the local time
     * zone (/etc/localtime) on its first call even for UTC, a cost every
     * command paid. Days to a civil date: H. Hinnant's algorithm. */
    long long t = (long long)when;
    long long days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long day = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    long long year = yoe + era * 400 + (month <= 2);
    (void)snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", year, month, day, secs / 3600,
                   secs / 60 % 60, secs % 60);
}

int path_printf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

char *strdup_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    return r < 0 ? NULL : s;
}

bool pid_alive(pid_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Depth of directories we descend; a box tree deeper than this is refused
 * rather than risking the stack. */
#define WALK_MAX_DEPTH 256

static int walk_dir(int parentfd, const char *name, const struct stat *st, walk_fn fn, void *data, int depth)
{
    int first = 0;
    if (S_ISDIR(st->st_mode)) {
        if (depth > WALK_MAX_DEPTH)
            return -ELOOP;
        int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
            int e = -errno;
            close(fd);
            return e;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            struct stat cst;
            int r;
            if (fstatat(fd, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
                r = errno == ENOENT ? 0 : -errno;
            else if (cst.st_dev != st->st_dev)
                r = -EXDEV; /* a mount inside: not ours to walk into */
            else
                r = walk_dir(fd, de->d_name, &cst, fn, data, depth + 1);
            if (r < 0 && first == 0)
                first = r;
        }
        closedir(d);
    }
    int r = fn(parentfd, name, st, data);
    return first ? first : r;
}

int walk_tree(const char *path, walk_fn fn, void *data)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return -errno;
    return walk_dir(AT_FDCWD, path, &st, fn, data, 0);
}

static int remove_entry(int dirfd, const char *name, const struct stat *st, void *data)
{
    if (unlinkat(dirfd, name, S_ISDIR(st->st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

int remove_tree(const char *path)
{
    int r = walk_tree(path, remove_entry, NULL);
    /* ENOTDIR: a component of path is a file, so path itself cannot exist. */
    return r == -ENOENT || r == -ENOTDIR ? 0 : r;
}

/* PF_EXITING (include/linux/sched.h): the task is in do_exit. */
#define RB_PF_EXITING 0x00000004ul

int proc_stat_parse(const char *line, char *state, unsigned long *flags)
{
    /* "pid (comm) S ppid pgrp session tty_nr tpgid flags ...": comm may hold
     * spaces and parentheses, the state follows the last ')'. */
    const char *close_paren = strrchr(line, ')');
    if (!close_paren || sscanf(close_paren + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) != 2)
        return -EINVAL;
    return 0;
}

/* proc_stat_parse of /proc/<pid>/stat; -errno when the process is gone. */
static int proc_stat_state(pid_t pid, char *state, unsigned long *flags)
{
    char path[64], buf[512];
    int r = path_printf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (r < 0)
        return r;
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return negative_errno();
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return n < 0 ? negative_errno() : -ESRCH;
    buf[n] = '\0';
    return proc_stat_parse(buf, state, flags);
}

/* state and flags start defined: the analyser cannot see that a 0 from
 * proc_stat_state always comes with both filled. */
bool proc_is_zombie(pid_t pid)
{
    char state = '?';
    unsigned long flags = 0;
    return proc_stat_state(pid, &state, &flags) == 0 && state == 'Z';
}

bool proc_is_dying(pid_t pid)
{
    char state = '?';
    unsigned long flags = 0;
    int r = proc_stat_state(pid, &state, &flags);
    if (r == -ENOENT || r == -ESRCH)
        return true;
    return r == 0 && (state == 'Z' || state == 'X' || (flags & RB_PF_EXITING));
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Fault-injection shim for the rustbox failure matrix (LD_PRELOAD).
 *
 * RUSTBOX_FAULT holds rules separated by ';', each a comma-separated list:
 *   func=NAME    umount | umount2 | rmdir | rmdir_tree | kill | killpg | cgroup_kill |
 *                mkdir | unshare
 *                (rmdir_tree is unlinkat(AT_REMOVEDIR); cgroup_kill is an
 *                open of a cgroup.kill file, the cgroup v2 kill seam; mkdir
 *                and unshare are the supervisor's making of the box's
 *                cgroups and network namespace)
 *   errno=NAME   EBUSY | EPERM | EINVAL | EIO | EAGAIN | ENOENT | EACCES | ENOSPC
 *   calls=WHICH  first:N (the first N matching calls) | all | nth:N (only the Nth)
 *   path=SUB     only calls whose path contains SUB (kill, killpg: "PID,SIG")
 *   flags=F      umount2 only: "detach" matches MNT_DETACH calls only,
 *                "plain" only calls without it
 * Each injection is appended to $RUSTBOX_FAULT_LOG (one line) when set.
 *
 * Only the process that loaded the shim first is affected: rustbox's sandbox
 * children (the namespace proxy and the program) run their own setup, which
 * is not the cleanup path under test.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/types.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <unistd.h>

#define MAX_RULES 8

struct rule {
    char func[16];
    int err;
    enum { CALLS_FIRST, CALLS_ALL, CALLS_NTH } mode;
    int n;
    char path[256];
    int flags; /* 0 any, 1 detach only, 2 plain only */
    int seen;
};

static struct {
    struct rule rules[MAX_RULES];
    int n;
    pid_t owner;
    const char *log;
} shim;

static int errno_by_name(const char *s)
{
    static const struct { const char *name; int value; } table[] = {
        { "EBUSY", EBUSY }, { "EPERM", EPERM }, { "EINVAL", EINVAL }, { "EIO", EIO },
        { "EAGAIN", EAGAIN }, { "ENOENT", ENOENT }, { "EACCES", EACCES },
        { "ENOSPC", ENOSPC },
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(s, table[i].name))
            return table[i].value;
    return EIO;
}

static void parse_rule(char *text)
{
    if (shim.n == MAX_RULES)
        return;
    struct rule *r = &shim.rules[shim.n];
    memset(r, 0, sizeof(*r));
    r->mode = CALLS_ALL;
    char *save = NULL;
    for (char *kv = strtok_r(text, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *k = kv, *v = eq + 1;
        if (!strcmp(k, "func"))
            snprintf(r->func, sizeof(r->func), "%s", v);
        else if (!strcmp(k, "errno"))
            r->err = errno_by_name(v);
        else if (!strcmp(k, "path"))
            snprintf(r->path, sizeof(r->path), "%s", v);
        else if (!strcmp(k, "flags"))
            r->flags = !strcmp(v, "detach") ? 1 : !strcmp(v, "plain") ? 2 : 0;
        else if (!strcmp(k, "calls")) {
            if (!strncmp(v, "first:", 6)) {
                r->mode = CALLS_FIRST;
                r->n = atoi(v + 6);
            } else if (!strncmp(v, "nth:", 4)) {
                r->mode = CALLS_NTH;
                r->n = atoi(v + 4);
            } else {
                r->mode = CALLS_ALL;
            }
        }
    }
    if (r->func[0] && r->err)
        shim.n++;
}

__attribute__((constructor)) static void shim_init(void)
{
    shim.owner = getpid();
    shim.log = getenv("RUSTBOX_FAULT_LOG");
    const char *spec = getenv("RUSTBOX_FAULT");
    if (!spec)
        return;
    char *copy = strdup(spec);
    char *save = NULL;
    for (char *r = strtok_r(copy, ";", &save); r; r = strtok_r(NULL, ";", &save)) {
        char *one = strdup(r);
        parse_rule(one);
        free(one);
    }
    free(copy);
}

static void note(const char *func, const char *what, int err)
{
    if (!shim.log)
        return;
    FILE *f = fopen(shim.log, "a");
    if (!f)
        return;
    fprintf(f, "inject %s(%s) -> %s\n", func, what ? what : "", strerrorname_np(err) ? strerrorname_np(err) : "?");
    fclose(f);
}

/* Whether this call fails, and with which errno (0: pass through). */
static int decide(const char *func, const char *path, int flags_kind)
{
    if (getpid() != shim.owner)
        return 0;
    for (int i = 0; i < shim.n; i++) {
        struct rule *r = &shim.rules[i];
        if (strcmp(r->func, func) != 0)
            continue;
        if (r->path[0] && (!path || !strstr(path, r->path)))
            continue;
        if (r->flags && r->flags != flags_kind)
            continue;
        int nth = ++r->seen;
        bool hit = r->mode == CALLS_ALL || (r->mode == CALLS_FIRST && nth <= r->n) ||
                   (r->mode == CALLS_NTH && nth == r->n);
        if (hit) {
            note(func, path, r->err);
            return r->err;
        }
    }
    return 0;
}

/* The next definition of name (libc's), looked up once. */
#define REAL(name)                                      \
    static __typeof__(&name) real_##name;               \
    if (!real_##name)                                   \
    real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

/* rustbox unmounts by a name below an fd of the mount's parent dir
 * ("/proc/self/fd/N/root"): rules name the path, so the fd is resolved. */
static const char *resolve_fd_path(const char *path, char *out, size_t len)
{
    const char *prefix = "/proc/self/fd/";
    if (!path || strncmp(path, prefix, strlen(prefix)) != 0)
        return path;
    const char *num = path + strlen(prefix), *rest = num + strspn(num, "0123456789");
    char link[64];
    snprintf(link, sizeof(link), "%s%.*s", prefix, (int)(rest - num), num);
    ssize_t n = readlink(link, out, len - 1);
    if (n < 0)
        return path;
    snprintf(out + n, len - (size_t)n, "%s", rest);
    return out;
}

int umount2(const char *target, int flags)
{
    REAL(umount2);
    char full[4096];
    int e = decide("umount2", resolve_fd_path(target, full, sizeof(full)), (flags & MNT_DETACH) ? 1 : 2);
    if (e) {
        errno = e;
        return -1;
    }
    return real_umount2(target, flags);
}

int umount(const char *target)
{
    REAL(umount);
    int e = decide("umount", target, 2);
    if (e) {
        errno = e;
        return -1;
    }
    return real_umount(target);
}

int rmdir(const char *path)
{
    REAL(rmdir);
    int e = decide("rmdir", path, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return real_rmdir(path);
}

int mkdir(const char *path, mode_t mode)
{
    REAL(mkdir);
    int e = decide("mkdir", path, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return real_mkdir(path, mode);
}

int unshare(int flags)
{
    REAL(unshare);
    int e = decide("unshare", NULL, 0);
    if (e) {
        errno = e;
        return -1;
    }
    return real_unshare(flags);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    REAL(unlinkat);
    if (flags & AT_REMOVEDIR) {
        char full[4096] = "";
        char link[64];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        ssize_t n = dirfd == AT_FDCWD ? -1 : readlink(link, full, sizeof(full) - 1);
        if (n >= 0)
            snprintf(full + n, sizeof(full) - (size_t)n, "/%s", path);
        else
            snprintf(full, sizeof(full), "%s", path);
        int e = decide("rmdir_tree", full, 0);
        if (e) {
            errno = e;
            return -1;
        }
    }
    return real_unlinkat(dirfd, path, flags);
}

int kill(pid_t pid, int sig)
{
    REAL(kill);
    char what[32];
    snprintf(what, sizeof(what), "%d,%d", (int)pid, sig);
    /* Probes (signal 0) are not the kill path. */
    int e = sig ? decide("kill", what, 0) : 0;
    if (e) {
        errno = e;
        return -1;
    }
    return real_kill(pid, sig);
}

int killpg(pid_t pgrp, int sig)
{
    REAL(killpg);
    char what[32];
    snprintf(what, sizeof(what), "%d,%d", (int)pgrp, sig);
    int e = sig ? decide("killpg", what, 0) : 0;
    if (e) {
        errno = e;
        return -1;
    }
    return real_killpg(pgrp, sig);
}

static int cgroup_kill_open(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n < 11 || strcmp(path + n - 11, "cgroup.kill") != 0)
        return 0;
    return decide("cgroup_kill", path, 0);
}

int open(const char *path, int flags, ...)
{
    REAL(open);
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    int e = cgroup_kill_open(path);
    if (e) {
        errno = e;
        return -1;
    }
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

/* SPDX-License-Identifier: Apache-2.0 */
/* hostproc: the mount points below a directory and the processes of a uid,
 * read from the kernel's own tables (/proc/self/mountinfo, /proc/<pid>). */
#include "hostproc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MOUNTINFO "/proc/self/mountinfo"

int hostproc_pids_of_uid(uid_t uid, pid_t *pids, int max)
{
    _cleanup_dir_ DIR *d = opendir("/proc");
    if (!d)
        return negative_errno();
    int n = 0;
    struct dirent *de;
    while (n < max && (de = readdir(d))) {
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
    return n;
}

int hostproc_stat_field(const char *line, int field, long long *value)
{
    /* The name ends at the line's last ')': only fields 3 on follow it. */
    const char *p = strrchr(line, ')');
    if (!p || field < 3)
        return -EINVAL;
    for (int f = 2; p && f < field; f++)
        p = strchr(p + 1, ' ');
    if (!p || p[1] < '0' || p[1] > '9') /* no such field; the numbers asked for are never negative */
        return -EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(p + 1, &end, 10);
    if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
        return -EINVAL;
    *value = v;
    return 0;
}

int hostproc_task_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return negative_errno();
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n < 0)
        return negative_errno();
    buf[n] = '\0';
    long long cpu;
    int r = hostproc_stat_field(buf, 39, &cpu);
    return r < 0 ? r : cpu > INT_MAX ? -ERANGE : (int)cpu;
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

static bool is_octal(char c)
{
    return c >= '0' && c <= '7';
}

/* The kernel writes space, tab, newline and backslash in a mountinfo field
 * as a backslash and three octal digits; undone in place. */
static void unescape(char *s)
{
    char *out = s;
    for (const char *in = s; *in;) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && is_octal(in[2]) && is_octal(in[3])) {
            *out++ = (char)(((in[1] - '0') << 6) | ((in[2] - '0') << 3) | (in[3] - '0'));
            in += 4;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
}

/* The mount point of a mountinfo line (its fifth field), unescaped in
 * place; NULL for a line with fewer fields. */
static char *mount_point(char *line)
{
    char *p = line;
    for (int field = 0; field < 4; field++) {
        p = strchr(p, ' ');
        if (!p)
            return NULL;
        p++;
    }
    p[strcspn(p, " ")] = '\0';
    unescape(p);
    return p;
}

void hostproc_free_mounts(char **targets, int n)
{
    for (int i = 0; i < n; i++)
        free(targets[i]);
    free(targets);
}

/* The table is read and split here rather than by libmount, whose parser
 * drops a line it cannot parse (as when an allocation fails inside it) and
 * carries on: a mount missing from the list would pass for unmounted. Here
 * every failure is the caller's -errno. */
int hostproc_mounts_under(const char *dir, char ***targets, int *n)
{
    *targets = NULL;
    *n = 0;
    _cleanup_free_ char *table = NULL;
    int r = read_file(MOUNTINFO, &table, NULL);
    if (r < 0)
        return r;
    char **list = NULL;
    int count = 0, cap = 0;
    for (char *line = table, *next; line && r == 0; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line)
            continue;
        const char *t = mount_point(line);
        if (!t) {
            r = -EBADMSG; /* not the kernel's format: nothing here can be trusted */
            break;
        }
        if (!path_below(t, dir))
            continue;
        if (count == cap) {
            int grown_cap = cap ? cap * 2 : 8;
            char **grown = realloc(list, (size_t)grown_cap * sizeof(*grown));
            if (!grown) {
                r = -ENOMEM;
                break;
            }
            list = grown;
            cap = grown_cap;
        }
        if (!(list[count] = strdup(t))) {
            r = -ENOMEM;
            break;
        }
        count++;
    }
    if (r < 0) {
        /* A part of the list is no answer, and the caller holds nothing. */
        hostproc_free_mounts(list, count);
        return r;
    }
    if (count > 1)
        qsort(list, (size_t)count, sizeof(*list), by_depth_desc);
    *targets = list;
    *n = count;
    return 0;
}

/* One parsed line of mountinfo; the strings point into the table. */
struct mi_line {
    uint64_t id, parent;
    char *point, *fstype, *source;
    int depth;
    bool chosen;
};

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": id,
 * parent, dev, root, mount point, options, optional fields up to "-", then
 * fstype and source. -EBADMSG for a line of another shape. */
static int parse_line(char *line, struct mi_line *m)
{
    char *save = NULL, *f[5];
    for (int i = 0; i < 5; i++)
        if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
            return -EBADMSG;
    char *end;
    errno = 0;
    m->id = strtoull(f[0], &end, 10);
    if (*end || errno)
        return -EBADMSG;
    m->parent = strtoull(f[1], &end, 10);
    if (*end || errno)
        return -EBADMSG;
    m->point = f[4];
    char *t;
    while ((t = strtok_r(NULL, " ", &save)) && strcmp(t, "-") != 0)
        ;
    if (!t || !(m->fstype = strtok_r(NULL, " ", &save)) || !(m->source = strtok_r(NULL, " ", &save)))
        return -EBADMSG;
    unescape(m->point);
    unescape(m->source);
    m->depth = -1;
    m->chosen = false;
    return 0;
}

static int parse_table(char *table, struct mi_line **lines, int *n)
{
    *lines = NULL;
    *n = 0;
    int cap = 0;
    for (char *line = table, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line)
            continue;
        if (*n == cap) {
            int grown_cap = cap ? cap * 2 : 64;
            struct mi_line *grown = realloc(*lines, (size_t)grown_cap * sizeof(*grown));
            if (!grown)
                return -ENOMEM;
            *lines = grown;
            cap = grown_cap;
        }
        int r = parse_line(line, &(*lines)[*n]);
        if (r < 0)
            return r; /* not the kernel's format: nothing here can be trusted */
        (*n)++;
    }
    return 0;
}

/* A mount id is handed to the next mount once freed (after a reboot, a
 * recorded one may name anything): the box's is known by its id together
 * with what only rustbox mounts in this namespace, a tmpfs named after the
 * box. */
static bool is_box_tmpfs(const struct mi_line *m, uint64_t id, const char *source)
{
    return id && m->id == id && (!source || (!strcmp(m->fstype, "tmpfs") && !strcmp(m->source, source)));
}

/* Levels of chosen ancestors above m: a child is always deeper than its parent. */
static int chosen_depth(struct mi_line *lines, int n, int i, int guard)
{
    if (lines[i].depth >= 0)
        return lines[i].depth;
    int d = 0;
    for (int j = 0; j < n && guard > 0; j++)
        if (j != i && lines[j].chosen && lines[j].id == lines[i].parent) {
            d = 1 + chosen_depth(lines, n, j, guard - 1);
            break;
        }
    lines[i].depth = d;
    return d;
}

static int by_depth(const void *a, const void *b)
{
    const struct mi_line *x = a, *y = b;
    if (x->depth != y->depth)
        return x->depth < y->depth ? 1 : -1;
    size_t lx = strlen(x->point), ly = strlen(y->point);
    return lx < ly ? 1 : lx > ly ? -1 : 0;
}

void hostproc_free_mount_list(struct rb_mount *mounts, int n)
{
    for (int i = 0; i < n; i++)
        free(mounts[i].point);
    free(mounts);
}

int hostproc_box_mounts(const char *dir, uint64_t id, const char *source, struct rb_mount **mounts, int *n)
{
    *mounts = NULL;
    *n = 0;
    _cleanup_free_ char *table = NULL;
    _cleanup_free_ struct mi_line *lines = NULL;
    int count = 0;
    int r = read_file(MOUNTINFO, &table, NULL);
    if (r == 0)
        r = parse_table(table, &lines, &count);
    if (r < 0)
        return r;
    int chosen = 0;
    for (int i = 0; i < count; i++)
        if (is_box_tmpfs(&lines[i], id, source) || path_below(lines[i].point, dir)) {
            lines[i].chosen = true;
            chosen++;
        }
    /* Whatever hangs from a chosen mount is the box's too, wherever its path
     * says it is. */
    for (bool grew = chosen > 0; grew;) {
        grew = false;
        for (int i = 0; i < count; i++) {
            if (lines[i].chosen)
                continue;
            for (int j = 0; j < count; j++)
                if (lines[j].chosen && lines[j].id == lines[i].parent) {
                    lines[i].chosen = grew = true;
                    chosen++;
                    break;
                }
        }
    }
    if (!chosen)
        return 0;
    for (int i = 0; i < count; i++)
        if (lines[i].chosen)
            (void)chosen_depth(lines, count, i, count);
    struct mi_line *sel = lines;
    int k = 0;
    for (int i = 0; i < count; i++)
        if (lines[i].chosen)
            sel[k++] = lines[i]; /* compacted in place: k <= i */
    qsort(sel, (size_t)k, sizeof(*sel), by_depth);
    struct rb_mount *list = calloc((size_t)k, sizeof(*list));
    if (!list)
        return -ENOMEM;
    for (int i = 0; i < k; i++) {
        list[i] = (struct rb_mount){ sel[i].id, sel[i].parent, strdup(sel[i].point) };
        if (!list[i].point) {
            hostproc_free_mount_list(list, i);
            return -ENOMEM;
        }
    }
    *mounts = list;
    *n = k;
    return 0;
}

int hostproc_mount_present(uint64_t id, uint64_t parent, const char *source, bool *present)
{
    *present = false;
    _cleanup_free_ char *table = NULL;
    struct mi_line *lines = NULL;
    int count = 0;
    int r = read_file(MOUNTINFO, &table, NULL);
    if (r == 0)
        r = parse_table(table, &lines, &count);
    for (int i = 0; r == 0 && i < count && !*present; i++)
        *present = is_box_tmpfs(&lines[i], id, source) && (!parent || lines[i].parent == parent);
    free(lines);
    return r;
}

int hostproc_fd_mount_id(int fd, uint64_t *id)
{
    char path[64];
    _cleanup_free_ char *text = NULL;
    int r = path_printf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    if (r == 0)
        r = read_file(path, &text, NULL);
    if (r < 0)
        return r;
    const char *p = text ? strstr(text, "mnt_id:") : NULL;
    if (!p)
        return -ENODATA;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p + strlen("mnt_id:"), &end, 10);
    if (errno || end == p + strlen("mnt_id:"))
        return -EBADMSG;
    *id = v;
    return 0;
}

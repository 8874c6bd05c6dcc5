/* SPDX-License-Identifier: Apache-2.0 */
/* hostproc: the mount points below a directory and the processes of a uid,
 * read from the kernel's own tables (/proc/self/mountinfo, /proc/<pid>). */
#include "hostproc.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* SPDX-License-Identifier: Apache-2.0 */
#include "progclock.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostproc.h"
#include "scoped.h"
#include "util.h"

bool progclock_is_program(const char *status, pid_t proxy)
{
    const char *pp = strstr(status, "\nPPid:\t"), *ns = strstr(status, "\nNSpid:\t");
    if (!pp || !ns || strtol(pp + strlen("\nPPid:\t"), NULL, 10) != proxy)
        return false;
    /* NSpid lists the pid in each namespace, the box's last. */
    const char *end = strchr(ns + 1, '\n'), *last = end;
    while (last && last > ns && last[-1] != '\t' && last[-1] != ' ')
        last--;
    return last && end - last == 1 && *last == '2';
}

/* Whether the process at dirfd (a /proc/<pid> of the host) is the program. */
static bool is_program_at(int dirfd, pid_t proxy)
{
    char buf[4096];
    int fd = openat(dirfd, "status", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (fd >= 0)
        (void)close(fd); /* read-only: nothing to flush */
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return progclock_is_program(buf, proxy);
}

/* Finds the program among the proxy's children and keeps its stat file
 * open: the fd holds that very process, so a pid the host reuses after it
 * ends is never read. */
static void find_program(struct rb_prog_clock *c)
{
    char path[96];
    _cleanup_free_ char *list = NULL;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)c->proxy, (int)c->proxy);
    if (read_file(path, &list, NULL) < 0)
        return;
    char *save = NULL;
    for (char *tok = strtok_r(list, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        char dir[64];
        snprintf(dir, sizeof(dir), "/proc/%s", tok);
        int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            continue;
        if (is_program_at(dfd, c->proxy))
            c->stat_fd = openat(dfd, "stat", O_RDONLY | O_CLOEXEC);
        (void)close(dfd); /* an O_PATH fd: nothing to flush */
        if (c->stat_fd >= 0)
            break;
    }
    /* The program is the proxy's first child: children without it mean it
     * is gone. */
    c->gone = c->stat_fd >= 0 || list[0] != '\0';
}

double progclock_read(struct rb_prog_clock *c)
{
    if (c->stat_fd < 0 && !c->gone && c->proxy > 0)
        find_program(c);
    if (c->stat_fd < 0)
        return c->cpu_s;
    char buf[1024];
    ssize_t n = pread(c->stat_fd, buf, sizeof(buf) - 1, 0);
    long long utime, stime; /* fields 14 and 15 */
    if (n > 0 && (buf[n] = '\0', hostproc_stat_field(buf, 14, &utime)) == 0 &&
        hostproc_stat_field(buf, 15, &stime) == 0) {
        long tck = sysconf(_SC_CLK_TCK);
        c->cpu_s = (double)(utime + stime) / (double)(tck > 0 ? tck : 100);
    } else {
        progclock_close(c); /* gone: its last value stands */
    }
    return c->cpu_s;
}

void progclock_close(struct rb_prog_clock *c)
{
    if (c->stat_fd >= 0)
        (void)safe_close(c->stat_fd);
    c->stat_fd = -1;
}

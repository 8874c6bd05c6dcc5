/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak: host-wide /proc files (CPU model, memory, uptime,
 * kernel symbols, other processes' command lines and environments, the host
 * hostname and mounts). The box's /proc is mounted subset=pid with
 * hidepid=invisible: none of them may be readable. Exits 0 with CONTAINED
 * only if so; names every file it could read. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bad;

static void probe(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    char buf[80];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n > 0) {
        buf[n] = '\0';
        for (char *p = buf; *p; p++)
            if (*p == '\n' || *p == '\0')
                *p = ' ';
        printf("LEAKED: %s: %s\n", path, buf);
        bad = 1;
    }
}

int main(void)
{
    const char *files[] = {
        "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/uptime", "/proc/loadavg",
        "/proc/version", "/proc/kallsyms", "/proc/modules", "/proc/cmdline", "/proc/mounts",
        "/proc/partitions", "/proc/diskstats", "/proc/interrupts", "/proc/vmstat",
        "/proc/sys/kernel/hostname", "/proc/sys/kernel/random/boot_id", "/proc/swaps",
        "/proc/1/cmdline", "/proc/1/environ", "/proc/1/status", "/proc/1/mountinfo",
        "/proc/sysrq-trigger", "/proc/keys", "/proc/config.gz",
        "/proc/net/tcp", "/proc/net/unix", "/proc/self/net/unix_host_marker_absent",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        probe(files[i]);
    /* Every pid we can see must be our own process or our child. */
    DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t me = getpid();
    while (d && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid == me)
            continue;
        printf("LEAKED: /proc/%ld is visible\n", pid);
        bad = 1;
    }
    if (d)
        closedir(d);
    /* Writing to sysrq-trigger would be far worse than reading it. */
    int fd = open("/proc/sysrq-trigger", O_WRONLY);
    if (fd >= 0) {
        printf("ESCAPED: /proc/sysrq-trigger is writable\n");
        bad = 1;
        close(fd);
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

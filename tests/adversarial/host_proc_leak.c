/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak: host-wide /proc files (CPU model, memory, kernel
 * symbols and command line, disks, interrupts, other processes' command
 * lines and environments). The box's /proc (docs/decisions.md "The box's
 * /proc") shows only the box's processes, its own cpuinfo, meminfo and stat,
 * and covers the host-wide files with empty ones: none of those may have
 * content, and the synthesized ones nothing of a real processor. uptime,
 * loadavg and version stay readable (sysinfo() and uname() tell the same);
 * mounts, net/ and the hostname are the box's own namespaces'. Exits 0 with
 * CONTAINED only if so; names every file it could read. */
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
        "/proc/kallsyms", "/proc/modules", "/proc/cmdline", "/proc/partitions", "/proc/diskstats",
        "/proc/interrupts", "/proc/softirqs", "/proc/vmstat", "/proc/zoneinfo", "/proc/iomem",
        "/proc/sys/kernel/random/boot_id", "/proc/swaps", "/proc/locks", "/proc/key-users",
        "/proc/1/cmdline", "/proc/1/environ", "/proc/1/status", "/proc/1/mountinfo",
        "/proc/sysrq-trigger", "/proc/keys", "/proc/config.gz", "/proc/timer_list",
        "/proc/bus/pci/devices", "/proc/acpi/wakeup", "/proc/scsi/scsi", "/proc/pressure/cpu",
        "/proc/self/net/unix_host_marker_absent",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        probe(files[i]);
    /* The box's own processor: no model, flags or serial of a real one. */
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof(line), f))
        if ((!strncmp(line, "model name", 10) && !strstr(line, ": rustbox virtual CPU")) ||
            !strncmp(line, "flags", 5) || !strncmp(line, "cpu MHz", 7) || !strncmp(line, "microcode", 9)) {
            printf("LEAKED: /proc/cpuinfo: %s", line);
            bad = 1;
        }
    if (f)
        fclose(f);
    /* The box's own activity counters: none of the host's interrupts. */
    f = fopen("/proc/stat", "r");
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "intr ", 5) && strcmp(line, "intr 0\n") != 0) {
            printf("LEAKED: /proc/stat: %.60s\n", line);
            bad = 1;
        }
    if (f)
        fclose(f);
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

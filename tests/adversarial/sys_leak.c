/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak / escape: /sys exposes the host's devices, cgroups
 * (write your pid elsewhere), kernel tunables. The box has no /sys and no
 * way to mount one; its /proc/sys is read-only, and core_pattern (the
 * classic escape: a core dump handler run as root on the host) is covered
 * empty. Exits 0 with CONTAINED if nothing of it is reachable. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    const char *paths[] = {
        "/sys", "/sys/fs/cgroup", "/sys/kernel", "/sys/class/net", "/sys/firmware",
        "/sys/fs/cgroup/memory/tasks", "/sys/fs/cgroup/cgroup.procs", "/sys/kernel/debug",
        "/proc/self/cgroup_escape_marker",
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0) {
            printf("LEAKED: %s exists\n", paths[i]);
            bad = 1;
        }
    }
    const char *core = "/proc/sys/kernel/core_pattern";
    int fd = open(core, O_WRONLY);
    if (fd >= 0) {
        printf("ESCAPED: %s is writable\n", core);
        bad = 1;
        close(fd);
    }
    char buf[64];
    fd = open(core, O_RDONLY);
    ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
    if (n > 0) {
        buf[n] = '\0';
        printf("LEAKED: %s: %s\n", core, buf);
        bad = 1;
    }
    if (fd >= 0)
        close(fd);
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

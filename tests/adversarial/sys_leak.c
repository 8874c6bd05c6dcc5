/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak / escape: /sys exposes the host's devices, cgroups
 * (write your pid elsewhere), kernel tunables. The box has no /sys and no
 * way to mount one. Exits 0 with CONTAINED if nothing of it is reachable. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    const char *paths[] = {
        "/sys", "/sys/fs/cgroup", "/sys/kernel", "/sys/class/net", "/sys/firmware",
        "/sys/fs/cgroup/memory/tasks", "/sys/fs/cgroup/cgroup.procs", "/sys/kernel/debug",
        "/proc/sys/kernel/core_pattern", "/proc/self/cgroup_escape_marker",
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0) {
            printf("LEAKED: %s exists\n", paths[i]);
            bad = 1;
        }
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

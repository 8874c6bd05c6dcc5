/* SPDX-License-Identifier: Apache-2.0 */
/* try_mount: calls mount(2). The seccomp policy must kill it (verdict SV). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int main(void)
{
    int r = mount("none", "/tmp", "tmpfs", 0, "");
    printf("mount returned %d errno=%d (%s)\n", r, errno, strerror(errno));
    return 0;
}

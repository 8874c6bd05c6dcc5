/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: the classic chroot break-out (chroot into a subdirectory, climb
 * with "..", chroot("."), look for the host's /etc/passwd). chroot is on the
 * seccomp deny-list: expected SV at the first call. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    mkdir("/tmp/jail", 0755);
    if (chroot("/tmp/jail") < 0)
        perror("chroot");
    for (int i = 0; i < 64; i++)
        if (chdir("..") < 0)
            break;
    if (chroot(".") < 0)
        perror("chroot .");
    if (access("/etc/passwd", R_OK) == 0)
        printf("ESCAPED: the host's /etc/passwd is readable\n");
    else
        printf("chroot returned instead of being killed\n");
    return 0;
}

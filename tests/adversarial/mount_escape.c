/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: mount(2) a fresh proc/tmpfs or bind the root elsewhere. On the
 * deny-list: expected SV at the first call. */
#include <stdio.h>
#include <sys/mount.h>

int main(void)
{
    int r = mount("none", "/tmp", "tmpfs", 0, NULL);
    r |= mount("/", "/tmp", NULL, MS_BIND | MS_REC, NULL);
    printf("mount returned %d instead of being killed\n", r);
    return 0;
}

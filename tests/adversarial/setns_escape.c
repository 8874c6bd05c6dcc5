/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: setns(2) into a namespace file (here the box's own, the only ones
 * it can open; a leaked host fd would be the real target). Expected: SV. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>

int main(void)
{
    int fd = open("/proc/self/ns/uts", O_RDONLY);
    int r = setns(fd, 0);
    printf("setns(fd %d) returned %d instead of being killed\n", fd, r);
    return 0;
}

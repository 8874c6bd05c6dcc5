/* SPDX-License-Identifier: Apache-2.0 */
/* Escape aid: userfaultfd, used to win kernel races by pausing page faults.
 * The /dev/userfaultfd node must be absent, the syscall killed: SV. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_userfaultfd
#define SYS_userfaultfd 323
#endif

int main(void)
{
    int dev = open("/dev/userfaultfd", O_RDWR);
    if (dev >= 0)
        printf("ESCAPED: /dev/userfaultfd is present\n");
    long r = syscall(SYS_userfaultfd, O_CLOEXEC);
    printf("userfaultfd returned %ld instead of being killed\n", r);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* memfd_secret: memory hidden from the kernel's own view (and from cleanup
 * inspection). On the deny-list: expected SV. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

int main(void)
{
    long r = syscall(SYS_memfd_secret, 0);
    printf("memfd_secret returned %ld instead of being killed\n", r);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: io_uring, which runs syscalls from kernel workers where a seccomp
 * filter does not reach. Expected: SV at io_uring_setup. */
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

int main(void)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    long r = syscall(SYS_io_uring_setup, 8, &p);
    printf("io_uring_setup returned %ld instead of being killed\n", r);
    return 0;
}

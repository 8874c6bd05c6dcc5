/* SPDX-License-Identifier: Apache-2.0 */
/* process_vm_readv: read another process's memory without ptrace.
 * Expected: SV. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    char buf[16];
    struct iovec local = { buf, sizeof(buf) }, remote = { (void *)0x400000, sizeof(buf) };
    ssize_t r = process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
    printf("process_vm_readv returned %zd instead of being killed\n", r);
    return 0;
}

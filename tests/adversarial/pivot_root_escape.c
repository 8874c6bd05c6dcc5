/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: pivot_root to swap the root back. On the deny-list: expected SV. */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    mkdir("/tmp/new", 0755);
    mkdir("/tmp/new/old", 0755);
    long r = syscall(SYS_pivot_root, "/tmp/new", "/tmp/new/old");
    printf("pivot_root returned %ld instead of being killed\n", r);
    return 0;
}

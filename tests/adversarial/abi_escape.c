/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: go around a seccomp filter written for the x86_64 syscall table
 * by calling through another ABI. argv[1] "i386": unshare(CLONE_NEWUSER)
 * through int $0x80 (i386 number 310); "x32": the same with the x32 bit set
 * on the syscall number. A filter that checks only x86_64 numbers would let
 * both through (and the new user namespace would succeed); the policy must
 * kill them: expected SV. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CLONE_NEWUSER_FLAG 0x10000000L
#define X32_SYSCALL_BIT 0x40000000L

int main(int argc, char **argv)
{
    long r;
    if (argc > 1 && !strcmp(argv[1], "i386")) {
        long nr = 310, flags = CLONE_NEWUSER_FLAG;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(flags) : "memory");
        printf("i386 unshare returned %ld instead of being killed\n", r);
    } else {
        r = syscall(X32_SYSCALL_BIT | SYS_unshare, CLONE_NEWUSER_FLAG);
        printf("x32 unshare returned %ld (%s) instead of being killed\n", r, r ? strerror(errno) : "ok");
    }
    if (r == 0)
        printf("ESCAPED: new user namespace\n");
    return 0;
}

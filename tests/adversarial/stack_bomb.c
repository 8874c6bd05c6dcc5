/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: unbounded recursion. Under --stack 8M the stack rlimit
 * stops it with SIGSEGV (SIG); under a huge --stack with a small --memory
 * the memory cgroup does (MLE). Either way the host is untouched. */
#include <stdio.h>

static unsigned long depth;

static unsigned long recurse(unsigned long n)
{
    volatile char frame[4096];
    frame[0] = (char)n;
    frame[4095] = (char)n;
    depth = n;
    if (n == ~0UL)
        return frame[0];
    return recurse(n + 1) + frame[0] + frame[4095];
}

int main(void)
{
    printf("%lu\n", recurse(0));
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: a new mount namespace to remount things at will. Expected: SV. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

int main(void)
{
    int r = unshare(CLONE_NEWNS);
    printf("unshare(CLONE_NEWNS) returned %d instead of being killed\n", r);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* try_unshare_user: calls unshare(CLONE_NEWUSER). Expected verdict SV. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    int r = unshare(CLONE_NEWUSER);
    printf("unshare returned %d errno=%d (%s)\n", r, errno, strerror(errno));
    return 0;
}

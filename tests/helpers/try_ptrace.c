/* SPDX-License-Identifier: Apache-2.0 */
/* try_ptrace: calls ptrace(PTRACE_TRACEME). Expected verdict SV. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>

int main(void)
{
    long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    printf("ptrace returned %ld errno=%d (%s)\n", r, errno, strerror(errno));
    return 0;
}

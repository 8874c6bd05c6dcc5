/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: attach to another process of the box with ptrace (the way to
 * hijack a more privileged neighbour). Expected: SV. */
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t child = fork();
    if (child == 0) {
        for (;;)
            pause();
    }
    long r = ptrace(PTRACE_ATTACH, child, NULL, NULL);
    printf("ptrace(PTRACE_ATTACH) returned %ld instead of being killed\n", r);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 0;
}

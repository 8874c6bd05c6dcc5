/* SPDX-License-Identifier: Apache-2.0 */
/* try_clone_ns: classic clone(2) with CLONE_NEWUSER|CLONE_NEWNET. The seccomp
 * policy must kill it (verdict SV); prints "created" / "refused" otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    long r = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
        _exit(0);
    if (r < 0) {
        printf("refused errno=%d (%s)\n", errno, strerror(errno));
        return 0;
    }
    waitpid((pid_t)r, NULL, 0);
    printf("created\n");
    return 1;
}

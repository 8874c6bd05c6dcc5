/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: clone(2) straight into new user and mount namespaces (no unshare
 * call for a filter to catch). Expected: SV. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    long pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        printf("ESCAPED: child in a new user namespace, uid %d\n", getuid());
        _exit(0);
    }
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
    printf("clone returned %ld instead of being killed\n", pid);
    return 0;
}

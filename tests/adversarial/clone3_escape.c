/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: clone3(2), whose flags sit in memory where seccomp cannot see
 * them, asked for new user, mount and pid namespaces. The contract accepts
 * killing it (SV) or refusing clone3 altogether with ENOSYS, which glibc
 * handles by falling back to clone(2): then CONTAINED and exit 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

int main(void)
{
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID;
    args.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof(args));
    int err = errno;
    if (pid == 0) {
        printf("ESCAPED: clone3 child in new namespaces, uid %d\n", getuid());
        fflush(stdout);
        _exit(0);
    }
    if (pid > 0) {
        waitpid((pid_t)pid, NULL, 0);
        printf("ESCAPED: clone3 with namespace flags succeeded\n");
        return 42;
    }
    printf("clone3 refused: %s\n", strerror(err));
    if (err != ENOSYS && err != EPERM) {
        printf("ESCAPED: unexpected clone3 error\n");
        return 42;
    }
    /* Threads still work through glibc's clone(2) fallback. */
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    int st;
    if (c < 0 || waitpid(c, &st, 0) != c) {
        printf("fork after clone3 failed\n");
        return 3;
    }
    printf("CONTAINED\n");
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* try_clone3: raw clone3(2) with CLONE_NEWUSER|CLONE_NEWNS. Prints
 * "refused errno=N (...)" and exits 0 when the kernel or the seccomp policy
 * refuses it, or "created" and exits 1 when a namespaced child was made. */
#define _GNU_SOURCE
#include <errno.h>
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

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int main(void)
{
    struct clone_args_v0 a;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_NEWUSER | CLONE_NEWNS;
    a.exit_signal = SIGCHLD;
    long r = syscall(SYS_clone3, &a, sizeof a);
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

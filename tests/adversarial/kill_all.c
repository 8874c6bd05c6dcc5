/* SPDX-License-Identifier: Apache-2.0 */
/* Persistence/denial of service: kill(-1, SIGKILL) from inside, after
 * forking a few children. In its own pid namespace it can reach only its
 * box's processes: the children die, the caller and the box's pid 1 live on
 * (the run still reports normally), and nothing on the host is touched. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            for (;;)
                pause();
        }
    }
    usleep(50000);
    int r = kill(-1, SIGKILL);
    printf("kill(-1, SIGKILL) = %d (%s)\n", r, r ? strerror(errno) : "ok");
    int killed = 0;
    for (int i = 0; i < 4; i++) {
        int st;
        if (waitpid(kids[i], &st, 0) == kids[i] && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
            killed++;
    }
    printf("children killed: %d of 4\n", killed);
    /* Pid 1 (root, the box's init) must be out of reach: EPERM or invisible. */
    if (kill(1, 0) == 0) {
        printf("ESCAPED: can signal pid 1\n");
        return 42;
    }
    printf("SURVIVED\n");
    if (killed == 4)
        printf("CONTAINED\n");
    return killed == 4 ? 0 : 3;
}

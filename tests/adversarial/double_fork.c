/* SPDX-License-Identifier: Apache-2.0 */
/* Persistence: the daemon recipe (fork, setsid, fork again, ignore every
 * catchable signal, close stdio) and exit at once, leaving the grandchild
 * to run for a minute. The runner checks afterwards that no process of the
 * box's uid is left on the host. Expected: OK. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int pfd[2];
    if (pipe(pfd) < 0)
        return 3;
    pid_t c = fork();
    if (c == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        for (int s = 1; s < 65; s++)
            signal(s, SIG_IGN);
        close(0);
        close(1);
        close(2);
        (void)!write(pfd[1], "r", 1); /* the grandchild is set up */
        close(pfd[1]);
        for (int i = 0; i < 600; i++)
            usleep(100000);
        _exit(0);
    }
    close(pfd[1]);
    waitpid(c, NULL, 0);
    char b;
    if (read(pfd[0], &b, 1) != 1)
        return 3;
    printf("daemon started\n");
    return 0;
}

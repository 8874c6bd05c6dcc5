/* SPDX-License-Identifier: Apache-2.0 */
/* Persistence: ignore (or catch) every catchable signal, in a parent and a
 * forked child, and sleep forever. Only SIGKILL can end them: expected TLE
 * (wall_time), nothing left afterwards. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void nop(int s) { (void)s; }

int main(void)
{
    for (int s = 1; s < 65; s++)
        signal(s, s % 2 ? SIG_IGN : nop);
    if (fork() == 0)
        setsid();
    printf("ignoring signals\n");
    fflush(stdout);
    for (;;)
        pause();
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cpuspin SECONDS: burns CPU until its own CPU clock (user + system, since
 * the process began) reaches SECONDS, then prints what that clock says. The
 * budget is the program's own, not a loop count, so the run takes the same
 * CPU time on a fast host and in a slow emulated guest, and the sandbox's
 * CPU accounting can be held to it (tests/kernel/parity.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double want = argc > 1 ? atof(argv[1]) : 0.3;
    volatile unsigned long x = 0;
    double now;
    while ((now = cpu_s()) < want)
        for (int i = 0; i < 10000; i++)
            x++;
    printf("cpu %.3f\n", now);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Timing: lower its own RLIMIT_CPU soft limit to 1 s, catch SIGXCPU (and
 * keep catching it every second) and keep burning CPU. The box's CPU limit
 * is enforced by the supervisor, not by the signal the program can ignore:
 * expected TLE (cpu_time); the output shows the signal was caught. */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void on_xcpu(int s)
{
    (void)s;
    static const char msg[] = "CAUGHT SIGXCPU\n";
    (void)!write(1, msg, sizeof(msg) - 1);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_xcpu;
    sigaction(SIGXCPU, &sa, NULL);
    struct rlimit rl;
    getrlimit(RLIMIT_CPU, &rl);
    rl.rlim_cur = 1;
    setrlimit(RLIMIT_CPU, &rl);
    volatile unsigned long x = 0;
    for (;;)
        x++;
}

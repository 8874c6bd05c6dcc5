/* SPDX-License-Identifier: Apache-2.0 */
/* Timing: burn CPU in 6 processes (in separate sessions, so they are not one
 * process group). The box's CPU time counts all of them: expected TLE
 * (cpu_time). */
#include <unistd.h>

int main(void)
{
    for (int i = 0; i < 5; i++)
        if (fork() == 0) {
            setsid();
            break;
        }
    volatile unsigned long x = 0;
    for (;;)
        x++;
}

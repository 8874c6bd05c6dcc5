/* SPDX-License-Identifier: Apache-2.0 */
/* Timing: burn CPU in 8 threads at once. The box's CPU time is the sum over
 * its threads, so on a 2-core host the limit is reached in about half the
 * wall time: expected TLE (cpu_time), long before the wall limit. */
#include <pthread.h>
#include <stdio.h>

static void *spin(void *arg)
{
    volatile unsigned long *x = arg;
    for (;;)
        (*x)++;
    return NULL;
}

int main(void)
{
    static volatile unsigned long counters[8 * 16];
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, spin, (void *)&counters[i * 16]);
    pthread_join(t[0], NULL);
    return 0;
}

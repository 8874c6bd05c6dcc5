/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: create sleeping threads until the kernel refuses. The pids
 * cgroup counts threads, so the count must stay below --processes (16 in the
 * manifest). Prints CONTAINED and exits 0 only then. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIMIT 16

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(void)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int n = 0, err = 0;
    for (int i = 0; i < 100000; i++) {
        pthread_t t;
        err = pthread_create(&t, &attr, sleeper, NULL);
        if (err)
            break;
        n++;
    }
    printf("threads=%d stopped_by=%s\n", n, err ? strerror(err) : "none");
    if (err && n < LIMIT) {
        printf("CONTAINED\n");
        fflush(stdout);
        _exit(0);
    }
    printf("ESCAPED: %d threads under a limit of %d\n", n, LIMIT);
    fflush(stdout);
    _exit(42);
}

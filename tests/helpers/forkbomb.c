/* SPDX-License-Identifier: Apache-2.0 */
/* forkbomb            : the classic bomb, every process forks forever.
 * forkbomb count N    : forks N children that sleep; prints "forked=K failed=F"
 *                       (the children are left for the sandbox to kill). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "count") == 0) {
        int n = atoi(argv[2]), ok = 0, failed = 0;
        for (int i = 0; i < n; i++) {
            pid_t p = fork();
            if (p == 0) {
                sleep(30);
                _exit(0);
            }
            if (p > 0)
                ok++;
            else
                failed++;
        }
        printf("forked=%d failed=%d\n", ok, failed);
        return 0;
    }
    for (;;)
        fork();
}

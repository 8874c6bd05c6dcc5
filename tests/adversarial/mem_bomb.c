/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: allocate and touch memory until something stops us.
 * Expected: MLE (the box's memory cgroup OOM-kills it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    size_t total = 0;
    for (;;) {
        char *p = malloc(1 << 20);
        if (!p) {
            printf("malloc failed after %zu MiB\n", total >> 20);
            return 3;
        }
        memset(p, 0x5a, 1 << 20);
        total += 1 << 20;
    }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: the classic fork bomb. Every process forks forever and
 * burns CPU; --processes caps the tree and the box's CPU budget ends it.
 * Expected: TLE (cpu_time), and no process of the box survives the run. */
#include <unistd.h>

int main(void)
{
    for (;;)
        (void)fork();
}

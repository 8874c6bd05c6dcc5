/* SPDX-License-Identifier: Apache-2.0 */
/* Timing: use no CPU at all and sleep far past the wall-time limit.
 * Expected: TLE with reason wall_time. */
#include <unistd.h>

int main(void)
{
    sleep(60);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* busyloop: burns CPU forever (expected verdict TLE, reason cpu_time). */
int main(void)
{
    volatile unsigned long x = 0;
    for (;;)
        x++;
}

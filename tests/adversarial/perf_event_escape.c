/* SPDX-License-Identifier: Apache-2.0 */
/* perf_event_open: host-wide performance counters and a rich CVE history.
 * Expected: SV. */
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_CPU_CLOCK;
    long r = syscall(SYS_perf_event_open, &a, -1, 0, -1, 0);
    printf("perf_event_open returned %ld instead of being killed\n", r);
    return 0;
}

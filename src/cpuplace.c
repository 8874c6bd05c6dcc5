/* SPDX-License-Identifier: Apache-2.0 */
#include "cpuplace.h"

#include <sched.h>

#include "hostproc.h"

void cpuplace_move_off(pid_t other)
{
    cpu_set_t mine, others;
    int cpu = sched_getcpu();
    if (cpu < 0 || sched_getaffinity(0, sizeof(mine), &mine) < 0 || CPU_COUNT(&mine) < 2 ||
        hostproc_task_cpu(other) != cpu)
        return;
    others = mine;
    CPU_CLR((size_t)cpu, &others);
    if (sched_setaffinity(0, sizeof(others), &others) == 0)
        (void)sched_setaffinity(0, sizeof(mine), &mine); /* the mask it had: still valid */
}

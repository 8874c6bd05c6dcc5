/* SPDX-License-Identifier: Apache-2.0 */
/* progclock: the program's own CPU time, read from the host's /proc as
 * isolate reads it without a cgroup: utime and stime of the program's main
 * process (all its threads), its children not counted while it runs. */
#ifndef RUSTBOX_PROGCLOCK_H
#define RUSTBOX_PROGCLOCK_H

#include <stdbool.h>
#include <sys/types.h>

struct rb_prog_clock {
    pid_t proxy;  /* the box's pid 1, whose one fork is the program */
    int stat_fd;  /* /proc/<program>/stat once found: pins that very process */
    bool gone;    /* the program was found, or can no longer be */
    double cpu_s; /* its CPU time when last read */
};

/* Nothing found yet; proxy is set once the proxy exists. */
#define RB_PROG_CLOCK_INIT                                   \
    {                                                        \
        .proxy = 0, .stat_fd = -1, .gone = false, .cpu_s = 0 \
    }

/* The program's CPU time in seconds: found among the proxy's children on
 * the first call that sees it, the last value read once it is gone. */
double progclock_read(struct rb_prog_clock *c);
void progclock_close(struct rb_prog_clock *c);

/* Whether a /proc/<pid>/status text is the program's: a child of proxy
 * that is pid 2 of the box's pid namespace (the proxy's other children are
 * orphans it adopted). */
bool progclock_is_program(const char *status, pid_t proxy);

#endif

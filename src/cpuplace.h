/* SPDX-License-Identifier: Apache-2.0 */
/* cpuplace: keeps the supervisor off the CPU its proxy runs on. On a host
 * of few CPUs the scheduler often puts a woken task on its waker's CPU;
 * when the two then both have work (the proxy's namespaces to build, or to
 * tear down when it exits), one waits for the other while another CPU
 * idles. */
#ifndef RUSTBOX_CPUPLACE_H
#define RUSTBOX_CPUPLACE_H

#include <sys/types.h>

/* Moves the calling process to another CPU it may run on when `other` runs
 * on the caller's own, and gives the mask back at once (sched_setaffinity
 * migrates the caller before it returns, and the scheduler stays free to
 * place it anywhere it may run, as when every CPU is busy). Best effort:
 * a failure leaves the caller where it was. */
void cpuplace_move_off(pid_t other);

#endif

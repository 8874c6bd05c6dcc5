/* SPDX-License-Identifier: Apache-2.0 */
/* procinfo: the text of the box's /proc/cpuinfo, /proc/meminfo and
 * /proc/stat, made from the box's own CPUs (its affinity mask) and memory
 * limit instead of the host's, so that runtimes which size themselves from
 * them (Node's os.cpus(), free, a JVM or a thread pool) see the box; and the
 * host-wide /proc entries the box does not see at all (procfs.c mounts
 * both). Pure: numbers in, text out. */
#ifndef RUSTBOX_PROCINFO_H
#define RUSTBOX_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The model name every synthesized processor has: nothing of the host's. */
#define RB_PROCINFO_MODEL "rustbox virtual CPU"

/* Each function writes at most len bytes (NUL-terminated when len > 0) and
 * returns the length the whole text needs, as snprintf does: a caller whose
 * buffer was too small calls again with a bigger one. */

/* One entry per CPU of cpus (the ids of the box's affinity mask, ascending). */
size_t procinfo_cpuinfo(char *buf, size_t len, const unsigned *cpus, size_t n);
/* MemTotal total_kib, MemFree and MemAvailable total_kib - used_kib (0 when
 * used is above it), no swap; the other fields a reader such as free(1)
 * parses, all 0. */
size_t procinfo_meminfo(char *buf, size_t len, uint64_t total_kib, uint64_t used_kib);
/* A "cpu" line and one "cpuN" line per CPU of cpus, every counter 0; btime
 * (seconds since the epoch) as the host has it, which sysinfo() tells the box
 * anyway. */
size_t procinfo_stat(char *buf, size_t len, const unsigned *cpus, size_t n, long long btime);

/* The box's MemTotal in bytes: the smallest limit a process of the box is
 * held to (the box's memory limit, or isolate's -m, each process's address
 * space), or the host's memory when there is neither. */
uint64_t procinfo_mem_total(uint64_t memory_limit, uint64_t address_space, uint64_t host_total);

/* Host-wide /proc entries an unprivileged reader could otherwise read (the
 * host's hardware, its disks, interrupts, activity, kernel command line and
 * symbols, keys, timers): each is covered by an empty read-only file or
 * directory, of the type the list gives (a kernel where one is of the other
 * type gets the cover of its type). Ends with a NULL name; an entry a
 * kernel does not have is skipped. */
struct rb_proc_mask {
    const char *name;
    bool dir;
};
extern const struct rb_proc_mask procinfo_masked[];

#endif

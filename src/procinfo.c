/* SPDX-License-Identifier: Apache-2.0 */
#include "procinfo.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The text built so far: like snprintf, it counts what did not fit. */
struct out {
    char *buf;
    size_t len;
    size_t need;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->need < o->len ? o->len - o->need : 0;
    int n = vsnprintf(room ? o->buf + o->need : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->need += (size_t)n;
}

static struct out out_init(char *buf, size_t len)
{
    if (buf && len)
        buf[0] = '\0';
    return (struct out){ .buf = buf, .len = buf ? len : 0, .need = 0 };
}

size_t procinfo_cpuinfo(char *buf, size_t len, const unsigned *cpus, size_t n)
{
    struct out o = out_init(buf, len);
    /* The fields x86 readers look for, with nothing that names the host's
     * processor; a program that needs its features asks cpuid. */
    for (size_t i = 0; i < n; i++)
        put(&o,
            "processor\t: %u\n"
            "vendor_id\t: rustbox\n"
            "model name\t: " RB_PROCINFO_MODEL
            "\n"
            "physical id\t: 0\n"
            "siblings\t: %zu\n"
            "core id\t\t: %zu\n"
            "cpu cores\t: %zu\n"
            "\n",
            cpus[i], n, i, n);
    return o.need;
}

size_t procinfo_meminfo(char *buf, size_t len, uint64_t total_kib, uint64_t used_kib)
{
    struct out o = out_init(buf, len);
    unsigned long long total = total_kib, free_kib = used_kib < total_kib ? total_kib - used_kib : 0;
    static const char *const names[] = { "MemTotal",   "MemFree", "MemAvailable", "Buffers",      "Cached",
                                         "SwapCached", "Active",  "Inactive",     "SwapTotal",    "SwapFree",
                                         "Dirty",      "Shmem",   "Slab",         "SReclaimable", "SUnreclaim" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        unsigned long long v = i == 0 ? total : i < 3 ? free_kib : 0;
        /* The kernel's layout: the name and its colon in 16 columns. */
        put(&o, "%s:%*s%8llu kB\n", names[i], (int)(15 - strlen(names[i])), "", v);
    }
    return o.need;
}

size_t procinfo_stat(char *buf, size_t len, const unsigned *cpus, size_t n, long long btime)
{
    struct out o = out_init(buf, len);
    put(&o, "cpu  0 0 0 0 0 0 0 0 0 0\n");
    for (size_t i = 0; i < n; i++)
        put(&o, "cpu%u 0 0 0 0 0 0 0 0 0 0\n", cpus[i]);
    put(&o,
        "intr 0\nctxt 0\nbtime %lld\nprocesses 0\nprocs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
        btime);
    return o.need;
}

uint64_t procinfo_mem_total(uint64_t memory_limit, uint64_t address_space, uint64_t host_total)
{
    uint64_t m = memory_limit;
    if (address_space && (!m || address_space < m))
        m = address_space;
    if (!m || (host_total && m > host_total))
        m = host_total;
    return m;
}

/* runc's masked paths, and what else of the host's an unprivileged user
 * reads in a full procfs (docs/decisions.md "The box's /proc"). uptime,
 * loadavg and version stay: sysinfo() and uname() tell the same. */
const struct rb_proc_mask procinfo_masked[] = {
    { "kcore", false },
    { "keys", false },
    { "key-users", false },
    { "latency_stats", false },
    { "timer_list", false },
    { "timer_stats", false },
    { "sched_debug", false },
    { "kallsyms", false },
    { "modules", false },
    { "cmdline", false },
    { "config.gz", false },
    { "interrupts", false },
    { "softirqs", false },
    { "partitions", false },
    { "diskstats", false },
    { "swaps", false },
    { "iomem", false },
    { "ioports", false },
    { "locks", false },
    { "zoneinfo", false },
    { "buddyinfo", false },
    { "vmstat", false },
    { "schedstat", false },
    { "sysrq-trigger", false },
    { "sys/kernel/random/boot_id", false },
    { "sys/kernel/core_pattern", false },
    { "acpi", true },
    { "asound", true },
    { "bus", true },
    { "driver", true },
    { "fs", true },
    { "irq", true },
    { "pressure", true },
    { "scsi", true },
    { "tty", true },
    { NULL, false },
};

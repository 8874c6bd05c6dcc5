/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the box's synthesized /proc files: one processor per CPU of
 * the affinity mask and nothing of the host's, MemTotal the box's limit, the
 * fields free(1) and libuv parse, snprintf's contract on short buffers, and
 * which limit MemTotal follows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "procinfo.h"

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_cpuinfo_one_entry_per_cpu(void **state)
{
    const unsigned cpus[] = { 2, 3, 7 };
    char buf[4096];
    size_t n = procinfo_cpuinfo(buf, sizeof(buf), cpus, 3);
    assert_int_equal(n, strlen(buf));
    assert_int_equal(count(buf, "processor\t: "), 3);
    /* the mask's own ids, so sched_setaffinity with them works */
    assert_non_null(strstr(buf, "processor\t: 2\n"));
    assert_non_null(strstr(buf, "processor\t: 7\n"));
    assert_null(strstr(buf, "processor\t: 0\n"));
    assert_int_equal(count(buf, "model name\t: " RB_PROCINFO_MODEL "\n"), 3);
    assert_int_equal(count(buf, "cpu cores\t: 3\n"), 3);
    /* entries are separated by a blank line, as the kernel writes them */
    assert_int_equal(count(buf, "\n\n"), 3);
    /* no flags, serial or frequency of the host's */
    assert_null(strstr(buf, "flags"));
    assert_null(strstr(buf, "MHz"));
    assert_null(strstr(buf, "serial"));
}

static void test_cpuinfo_none(void **state)
{
    char buf[16] = "x";
    assert_int_equal(procinfo_cpuinfo(buf, sizeof(buf), NULL, 0), 0);
    assert_string_equal(buf, "");
}

static void test_short_buffer_reports_needed_length(void **state)
{
    unsigned cpus[64];
    for (unsigned i = 0; i < 64; i++)
        cpus[i] = i;
    size_t need = procinfo_cpuinfo(NULL, 0, cpus, 64);
    assert_true(need > 64 * 50);
    char small[100];
    memset(small, 'z', sizeof(small));
    assert_int_equal(procinfo_cpuinfo(small, sizeof(small), cpus, 64), need);
    /* cut, but terminated within the buffer */
    assert_int_equal(strlen(small), sizeof(small) - 1);
    char *full = malloc(need + 1);
    assert_non_null(full);
    assert_int_equal(procinfo_cpuinfo(full, need + 1, cpus, 64), need);
    assert_int_equal(strlen(full), need);
    assert_memory_equal(full, small, sizeof(small) - 1);
    free(full);
    need = procinfo_stat(NULL, 0, cpus, 64, 1);
    assert_int_equal(procinfo_stat(small, sizeof(small), cpus, 64, 1), need);
    assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* The value of "Key:" in a meminfo text, in kB; -1 if absent. */
static long long meminfo_value(const char *text, const char *key)
{
    char want[64];
    snprintf(want, sizeof(want), "\n%s:", key);
    char with_nl[4096];
    snprintf(with_nl, sizeof(with_nl), "\n%s", text);
    const char *p = strstr(with_nl, want);
    if (!p)
        return -1;
    long long v;
    char unit[8];
    if (sscanf(p + strlen(want), " %lld %7s", &v, unit) != 2 || strcmp(unit, "kB") != 0)
        return -2;
    return v;
}

static void test_meminfo_limit_and_free(void **state)
{
    char buf[4096];
    size_t n = procinfo_meminfo(buf, sizeof(buf), 262144, 1000);
    assert_int_equal(n, strlen(buf));
    assert_int_equal(meminfo_value(buf, "MemTotal"), 262144);
    assert_int_equal(meminfo_value(buf, "MemFree"), 261144);
    assert_int_equal(meminfo_value(buf, "MemAvailable"), 261144);
    assert_int_equal(meminfo_value(buf, "SwapTotal"), 0);
    assert_int_equal(meminfo_value(buf, "SwapFree"), 0);
    /* what free(1) reads besides */
    assert_int_equal(meminfo_value(buf, "Buffers"), 0);
    assert_int_equal(meminfo_value(buf, "Cached"), 0);
    assert_int_equal(meminfo_value(buf, "Shmem"), 0);
    assert_int_equal(meminfo_value(buf, "SReclaimable"), 0);
    /* the kernel's layout: value right-aligned after 16 columns */
    assert_non_null(strstr(buf, "MemTotal:         262144 kB\n"));
    assert_non_null(strstr(buf, "SReclaimable:          0 kB\n"));
    /* a box already above its limit has nothing free, not a wrapped number */
    procinfo_meminfo(buf, sizeof(buf), 1024, 4096);
    assert_int_equal(meminfo_value(buf, "MemFree"), 0);
    assert_int_equal(meminfo_value(buf, "MemAvailable"), 0);
}

static void test_stat_lines(void **state)
{
    const unsigned cpus[] = { 0, 5 };
    char buf[1024];
    size_t n = procinfo_stat(buf, sizeof(buf), cpus, 2, 1700000000);
    assert_int_equal(n, strlen(buf));
    assert_true(strncmp(buf, "cpu  0 0 0 0 0 0 0 0 0 0\n", 25) == 0);
    assert_non_null(strstr(buf, "\ncpu0 0 0 0 0 0 0 0 0 0 0\n"));
    assert_non_null(strstr(buf, "\ncpu5 0 0 0 0 0 0 0 0 0 0\n"));
    assert_int_equal(count(buf, "\ncpu"), 2);
    assert_non_null(strstr(buf, "\nbtime 1700000000\n"));
    /* libuv counts CPUs by "cpu%u" lines with at least seven numbers */
    unsigned id;
    unsigned long long t[7];
    const char *line = strchr(buf, '\n') + 1;
    assert_int_equal(
        sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu", &id, &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6]),
        8);
}

static void test_mem_total(void **state)
{
    const uint64_t host = 8ULL << 30;
    /* the box's memory limit */
    assert_int_equal(procinfo_mem_total(256ULL << 20, 0, host), 256ULL << 20);
    /* isolate's -m is each process's: the smaller one counts */
    assert_int_equal(procinfo_mem_total(256ULL << 20, 64ULL << 20, host), 64ULL << 20);
    assert_int_equal(procinfo_mem_total(64ULL << 20, 256ULL << 20, host), 64ULL << 20);
    assert_int_equal(procinfo_mem_total(0, 128ULL << 20, host), 128ULL << 20);
    /* no limit at all, or one above the host's memory: the host's */
    assert_int_equal(procinfo_mem_total(0, 0, host), host);
    assert_int_equal(procinfo_mem_total(16ULL << 30, 0, host), host);
    /* host unknown: the limit stands */
    assert_int_equal(procinfo_mem_total(256ULL << 20, 0, 0), 256ULL << 20);
}

static void test_masked_lists(void **state)
{
    const char *const must[] = { "kcore", "keys", "timer_list",    "sched_debug", "latency_stats",
                                 "acpi",  "scsi", "sysrq-trigger", "kallsyms",    "interrupts" };
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
        bool found = false;
        for (size_t j = 0; procinfo_masked[j].name; j++)
            found |= strcmp(procinfo_masked[j].name, must[i]) == 0;
        assert_true(found);
    }
    /* each entry's type is the kernel's: a file cover for a file, a
     * directory cover for a directory */
    for (size_t j = 0; procinfo_masked[j].name; j++) {
        const char *name = procinfo_masked[j].name;
        bool dir = strcmp(name, "acpi") == 0 || strcmp(name, "scsi") == 0 || strcmp(name, "irq") == 0 ||
                   strcmp(name, "tty") == 0 || strcmp(name, "bus") == 0;
        bool file = strcmp(name, "kcore") == 0 || strcmp(name, "interrupts") == 0 ||
                    strcmp(name, "sys/kernel/random/boot_id") == 0 || strcmp(name, "keys") == 0;
        if (dir || file)
            assert_int_equal(procinfo_masked[j].dir, dir);
    }
    /* the synthesized ones are bound, never covered empty */
    for (size_t j = 0; procinfo_masked[j].name; j++) {
        assert_string_not_equal(procinfo_masked[j].name, "cpuinfo");
        assert_string_not_equal(procinfo_masked[j].name, "meminfo");
        assert_string_not_equal(procinfo_masked[j].name, "stat");
        assert_true(procinfo_masked[j].name[0] != '/' && !strstr(procinfo_masked[j].name, ".."));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpuinfo_one_entry_per_cpu),
        cmocka_unit_test(test_cpuinfo_none),
        cmocka_unit_test(test_short_buffer_reports_needed_length),
        cmocka_unit_test(test_meminfo_limit_and_free),
        cmocka_unit_test(test_stat_lines),
        cmocka_unit_test(test_mem_total),
        cmocka_unit_test(test_masked_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

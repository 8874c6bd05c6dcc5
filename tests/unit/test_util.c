/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the shared helpers: number parsing, whole-file I/O and
 * reading a process's state. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>
#include <cmocka.h>

#include "util.h"

static void test_parse_size_valid(void **state)
{
    static const struct {
        const char *s;
        uint64_t v;
    } cases[] = {
        { "0", 0 },
        { "1", 1 },
        { "1048576", 1048576 },
        { "512K", 512ULL << 10 },
        { "512k", 512ULL << 10 },
        { "64M", 64ULL << 20 },
        { "64m", 64ULL << 20 },
        { "64MB", 64ULL << 20 },
        { "64mb", 64ULL << 20 },
        { "1G", 1ULL << 30 },
        { "16G", 16ULL << 30 },
        { "0K", 0 },
        { "18446744073709551615", UINT64_MAX },
        { "17179869183G", 17179869183ULL << 30 }, /* largest that fits */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 12345;
        int r = parse_size(cases[i].s, &v);
        if (r != 0)
            fail_msg("parse_size(\"%s\") = %d", cases[i].s, r);
        assert_int_equal(v, cases[i].v);
    }
}

static void test_parse_size_invalid(void **state)
{
    static const struct {
        const char *s;
        int err;
    } cases[] = {
        { "", -EINVAL },
        { "M", -EINVAL },
        { "-1", -EINVAL },
        { "+1", -EINVAL },
        { " 1", -EINVAL },
        { "\t1", -EINVAL },
        { "\n1", -EINVAL },
        { "1 ", -EINVAL },
        { "1T", -EINVAL },
        { "1B", -EINVAL },
        { "1MBB", -EINVAL },
        { "1.5M", -EINVAL },
        { "0x10", -EINVAL },
        { "1e3", -EINVAL },
        { "12X", -EINVAL },
        { "1M ", -EINVAL },
        { "18446744073709551616", -ERANGE },
        { "17179869184G", -ERANGE },
        { "99999999999999999999999K", -ERANGE },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 777;
        int r = parse_size(cases[i].s, &v);
        if (r != cases[i].err)
            fail_msg("parse_size(\"%s\") = %d, want %d", cases[i].s, r, cases[i].err);
        assert_int_equal(v, 777); /* untouched on error */
    }
    uint64_t v;
    assert_int_equal(parse_size(NULL, &v), -EINVAL);
}

static void test_parse_seconds(void **state)
{
    static const struct {
        const char *s;
        double v;
    } ok[] = {
        { "0", 0.0 },  { "1", 1.0 },    { "1.5", 1.5 },        { "0.25", 0.25 },
        { ".5", 0.5 }, { "10.", 10.0 }, { "1000000000", 1e9 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        double v = -1;
        int r = parse_seconds(ok[i].s, &v);
        if (r != 0)
            fail_msg("parse_seconds(\"%s\") = %d", ok[i].s, r);
        assert_true(v == ok[i].v);
    }
    static const struct {
        const char *s;
        int err;
    } bad[] = {
        { "", -EINVAL },     { "-1", -EINVAL },  { "+1", -EINVAL },  { " 1", -EINVAL },         { "1 ", -EINVAL },
        { "nan", -EINVAL },  { "inf", -EINVAL }, { "1e3", -EINVAL }, { "1s", -EINVAL },         { ".", -EINVAL },
        { "1..2", -EINVAL }, { "0x1", -EINVAL }, { "1,5", -EINVAL }, { "1000000001", -ERANGE },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        double v = 42;
        int r = parse_seconds(bad[i].s, &v);
        if (r != bad[i].err)
            fail_msg("parse_seconds(\"%s\") = %d, want %d", bad[i].s, r, bad[i].err);
        assert_true(v == 42);
    }
    double v;
    assert_int_equal(parse_seconds(NULL, &v), -EINVAL);
}

static void test_parse_uint(void **state)
{
    uint64_t v = 0;
    assert_int_equal(parse_uint("0", 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_uint("10", 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(parse_uint("007", 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
    assert_int_equal(v, UINT64_MAX);

    v = 99;
    assert_int_equal(parse_uint("11", 10, &v), -ERANGE);
    assert_int_equal(parse_uint("18446744073709551616", UINT64_MAX, &v), -ERANGE);
    assert_int_equal(parse_uint("4294967296", UINT32_MAX, &v), -ERANGE);
    static const char *const bad[] = { "", "-1", "+1", " 1", "\t1", "1 ", "1.0", "1e2", "0x1", "abc", "1K", "-0" };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int r = parse_uint(bad[i], UINT64_MAX, &v);
        if (r != -EINVAL)
            fail_msg("parse_uint(\"%s\") = %d", bad[i], r);
    }
    assert_int_equal(parse_uint(NULL, 10, &v), -EINVAL);
    assert_int_equal(v, 99);
}

/* ---- files ---- */

static int setup_dir(void **state)
{
    char *d = strdup("/tmp/rbunit-util.XXXXXX");
    if (!d || !mkdtemp(d)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static int teardown_dir(void **state)
{
    char *d = *state;
    DIR *dir = opendir(d);
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[512];
            snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
            unlink(p);
        }
        closedir(dir);
    }
    rmdir(d);
    free(d);
    return 0;
}

static size_t count_entries(const char *d)
{
    size_t n = 0;
    DIR *dir = opendir(d);
    assert_non_null(dir);
    struct dirent *e;
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(dir);
    return n;
}

static void test_write_atomic_then_read(void **state)
{
    const char *d = *state;
    char p[256];
    snprintf(p, sizeof(p), "%s/state.json", d);

    assert_int_equal(write_file_atomic(p, "{\"status\": \"healthy\"}\n", 0640), 0);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(read_file(p, &text, &len), 0);
    assert_string_equal(text, "{\"status\": \"healthy\"}\n");
    assert_int_equal(len, 22);
    free(text);

    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);

    /* replacing: the new content, no temp file left behind */
    assert_int_equal(write_file_atomic(p, "x", 0644), 0);
    assert_int_equal(read_file(p, &text, NULL), 0);
    assert_string_equal(text, "x");
    free(text);
    assert_int_equal(count_entries(d), 1);

    /* empty content */
    assert_int_equal(write_file_atomic(p, "", 0644), 0);
    assert_int_equal(read_file(p, &text, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal(text, "");
    free(text);
}

static void test_write_atomic_does_not_follow_planted_temp(void **state)
{
    const char *d = *state;
    char p[256], victim[256], planted[300];
    snprintf(p, sizeof(p), "%s/rustbox.prom", d);
    snprintf(victim, sizeof(victim), "%s/victim", d);
    assert_int_equal(write_file_atomic(victim, "precious", 0644), 0);
    /* the name an older pid-based scheme would have used */
    snprintf(planted, sizeof(planted), "%s.tmp.%d", p, (int)getpid());
    assert_int_equal(symlink(victim, planted), 0);

    assert_int_equal(write_file_atomic(p, "metrics", 0644), 0);
    char *text = NULL;
    assert_int_equal(read_file(victim, &text, NULL), 0);
    assert_string_equal(text, "precious");
    free(text);
    assert_int_equal(read_file(p, &text, NULL), 0);
    assert_string_equal(text, "metrics");
    free(text);
}

static void test_write_atomic_errors(void **state)
{
    const char *d = *state;
    char p[256];
    snprintf(p, sizeof(p), "%s/no/such/dir/file", d);
    assert_int_equal(write_file_atomic(p, "x", 0644), -ENOENT);
    /* renaming over a directory fails, and the temp file is removed */
    snprintf(p, sizeof(p), "%s/sub", d);
    assert_int_equal(mkdir(p, 0755), 0);
    char f[300];
    snprintf(f, sizeof(f), "%s/sub/inner", d);
    assert_int_equal(write_file_atomic(f, "x", 0644), 0);
    assert_true(write_file_atomic(p, "x", 0644) < 0);
    assert_int_equal(count_entries(d), 1);
    unlink(f);
    rmdir(p);
}

static void test_read_file_large_and_binary(void **state)
{
    const char *d = *state;
    char p[256];
    snprintf(p, sizeof(p), "%s/big", d);
    /* spans several buffer growths */
    size_t n = 100000;
    char *data = malloc(n + 1);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + i % 26);
    data[n] = '\0';
    assert_int_equal(write_file_atomic(p, data, 0600), 0);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(read_file(p, &text, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(text, data, n);
    assert_int_equal(text[n], '\0');
    free(text);
    free(data);

    /* embedded NULs: the length tells the truth, the buffer is terminated */
    snprintf(p, sizeof(p), "%s/bin", d);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a\0b\0", 4), 4);
    close(fd);
    assert_int_equal(read_file(p, &text, &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(text, "a\0b\0", 5);
    free(text);
}

static void test_read_file_errors(void **state)
{
    const char *d = *state;
    char p[256];
    char *text = (char *)0x1;
    snprintf(p, sizeof(p), "%s/missing", d);
    assert_int_equal(read_file(p, &text, NULL), -ENOENT);
    assert_ptr_equal(text, (char *)0x1); /* untouched */
    assert_int_equal(read_file(d, &text, NULL), -EISDIR);
}

/* A child named to look like a zombie's stat line: only the state after the
 * last ')' counts. Alive, it is neither a zombie nor dying; killed and not
 * reaped, both; reaped, gone, so dying but no zombie. */
static void test_proc_state(void **state)
{
    (void)state;
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        prctl(PR_SET_NAME, "x) Z 1 (y");
        (void)!write(ready[1], "r", 1);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_false(proc_is_zombie(child));
    assert_false(proc_is_dying(child));
    assert_false(proc_is_dying(getpid()));
    kill(child, SIGKILL);
    siginfo_t si;
    assert_int_equal(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT), 0);
    assert_true(proc_is_zombie(child));
    assert_true(proc_is_dying(child));
    assert_int_equal(waitpid(child, NULL, 0), child);
    assert_false(proc_is_zombie(child));
    assert_true(proc_is_dying(child));
    close(ready[0]);
    close(ready[1]);
}

/* The flags word is the ninth field, counted after a comm that may hold
 * spaces and parentheses; the line is one a killed box process showed
 * while its namespaces were torn down (state D, PF_EXITING set). */
static void test_proc_stat_parse(void **state)
{
    (void)state;
    char st;
    unsigned long flags;
    assert_int_equal(proc_stat_parse("7164 (sleep) D 7162 7163 7163 0 -1 4195340 57 0 0 0", &st, &flags), 0);
    assert_int_equal(st, 'D');
    assert_int_equal(flags, 4195340ul);
    assert_true(flags & 0x4ul);
    assert_int_equal(proc_stat_parse("12 (a) Z 1 (b)) S 1 12 12 0 -1 4194560 0", &st, &flags), 0);
    assert_int_equal(st, 'S');
    assert_int_equal(flags, 4194560ul);
    assert_int_equal(proc_stat_parse("12 (a) S 1", &st, &flags), -EINVAL);
    assert_int_equal(proc_stat_parse("no paren", &st, &flags), -EINVAL);
}

/* The hand-made UTC timestamp agrees with the C library's for dates across
 * leap years, century rules and the epoch. */
static void test_utc_timestamp(void **state)
{
    (void)state;
    const time_t fixed[] = { 0,
                             59,
                             86399,
                             86400,
                             951782400 /* 2000-02-29 */,
                             951868800,
                             4107542399 /* 2100-02-28 */,
                             4107542400,
                             1796222937,
                             253402300799 /* 9999-12-31T23:59:59 */ };
    char got[32], want[32];
    struct tm tm;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        utc_timestamp_at(fixed[i], got, sizeof(got));
        gmtime_r(&fixed[i], &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_string_equal(got, want);
    }
    for (time_t t = 0; t < (time_t)4200000000; t += 7777777) {
        utc_timestamp_at(t, got, sizeof(got));
        gmtime_r(&t, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size_valid),
        cmocka_unit_test(test_parse_size_invalid),
        cmocka_unit_test(test_parse_seconds),
        cmocka_unit_test(test_parse_uint),
        cmocka_unit_test_setup_teardown(test_write_atomic_then_read, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_write_atomic_does_not_follow_planted_temp, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_write_atomic_errors, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_read_file_large_and_binary, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_read_file_errors, setup_dir, teardown_dir),
        cmocka_unit_test(test_proc_state),
        cmocka_unit_test(test_proc_stat_parse),
        cmocka_unit_test(test_utc_timestamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of rustbox's native command line, --dir/--env rules, limits and usage. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "cli_opt.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ERRLEN 256

static int parse(char **argv, struct rb_cli *cli, char *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return cli_parse(argc, argv, cli, err, ERRLEN);
}

/* Parses argv expecting -EINVAL, and checks the one-line error. */
static void expect_error(char **argv, const char *msg)
{
    struct rb_cli cli;
    char err[ERRLEN] = "";
    assert_int_equal(parse(argv, &cli, err), -EINVAL);
    assert_string_equal(err, msg);
    assert_null(strchr(err, '\n'));
    cli_free(&cli); /* harmless after a failed parse */
}

static void expect_error_has(char **argv, const char *part)
{
    struct rb_cli cli;
    char err[ERRLEN] = "";
    assert_int_equal(parse(argv, &cli, err), -EINVAL);
    if (!strstr(err, part))
        fail_msg("error '%s' does not mention '%s'", err, part);
    cli_free(&cli);
}

/* ---- global options, help, version ---- */

static void test_help(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "--help"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);
    assert_int_equal(cli.help_for, RB_CMD_NONE);
    assert_false(cli.isolate_mode);

    assert_int_equal(parse(ARGV("rustbox", "-h"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);

    assert_int_equal(parse(ARGV("rustbox", "run", "--help"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);
    assert_int_equal(cli.help_for, RB_CMD_RUN);

    /* --help wins over a bad value before it. */
    assert_int_equal(parse(ARGV("rustbox", "run", "--memory", "12Q", "-h"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);
    assert_int_equal(cli.help_for, RB_CMD_RUN);

    assert_int_equal(parse(ARGV("rustbox", "--config", "/c.json", "health", "--help"), &cli, err), 0);
    assert_int_equal(cli.help_for, RB_CMD_HEALTH);

    assert_int_equal(parse(ARGV("rustbox", "help", "baseline"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);
    assert_int_equal(cli.help_for, RB_CMD_BASELINE);

    assert_int_equal(parse(ARGV("rustbox", "help"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);
    assert_int_equal(cli.help_for, RB_CMD_NONE);

    expect_error(ARGV("rustbox", "help", "frobnicate"), "help: unknown command 'frobnicate'");
}

static void test_help_after_dashdash_is_program(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    char **argv = ARGV("rustbox", "run", "--", "/bin/prog", "--help");
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_RUN);
    assert_ptr_equal(cli.run.argv, &argv[3]);
    assert_string_equal(cli.run.argv[1], "--help");
    assert_null(cli.run.argv[2]);
    cli_free(&cli);
}

static void test_version(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "version"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_VERSION);
    assert_int_equal(parse(ARGV("rustbox", "--version"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_VERSION);
    assert_false(cli.isolate_mode);
    expect_error(ARGV("rustbox", "version", "extra"), "version: unexpected argument 'extra'");
}

static void test_globals(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "--config", "/etc/c.json", "--dry-run", "audit"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_AUDIT);
    assert_string_equal(cli.config_path, "/etc/c.json");
    assert_true(cli.dry_run);
    assert_int_equal(cli.box_id, -1);

    assert_int_equal(parse(ARGV("rustbox", "--config=/x.json", "audit"), &cli, err), 0);
    assert_string_equal(cli.config_path, "/x.json");
    assert_false(cli.dry_run);

    /* Also accepted after the command. */
    assert_int_equal(parse(ARGV("rustbox", "run", "--dry-run", "--config=/y", "--", "/bin/true"), &cli, err), 0);
    assert_true(cli.dry_run);
    assert_string_equal(cli.config_path, "/y");
    cli_free(&cli);

    expect_error(ARGV("rustbox", "--config"), "--config needs a FILE");
    expect_error(ARGV("rustbox", "--config="), "--config needs a FILE");
    expect_error(ARGV("rustbox"), "missing command (see 'rustbox --help')");
    expect_error(ARGV("rustbox", "--dry-run"), "missing command (see 'rustbox --help')");
    expect_error(ARGV("rustbox", "frob"), "unknown command 'frob' (see 'rustbox --help')");
    expect_error_has(ARGV("rustbox", "--bogus", "run"), "unknown option '--bogus'");
    expect_error(ARGV("rustbox", "audit", "--dry-run=yes"), "--dry-run takes no value");
}

/* ---- init / cleanup ---- */

static void test_init_cleanup(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "init", "--box-id", "7"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_INIT);
    assert_int_equal(cli.box_id, 7);
    assert_int_equal(cli.run.box_id, 7);

    assert_int_equal(parse(ARGV("rustbox", "cleanup", "--box-id=65001"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_CLEANUP);
    assert_int_equal(cli.box_id, 65001);

    assert_int_equal(parse(ARGV("rustbox", "init", "-b", "0"), &cli, err), 0);
    assert_int_equal(cli.box_id, 0);
    assert_int_equal(parse(ARGV("rustbox", "init", "-b12"), &cli, err), 0);
    assert_int_equal(cli.box_id, 12);
    assert_int_equal(parse(ARGV("rustbox", "init", "--box-id", "2147483647"), &cli, err), 0);
    assert_int_equal(cli.box_id, 2147483647L);

    expect_error(ARGV("rustbox", "init"), "init: --box-id N is required");
    expect_error(ARGV("rustbox", "cleanup"), "cleanup: --box-id N is required");
    expect_error(ARGV("rustbox", "init", "--box-id", "-1"),
                 "--box-id: invalid box id '-1' (use a number from 0 to 2147483647)");
    expect_error(ARGV("rustbox", "init", "--box-id=2147483648"),
                 "--box-id: invalid box id '2147483648' (use a number from 0 to 2147483647)");
    expect_error(ARGV("rustbox", "init", "-b", "x1"), "-b: invalid box id 'x1' (use a number from 0 to 2147483647)");
    expect_error(ARGV("rustbox", "init", "--box-id"), "--box-id needs a value");
    expect_error(ARGV("rustbox", "init", "--box-id", "3", "--foo"), "unknown option '--foo' for init");
    expect_error(ARGV("rustbox", "cleanup", "--time", "1", "--box-id", "3"), "unknown option '--time' for cleanup");
    expect_error(ARGV("rustbox", "init", "--box-id", "3", "--"), "init: unexpected '--'");
    expect_error(ARGV("rustbox", "init", "--box-id", "3", "extra"), "init: unexpected argument 'extra'");
}

/* ---- run ---- */

static void test_run_long_options(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    char **argv = ARGV("rustbox", "run", "--box-id", "4", "--time", "1.5", "--wall-time=3", "--extra-time", "0.25",
                       "--memory", "256M", "--processes", "8", "--file-size=64K", "--open-files", "32", "--stack", "8M",
                       "--output-limit=1G", "--stdin", "in.txt", "--stdout=out.txt", "--stderr", "err.txt", "--dir",
                       "/data=/srv/data:noexec", "--dir=/tmp:tmp", "--env", "LANG=C", "--env=HOME", "--chdir",
                       "/box/sub", "--meta=/tmp/m", "--", "/usr/bin/prog", "a", "b");
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_RUN);
    assert_false(cli.isolate_mode);
    assert_int_equal(cli.box_id, 4);
    assert_int_equal(cli.run.box_id, 4);
    const struct rb_limits *l = &cli.run.limits;
    assert_true(l->cpu_time_s == 1.5);
    assert_true(l->wall_time_s == 3.0);
    assert_true(l->extra_time_s == 0.25);
    assert_int_equal(l->memory, 256ULL << 20);
    assert_int_equal(l->processes, 8);
    assert_int_equal(l->file_size, 64ULL << 10);
    assert_int_equal(l->open_files, 32);
    assert_int_equal(l->stack, 8ULL << 20);
    assert_int_equal(l->output_limit, 1ULL << 30);
    assert_int_equal(cli.run.limits_set, RB_LIM_CPU | RB_LIM_WALL | RB_LIM_EXTRA | RB_LIM_MEMORY | RB_LIM_PROCESSES |
                                             RB_LIM_FILE_SIZE | RB_LIM_OPEN_FILES | RB_LIM_STACK | RB_LIM_OUTPUT);
    assert_string_equal(cli.run.stdin_path, "in.txt");
    assert_string_equal(cli.run.stdout_path, "out.txt");
    assert_string_equal(cli.run.stderr_path, "err.txt");
    assert_string_equal(cli.run.chdir, "/box/sub");
    assert_string_equal(cli.run.meta_path, "/tmp/m");
    assert_int_equal(cli.run.n_dirs, 2);
    assert_string_equal(cli.run.dirs[0].inside, "/data");
    assert_string_equal(cli.run.dirs[0].outside, "/srv/data");
    assert_int_equal(cli.run.dirs[0].flags, RB_DIR_NOEXEC);
    assert_string_equal(cli.run.dirs[1].inside, "/tmp");
    assert_null(cli.run.dirs[1].outside);
    assert_int_equal(cli.run.dirs[1].flags, RB_DIR_TMP | RB_DIR_RW);
    assert_int_equal(cli.run.n_env, 2);
    assert_string_equal(cli.run.env[0], "LANG=C");
    assert_string_equal(cli.run.env[1], "HOME");
    assert_ptr_equal(cli.run.argv, &argv[34]);
    assert_string_equal(cli.run.argv[0], "/usr/bin/prog");
    assert_string_equal(cli.run.argv[2], "b");
    assert_null(cli.run.argv[3]);
    assert_null(cli.run.code);
    assert_false(cli.run.full_env);
    assert_false(cli.run.stderr_to_stdout);
    assert_false(cli.run.special_files); /* special files are removed unless asked for */
    cli_free(&cli);
    assert_null(cli.run.dirs);
    assert_int_equal(cli.run.n_env, 0);
    cli_free(&cli); /* idempotent */
}

static void test_run_defaults_and_code(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "run", "--code", "echo hi; exit 3"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_RUN);
    assert_string_equal(cli.run.code, "echo hi; exit 3");
    assert_null(cli.run.argv);
    assert_int_equal(cli.box_id, -1); /* one-shot box */
    assert_int_equal(cli.run.box_id, -1);
    assert_int_equal(cli.run.limits_set, 0);
    assert_false(cli.verbose);
    cli_free(&cli);

    expect_error(ARGV("rustbox", "run"), "run: give a program after -- or --code");
    expect_error(ARGV("rustbox", "run", "--"), "run: give a program after -- or --code");
    expect_error(ARGV("rustbox", "run", "--code", "true", "--", "/bin/true"), "run: give a program after -- or --code");
    expect_error(ARGV("rustbox", "run", "/bin/true"),
                 "run: unexpected argument '/bin/true' (put the program after --)");
    expect_error(ARGV("rustbox", "run", "--code="), "--code: the value must not be empty");
}

static void test_run_isolate_short_options(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    char **argv = ARGV("rustbox", "run", "-b", "2", "-t1", "-w", "2.5", "-x0.5", "-m", "65536", "-k", "1024", "-f2048",
                       "-n", "16", "-i", "in", "-oout", "-r", "err", "-c", "/box", "-d", "/opt:maybe", "-E", "A=1",
                       "-e", "-M", "/tmp/meta", "-vs", "-p", "--", "x");
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_int_equal(cli.box_id, 2);
    const struct rb_limits *l = &cli.run.limits;
    assert_true(l->cpu_time_s == 1.0);
    assert_true(l->wall_time_s == 2.5);
    assert_true(l->extra_time_s == 0.5);
    /* -m is isolate's RLIMIT_AS, in KiB; the box's memory is not touched */
    assert_int_equal(cli.run.address_space, 65536ULL * 1024);
    assert_false(cli.run.limits_set & RB_LIM_MEMORY);
    assert_int_equal(l->stack, 1024ULL * 1024);
    assert_int_equal(l->file_size, 2048ULL * 1024);
    assert_int_equal(l->open_files, 16);
    assert_int_equal(l->processes, 0); /* bare -p: unlimited */
    assert_true(cli.run.limits_set & RB_LIM_PROCESSES);
    assert_false(cli.run.limits_set & RB_LIM_OUTPUT);
    assert_string_equal(cli.run.stdin_path, "in");
    assert_string_equal(cli.run.stdout_path, "out");
    assert_string_equal(cli.run.stderr_path, "err");
    assert_string_equal(cli.run.chdir, "/box");
    assert_string_equal(cli.run.dirs[0].inside, "/opt");
    assert_string_equal(cli.run.dirs[0].outside, "/opt");
    assert_int_equal(cli.run.dirs[0].flags, RB_DIR_MAYBE);
    assert_string_equal(cli.run.env[0], "A=1");
    assert_true(cli.run.full_env);
    assert_string_equal(cli.run.meta_path, "/tmp/meta");
    assert_true(cli.verbose);
    assert_true(cli.silent);
    assert_string_equal(cli.run.argv[0], "x");
    cli_free(&cli);
}

static void test_run_processes_forms(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "run", "--processes", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 0);
    assert_true(cli.run.limits_set & RB_LIM_PROCESSES);
    assert_int_equal(parse(ARGV("rustbox", "run", "--processes=5", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 5);
    assert_int_equal(parse(ARGV("rustbox", "run", "-p7", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 7);
    assert_int_equal(parse(ARGV("rustbox", "run", "-p", "9", "--code", "true"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 9);
    /* A bare --processes before another option stays unlimited. */
    assert_int_equal(parse(ARGV("rustbox", "run", "--processes", "--time", "2", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 0);
    assert_true(cli.run.limits.cpu_time_s == 2.0);
    expect_error(ARGV("rustbox", "run", "--processes=lots", "--", "x"),
                 "--processes: invalid number 'lots' (use a non-negative integer)");
    expect_error(ARGV("rustbox", "run", "--processes=", "--", "x"),
                 "--processes: invalid number '' (use a non-negative integer)");
}

static void test_run_memory_precedence(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    /* -m is each process's address space, whatever the order; the box's
     * memory is --cg-mem's or --memory's alone. */
    assert_int_equal(parse(ARGV("rustbox", "run", "--cg-mem=1024", "-m", "4096", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.memory, 1024ULL * 1024);
    assert_int_equal(cli.run.address_space, 4096ULL * 1024);
    assert_int_equal(parse(ARGV("rustbox", "run", "-m", "4096", "--cg-mem", "2048", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.memory, 2048ULL * 1024);
    assert_int_equal(cli.run.address_space, 4096ULL * 1024);
    assert_int_equal(parse(ARGV("rustbox", "run", "--memory", "1G", "--mem=4096", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.memory, 1ULL << 30);
    assert_int_equal(parse(ARGV("rustbox", "run", "--mem=4096", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.address_space, 4096ULL * 1024);
    assert_false(cli.run.limits_set & RB_LIM_MEMORY);
    /* --stack is SIZE natively, -k is KiB. */
    assert_int_equal(parse(ARGV("rustbox", "run", "--stack=65536", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.stack, 65536);
    assert_int_equal(parse(ARGV("rustbox", "run", "--fsize=10", "--file-size", "1M", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.file_size, 1ULL << 20);
}

static void test_run_stderr_order(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "run", "-r", "e", "--stderr-to-stdout", "--", "x"), &cli, err), 0);
    assert_true(cli.run.stderr_to_stdout);
    assert_null(cli.run.stderr_path);
    assert_int_equal(parse(ARGV("rustbox", "run", "--stderr-to-stdout", "--stderr=e", "--", "x"), &cli, err), 0);
    assert_false(cli.run.stderr_to_stdout);
    assert_string_equal(cli.run.stderr_path, "e");
}

static void test_run_bad_values(void **state)
{
    expect_error(ARGV("rustbox", "run", "--memory", "12Q", "--", "x"),
                 "--memory: invalid size '12Q' (use a number with an optional K, M or G suffix)");
    expect_error(ARGV("rustbox", "run", "--memory=99999999999999G", "--", "x"),
                 "--memory: size '99999999999999G' is too large");
    expect_error(ARGV("rustbox", "run", "--memory", "-1", "--", "x"),
                 "--memory: invalid size '-1' (use a number with an optional K, M or G suffix)");
    expect_error(ARGV("rustbox", "run", "--time", "abc", "--", "x"),
                 "--time: invalid time 'abc' (use seconds, e.g. 1.5)");
    expect_error(ARGV("rustbox", "run", "-t", "-1", "--", "x"), "-t: invalid time '-1' (use seconds, e.g. 1.5)");
    expect_error(ARGV("rustbox", "run", "--wall-time=nan", "--", "x"),
                 "--wall-time: invalid time 'nan' (use seconds, e.g. 1.5)");
    expect_error(ARGV("rustbox", "run", "--extra-time=1e99", "--", "x"),
                 "--extra-time: invalid time '1e99' (use seconds, e.g. 1.5)");
    expect_error(ARGV("rustbox", "run", "--open-files", "2147483648", "--", "x"),
                 "--open-files: number '2147483648' is too large (at most 2147483647)");
    expect_error(ARGV("rustbox", "run", "-m", "64M", "--", "x"), "-m: invalid size '64M' (use a number of KiB)");
    expect_error(ARGV("rustbox", "run", "-k", "18014398509481984", "--", "x"),
                 "-k: size '18014398509481984' is too large");
    expect_error(ARGV("rustbox", "run", "--stack", "1T", "--", "x"),
                 "--stack: invalid size '1T' (use a number with an optional K, M or G suffix)");
    expect_error(ARGV("rustbox", "run", "--output-limit", "x", "--", "x"),
                 "--output-limit: invalid size 'x' (use a number with an optional K, M or G suffix)");
    expect_error(ARGV("rustbox", "run", "--memory"), "--memory needs a value");
    expect_error(ARGV("rustbox", "run", "-t"), "-t needs a value");
    expect_error(ARGV("rustbox", "run", "--foo", "--", "x"), "unknown option '--foo' for run");
    expect_error(ARGV("rustbox", "run", "--foo=1", "--", "x"), "unknown option '--foo' for run");
    expect_error(ARGV("rustbox", "run", "-Z", "--", "x"), "unknown option '-Z' for run");
    expect_error(ARGV("rustbox", "run", "--cg=1", "--", "x"), "--cg takes no value");
    expect_error(ARGV("rustbox", "run", "--stdin=", "--", "x"), "--stdin: the value must not be empty");
    expect_error_has(ARGV("rustbox", "run", "--dir", "/a:fs", "--", "x"), "filesystem type '/a'");
    expect_error_has(ARGV("rustbox", "run", "-E", "1X=2", "--", "x"), "invalid variable name '1X'");
}

/* 0 for a limit: refused where it would read as no limit at all, taken where
 * it has a meaning of its own (docs/decisions.md). */
static void test_run_zero_limits(void **state)
{
    expect_error(ARGV("rustbox", "run", "--memory", "0", "--", "x"),
                 "--memory: 0 would leave the box without a memory limit; give a size");
    expect_error(ARGV("rustbox", "run", "--memory=0K", "--", "x"),
                 "--memory: 0 would leave the box without a memory limit; give a size");
    expect_error(ARGV("rustbox", "run", "--cg-mem=0", "--", "x"),
                 "--cg-mem: 0 would leave the box without a memory limit; give a size");
    /* -m is refused even where an explicit limit makes it moot, as a bad -m is. */
    expect_error(ARGV("rustbox", "run", "--processes", "0", "--", "x"),
                 "--processes: 0 is not a process limit; give at least 1, or a bare --processes for no limit");
    expect_error(ARGV("rustbox", "run", "--processes=0", "--", "x"),
                 "--processes: 0 is not a process limit; give at least 1, or a bare --processes for no limit");
    expect_error(ARGV("rustbox", "run", "-p0", "--", "x"),
                 "-p: 0 is not a process limit; give at least 1, or a bare -p for no limit");
    expect_error(ARGV("rustbox", "run", "--output-limit", "0", "--", "x"),
                 "--output-limit: 0 would capture output without a bound; give a size");

    struct rb_cli cli;
    char err[ERRLEN] = "";
    /* -m 0: no address-space limit, as in isolate */
    assert_int_equal(parse(ARGV("rustbox", "run", "--memory", "1G", "-m", "0", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.address_space, 0);
    /* A bare --processes is still the way to say no process limit. */
    assert_int_equal(parse(ARGV("rustbox", "run", "--processes", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 0);
    cli_free(&cli);
    /* --open-files 0: as many as the host allows (set at run time); --file-size
     * 0 and --stack 0: no rlimit, as in isolate. */
    assert_int_equal(
        parse(ARGV("rustbox", "run", "--open-files", "0", "--file-size", "0", "--stack", "0", "--", "x"), &cli, err),
        0);
    assert_int_equal(cli.run.limits.open_files, 0);
    assert_int_equal(cli.run.limits.file_size, 0);
    assert_int_equal(cli.run.limits.stack, 0);
    assert_true(cli.run.limits_set & RB_LIM_OPEN_FILES);
    cli_free(&cli);
    assert_int_equal(parse(ARGV("rustbox", "run", "-n", "0", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.open_files, 0);
    cli_free(&cli);
}

/* ---- health, metrics, baseline, audit, serve ---- */

static void test_health(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "health"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HEALTH);
    assert_int_equal(cli.health_action, RB_HEALTH_SHOW);
    assert_int_equal(parse(ARGV("rustbox", "health", "--check"), &cli, err), 0);
    assert_int_equal(cli.health_action, RB_HEALTH_CHECK);
    assert_int_equal(parse(ARGV("rustbox", "health", "--recover"), &cli, err), 0);
    assert_int_equal(cli.health_action, RB_HEALTH_RECOVER);
    assert_false(cli.health_cleanup);
    assert_int_equal(parse(ARGV("rustbox", "health", "--cleanup", "--recover"), &cli, err), 0);
    assert_int_equal(cli.health_action, RB_HEALTH_RECOVER);
    assert_true(cli.health_cleanup);
    assert_int_equal(parse(ARGV("rustbox", "health", "--verify-clean"), &cli, err), 0);
    assert_int_equal(cli.health_action, RB_HEALTH_VERIFY_CLEAN);
    assert_int_equal(parse(ARGV("rustbox", "health", "--quarantine", "--reason", "disk swap"), &cli, err), 0);
    assert_int_equal(cli.health_action, RB_HEALTH_QUARANTINE);
    assert_string_equal(cli.reason, "disk swap");
    assert_int_equal(parse(ARGV("rustbox", "health", "--unquarantine"), &cli, err), 0);
    assert_int_equal(cli.health_action, RB_HEALTH_UNQUARANTINE);
    assert_null(cli.reason);
    assert_int_equal(parse(ARGV("rustbox", "health", "--reason=fixed", "--unquarantine"), &cli, err), 0);
    assert_string_equal(cli.reason, "fixed");
    assert_int_equal(parse(ARGV("rustbox", "health", "--check", "--check"), &cli, err), 0);

    const char *two = "health: give only one of --check, --recover, --verify-clean, --quarantine, --unquarantine";
    expect_error(ARGV("rustbox", "health", "--check", "--recover"), two);
    expect_error(ARGV("rustbox", "health", "--quarantine", "--unquarantine", "--reason", "r"), two);
    expect_error(ARGV("rustbox", "health", "--quarantine"), "health: --quarantine needs --reason R");
    expect_error(ARGV("rustbox", "health", "--cleanup"), "health: --cleanup only goes with --recover");
    expect_error(ARGV("rustbox", "health", "--check", "--cleanup"), "health: --cleanup only goes with --recover");
    expect_error(ARGV("rustbox", "health", "--check", "--reason", "x"),
                 "health: --reason only goes with --quarantine or --unquarantine");
    expect_error(ARGV("rustbox", "health", "--quarantine", "--reason="), "--reason: the value must not be empty");
    expect_error(ARGV("rustbox", "health", "--box-id", "1"), "unknown option '--box-id' for health");
}

static void test_metrics_serve_audit(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "metrics"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_METRICS);
    assert_null(cli.textfile_dir);
    assert_int_equal(parse(ARGV("rustbox", "metrics", "--textfile", "/var/lib/node"), &cli, err), 0);
    assert_string_equal(cli.textfile_dir, "/var/lib/node");
    assert_int_equal(parse(ARGV("rustbox", "serve"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_SERVE);
    assert_null(cli.listen);
    assert_int_equal(parse(ARGV("rustbox", "serve", "--listen=127.0.0.1:9191"), &cli, err), 0);
    assert_string_equal(cli.listen, "127.0.0.1:9191");
    assert_int_equal(parse(ARGV("rustbox", "audit"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_AUDIT);

    expect_error(ARGV("rustbox", "metrics", "--textfile"), "--textfile needs a value");
    expect_error(ARGV("rustbox", "serve", "--port", "1"), "unknown option '--port' for serve");
    expect_error(ARGV("rustbox", "audit", "now"), "audit: unexpected argument 'now'");
}

static void test_baseline(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("rustbox", "baseline", "capture"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_BASELINE);
    assert_false(cli.baseline_diff);
    assert_null(cli.baseline_file);
    assert_int_equal(parse(ARGV("rustbox", "baseline", "capture", "--output", "/tmp/b.json"), &cli, err), 0);
    assert_string_equal(cli.baseline_file, "/tmp/b.json");
    assert_int_equal(parse(ARGV("rustbox", "baseline", "--output=/tmp/c", "capture"), &cli, err), 0);
    assert_string_equal(cli.baseline_file, "/tmp/c");
    assert_int_equal(parse(ARGV("rustbox", "baseline", "diff", "/tmp/b.json"), &cli, err), 0);
    assert_true(cli.baseline_diff);
    assert_string_equal(cli.baseline_file, "/tmp/b.json");

    expect_error(ARGV("rustbox", "baseline"), "baseline: give 'capture [--output FILE]' or 'diff FILE'");
    expect_error(ARGV("rustbox", "baseline", "compare"),
                 "baseline: unknown action 'compare' (use 'capture' or 'diff FILE')");
    expect_error(ARGV("rustbox", "baseline", "diff"), "baseline diff: give the baseline FILE to compare with");
    expect_error(ARGV("rustbox", "baseline", "diff", "--output", "x"), "baseline: --output only goes with 'capture'");
    expect_error(ARGV("rustbox", "baseline", "diff", "a", "b"), "baseline: unexpected argument 'b'");
    expect_error(ARGV("rustbox", "baseline", "capture", "x"), "baseline: unexpected argument 'x'");
}

/* ---- --dir and --env rules ---- */

static void test_add_dir(void **state)
{
    struct rb_cli cli = { 0 };
    struct rb_run_request *req = &cli.run;
    char err[ERRLEN];
    assert_int_equal(cli_add_dir(req, "/tmp=/var/tmp/x:rw", err, ERRLEN), 0);
    assert_int_equal(cli_add_dir(req, "/dev/shm:tmp", err, ERRLEN), 0);
    assert_int_equal(cli_add_dir(req, "usr", err, ERRLEN), 0);
    assert_int_equal(cli_add_dir(req, "//opt//lib/./x/", err, ERRLEN), 0);
    assert_int_equal(cli_add_dir(req, "/a:rw:noexec", err, ERRLEN), 0);
    assert_int_equal(cli_add_dir(req, "/b:dev,maybe", err, ERRLEN), 0);
    assert_int_equal(cli_add_dir(req, "/lib64=", err, ERRLEN), 0);
    assert_int_equal(req->n_dirs, 7);
    struct rb_dir_rule *d = req->dirs;
    assert_string_equal(d[0].inside, "/tmp");
    assert_string_equal(d[0].outside, "/var/tmp/x");
    assert_int_equal(d[0].flags, RB_DIR_RW);
    assert_string_equal(d[1].inside, "/dev/shm");
    assert_null(d[1].outside);
    assert_int_equal(d[1].flags, RB_DIR_TMP | RB_DIR_RW);
    assert_string_equal(d[2].inside, "/usr");
    assert_string_equal(d[2].outside, "/usr");
    assert_int_equal(d[2].flags, RB_DIR_NO_SLASH); /* "usr": written without its slash */
    assert_string_equal(d[3].inside, "/opt/lib/x");
    assert_string_equal(d[4].inside, "/a");
    assert_int_equal(d[4].flags, RB_DIR_RW | RB_DIR_NOEXEC);
    assert_int_equal(d[5].flags, RB_DIR_DEV | RB_DIR_MAYBE);
    assert_string_equal(d[6].inside, "/lib64");
    assert_null(d[6].outside);
    assert_int_equal(d[6].flags, RB_DIR_REMOVE);

    /* A later rule for the same box path replaces the earlier one. */
    assert_int_equal(cli_add_dir(req, "/tmp/=/srv/t", err, ERRLEN), 0);
    assert_int_equal(cli_add_dir(req, "/lib64:maybe", err, ERRLEN), 0);
    assert_int_equal(req->n_dirs, 7);
    assert_string_equal(d[0].outside, "/srv/t");
    assert_int_equal(d[0].flags, 0);
    assert_string_equal(d[6].outside, "/lib64");
    assert_int_equal(d[6].flags, RB_DIR_MAYBE);
    cli_free(&cli);
    assert_int_equal(req->n_dirs, 0);
}

static void test_add_dir_errors(void **state)
{
    struct rb_cli cli = { 0 };
    struct rb_run_request *req = &cli.run;
    static const struct {
        const char *spec, *msg;
    } cases[] = {
        { "", "--dir: empty rule (use BOX[=HOST][:OPTIONS])" },
        { "/a:fs", "--dir: filesystem type '/a' in '/a:fs' is not supported (use BOX=tmpfs:fs or BOX=proc:fs)" },
        { "/a=sysfs:fs",
          "--dir: filesystem type 'sysfs' in '/a=sysfs:fs' is not supported (use BOX=tmpfs:fs or "
          "BOX=proc:fs)" },
        { "/a:rw:bogus",
          "--dir: unknown option 'bogus' in '/a:rw:bogus' (use rw, noexec, maybe, dev, tmp, fs or norec)" },
        { "/a=/b:tmp", "--dir: ':tmp' takes no host directory in '/a=/b:tmp'" },
        { "/a/../../etc=/etc", "--dir: '..' is not allowed in the box path of '/a/../../etc=/etc'" },
        { "/=/srv", "--dir: '/=/srv' has no box path (the box root itself cannot be bound)" },
        { "/./", "--dir: '/./' has no box path (the box root itself cannot be bound)" },
        { "/a:", "--dir: empty option in '/a:'" },
        { "/a::rw", "--dir: empty option in '/a::rw'" },
        { "/a:rw,", "--dir: empty option in '/a:rw,'" },
        { "/a=:tmp", "--dir: '/a=:tmp' removes a rule and takes no tmp or fs option" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[ERRLEN] = "";
        assert_int_equal(cli_add_dir(req, cases[i].spec, err, ERRLEN), -EINVAL);
        assert_string_equal(err, cases[i].msg);
    }
    assert_int_equal(req->n_dirs, 0);
    cli_free(&cli);
}

static void test_add_env(void **state)
{
    struct rb_cli cli = { 0 };
    struct rb_run_request *req = &cli.run;
    char err[ERRLEN] = "";
    assert_int_equal(cli_add_env(req, "PATH=/usr/bin:/bin", err, ERRLEN), 0);
    assert_int_equal(cli_add_env(req, "HOME", err, ERRLEN), 0);
    assert_int_equal(cli_add_env(req, "_x9=", err, ERRLEN), 0);
    assert_int_equal(cli_add_env(req, "PATHX=1", err, ERRLEN), 0);
    assert_int_equal(cli_add_env(req, "PATH=/bin", err, ERRLEN), 0); /* replaces */
    assert_int_equal(cli_add_env(req, "HOME=/box", err, ERRLEN), 0); /* replaces */
    assert_int_equal(req->n_env, 4);
    assert_string_equal(req->env[0], "PATH=/bin");
    assert_string_equal(req->env[1], "HOME=/box");
    assert_string_equal(req->env[2], "_x9=");
    assert_string_equal(req->env[3], "PATHX=1");

    static const struct {
        const char *spec, *msg;
    } cases[] = {
        { "", "--env: empty value (use VAR or VAR=VALUE)" },
        { "=x", "--env: invalid variable name '' in '=x' (use letters, digits and _, not starting with a digit)" },
        { "9A=1",
          "--env: invalid variable name '9A' in '9A=1' (use letters, digits and _, not starting with a digit)" },
        { "A-B=1",
          "--env: invalid variable name 'A-B' in 'A-B=1' (use letters, digits and _, not starting with a digit)" },
        { "A B", "--env: invalid variable name 'A B' in 'A B' (use letters, digits and _, not starting with a digit)" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(cli_add_env(req, cases[i].spec, err, ERRLEN), -EINVAL);
        assert_string_equal(err, cases[i].msg);
    }
    assert_int_equal(req->n_env, 4);
    cli_free(&cli);
}

/* ---- the request-option table both syntaxes share ---- */

static bool spelt_in(const struct req_opt *o, enum cli_syntax syn)
{
    return o->val[syn] != RV_ABSENT;
}

static void test_request_table(void **state)
{
    size_t rows = 0;
    for (const struct req_opt *o = req_opts; o->def.id; o++, rows++) {
        const char *name = o->def.lng ? o->def.lng : "(short)";
        assert_int_equal(o->def.id, OPT_REQUEST);
        if (!o->def.lng && !o->def.shrt)
            fail_msg("row %zu has no name", rows);
        if (!spelt_in(o, CLI_NATIVE) && !spelt_in(o, CLI_ISOLATE))
            fail_msg("%s is in no syntax", name);
        for (int syn = 0; syn < CLI_SYNTAXES; syn++) {
            if (!spelt_in(o, (enum cli_syntax)syn))
                continue;
            /* The field's C type is the one the value kind writes. */
            if (o->type != req_val_type(o->val[syn]))
                fail_msg("%s: field type %d, value kind %d", name, o->type, o->val[syn]);
            /* Only --processes has an optional value, and it is a count. */
            if (o->def.arg == ARG_OPT && o->val[syn] != RV_COUNT)
                fail_msg("%s: optional value of kind %d", name, o->val[syn]);
            /* Flags take no value; everything else needs one. */
            bool takes_none = o->val[syn] == RV_TRUE || o->val[syn] == RV_IGNORED;
            if (takes_none != (o->def.arg == ARG_NONE))
                fail_msg("%s: argument kind %d for value kind %d", name, o->def.arg, o->val[syn]);
            /* No spelling is taken twice within one syntax. */
            for (const struct req_opt *p = o + 1; p->def.id; p++) {
                if (!spelt_in(p, (enum cli_syntax)syn))
                    continue;
                if (o->def.shrt && o->def.shrt == p->def.shrt)
                    fail_msg("-%c twice in syntax %d", o->def.shrt, syn);
                if (o->def.lng && p->def.lng && !strcmp(o->def.lng, p->def.lng))
                    fail_msg("--%s twice in syntax %d", o->def.lng, syn);
            }
        }
        /* A limit bit goes with a field inside the limits, and back. */
        bool in_limits = o->field >= offsetof(struct rb_run_request, limits) &&
                         o->field < offsetof(struct rb_run_request, limits) + sizeof(struct rb_limits);
        if ((o->limit != 0) != in_limits)
            fail_msg("%s: limit bit %#x, field at %zu", name, o->limit, o->field);
    }
    assert_true(rows > 20);
}

/* The same isolate-style options give the same request in both syntaxes. */
static void test_both_syntaxes_same_request(void **state)
{
    char *opts[] = { "-t",
                     "1.5",
                     "-w",
                     "3",
                     "-x",
                     "0.5",
                     "-m",
                     "4096",
                     "-k",
                     "64",
                     "-f",
                     "32",
                     "-n",
                     "10",
                     "-p",
                     "4",
                     "-i",
                     "in",
                     "-o",
                     "out",
                     "-r",
                     "err",
                     "-c",
                     "/box",
                     "-d",
                     "/opt:rw",
                     "-E",
                     "A=1",
                     "-e",
                     "-M",
                     "/tmp/m",
                     "--cg",
                     "--cg-timing",
                     "--cg-mem=2048",
                     "--stderr-to-stdout",
                     "--special-files" };
    const size_t nopts = sizeof(opts) / sizeof(opts[0]);
    char *native[64], *isolate[64];
    size_t n = 0, k = 0;
    native[n++] = "rustbox";
    native[n++] = "run";
    isolate[k++] = "isolate";
    for (size_t i = 0; i < nopts; i++)
        native[n++] = isolate[k++] = opts[i];
    native[n++] = "--";
    isolate[k++] = "--run";
    isolate[k++] = "--";
    native[n++] = isolate[k++] = "prog";
    native[n] = isolate[k] = NULL;

    struct rb_cli a, b;
    char err[ERRLEN] = "";
    assert_int_equal(cli_parse((int)n, native, &a, err, ERRLEN), 0);
    assert_int_equal(cli_parse((int)k, isolate, &b, err, ERRLEN), 0);
    assert_false(a.isolate_mode);
    assert_true(b.isolate_mode);
    assert_memory_equal(&a.run.limits, &b.run.limits, sizeof(a.run.limits));
    assert_int_equal(a.run.limits.memory, 2048ULL * 1024); /* --cg-mem wins over -m */
    assert_int_equal(a.run.limits.stack, 64ULL * 1024);
    assert_int_equal(a.run.limits.processes, 4);
    assert_string_equal(a.run.stdin_path, b.run.stdin_path);
    assert_string_equal(a.run.stdout_path, b.run.stdout_path);
    assert_true(a.run.stderr_to_stdout && b.run.stderr_to_stdout);
    assert_null(a.run.stderr_path);
    assert_null(b.run.stderr_path);
    assert_string_equal(a.run.chdir, b.run.chdir);
    assert_string_equal(a.run.meta_path, b.run.meta_path);
    assert_true(a.run.full_env && b.run.full_env);
    assert_true(a.run.special_files && b.run.special_files);
    assert_int_equal(a.run.n_dirs, 1);
    assert_int_equal(b.run.n_dirs, 1);
    assert_string_equal(a.run.dirs[0].inside, b.run.dirs[0].inside);
    assert_int_equal(a.run.dirs[0].flags, b.run.dirs[0].flags);
    assert_int_equal(a.run.n_env, 1);
    assert_string_equal(a.run.env[0], b.run.env[0]);
    /* Natively only the given limits are set; isolate sets all its own. */
    assert_int_equal(a.run.limits_set, RB_LIM_CPU | RB_LIM_WALL | RB_LIM_EXTRA | RB_LIM_MEMORY | RB_LIM_STACK |
                                           RB_LIM_FILE_SIZE | RB_LIM_OPEN_FILES | RB_LIM_PROCESSES);
    cli_free(&a);
    cli_free(&b);
}

/* Where the syntaxes differ, it is by the table's columns. */
static void test_syntax_columns(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    /* --stack: SIZE natively, KiB in isolate's syntax. */
    assert_int_equal(parse(ARGV("rustbox", "run", "--stack", "64", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.stack, 64);
    assert_int_equal(parse(ARGV("isolate", "--stack", "64", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.stack, 64ULL * 1024);
    expect_error(ARGV("isolate", "--stack=64K", "--run", "--", "x"), "Invalid numeric parameter: 64K");

    /* rustbox's own spellings are not isolate's ... */
    expect_error(ARGV("isolate", "--memory=1G", "--run", "--", "x"), "isolate: unrecognized option '--memory=1G'");
    expect_error(ARGV("isolate", "--file-size=1M", "--run", "--", "x"),
                 "isolate: unrecognized option '--file-size=1M'");
    expect_error(ARGV("isolate", "--output-limit=1M", "--run", "--", "x"),
                 "isolate: unrecognized option '--output-limit=1M'");
    expect_error(ARGV("isolate", "--code=true", "--run"), "isolate: unrecognized option '--code=true'");
    /* ... nor is every isolate spelling rustbox's. */
    expect_error(ARGV("rustbox", "run", "--no-cg-timing", "--", "x"), "unknown option '--no-cg-timing' for run");
    expect_error(ARGV("rustbox", "run", "-D", "--", "x"), "unknown option '-D' for run");
    /* Request options belong to run only. */
    expect_error(ARGV("rustbox", "init", "--box-id", "1", "-t", "1"), "unknown option '-t' for init");
    expect_error(ARGV("rustbox", "health", "--dir=/a"), "unknown option '--dir' for health");
}

static void test_run_memory_rules(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    /* -m never sets the box's memory: that is --memory's (or the config's). */
    assert_int_equal(parse(ARGV("rustbox", "run", "-m", "1", "--memory", "2K", "-m", "3", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.memory, 2048);
    assert_int_equal(cli.run.address_space, 3 * 1024);
    /* The later -m is the one that counts. */
    assert_int_equal(parse(ARGV("rustbox", "run", "-m", "1", "--mem=3", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.address_space, 3 * 1024);
    assert_int_equal(cli.run.limits_set, 0);
    /* A bad -m is refused. */
    expect_error(ARGV("rustbox", "run", "--memory=1G", "-m", "lots", "--", "x"),
                 "-m: invalid size 'lots' (use a number of KiB)");
}

static void test_dir_error_truncation(void **state)
{
    struct rb_cli cli = { 0 };
    char err[16];
    /* Cut where one message formatted into err would be cut. */
    assert_int_equal(cli_add_dir(&cli.run, "/a:bogus", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--dir: unknown ");
    assert_int_equal(cli_add_dir(&cli.run, "/a:bogus", err, 5), -EINVAL);
    assert_string_equal(err, "--di");
    err[0] = 'X';
    assert_int_equal(cli_add_dir(&cli.run, "/a:bogus", err, 1), -EINVAL);
    assert_string_equal(err, "");
    assert_int_equal(cli_add_dir(&cli.run, "/a:bogus", NULL, 0), -EINVAL);
    assert_int_equal(cli.run.n_dirs, 0);

    /* The rule limit is the library's, named as --dir. */
    char spec[32], msg[ERRLEN];
    for (int i = 0; i < RB_MAX_DIR_RULES; i++) {
        snprintf(spec, sizeof(spec), "/d%d", i);
        assert_int_equal(cli_add_dir(&cli.run, spec, msg, sizeof(msg)), 0);
    }
    assert_int_equal(cli_add_dir(&cli.run, "/more", msg, sizeof(msg)), -EINVAL);
    assert_string_equal(msg, "--dir: too many rules (at most 48)");
    cli_free(&cli);
}

/* ---- limits ---- */

static void test_apply_limits(void **state)
{
    const struct rb_limits def = {
        .cpu_time_s = 1,
        .wall_time_s = 3,
        .extra_time_s = 0.5,
        .memory = 256ULL << 20,
        .processes = 64,
        .file_size = 64ULL << 20,
        .open_files = 64,
        .stack = 64ULL << 20,
        .output_limit = 64ULL << 20,
        .box_size = 256ULL << 20,
        .box_inodes = 16384,
    };
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(
        parse(ARGV("rustbox", "run", "--time", "2", "--memory", "1G", "--processes", "--", "x"), &cli, err), 0);
    request_apply_limits(&cli.run, &def);
    const struct rb_limits *l = &cli.run.limits;
    assert_true(l->cpu_time_s == 2.0);
    assert_true(l->wall_time_s == 3.0);
    assert_true(l->extra_time_s == 0.5);
    assert_int_equal(l->memory, 1ULL << 30);
    assert_int_equal(l->processes, 0);
    assert_int_equal(l->file_size, 64ULL << 20);
    assert_int_equal(l->open_files, 64);
    assert_int_equal(l->stack, 64ULL << 20);
    assert_int_equal(l->output_limit, 64ULL << 20);
    assert_int_equal(l->box_size, 256ULL << 20);
    assert_int_equal(l->box_inodes, 16384);
    cli_free(&cli);

    /* Every bit set (isolate mode): only the box's own size comes from the config. */
    assert_int_equal(parse(ARGV("isolate", "--run", "--", "x"), &cli, err), 0);
    request_apply_limits(&cli.run, &def);
    assert_true(cli.run.limits.cpu_time_s == 0);
    assert_int_equal(cli.run.limits.memory, 0);
    assert_int_equal(cli.run.limits.processes, 1);
    assert_int_equal(cli.run.limits.box_size, 256ULL << 20);
    cli_free(&cli);
}

/* ---- usage ---- */

static char *capture_usage(enum rb_command cmd, bool isolate_mode)
{
    static char buf[8192];
    fflush(stdout);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
    cli_usage(cmd, isolate_mode);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    return buf;
}

static void test_usage(void **state)
{
    const char *s = capture_usage(RB_CMD_NONE, false);
    assert_non_null(strstr(s, "usage: rustbox [--config FILE] [--dry-run] COMMAND"));
    assert_non_null(strstr(s, "baseline capture"));
    s = capture_usage(RB_CMD_HELP, false);
    assert_non_null(strstr(s, "usage: rustbox [--config FILE]"));
    s = capture_usage(RB_CMD_RUN, false);
    assert_non_null(strstr(s, "usage: rustbox run"));
    assert_non_null(strstr(s, "--output-limit SIZE"));
    s = capture_usage(RB_CMD_HEALTH, false);
    assert_non_null(strstr(s, "--quarantine --reason R"));
    s = capture_usage(RB_CMD_INIT, false);
    assert_non_null(strstr(s, "usage: rustbox init --box-id N"));
    s = capture_usage(RB_CMD_BASELINE, false);
    assert_non_null(strstr(s, "rustbox baseline diff FILE"));
    s = capture_usage(RB_CMD_SERVE, false);
    assert_non_null(strstr(s, "127.0.0.1:9090"));
    s = capture_usage(RB_CMD_RUN, true);
    /* isolate's own text, from its first line to its last. */
    assert_true(!strncmp(s, "Usage: isolate [<options>] <command>\n\nOptions:\n", 47));
    assert_non_null(strstr(s, "    --cg-mem=<size>\tLimit memory usage of the control group to <size> KB\n"));
    assert_non_null(strstr(s, "    --version\t\tDisplay program version and configuration\n"));
}

/* ---- which syntax ---- */

static void test_mode_detection(void **state)
{
    assert_false(isolate_mode_requested(1, ARGV("rustbox")));
    assert_false(isolate_mode_requested(2, ARGV("rustbox", "--help")));
    assert_false(isolate_mode_requested(5, ARGV("rustbox", "run", "--", "prog", "--run")));
    assert_false(isolate_mode_requested(5, ARGV("rustbox", "run", "--code", "--init", "--dry-run")));
    assert_false(isolate_mode_requested(4, ARGV("rustbox", "--config", "--run", "audit")));
    assert_false(isolate_mode_requested(4, ARGV("rustbox", "-b", "1", "--", "--run")));
    assert_true(isolate_mode_requested(2, ARGV("rustbox", "--init")));
    assert_true(isolate_mode_requested(4, ARGV("./build/rustbox", "-b", "1", "--cleanup")));
    assert_true(isolate_mode_requested(5, ARGV("rustbox", "--config", "/c", "--run", "--")));
    assert_true(isolate_mode_requested(2, ARGV("/usr/bin/isolate", "--version")));
    assert_true(isolate_mode_requested(1, ARGV("isolate")));
    assert_false(isolate_mode_requested(1, ARGV("/usr/bin/isolate-not")));
    assert_false(isolate_mode_requested(0, ARGV(NULL)));
}

/* A caller whose real uid is not 0 (rustbox set-uid) is refused what only
 * root may give; root and the box commands are not. */
static void expect_caller(char **argv, uintmax_t uid, const char *refused)
{
    struct rb_cli cli;
    char err[ERRLEN] = "";
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_int_equal(cli_check_caller(&cli, 0, err, ERRLEN), 0);
    if (refused) {
        assert_int_equal(cli_check_caller(&cli, uid, err, ERRLEN), -EINVAL);
        assert_non_null(strstr(err, refused));
        assert_non_null(strstr(err, "refused"));
        assert_null(strchr(err, '\n'));
    } else {
        assert_int_equal(cli_check_caller(&cli, uid, err, ERRLEN), 0);
    }
    cli_free(&cli);
}

static void test_setuid_caller(void **state)
{
    (void)state;
    expect_caller(ARGV("rustbox", "--config", "/tmp/c.json", "run", "--", "/bin/true"), 1000, "--config");
    expect_caller(ARGV("rustbox", "run", "--config=/tmp/c.json", "--", "/bin/true"), 1000, "--config");
    expect_caller(ARGV("isolate", "--config=/tmp/c.json", "--init"), 1000, "--config");
    expect_caller(ARGV("rustbox", "metrics", "--textfile", "/etc"), 1000, "--textfile");
    expect_caller(ARGV("rustbox", "serve"), 1000, "serve");
    expect_caller(ARGV("rustbox", "baseline", "diff", "/root/b.json"), 1000, "baseline file");
    expect_caller(ARGV("rustbox", "baseline", "capture", "--output", "/etc/b"), 1000, "baseline file");
    expect_caller(ARGV("rustbox", "baseline", "capture"), 1000, NULL);
    expect_caller(ARGV("rustbox", "run", "--dir", "/x=/y", "--meta", "/tmp/m", "--", "/bin/true"), 1000, NULL);
    expect_caller(ARGV("isolate", "--box-id=3", "--init"), 1000, NULL);
    expect_caller(ARGV("rustbox", "metrics"), 1000, NULL);
    expect_caller(ARGV("rustbox", "cleanup", "--box-id", "3"), 1000, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_help_after_dashdash_is_program),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_globals),
        cmocka_unit_test(test_init_cleanup),
        cmocka_unit_test(test_run_long_options),
        cmocka_unit_test(test_run_defaults_and_code),
        cmocka_unit_test(test_run_isolate_short_options),
        cmocka_unit_test(test_run_processes_forms),
        cmocka_unit_test(test_run_memory_precedence),
        cmocka_unit_test(test_run_stderr_order),
        cmocka_unit_test(test_run_bad_values),
        cmocka_unit_test(test_run_zero_limits),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_metrics_serve_audit),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_add_dir),
        cmocka_unit_test(test_add_dir_errors),
        cmocka_unit_test(test_add_env),
        cmocka_unit_test(test_request_table),
        cmocka_unit_test(test_both_syntaxes_same_request),
        cmocka_unit_test(test_syntax_columns),
        cmocka_unit_test(test_run_memory_rules),
        cmocka_unit_test(test_dir_error_truncation),
        cmocka_unit_test(test_apply_limits),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_mode_detection),
        cmocka_unit_test(test_setuid_caller),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

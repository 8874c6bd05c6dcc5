/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the isolate 1.10 command line, including CMS's exact invocations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ERRLEN 256
#define ALL_LIMITS                                                                                   \
    (RB_LIM_CPU | RB_LIM_WALL | RB_LIM_EXTRA | RB_LIM_MEMORY | RB_LIM_PROCESSES | RB_LIM_FILE_SIZE | \
     RB_LIM_OPEN_FILES | RB_LIM_STACK | RB_LIM_OUTPUT)

static int parse(char **argv, struct rb_cli *cli, char *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return cli_parse(argc, argv, cli, err, ERRLEN);
}

static void expect_error(char **argv, const char *msg)
{
    struct rb_cli cli;
    char err[ERRLEN] = "";
    assert_int_equal(parse(argv, &cli, err), -EINVAL);
    assert_string_equal(err, msg);
    assert_null(strchr(err, '\n'));
    cli_free(&cli);
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

/* CMS's IsolateSandbox builds exactly this command line. */
static void test_cms_run(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    char **argv = ARGV("isolate", "--cg", "--box-id=1001", "--chdir=/box", "--dir=/tmp=/var/tmp/x:rw",
                       "--dir=/dev/shm:tmp", "--env=PATH=/usr/bin", "--fsize=1024", "--stdin=in.txt",
                       "--stdout=out.txt", "--stderr=err.txt", "--stack=65536", "--cg-mem=262144", "--processes=1",
                       "--time=1.5", "--wall-time=3", "--extra-time=0.5", "--meta=/tmp/meta.txt", "--run", "--",
                       "/usr/bin/prog", "arg");
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_true(cli.isolate_mode);
    assert_int_equal(cli.cmd, RB_CMD_RUN);
    assert_int_equal(cli.box_id, 1001);
    assert_int_equal(cli.run.box_id, 1001);
    assert_string_equal(cli.run.chdir, "/box");
    assert_int_equal(cli.run.n_dirs, 2);
    assert_string_equal(cli.run.dirs[0].inside, "/tmp");
    assert_string_equal(cli.run.dirs[0].outside, "/var/tmp/x");
    assert_int_equal(cli.run.dirs[0].flags, RB_DIR_RW);
    assert_string_equal(cli.run.dirs[1].inside, "/dev/shm");
    assert_null(cli.run.dirs[1].outside);
    assert_int_equal(cli.run.dirs[1].flags, RB_DIR_TMP | RB_DIR_RW);
    assert_int_equal(cli.run.n_env, 1);
    assert_string_equal(cli.run.env[0], "PATH=/usr/bin");
    assert_false(cli.run.full_env);
    const struct rb_limits *l = &cli.run.limits;
    assert_int_equal(l->file_size, 1024ULL * 1024);
    assert_int_equal(l->stack, 65536ULL * 1024);
    assert_int_equal(l->memory, 262144ULL * 1024);
    assert_int_equal(l->processes, 1);
    assert_true(l->cpu_time_s == 1.5);
    assert_true(l->wall_time_s == 3.0);
    assert_true(l->extra_time_s == 0.5);
    assert_int_equal(l->open_files, 64);
    assert_int_equal(l->output_limit, 0);
    assert_int_equal(cli.run.limits_set, ALL_LIMITS);
    assert_string_equal(cli.run.stdin_path, "in.txt");
    assert_string_equal(cli.run.stdout_path, "out.txt");
    assert_string_equal(cli.run.stderr_path, "err.txt");
    assert_false(cli.run.stderr_to_stdout);
    assert_string_equal(cli.run.meta_path, "/tmp/meta.txt");
    assert_ptr_equal(cli.run.argv, &argv[20]);
    assert_string_equal(cli.run.argv[0], "/usr/bin/prog");
    assert_string_equal(cli.run.argv[1], "arg");
    assert_null(cli.run.argv[2]);
    assert_null(cli.run.code);
    assert_null(cli.config_path);
    cli_free(&cli);
}

/* CMS passes a bare --processes for multi-process languages. */
static void test_bare_processes(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--cg", "--box-id=3", "--processes", "--run", "--", "/bin/sh"), &cli, err),
                     0);
    assert_int_equal(cli.cmd, RB_CMD_RUN);
    assert_int_equal(cli.run.limits.processes, 0);
    assert_true(cli.run.limits_set & RB_LIM_PROCESSES);
    assert_string_equal(cli.run.argv[0], "/bin/sh");

    assert_int_equal(parse(ARGV("isolate", "--run", "--processes", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 0);
    assert_int_equal(parse(ARGV("isolate", "-p", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 0);
    assert_int_equal(parse(ARGV("isolate", "-p5", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 5);
    assert_int_equal(parse(ARGV("isolate", "-p", "6", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 6);
    assert_int_equal(parse(ARGV("isolate", "--processes", "12", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 12);
}

static void test_init_cleanup(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--box-id=5", "--cg", "--init"), &cli, err), 0);
    assert_true(cli.isolate_mode);
    assert_int_equal(cli.cmd, RB_CMD_INIT);
    assert_int_equal(cli.box_id, 5);
    assert_null(cli.run.argv);

    assert_int_equal(parse(ARGV("isolate", "--cleanup"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_CLEANUP);
    assert_int_equal(cli.box_id, 0); /* isolate's default box */

    assert_int_equal(parse(ARGV("isolate", "--cg", "--box-id=64017", "--cleanup"), &cli, err), 0);
    assert_int_equal(cli.box_id, 64017);

    /* rustbox under its own name switches syntax on the mode flag. */
    assert_int_equal(parse(ARGV("rustbox", "-b", "2", "--init", "--"), &cli, err), 0);
    assert_true(cli.isolate_mode);
    assert_int_equal(cli.cmd, RB_CMD_INIT);
    assert_int_equal(cli.box_id, 2);
    assert_int_equal(parse(ARGV("/opt/rustbox", "--cleanup", "--box-id", "9"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_CLEANUP);
    assert_int_equal(cli.box_id, 9);

    /* 006-init-with-args */
    expect_error(ARGV("isolate", "--init", "prog"), "--init mode takes no parameters");
    expect_error(ARGV("isolate", "--cleanup", "--", "x"), "--cleanup mode takes no parameters");
}

static void test_short_options_full_path(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    char **argv = ARGV("/usr/bin/isolate", "-b3", "-t1", "-m", "65536", "--run", "--", "x");
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_true(cli.isolate_mode);
    assert_int_equal(cli.cmd, RB_CMD_RUN);
    assert_int_equal(cli.box_id, 3);
    assert_true(cli.run.limits.cpu_time_s == 1.0);
    assert_int_equal(cli.run.address_space, 65536ULL * 1024); /* -m: RLIMIT_AS, as isolate sets it */
    assert_ptr_equal(cli.run.argv, &argv[7]);
    assert_null(cli.run.argv[1]);
}

static void test_isolate_defaults(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--run", "--", "/bin/true"), &cli, err), 0);
    const struct rb_limits *l = &cli.run.limits;
    assert_int_equal(cli.run.limits_set, ALL_LIMITS);
    assert_true(l->cpu_time_s == 0);
    assert_true(l->wall_time_s == 0);
    assert_true(l->extra_time_s == 0);
    assert_int_equal(l->memory, 0);
    assert_int_equal(l->processes, 1);
    assert_int_equal(l->file_size, 0);
    assert_int_equal(l->open_files, 64);
    assert_int_equal(l->stack, 0);
    assert_int_equal(l->output_limit, 0);
    assert_int_equal(cli.box_id, 0);
    assert_int_equal(cli.run.n_dirs, 0);
    assert_int_equal(cli.run.n_env, 0);
    assert_null(cli.run.stdin_path);
    assert_false(cli.verbose);
    assert_false(cli.silent);
    assert_false(cli.dry_run);
}

static void test_all_short_options(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    char **argv = ARGV("isolate", "-b", "7", "-c", "/box/w", "-d", "/opt=/srv/opt:noexec", "-E", "LANG=C", "-E", "HOME",
                       "-e", "-f", "100", "-i", "i", "-k", "200", "-M", "/tmp/m", "-n", "10", "-o", "o", "-r", "r",
                       "-t", "2", "-w", "4", "-x", "1", "-vv", "-s", "--cg-timing", "--run", "--", "prog");
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_int_equal(cli.box_id, 7);
    assert_false(cli.run.process_timing); /* --cg-timing: isolate's default */
    assert_string_equal(cli.run.chdir, "/box/w");
    assert_string_equal(cli.run.dirs[0].inside, "/opt");
    assert_string_equal(cli.run.dirs[0].outside, "/srv/opt");
    assert_int_equal(cli.run.dirs[0].flags, RB_DIR_NOEXEC);
    assert_int_equal(cli.run.n_env, 2);
    assert_string_equal(cli.run.env[0], "LANG=C");
    assert_string_equal(cli.run.env[1], "HOME");
    assert_true(cli.run.full_env);
    assert_int_equal(cli.run.limits.file_size, 100ULL * 1024);
    assert_string_equal(cli.run.stdin_path, "i");
    assert_int_equal(cli.run.limits.stack, 200ULL * 1024);
    assert_string_equal(cli.run.meta_path, "/tmp/m");
    assert_int_equal(cli.run.limits.open_files, 10);
    assert_string_equal(cli.run.stdout_path, "o");
    assert_string_equal(cli.run.stderr_path, "r");
    assert_true(cli.run.limits.cpu_time_s == 2.0);
    assert_true(cli.run.limits.wall_time_s == 4.0);
    assert_true(cli.run.limits.extra_time_s == 1.0);
    assert_true(cli.verbose);
    assert_true(cli.silent);
    assert_string_equal(cli.run.argv[0], "prog");
    cli_free(&cli);
}

static void test_long_options_with_spaces(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--box-id", "8", "--time", "0.5", "--mem", "1024", "--stdin", "a",
                                "--stderr-to-stdout", "--full-env", "--open-files", "0", "--run", "--", "y"),
                           &cli, err),
                     0);
    assert_int_equal(cli.box_id, 8);
    assert_true(cli.run.limits.cpu_time_s == 0.5);
    assert_int_equal(cli.run.address_space, 1024ULL * 1024);
    assert_string_equal(cli.run.stdin_path, "a");
    assert_true(cli.run.stderr_to_stdout);
    assert_null(cli.run.stderr_path);
    assert_true(cli.run.full_env);
    assert_int_equal(cli.run.limits.open_files, 0);
    assert_false(cli.run.special_files);
    assert_int_equal(parse(ARGV("isolate", "--special-files", "--run", "--", "y"), &cli, err), 0);
    assert_true(cli.run.special_files);
    assert_false(cli.run.share_net);
    assert_int_equal(parse(ARGV("isolate", "--share-net", "--run", "--", "y"), &cli, err), 0);
    assert_true(cli.run.share_net);

    /* The later of --stderr and --stderr-to-stdout wins, as in isolate. */
    assert_int_equal(parse(ARGV("isolate", "--stderr-to-stdout", "-r", "e", "--run", "--", "y"), &cli, err), 0);
    assert_false(cli.run.stderr_to_stdout);
    assert_string_equal(cli.run.stderr_path, "e");
}

/* isolate's reading of 0 (isolate.c's setup_rlimits and cg.c): no limit.
 * --open-files=0, documented as "0=unlimited", is as many open files as the
 * host allows, set at run time. Nothing is refused. */
static void test_zero_limits_mean_no_limit(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN] = "";
    assert_int_equal(
        parse(ARGV("isolate", "--cg", "--cg-mem=0", "-p0", "--open-files=0", "-f", "0", "-k", "0", "--run", "--", "x"),
              &cli, err),
        0);
    assert_int_equal(cli.run.limits.memory, 0);
    assert_int_equal(cli.run.limits.processes, 0);
    assert_int_equal(cli.run.limits.open_files, 0);
    assert_int_equal(cli.run.limits.file_size, 0);
    assert_int_equal(cli.run.limits.stack, 0);
    assert_int_equal(cli.run.limits_set, ALL_LIMITS);
    cli_free(&cli);
    assert_int_equal(parse(ARGV("isolate", "--processes=0", "-m", "0", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.processes, 0);
    assert_int_equal(cli.run.limits.memory, 0);
    cli_free(&cli);
}

static void test_memory_precedence(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--cg-mem=1000", "--mem=5000", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.memory, 1000ULL * 1024);
    assert_int_equal(parse(ARGV("isolate", "-m", "5000", "--cg", "--cg-mem", "2000", "--run", "--", "x"), &cli, err),
                     0);
    assert_int_equal(cli.run.limits.memory, 2000ULL * 1024);
    assert_int_equal(parse(ARGV("isolate", "--mem=0", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.memory, 0);
}

/* Like isolate, options stop at the program: its own flags are left alone. */
/* getopt_long's permutation: options may follow the program's first word;
 * "--" ends them. */
static void test_program_without_dashdash(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    char **argv = ARGV("isolate", "-t", "1", "--run", "/bin/echo", "-w", "5", "hi");
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_RUN);
    assert_true(cli.run.limits.cpu_time_s == 1.0);
    assert_true(cli.run.limits.wall_time_s == 5.0);
    assert_ptr_equal(cli.run.argv, &argv[6]);
    assert_string_equal(cli.run.argv[0], "/bin/echo");
    assert_string_equal(cli.run.argv[1], "hi");
    assert_null(cli.run.argv[2]);

    /* Words before "--" come first, then what follows it. */
    char **argv2 = ARGV("isolate", "--run", "prog", "-s", "--", "--", "-x");
    assert_int_equal(parse(argv2, &cli, err), 0);
    assert_true(cli.silent);
    assert_ptr_equal(cli.run.argv, &argv2[4]);
    assert_string_equal(cli.run.argv[0], "prog");
    assert_string_equal(cli.run.argv[1], "--");
    assert_string_equal(cli.run.argv[2], "-x");

    /* A program's own option after its name is isolate's, as in isolate. */
    expect_error(ARGV("isolate", "--run", "/bin/echo", "-t", "5", "--init"), "Only one command is allowed.");
}

static void test_no_default_dirs(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    /* Rules of the caller survive -D whichever side of it they are on. */
    assert_int_equal(parse(ARGV("isolate", "--dir=/usr", "-D", "-d", "/lib=/srv/lib", "--run", "--", "x"), &cli, err),
                     0);
    assert_int_equal(cli.run.n_dirs, 6);
    assert_string_equal(cli.run.dirs[0].inside, "/usr");
    assert_int_equal(cli.run.dirs[0].flags, 0);
    assert_string_equal(cli.run.dirs[1].inside, "/lib");
    assert_string_equal(cli.run.dirs[1].outside, "/srv/lib");
    static const char *const removed[] = { "/bin", "/lib64", "/tmp", "/dev/shm" };
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(cli.run.dirs[2 + i].inside, removed[i]);
        assert_null(cli.run.dirs[2 + i].outside);
        assert_int_equal(cli.run.dirs[2 + i].flags, RB_DIR_REMOVE);
    }
    cli_free(&cli);

    assert_int_equal(parse(ARGV("isolate", "--no-default-dirs", "--init"), &cli, err), 0);
    assert_int_equal(cli.run.n_dirs, 6);
    cli_free(&cli);
}

static void test_version_help_extras(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--version"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_VERSION);
    assert_true(cli.isolate_mode);

    assert_int_equal(parse(ARGV("isolate", "--help"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);
    assert_true(cli.isolate_mode);
    /* --help wins over a bad value. */
    assert_int_equal(parse(ARGV("isolate", "--time=x", "--run", "-h", "--", "y"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_HELP);
    /* ... but not when it belongs to the program. */
    assert_int_equal(parse(ARGV("isolate", "--run", "--", "y", "--help"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_RUN);

    assert_int_equal(parse(ARGV("isolate", "--config=/etc/t.json", "--dry-run", "--as-uid=1000", "--as-gid", "1000",
                                "--core=0", "--no-cg-timing", "--init"),
                           &cli, err),
                     0);
    assert_string_equal(cli.config_path, "/etc/t.json");
    assert_true(cli.dry_run);
    assert_int_equal(cli.cmd, RB_CMD_INIT);
    assert_true(cli.run.process_timing); /* --no-cg-timing */

    assert_int_equal(parse(ARGV("isolate", "--init", "--init"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_INIT);
}

/* Usage errors, worded as isolate (and glibc's getopt) word them; the
 * recorded case each comes from is named. */
static void test_errors(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    static const char no_cmd[] = "Please specify an isolate command (e.g. --init, --run).";
    expect_error(ARGV("isolate"), no_cmd);
    expect_error(ARGV("isolate", "--cg", "-b", "1"), no_cmd); /* 004-no-command */
    expect_error(ARGV("isolate", "prog", "x"), no_cmd);
    expect_error(ARGV("isolate", "--init", "--run", "--", "x"), "Only one command is allowed.");
    expect_error(ARGV("isolate", "--cg", "-b", "1", "--run"), "--run mode requires a command to run"); /* 005 */
    expect_error(ARGV("isolate", "--run", "--"), "--run mode requires a command to run");
    /* 007-invalid-numeric: isolate's opt_uint */
    expect_error(ARGV("isolate", "--cg", "-b", "1", "-m", "abc", "--run", "--", "/bin/true"),
                 "Invalid numeric parameter: abc");
    expect_error(ARGV("isolate", "--box-id=-1", "--init"), "Numeric parameter out of range: -1");
    expect_error(ARGV("isolate", "-b", "99999999999", "--init"), "Numeric parameter out of range: 99999999999");
    expect_error(ARGV("isolate", "--cg-mem=256M", "--run", "--", "x"), "Invalid numeric parameter: 256M");
    expect_error(ARGV("isolate", "--fsize=", "--run", "--", "x"), "Invalid numeric parameter: ");
    expect_error(ARGV("isolate", "-k", "1.5", "--run", "--", "x"), "Invalid numeric parameter: 1.5");
    expect_error(ARGV("isolate", "--processes=many", "--run", "--", "x"), "Invalid numeric parameter: many");
    expect_error(ARGV("isolate", "-n", "4294967296", "--run", "--", "x"), "Numeric parameter out of range: 4294967296");
    expect_error(ARGV("isolate", "--core=x", "--run", "--", "x"), "Invalid numeric parameter: x");
    expect_error(ARGV("isolate", "--as-uid=root", "--as-gid=0", "--init"), "Invalid numeric parameter: root");
    /* isolate reads times with atof; rustbox refuses what is not one. */
    expect_error(ARGV("isolate", "--time=1s", "--run", "--", "x"), "--time: invalid time '1s' (use seconds, e.g. 1.5)");
    expect_error(ARGV("isolate", "-w", "-3", "--run", "--", "x"), "-w: invalid time '-3' (use seconds, e.g. 1.5)");
    /* rustbox's own limits on what isolate would take. */
    expect_error(ARGV("isolate", "-n", "3000000000", "--run", "--", "x"),
                 "-n: number '3000000000' is too large (at most 2147483647)");
    expect_error(ARGV("isolate", "--stdout=", "--run", "--", "x"), "--stdout: the value must not be empty");
    expect_error(ARGV("isolate", "--env=1X=2", "--run", "--", "x"),
                 "--env: invalid variable name '1X' in '1X=2' (use letters, digits and _, not starting with a digit)");
    /* getopt's words, argv[0] first: 002-unknown-long-option */
    expect_error(ARGV("isolate", "--frobnicate", "--cg", "-b", "1", "--init"),
                 "isolate: unrecognized option '--frobnicate'");
    /* 2.x's --wait and --print-cg-root are taken (003-wait-option-absent is
     * a deliberate difference); --print-cg-root is a command of its own. */
    struct rb_cli taken;
    char e[ERRLEN] = "";
    assert_int_equal(parse(ARGV("isolate", "--wait", "--init"), &taken, e), 0);
    assert_true(taken.wait_for_box);
    assert_int_equal(taken.cmd, RB_CMD_INIT);
    cli_free(&taken);
    assert_int_equal(parse(ARGV("isolate", "--print-cg-root"), &taken, e), 0);
    assert_int_equal(taken.cmd, RB_CMD_PRINT_CG_ROOT);
    cli_free(&taken);
    expect_error(ARGV("isolate", "--print-cg-root", "--init"), "Only one command is allowed.");
    expect_error(ARGV("/usr/bin/isolate", "-Z", "--run", "--", "x"), "/usr/bin/isolate: invalid option -- 'Z'");
    expect_error(ARGV("isolate", "-b"), "isolate: option requires an argument -- 'b'");
    expect_error(ARGV("isolate", "--init", "--box-id"), "isolate: option '--box-id' requires an argument");
    expect_error(ARGV("isolate", "--cg=1", "--init"), "isolate: option '--cg' doesn't allow an argument");
    expect_error(ARGV("isolate", "--as-uid=1000", "--init"), "--as-uid and --as-gid must be used either both or none");
    /* An empty box path is isolate's usage error too. */
    expect_error(ARGV("isolate", "--dir=/=/srv", "--run", "--", "x"), "Invalid directory rule specified: /=/srv");
    /* Every one of these prints isolate's usage after the message. */
    assert_int_equal(parse(ARGV("isolate", "-m", "abc", "--init"), &cli, err), -EINVAL);
    assert_true(cli.usage_error);
    assert_true(cli.isolate_mode);
}

/* isolate's --quota=BLOCKS,INODES (KiB and inodes of box/, for --init). */
static void test_quota(void **state)
{
    (void)state;
    struct rb_cli cli;
    char err[ERRLEN] = "";
    assert_int_equal(parse(ARGV("isolate", "--quota=100,10", "--init"), &cli, err), 0);
    assert_int_equal(cli.quota_blocks, 100);
    assert_int_equal(cli.quota_inodes, 10);
    cli_free(&cli);
    assert_int_equal(parse(ARGV("isolate", "-q", "2048,5", "-b", "3", "--init"), &cli, err), 0);
    assert_int_equal(cli.quota_blocks, 2048);
    assert_int_equal(cli.quota_inodes, 5);
    cli_free(&cli);
    assert_int_equal(parse(ARGV("isolate", "--init"), &cli, err), 0);
    assert_int_equal(cli.quota_blocks, 0);
    cli_free(&cli);
    expect_error(ARGV("isolate", "--quota=100", "--init"), "--quota: expected BLOCKS,INODES, got '100'");
    expect_error(ARGV("isolate", "--quota=0,10", "--init"),
                 "--quota: expected BLOCKS,INODES (positive numbers), got '0,10'");
    expect_error_has(ARGV("isolate", "-q", "1,x", "--init"), "-q: expected BLOCKS,INODES");
}

/* isolate's fatal errors (die) while parsing: the parse succeeds with the
 * message in cli.fatal, for the command to report with the meta file. */
static void expect_fatal(char **argv, const char *msg, const char *meta)
{
    struct rb_cli cli;
    char err[ERRLEN] = "";
    assert_int_equal(parse(argv, &cli, err), 0);
    assert_string_equal(cli.fatal, msg);
    assert_int_equal(cli.cmd, RB_CMD_NONE);
    if (meta)
        assert_string_equal(cli.run.meta_path, meta);
    else
        assert_null(cli.run.meta_path);
    assert_null(cli.run.dirs); /* freed */
    cli_free(&cli);
}

static void test_fatal(void **state)
{
    /* 008-dir-unknown-option: the meta file of an earlier -M gets status:XX ... */
    expect_fatal(ARGV("isolate", "-M", "/tmp/m", "-d", "/a", "--dir=/data=/usr:bogus", "--run", "--", "/bin/true"),
                 "Unknown directory option bogus", "/tmp/m");
    /* ... a later one is never read (isolate dies before it). */
    expect_fatal(ARGV("isolate", "--dir=/data=/usr:rw:x1", "-M", "/tmp/m", "--run", "--", "x"),
                 "Unknown directory option x1", NULL);
    expect_fatal(ARGV("isolate", "--dir=/p=sysfs:fs", "--run", "--", "x"),
                 "--dir: filesystem type 'sysfs' in '/p=sysfs:fs' is not supported (use BOX=tmpfs:fs or BOX=proc:fs)",
                 NULL);
}

/* getopt_long's abbreviations: a prefix naming one long option is it. */
static void test_abbreviations(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--box=5", "--tim=1.5", "--wall", "3", "--cg", "--ini"), &cli, err), 0);
    assert_int_equal(cli.cmd, RB_CMD_INIT);
    assert_int_equal(cli.box_id, 5);
    assert_true(cli.run.limits.cpu_time_s == 1.5);
    assert_true(cli.run.limits.wall_time_s == 3.0);
    assert_true(cli.run.cg_meta_keys); /* an exact name wins over the longer ones it begins */
    expect_error(ARGV("isolate", "--init", "--box"), "isolate: option '--box-id' requires an argument");
    expect_error(ARGV("isolate", "--cg-t=1", "--init"), "isolate: option '--cg-timing' doesn't allow an argument");
    expect_error(ARGV("isolate", "--st=x", "--init"),
                 "isolate: option '--st=x' is ambiguous; possibilities: '--stack' '--stdin' '--stdout' '--stderr' "
                 "'--stderr-to-stdout'");
    /* rustbox's native spellings stay unknown here, abbreviated or not. */
    expect_error(ARGV("isolate", "--memor=1", "--init"), "isolate: unrecognized option '--memor=1'");
}

/* Options of isolate 1.10.1 that rustbox takes. */
static void test_isolate_extras(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--core=10", "--inherit-fds", "--tty-hack", "--as-uid=1000", "--as-gid",
                                "1001", "--run", "--", "x"),
                           &cli, err),
                     0);
    assert_int_equal(cli.run.core_size, 10 * 1024);
    assert_true(cli.run.inherit_fds);
    assert_true(cli.as_uid_set && cli.as_gid_set);
    assert_int_equal(cli.as_uid, 1000);
    assert_int_equal(cli.as_gid, 1001);
    /* Only root may act for another user. */
    assert_int_equal(cli_check_caller(&cli, 0, err, ERRLEN), 0);
    assert_int_equal(cli_check_caller(&cli, 1000, err, ERRLEN), -EINVAL);
    assert_string_equal(err, "--as-uid and --as-gid are allowed only to root");
    cli_free(&cli);
    /* Defaults: no core, the caller's descriptors closed. */
    assert_int_equal(parse(ARGV("isolate", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.core_size, 0);
    assert_false(cli.run.inherit_fds);
    assert_false(cli.as_uid_set);
    assert_int_equal(cli_check_caller(&cli, 1000, err, ERRLEN), 0);
    /* -d /x=:rw binds nothing, as in isolate: a removal rule. */
    assert_int_equal(parse(ARGV("isolate", "-d", "/usr=:rw", "--dir=/d=./data:norec", "--run", "--", "x"), &cli, err),
                     0);
    assert_int_equal(cli.run.dirs[0].flags, RB_DIR_REMOVE);
    assert_string_equal(cli.run.dirs[1].outside, "./data");
    assert_int_equal(cli.run.dirs[1].flags, RB_DIR_NOREC);
    cli_free(&cli);
}

/* isolate's units through the shared table: sizes are KiB; -m is each
 * process's address space, --cg-mem the box's memory. */
static void test_isolate_units(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(parse(ARGV("isolate", "--stack=64", "-f", "8", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.stack, 64ULL * 1024);
    assert_int_equal(cli.run.limits.file_size, 8ULL * 1024);
    assert_int_equal(parse(ARGV("isolate", "-k64", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.stack, 64ULL * 1024);
    /* -m and --cg-mem are two limits: the later -m counts. */
    assert_int_equal(parse(ARGV("isolate", "-m", "1", "--cg-mem=2", "-m", "3", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.limits.memory, 2ULL * 1024);
    assert_int_equal(cli.run.address_space, 3ULL * 1024);
    /* A bad -m is refused. */
    expect_error(ARGV("isolate", "--cg-mem=2", "-m", "2G", "--run", "--", "x"), "Invalid numeric parameter: 2G");
    /* The last of repeated options wins, as with getopt. */
    assert_int_equal(parse(ARGV("isolate", "-t", "1", "--time=2", "-i", "a", "-i", "b", "--run", "--", "x"), &cli, err),
                     0);
    assert_true(cli.run.limits.cpu_time_s == 2.0);
    assert_string_equal(cli.run.stdin_path, "b");
    assert_int_equal(cli.run.limits_set, ALL_LIMITS);
}

/* --dir specs from isolate's recorded cases (../shared/isolate-1.10.1). */
static void test_isolate_dir_cases(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    /* 081-dir-tmp-no-leading-slash, 084-dir-remove-default */
    assert_int_equal(parse(ARGV("isolate", "--dir=scratch:tmp", "--dir=/usr=", "--run", "--", "x"), &cli, err), 0);
    assert_int_equal(cli.run.n_dirs, 2);
    assert_string_equal(cli.run.dirs[0].inside, "/scratch");
    assert_null(cli.run.dirs[0].outside);
    assert_int_equal(cli.run.dirs[0].flags, RB_DIR_TMP | RB_DIR_RW | RB_DIR_NO_SLASH);
    assert_string_equal(cli.run.dirs[1].inside, "/usr");
    assert_int_equal(cli.run.dirs[1].flags, RB_DIR_REMOVE);
    cli_free(&cli);

    /* -D with the caller's own removal: one rule per path. */
    assert_int_equal(parse(ARGV("isolate", "-D", "--dir=/tmp=", "--init"), &cli, err), 0);
    assert_int_equal(cli.run.n_dirs, 6);
    assert_string_equal(cli.run.dirs[0].inside, "/tmp");
    for (size_t i = 0; i < cli.run.n_dirs; i++)
        assert_int_equal(cli.run.dirs[i].flags, RB_DIR_REMOVE);
    cli_free(&cli);

    /* -D needs room for its removal rules; the error names --dir. */
    char *argv[64];
    char specs[48][24]; /* room for any int, so no truncation to check */
    int argc = 0;
    argv[argc++] = "isolate";
    for (int i = 0; i < 48; i++) {
        snprintf(specs[i], sizeof(specs[i]), "--dir=/d%d", i);
        argv[argc++] = specs[i];
    }
    argv[argc++] = "-D";
    argv[argc++] = "--init";
    argv[argc] = NULL;
    assert_int_equal(parse(argv, &cli, err), -EINVAL);
    assert_string_equal(err, "--dir: too many rules (at most 48)");
    assert_null(cli.run.dirs);
    cli_free(&cli);
}

/* A failed parse frees what it built; the sanitizer build checks for leaks. */
static void test_error_after_allocations(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(
        parse(ARGV("isolate", "-d", "/a", "-d", "/b:rw", "-E", "A=1", "--time=bad", "--run", "--", "x"), &cli, err),
        -EINVAL);
    assert_int_equal(cli.run.n_dirs, 0);
    assert_null(cli.run.dirs);
    assert_int_equal(cli.run.n_env, 0);
    assert_null(cli.run.env);
    cli_free(&cli);

    assert_int_equal(isolate_parse(6, ARGV("isolate", "-d", "/a", "--init", "extra", "x"), &cli, err, ERRLEN), -EINVAL);
    assert_string_equal(err, "--init mode takes no parameters");
    assert_null(cli.run.dirs);
}

/* isolate_parse on its own does not depend on argv[0]. */
static void test_isolate_parse_direct(void **state)
{
    struct rb_cli cli;
    char err[ERRLEN];
    assert_int_equal(isolate_parse(4, ARGV("rustbox", "-b", "4", "--init"), &cli, err, ERRLEN), 0);
    assert_true(cli.isolate_mode);
    assert_int_equal(cli.cmd, RB_CMD_INIT);
    assert_int_equal(cli.box_id, 4);
    assert_string_equal(err, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cms_run),
        cmocka_unit_test(test_bare_processes),
        cmocka_unit_test(test_zero_limits_mean_no_limit),
        cmocka_unit_test(test_init_cleanup),
        cmocka_unit_test(test_short_options_full_path),
        cmocka_unit_test(test_isolate_defaults),
        cmocka_unit_test(test_all_short_options),
        cmocka_unit_test(test_long_options_with_spaces),
        cmocka_unit_test(test_memory_precedence),
        cmocka_unit_test(test_program_without_dashdash),
        cmocka_unit_test(test_no_default_dirs),
        cmocka_unit_test(test_version_help_extras),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_fatal),
        cmocka_unit_test(test_isolate_extras),
        cmocka_unit_test(test_abbreviations),
        cmocka_unit_test(test_isolate_units),
        cmocka_unit_test(test_isolate_dir_cases),
        cmocka_unit_test(test_error_after_allocations),
        cmocka_unit_test(test_isolate_parse_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

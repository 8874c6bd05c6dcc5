/* SPDX-License-Identifier: Apache-2.0 */
/* Regression tests for what the fuzzers (tests/fuzz) found: each replays the
 * input exactly as its harness fed it, and checks what the harness checked.
 *
 * 1. cli_parse: an argument holding a newline is echoed into the error
 *    message as is, so the error is two lines on stderr (SPEC §1: "Every
 *    error names what failed and why on stderr, one line") and a caller can
 *    forge a second "rustbox: ..." line. Found by fuzz_cli (its one-line
 *    check) within a few hundred executions, in both syntaxes. config.c
 *    already flattens control characters in its messages; cli.c and
 *    isolate_cli.c do not. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

/* fuzz_cli's input format: byte 0 picks argv[0], the rest is split at NULs. */
static int replay_cli(const unsigned char *data, size_t size, struct rb_cli *cli, char *err, size_t errlen,
                      char **keep_buf, char ***keep_argv)
{
    static const char *const names[] = { "rustbox", "isolate", "/usr/local/bin/isolate", "./build/rustbox" };
    const char *name = names[data[0] % 4];
    data++;
    size--;
    char *buf = malloc(size + 1);
    assert_non_null(buf);
    memcpy(buf, data, size);
    buf[size] = '\0';
    int argc = 2;
    for (size_t i = 0; i < size; i++)
        argc += buf[i] == '\0';
    char **argv = calloc((size_t)argc + 1, sizeof(char *));
    assert_non_null(argv);
    argv[0] = (char *)name;
    int k = 1;
    argv[k++] = buf;
    for (size_t i = 0; i < size; i++)
        if (buf[i] == '\0')
            argv[k++] = buf + i + 1;
    argv[k] = NULL;
    *keep_buf = buf;
    *keep_argv = argv;
    return cli_parse(k, argv, cli, err, errlen);
}

static void expect_one_line_error(const unsigned char *data, size_t size)
{
    struct rb_cli cli;
    char err[512] = "";
    char *buf, **argv;
    int r = replay_cli(data, size, &cli, err, sizeof(err), &buf, &argv);
    assert_int_equal(r, -EINVAL);
    assert_true(err[0] != '\0');
    if (strpbrk(err, "\r\n"))
        fail_msg("the error is not one line: \"%s\"", err);
    cli_free(&cli);
    free(argv);
    free(buf);
}

/* build/fuzz/artifacts/cli-crash-bfebf3783933e6623565e38501f32b2bceb2d6ac:
 * rustbox run --dir=/srvrw --dir /tmp= --dir run --dir "/\xe0" "\n" x */
static const unsigned char cli_crash_bfebf378[] = {
    0x00, 'r', 'u', 'n',  0x00, '-',  '-', 'd', 'i', 'r',  '=', '/',  's',  'r',  'v',  'r', 'w', 0x00,
    '-',  '-', 'd', 'i',  'r',  0x00, '/', 't', 'm', 'p',  '=', 0x00, '-',  '-',  'd',  'i', 'r', 0x00,
    'r',  'u', 'n', 0x00, '-',  '-',  'd', 'i', 'r', 0x00, '/', 0xe0, 0x00, '\n', 0x00, 'x',
};

static void test_cli_fuzz_artifact_bfebf378(void **state)
{
    (void)state;
    expect_one_line_error(cli_crash_bfebf378, sizeof(cli_crash_bfebf378));
}

/* The minimal forms, one per syntax and kind of message. */
static void test_cli_unknown_option_with_newline(void **state)
{
    (void)state;
    static const char in[] =
        "\x00run\x00--ti\nme\x00"
        "1";
    expect_one_line_error((const unsigned char *)in, sizeof(in) - 1);
}

static void test_cli_bad_value_with_newline(void **state)
{
    (void)state;
    static const char in[] =
        "\x00run\x00--memory\x00"
        "12\nrustbox: event=forged\x00--\x00x";
    expect_one_line_error((const unsigned char *)in, sizeof(in) - 1);
}

static void test_isolate_bad_box_id_with_newline(void **state)
{
    (void)state;
    static const char in[] = "\x01--box-id=1\n2\x00--init";
    expect_one_line_error((const unsigned char *)in, sizeof(in) - 1);
}

static void test_cli_bad_dir_with_carriage_return(void **state)
{
    (void)state;
    static const char in[] = "\x00run\x00--dir\x00/a=relative\r:bogus\x00--\x00x";
    expect_one_line_error((const unsigned char *)in, sizeof(in) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_fuzz_artifact_bfebf378),       cmocka_unit_test(test_cli_unknown_option_with_newline),
        cmocka_unit_test(test_cli_bad_value_with_newline),       cmocka_unit_test(test_isolate_bad_box_id_with_newline),
        cmocka_unit_test(test_cli_bad_dir_with_carriage_return),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the seccomp policy: every call on the deny-list resolves to a
 * number (none is skipped), and the loaded filter does what SPEC §3 says to
 * calls and socket families, checked in a forked child. No root needed. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <cmocka.h>

#include "seccomp_policy.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define NR_STATMOUNT 457
#define NR_LISTMOUNT 458
#define NR_OPEN_TREE_ATTR 467
#define X32_SYSCALL_BIT 0x40000000L

/* ---- the deny-list itself ---- */

static void test_every_denied_name_resolves(void **state)
{
    size_t n = 0;
    const struct seccomp_deny *list = seccomp_policy_denied(&n);
    assert_true(n > 50);
    for (size_t i = 0; i < n; i++) {
        const char *name = list[i].name;
        /* libseccomp knows it, or the table gives its number. */
        if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR && list[i].x86_64_nr < 0)
            fail_msg("%s: unknown to libseccomp and without a number in the policy", name);
        struct rb_error err = { 0 };
        int nr = -1;
        if (seccomp_policy_resolve(&list[i], &nr, &err) != 0)
            fail_msg("%s: %s", name, err.text);
        /* Once libseccomp knows a name the table numbers, they agree. */
        if (list[i].x86_64_nr >= 0)
            assert_int_equal(nr, list[i].x86_64_nr);
        for (size_t j = i + 1; j < n; j++)
            if (!strcmp(name, list[j].name))
                fail_msg("%s is listed twice", name);
    }
}

/* What this policy adds for calls newer than Debian 12's libseccomp. */
static void test_newer_calls_listed(void **state)
{
    static const struct {
        const char *name;
        int nr;
        bool kill;
    } want[] = {
        { "open_tree_attr", NR_OPEN_TREE_ATTR, true },
        { "statmount", NR_STATMOUNT, false },
        { "listmount", NR_LISTMOUNT, false },
        { "listns", 470, false },
    };
    size_t n = 0;
    const struct seccomp_deny *list = seccomp_policy_denied(&n);
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        size_t i = 0;
        while (i < n && strcmp(list[i].name, want[w].name))
            i++;
        if (i == n)
            fail_msg("%s is not on the deny-list", want[w].name);
        struct rb_error err = { 0 };
        int nr = -1;
        assert_int_equal(seccomp_policy_resolve(&list[i], &nr, &err), 0);
        assert_int_equal(nr, want[w].nr);
        assert_int_equal(list[i].kill, want[w].kill);
    }
}

static void test_unknown_name_fails_the_build(void **state)
{
    const struct seccomp_deny list[] = { { "mount", -1, true }, { "no_such_call", -1, true } };
    struct rb_error err = { 0 };
    assert_null(seccomp_policy_build_list(list, 2, &err));
    assert_int_equal(err.code, -ENOSYS);
    if (!strstr(err.text, "cannot resolve syscall no_such_call"))
        fail_msg("error '%s' does not name the call", err.text);

    /* A table number that contradicts libseccomp's is an error too. */
    const struct seccomp_deny wrong[] = { { "mount", 999, true } };
    struct rb_error err2 = { 0 };
    assert_null(seccomp_policy_build_list(wrong, 1, &err2));
    assert_int_equal(err2.code, -EINVAL);
    if (!strstr(err2.text, "mount"))
        fail_msg("error '%s' does not name the call", err2.text);

    /* The real list builds. */
    int r = 0;
    scmp_filter_ctx ctx = seccomp_policy_build(&r);
    assert_non_null(ctx);
    assert_int_equal(r, 0);
    seccomp_policy_free(ctx);
}

/* ---- the loaded filter, in a child ---- */

struct call {
    long nr;
    long a[4];
    bool i386; /* through int $0x80 */
};

struct outcome {
    int status; /* the child's wait status */
    bool returned;
    long ret;
    int err;
};

#define CALL(nr, a0, a1, a2, a3) ((struct call){ (nr), { (a0), (a1), (a2), (a3) }, false })
#define I386(nr, a0, a1, a2) ((struct call){ (nr), { (a0), (a1), (a2), 0 }, true })

static long do_call(const struct call *c)
{
    if (!c->i386)
        return syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3]);
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(c->nr), "b"(c->a[0]), "c"(c->a[1]), "d"(c->a[2]) : "memory");
    return r;
}

/* Makes the call in a child that has loaded the policy. */
static struct outcome under_policy(const struct call *c)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        int r = 0;
        scmp_filter_ctx ctx = seccomp_policy_build(&r);
        if (!ctx || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_policy_load(ctx) < 0)
            _exit(100);
        long rets[2];
        rets[0] = do_call(c);
        rets[1] = errno;
        _exit(write(p[1], rets, sizeof(rets)) == (ssize_t)sizeof(rets) ? 0 : 101);
    }
    close(p[1]);
    struct outcome o = { 0 };
    long rets[2];
    o.returned = read(p[0], rets, sizeof(rets)) == (ssize_t)sizeof(rets);
    close(p[0]);
    assert_int_equal(waitpid(pid, &o.status, 0), pid);
    if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == 100)
        fail_msg("the child could not build or load the policy");
    o.ret = rets[0];
    o.err = (int)rets[1];
    return o;
}

static void expect_killed(const char *what, struct call c)
{
    struct outcome o = under_policy(&c);
    if (!WIFSIGNALED(o.status) || WTERMSIG(o.status) != SIGSYS)
        fail_msg("%s: not killed by SIGSYS (returned %ld, errno %d)", what, o.ret, o.err);
}

static void expect_errno(const char *what, struct call c, int want)
{
    struct outcome o = under_policy(&c);
    if (!o.returned)
        fail_msg("%s: did not return (wait status %#x)", what, o.status);
    if (o.ret != -1 || o.err != want)
        fail_msg("%s: returned %ld errno %d (%s), expected errno %d (%s)", what, o.ret, o.err, strerror(o.err), want,
                 strerror(want));
}

static void expect_works(const char *what, struct call c)
{
    struct outcome o = under_policy(&c);
    if (!o.returned || o.ret < 0)
        fail_msg("%s: failed (returned %ld, errno %d %s, wait status %#x)", what, o.ret, o.err, strerror(o.err),
                 o.status);
}

static int pair[2];

static void test_newer_calls_filtered(void **state)
{
    /* open_tree_attr is a mount call libseccomp 2.5.4 cannot name: killed
     * like open_tree, not let through. */
    expect_killed("open_tree_attr", CALL(NR_OPEN_TREE_ATTR, -100, 0, 0, 0));
    expect_killed("open_tree", CALL(SYS_open_tree, -100, 0, 0, 0));
    expect_errno("statmount", CALL(NR_STATMOUNT, 0, 0, 0, 0), ENOSYS);
    expect_errno("listmount", CALL(NR_LISTMOUNT, 0, 0, 0, 0), ENOSYS);
    expect_errno("clone3", CALL(SYS_clone3, 0, 0, 0, 0), ENOSYS);
}

static void test_socket_families(void **state)
{
    /* AF_VSOCK reaches the host's vsock port space whatever the network
     * namespace: refused, with an error rather than a kill. */
    expect_errno("socket(AF_VSOCK)", CALL(SYS_socket, AF_VSOCK, SOCK_STREAM, 0, 0), EAFNOSUPPORT);
    expect_errno("socket(AF_PACKET)", CALL(SYS_socket, AF_PACKET, SOCK_RAW, 0, 0), EAFNOSUPPORT);
    expect_errno("socket(AF_ALG)", CALL(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0, 0), EAFNOSUPPORT);
    expect_errno("socket(AF_UNSPEC)", CALL(SYS_socket, AF_UNSPEC, SOCK_STREAM, 0, 0), EAFNOSUPPORT);
    /* The kernel reads the family as an int: high bits must not smuggle an
     * allowed-looking value past the filter, nor a denied one. */
    expect_errno("socket(1 << 32 | AF_VSOCK)", CALL(SYS_socket, (long)(1UL << 32 | AF_VSOCK), SOCK_STREAM, 0, 0),
                 EAFNOSUPPORT);
    expect_errno("socket(1 << 32 | AF_INET)", CALL(SYS_socket, (long)(1UL << 32 | AF_INET), SOCK_STREAM, 0, 0),
                 EAFNOSUPPORT);
    expect_errno("socketpair(AF_VSOCK)", CALL(SYS_socketpair, AF_VSOCK, SOCK_STREAM, 0, (long)pair), EAFNOSUPPORT);
    expect_errno("socketpair(AF_NETLINK)", CALL(SYS_socketpair, AF_NETLINK, SOCK_RAW, 0, (long)pair), EAFNOSUPPORT);

    expect_works("socket(AF_UNIX)", CALL(SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0));
    expect_works("socket(AF_INET)", CALL(SYS_socket, AF_INET, SOCK_STREAM, 0, 0));
    expect_works("socket(AF_INET, UDP)", CALL(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0));
    expect_works("socket(AF_INET6)", CALL(SYS_socket, AF_INET6, SOCK_STREAM, 0, 0));
    /* Netlink: the routing protocol (if_nameindex, getifaddrs), nothing else. */
    expect_works("socket(AF_NETLINK, NETLINK_ROUTE)", CALL(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, 0));
    expect_errno("socket(AF_NETLINK, NETLINK_AUDIT)", CALL(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, 0),
                 EPROTONOSUPPORT);
    expect_errno("socket(AF_NETLINK, NETLINK_GENERIC)", CALL(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, 0),
                 EPROTONOSUPPORT);
    expect_errno("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)",
                 CALL(SYS_socket, AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT, 0), EPROTONOSUPPORT);
    expect_errno("socket(AF_NETLINK, 1 << 32 | NETLINK_ROUTE)",
                 CALL(SYS_socket, AF_NETLINK, SOCK_RAW, (long)(1UL << 32 | NETLINK_ROUTE), 0), EPROTONOSUPPORT);
    expect_works("socketpair(AF_UNIX)", CALL(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)pair));
}

/* The filter holds x86_64 only: i386's socketcall(2), its direct socket(2)
 * and the x32 ABI never reach the family check, they end the process. */
static void test_other_abis_killed(void **state)
{
    expect_killed("x32 socket", CALL(X32_SYSCALL_BIT | SYS_socket, AF_VSOCK, SOCK_STREAM, 0, 0));
    /* A kernel without IA32 emulation has no i386 ABI to go through:
     * int $0x80 faults (SIGSEGV) before any filter sees it. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct call getpid32 = I386(20, 0, 0, 0);
        _exit(do_call(&getpid32) > 0 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        skip();
    long args[3] = { AF_VSOCK, SOCK_STREAM, 0 };
    expect_killed("i386 socketcall(SYS_SOCKET)", I386(102, 1, (long)args, 0));
    expect_killed("i386 socket", I386(359, AF_VSOCK, SOCK_STREAM, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_denied_name_resolves),
        cmocka_unit_test(test_newer_calls_listed),
        cmocka_unit_test(test_unknown_name_fails_the_build),
        cmocka_unit_test(test_newer_calls_filtered),
        cmocka_unit_test(test_socket_families),
        cmocka_unit_test(test_other_abis_killed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

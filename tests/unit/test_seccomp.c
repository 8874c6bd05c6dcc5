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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <cmocka.h>

#include "seccomp_filter.h"
#include "seccomp_policy.h"
#include "fdpass.h"

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

/* The program compiled into the binary at build time is exactly what
 * libseccomp makes of the policy now: a policy edit without a rebuilt
 * program, or a libseccomp that compiles it differently, fails here. */
static void test_compiled_program_is_the_policy(void **state)
{
    (void)state;
    int r = 0;
    scmp_filter_ctx ctx = seccomp_policy_build(&r);
    assert_non_null(ctx);
    int mfd = memfd_create("policy", MFD_CLOEXEC);
    assert_true(mfd >= 0);
    assert_int_equal(seccomp_export_bpf(ctx, mfd), 0);
    seccomp_policy_free(ctx);
    off_t size = lseek(mfd, 0, SEEK_END);
    size_t n = 0;
    const struct sock_filter *compiled = seccomp_filter_program(&n);
    assert_true(n > 0);
    assert_int_equal((size_t)size, n * sizeof(struct sock_filter));
    struct sock_filter *fresh = calloc(n, sizeof(*fresh));
    assert_non_null(fresh);
    assert_int_equal(pread(mfd, fresh, (size_t)size, 0), size);
    for (size_t i = 0; i < n; i++)
        if (memcmp(&fresh[i], &compiled[i], sizeof(*fresh)) != 0)
            fail_msg("instruction %zu differs: rebuild the program (make)", i);
    free(fresh);
    close(mfd);
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
    bool denied;      /* the listener got it as a denied call (the child was killed) */
    bool fsize_noted; /* the listener got it as a possible SIGXFSZ forgery and let it run */
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

/* Makes the call in a child that has loaded the policy; this process holds
 * the filter's listener and answers as rustbox's supervisor does: a denied
 * call kills the child, a noted one goes on. */
static struct outcome under_policy(const struct call *c)
{
    int p[2], sk[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sk), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        close(sk[0]);
        int listener = -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_filter_load(&listener) < 0 ||
            fd_send(sk[1], listener) < 0)
            _exit(100);
        close(listener);
        close(sk[1]);
        long rets[2];
        rets[0] = do_call(c);
        rets[1] = errno;
        _exit(write(p[1], rets, sizeof(rets)) == (ssize_t)sizeof(rets) ? 0 : 101);
    }
    close(p[1]);
    close(sk[1]);
    struct outcome o = { 0 };
    int listener = fd_recv(sk[0], 0);
    close(sk[0]);
    long rets[2];
    for (;;) {
        struct pollfd pfd[2] = { { p[0], POLLIN, 0 }, { listener, POLLIN, 0 } };
        assert_true(poll(pfd, 2, -1) > 0);
        if (pfd[0].revents) {
            o.returned = read(p[0], rets, sizeof(rets)) == (ssize_t)sizeof(rets);
            break;
        }
        if (!(pfd[1].revents & POLLIN))
            continue;
        struct seccomp_notif req;
        memset(&req, 0, sizeof(req));
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
            continue;
        if (seccomp_policy_notice(&req.data) == SECCOMP_NOTICE_DENIED) {
            o.denied = true;
            kill(pid, SIGKILL);
            continue;
        }
        o.fsize_noted = true;
        struct seccomp_notif_resp resp = { .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
        assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
    }
    close(p[0]);
    if (listener >= 0)
        close(listener);
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
    if (!o.denied || o.returned || !WIFSIGNALED(o.status) || WTERMSIG(o.status) != SIGKILL)
        fail_msg("%s: not stopped as a denied call (returned %ld, errno %d)", what, o.ret, o.err);
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
    if (o.denied || o.fsize_noted)
        fail_msg("%s: reached the listener", what);
}

/* The call runs, and the listener noted it (or, noted false, did not). */
static void expect_noted(const char *what, struct call c, bool noted)
{
    struct outcome o = under_policy(&c);
    if (!o.returned || o.denied)
        fail_msg("%s: did not run (wait status %#x)", what, o.status);
    if (o.fsize_noted != noted)
        fail_msg("%s: %s", what, noted ? "not noted" : "noted");
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

static void test_runtime_probes_get_enosys(void **state)
{
    /* SPEC §3: calls a runtime probes and falls back from fail, they do not
     * kill; calls no ordinary program makes still do. */
    expect_errno("ptrace", CALL(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0), ENOSYS);
    expect_errno("process_vm_readv", CALL(SYS_process_vm_readv, 1, 0, 0, 0), ENOSYS);
    expect_errno("process_vm_writev", CALL(SYS_process_vm_writev, 1, 0, 0, 0), ENOSYS);
    expect_errno("perf_event_open", CALL(SYS_perf_event_open, 0, 0, -1, -1), ENOSYS);
    expect_errno("keyctl", CALL(SYS_keyctl, 0, -4, 0, 0), ENOSYS);
    expect_errno("add_key", CALL(SYS_add_key, 0, 0, 0, 0), ENOSYS);
    expect_errno("request_key", CALL(SYS_request_key, 0, 0, 0, 0), ENOSYS);
    expect_errno("io_uring_setup", CALL(SYS_io_uring_setup, 8, 0, 0, 0), ENOSYS);
    expect_errno("io_uring_enter", CALL(SYS_io_uring_enter, -1, 0, 0, 0), ENOSYS);
    expect_errno("io_uring_register", CALL(SYS_io_uring_register, -1, 0, 0, 0), ENOSYS);
    expect_errno("userfaultfd", CALL(SYS_userfaultfd, 0, 0, 0, 0), ENOSYS);
    expect_errno("memfd_secret", CALL(SYS_memfd_secret, 0, 0, 0, 0), ENOSYS);
    expect_killed("bpf", CALL(SYS_bpf, 0, 0, 0, 0));
    expect_killed("kexec_load", CALL(SYS_kexec_load, 0, 0, 0, 0));
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

/* SIGXFSZ reaches a process without the file-size limit only by a call
 * the listener sees; the call still runs (to no process here: ESRCH).
 * Other signals and resources go straight through. */
static void test_fsize_forgeries_noted(void **state)
{
    const long nobody = 0x7ffffff0;
    expect_noted("kill(SIGXFSZ)", CALL(SYS_kill, nobody, SIGXFSZ, 0, 0), true);
    expect_noted("kill(1 << 32 | SIGXFSZ)", CALL(SYS_kill, nobody, (long)(1UL << 32 | SIGXFSZ), 0, 0), true);
    expect_noted("kill(SIGXCPU)", CALL(SYS_kill, nobody, SIGXCPU, 0, 0), false);
    expect_noted("tgkill(SIGXFSZ)", CALL(SYS_tgkill, nobody, nobody, SIGXFSZ, 0), true);
    expect_noted("fcntl(F_SETSIG, SIGXFSZ)", CALL(SYS_fcntl, 0, F_SETSIG, SIGXFSZ, 0), true);
    expect_noted("fcntl(F_SETSIG, SIGIO)", CALL(SYS_fcntl, 0, F_SETSIG, SIGIO, 0), false);
    struct rlimit big = { RLIM_INFINITY, RLIM_INFINITY };
    expect_noted("prlimit64(RLIMIT_FSIZE, new)", CALL(SYS_prlimit64, 0, RLIMIT_FSIZE, (long)&big, 0), true);
    expect_noted("prlimit64(RLIMIT_FSIZE, NULL)", CALL(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, (long)&big), false);
    expect_noted("setrlimit(RLIMIT_FSIZE)", CALL(SYS_setrlimit, RLIMIT_FSIZE, (long)&big, 0, 0), true);
    expect_noted("getrlimit(RLIMIT_FSIZE)", CALL(SYS_getrlimit, RLIMIT_FSIZE, (long)&big, 0, 0), false);
}

/* The supervisor's reading of a notification, for what the rules cannot
 * tell apart: clone with an exit signal and a namespace flag at once, and
 * a signal call through another ABI. */
static void test_notice_classification(void **state)
{
    struct seccomp_data d = { .nr = SYS_kill, .arch = seccomp_arch_native() };
    assert_int_equal(seccomp_policy_notice(&d), SECCOMP_NOTICE_FSIZE);
    d.nr = SYS_clone;
    d.args[0] = SIGXFSZ;
    assert_int_equal(seccomp_policy_notice(&d), SECCOMP_NOTICE_FSIZE);
    d.args[0] = SIGXFSZ | CLONE_NEWUSER;
    assert_int_equal(seccomp_policy_notice(&d), SECCOMP_NOTICE_DENIED);
    d.args[0] = 0;
    d.nr = SYS_mount;
    assert_int_equal(seccomp_policy_notice(&d), SECCOMP_NOTICE_DENIED);
    d.nr = (int)(X32_SYSCALL_BIT | SYS_kill);
    assert_int_equal(seccomp_policy_notice(&d), SECCOMP_NOTICE_DENIED);
    d.nr = 37; /* i386 kill */
    d.arch = SCMP_ARCH_X86;
    assert_int_equal(seccomp_policy_notice(&d), SECCOMP_NOTICE_DENIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_denied_name_resolves),
        cmocka_unit_test(test_compiled_program_is_the_policy),
        cmocka_unit_test(test_newer_calls_listed),
        cmocka_unit_test(test_unknown_name_fails_the_build),
        cmocka_unit_test(test_newer_calls_filtered),
        cmocka_unit_test(test_runtime_probes_get_enosys),
        cmocka_unit_test(test_socket_families),
        cmocka_unit_test(test_other_abis_killed),
        cmocka_unit_test(test_fsize_forgeries_noted),
        cmocka_unit_test(test_notice_classification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

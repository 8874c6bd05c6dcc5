/* SPDX-License-Identifier: Apache-2.0 */
/* The calls a language runtime probes at start-up and falls back from
 * (SPEC §3): io_uring (libuv, Java), memfd_secret, the keyring, userfaultfd,
 * perf_event_open (JVMs), ptrace (sanitizers), process_vm_* and clone3
 * (glibc). Each is made with arguments that would work if the call were let
 * through; each must fail with ENOSYS or EPERM and the program must go on:
 * expected OK with "CONTAINED", never "ESCAPED" (and never SV). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

static int escaped;

static void expect_refused(const char *name, long r)
{
    if (r >= 0 || (errno != ENOSYS && errno != EPERM)) {
        printf("ESCAPED %s returned %ld errno=%d (%s)\n", name, r, errno, strerror(errno));
        escaped = 1;
    } else {
        printf("%s: %s\n", name, strerror(errno));
    }
}

int main(void)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    expect_refused("io_uring_setup", syscall(SYS_io_uring_setup, 8, &p));
    expect_refused("io_uring_enter", syscall(SYS_io_uring_enter, 3, 0, 0, 0, NULL, 0));
    expect_refused("io_uring_register", syscall(SYS_io_uring_register, 3, 0, NULL, 0));
    expect_refused("memfd_secret", syscall(SYS_memfd_secret, 0));
    expect_refused("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0));
    expect_refused("add_key", syscall(SYS_add_key, "user", "rbadv", "x", 1, KEY_SPEC_SESSION_KEYRING));
    expect_refused("request_key", syscall(SYS_request_key, "user", "rbadv", NULL, KEY_SPEC_SESSION_KEYRING));
    expect_refused("userfaultfd", syscall(SYS_userfaultfd, 0));
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.exclude_kernel = 1;
    expect_refused("perf_event_open", syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    expect_refused("ptrace", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
    char buf[16], here[16] = "rbadv";
    struct iovec local = { buf, sizeof(buf) }, remote = { here, sizeof(here) };
    expect_refused("process_vm_readv", process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
    expect_refused("process_vm_writev", process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
    /* clone3 with no flags would simply fork: refused all the same. */
    struct {
        unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } args = { 0 };
    long pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid == 0)
        _exit(0);
    expect_refused("clone3", pid);
    if (!escaped)
        printf("CONTAINED\n");
    return 0;
}

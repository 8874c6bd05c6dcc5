/* SPDX-License-Identifier: Apache-2.0 */
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Generated at build time: `static const struct sock_filter program[]`. */
#include "seccomp_program.inc"

const struct sock_filter *seccomp_filter_program(size_t *len)
{
    *len = sizeof(program) / sizeof(program[0]);
    return program;
}

int seccomp_filter_load(int *listener)
{
    struct sock_fprog prog = {
        .len = (unsigned short)(sizeof(program) / sizeof(program[0])),
        .filter = (struct sock_filter *)program,
    };
    _Static_assert(sizeof(program) / sizeof(program[0]) <= BPF_MAXINSNS, "the program fits one filter");
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0) {
        *listener = -1;
        return -errno;
    }
    *listener = (int)fd;
    /* The kernel makes the listener close-on-exec already (it is an
     * anon inode opened with O_CLOEXEC); checked, not assumed. */
    int flags = fcntl(*listener, F_GETFD);
    if (flags < 0 || (!(flags & FD_CLOEXEC) && fcntl(*listener, F_SETFD, flags | FD_CLOEXEC) < 0)) {
        int e = errno;
        (void)close(*listener);
        *listener = -1;
        return -e;
    }
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* try_syscall NAME: calls the named syscall with zero arguments and, if the
 * call returns, prints "NAME returned R errno=N" and exits 0. Without an
 * argument: the names rustbox's seccomp policy kills (expected verdict SV);
 * with --probes: the names it fails with ENOSYS (SPEC §3: calls a runtime
 * probes at start-up; expected "returned -1 errno=38" and OK). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
    const char *name;
    long nr;
    int probe; /* 1: fails with ENOSYS rather than killing */
} calls[] = {
    {"mount", SYS_mount},
    {"umount2", SYS_umount2},
    {"pivot_root", SYS_pivot_root},
    {"chroot", SYS_chroot},
    {"open_tree", 428},
    {"move_mount", 429},
    {"fsopen", 430},
    {"fsconfig", 431},
    {"fsmount", 432},
    {"fspick", 433},
    {"mount_setattr", 442},
    {"unshare", SYS_unshare},
    {"setns", SYS_setns},
    {"ptrace", SYS_ptrace, 1},
    {"process_vm_readv", SYS_process_vm_readv, 1},
    {"process_vm_writev", SYS_process_vm_writev, 1},
    {"bpf", SYS_bpf},
    {"perf_event_open", SYS_perf_event_open, 1},
    {"kexec_load", SYS_kexec_load},
    {"kexec_file_load", SYS_kexec_file_load},
    {"init_module", SYS_init_module},
    {"finit_module", SYS_finit_module},
    {"delete_module", SYS_delete_module},
    {"keyctl", SYS_keyctl, 1},
    {"add_key", SYS_add_key, 1},
    {"request_key", SYS_request_key, 1},
    {"io_uring_setup", 425, 1},
    {"io_uring_enter", 426, 1},
    {"io_uring_register", 427, 1},
    {"userfaultfd", SYS_userfaultfd, 1},
    {"memfd_secret", 447, 1},
    {"open_by_handle_at", SYS_open_by_handle_at},
    {"swapon", SYS_swapon},
    {"swapoff", SYS_swapoff},
    {"reboot", SYS_reboot},
    {"acct", SYS_acct},
    {"quotactl", SYS_quotactl},
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--probes") == 0) {
        int probes = argc >= 2;
        for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
            if (calls[i].probe == probes)
                printf("%s\n", calls[i].name);
        return 0;
    }
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (strcmp(argv[1], calls[i].name) == 0) {
            long r = syscall(calls[i].nr, 0, 0, 0, 0, 0, 0);
            printf("%s returned %ld errno=%d (%s)\n", argv[1], r, errno, strerror(errno));
            return 0;
        }
    }
    fprintf(stderr, "try_syscall: unknown syscall %s\n", argv[1]);
    return 2;
}

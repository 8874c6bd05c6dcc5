/* SPDX-License-Identifier: Apache-2.0 */
#include "seccomp_policy.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>

#include "util.h"

/* Syscalls no judged program has a reason to make: namespace and mount
 * manipulation, tracing, kernel extension, and the interfaces with a history
 * of sandbox escapes. Names unknown to this libseccomp/kernel are skipped. */
/* clang-format off: grouped by kind, a group a line */
static const char *const denied[] = {
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "kcmp",
    "bpf",
    "perf_event_open",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "userfaultfd",
    "memfd_secret",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "quotactl",
    "quotactl_fd",
    "lookup_dcookie",
    "vhangup",
    "pidfd_getfd",
    "fanotify_init",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "syslog",
    "iopl",
    "ioperm",
    "uselib",
};
/* clang-format on */

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, 0x00000080 /* CLONE_NEWTIME */,
};

scmp_filter_ctx seccomp_policy_build(int *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        *err = -ENOMEM;
        return NULL;
    }
    int r = 0;
    for (size_t i = 0; i < ARRAY_SIZE(denied) && r == 0; i++) {
        int nr = seccomp_syscall_resolve_name(denied[i]);
        if (nr == __NR_SCMP_ERROR)
            continue;
        r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
    }
    /* clone(2) with any namespace flag: one rule per flag, since a rule's
     * comparisons are ANDed and "any of these bits" needs an OR. */
    for (size_t i = 0; i < ARRAY_SIZE(namespace_flags) && r == 0; i++)
        r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]));
    if (r == 0) {
        int nr = seccomp_syscall_resolve_name("clone3");
        if (nr != __NR_SCMP_ERROR)
            r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    }
    if (r == 0)
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); /* the caller sets no_new_privs itself */
    if (r < 0) {
        seccomp_release(ctx);
        *err = r;
        return NULL;
    }
    return ctx;
}

int seccomp_policy_load(scmp_filter_ctx ctx)
{
    return seccomp_load(ctx);
}

void seccomp_policy_free(scmp_filter_ctx ctx)
{
    if (ctx)
        seccomp_release(ctx);
}

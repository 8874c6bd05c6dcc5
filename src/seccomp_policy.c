/* SPDX-License-Identifier: Apache-2.0 */
#include "seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "util.h"

/* The x86_64 number of a call libseccomp 2.5.4 does not know; on another
 * architecture the name must resolve or the policy does not build. */
#if defined(__x86_64__)
#define X86_64(nr) (nr)
#else
#define X86_64(nr) (-1)
#endif
/* clang-format off */
#define KILL(name) { name, -1, true }
#define KILL_NR(name, nr) { name, X86_64(nr), true }
#define NOSYS(name) { name, -1, false }
#define NOSYS_NR(name, nr) { name, X86_64(nr), false }
/* clang-format on */

/* Syscalls no judged program has a reason to make: namespace and mount
 * manipulation, tracing, kernel extension, and the interfaces with a history
 * of sandbox escapes. A name neither libseccomp nor this table can turn into
 * a number stops the build: skipping it would leave the call allowed.
 * Numbers are from the kernel's arch/x86/entry/syscalls/syscall_64.tbl.
 * Newer calls that only restrict or describe the caller itself (mseal,
 * lsm_*_self_attr, lsm_list_modules, landlock_*, map_shadow_stack, the
 * futex and *xattrat families, file_getattr/file_setattr) stay allowed:
 * docs/decisions.md. */
/* Grouped by kind, a group a few lines. */
/* clang-format off */
static const struct seccomp_deny denied[] = {
    /* mounts and the root */
    KILL("mount"), KILL("umount"), KILL("umount2"), KILL("pivot_root"), KILL("chroot"),
    KILL("move_mount"), KILL("open_tree"), KILL("fsopen"), KILL("fsconfig"), KILL("fsmount"), KILL("fspick"),
    KILL("mount_setattr"),
    KILL_NR("open_tree_attr", 467), /* Linux 6.15: open_tree that also sets mount attributes */
    /* Read-only views of the mount table (6.8) and of every namespace (6.19):
     * nothing a program needs, and ENOSYS is what an older kernel says, so
     * libmount and friends fall back to /proc/self/mountinfo. */
    NOSYS_NR("statmount", 457), NOSYS_NR("listmount", 458), NOSYS_NR("listns", 470),
    /* namespaces (clone's flags: below) */
    KILL("unshare"), KILL("setns"),
    /* other processes' memory */
    KILL("process_madvise"), KILL("kcmp"), KILL("pidfd_getfd"),
    /* the kernel itself */
    KILL("bpf"), KILL("kexec_load"), KILL("kexec_file_load"), KILL("init_module"),
    KILL("finit_module"), KILL("delete_module"), KILL("create_module"),
    KILL("lookup_dcookie"), KILL("fanotify_init"), KILL("syslog"),
    KILL("iopl"), KILL("ioperm"), KILL("uselib"),
    /* Calls language runtimes probe at start-up and do without when they
     * fail (libuv and Java's io_uring, glibc and Go's memfd_secret checks,
     * sanitizers' ptrace, OpenJDK's perf_event_open, keyrings in TLS
     * libraries): denied with ENOSYS, as a kernel without them says, so the
     * program falls back instead of dying. They still never run. */
    NOSYS("ptrace"), NOSYS("process_vm_readv"), NOSYS("process_vm_writev"), NOSYS("perf_event_open"),
    NOSYS("keyctl"), NOSYS("add_key"), NOSYS("request_key"), NOSYS("io_uring_setup"), NOSYS("io_uring_enter"),
    NOSYS("io_uring_register"), NOSYS("userfaultfd"), NOSYS("memfd_secret"),
    /* files by handle */
    KILL("open_by_handle_at"), KILL("name_to_handle_at"),
    /* the host's state */
    KILL("swapon"), KILL("swapoff"), KILL("reboot"), KILL("acct"), KILL("quotactl"), KILL("quotactl_fd"),
    KILL("vhangup"), KILL("settimeofday"), KILL("clock_settime"), KILL("clock_adjtime"), KILL("adjtimex"),
    /* clone3's flags are out of the filter's reach: libc falls back to clone */
    NOSYS("clone3"),
};
/* clang-format on */

/* Ways a process of the box gets SIGXFSZ delivered to itself or another
 * without the file-size limit: the signal-sending calls (argument sig_arg is
 * the signal), fcntl(F_SETSIG), and clone's exit signal. The filter hands
 * these to the supervisor, which notes them and lets the call go on
 * (docs/decisions.md). */
static const struct {
    int nr;
    unsigned sig_arg;
} fsize_senders[] = {
    { SCMP_SYS(kill), 1 },
    { SCMP_SYS(tkill), 1 },
    { SCMP_SYS(tgkill), 2 },
    { SCMP_SYS(rt_sigqueueinfo), 1 },
    { SCMP_SYS(rt_tgsigqueueinfo), 2 },
    { SCMP_SYS(pidfd_send_signal), 1 },
};

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, 0x00000080 /* CLONE_NEWTIME */,
};

/* The address families a program gets sockets of, ascending. AF_NETLINK
 * only for NETLINK_ROUTE (below): glibc's if_nameindex and getifaddrs read
 * the interfaces through it, and getaddrinfo's AI_ADDRCONFIG asks it first;
 * in the box's own network namespace it shows loopback alone, and changing
 * anything needs CAP_NET_ADMIN. Left out: AF_VSOCK, which no network
 * namespace confines, and AF_PACKET, AF_ALG and the others, kernel surface a
 * judged program has no use for. socketpair(2) exists for AF_UNIX only. */
static const unsigned socket_families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
static const unsigned socketpair_families[] = { AF_UNIX, AF_INET, AF_INET6 };

const struct seccomp_deny *seccomp_policy_denied(size_t *n)
{
    *n = ARRAY_SIZE(denied);
    return denied;
}

int seccomp_policy_resolve(const struct seccomp_deny *d, int *nr, struct rb_error *err)
{
    int known = seccomp_syscall_resolve_name(d->name);
    if (known != __NR_SCMP_ERROR && d->x86_64_nr >= 0 && known != d->x86_64_nr)
        return rb_error_say(err, -EINVAL, "seccomp policy: libseccomp numbers %s %d, the policy's table %d", d->name,
                            known, d->x86_64_nr);
    if (known == __NR_SCMP_ERROR)
        known = d->x86_64_nr;
    if (known == -1)
        return rb_error_set(err, -ENOSYS, "seccomp policy: cannot resolve syscall %s (libseccomp %u.%u.%u)", d->name,
                            seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
    *nr = known;
    return 0;
}

static int deny_families(scmp_filter_ctx ctx, int sys, const unsigned *allowed, size_t n)
{
    const uint32_t fail = SCMP_ACT_ERRNO(EAFNOSUPPORT);
    int r = 0;
    /* A rule's comparisons are ANDed and libseccomp takes one per argument,
     * so the complement of the list is spelt value by value below its
     * largest member and as one range above. Compared as 64-bit values, as
     * the kernel gets the register: any high bit set is above the range. */
    for (unsigned f = 0, i = 0; f < allowed[n - 1] && r == 0; f++) {
        if (f == allowed[i])
            i++;
        else
            r = seccomp_rule_add(ctx, fail, sys, 1, SCMP_A0(SCMP_CMP_EQ, f, 0));
    }
    if (r == 0)
        r = seccomp_rule_add(ctx, fail, sys, 1, SCMP_A0(SCMP_CMP_GT, allowed[n - 1], 0));
    return r;
}

scmp_filter_ctx seccomp_policy_build_list(const struct seccomp_deny *list, size_t n, struct rb_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        rb_error_set(err, -ENOMEM, "seccomp policy: seccomp_init");
        return NULL;
    }
    int r = 0, nr = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        r = seccomp_policy_resolve(&list[i], &nr, err);
        if (r == 0 && (r = seccomp_rule_add(ctx, list[i].kill ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(ENOSYS), nr, 0)) < 0)
            rb_error_set(err, r, "seccomp policy: rule for %s", list[i].name);
    }
    /* clone(2) with any namespace flag: one rule per flag, since a rule's
     * comparisons are ANDed and "any of these bits" needs an OR. */
    for (size_t i = 0; i < ARRAY_SIZE(namespace_flags) && r == 0; i++)
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]));
    /* What can forge a file-size verdict is only noted. Signals and
     * resources are ints to the kernel: only the low 32 bits are compared. */
    for (size_t i = 0; i < ARRAY_SIZE(fsize_senders) && r == 0; i++)
        r = seccomp_rule_add(
            ctx, SCMP_ACT_NOTIFY, fsize_senders[i].nr, 1,
            (struct scmp_arg_cmp){ fsize_senders[i].sig_arg, SCMP_CMP_MASKED_EQ, 0xffffffffu, SIGXFSZ });
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(fcntl), 2,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, F_SETSIG),
                             SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, SIGXFSZ));
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CSIGNAL, SIGXFSZ));
    /* A file-size limit the program sets itself is not the box's limit. */
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(setrlimit), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, RLIMIT_FSIZE));
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(prlimit64), 2,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, RLIMIT_FSIZE), SCMP_A2(SCMP_CMP_NE, 0, 0));
    if (r == 0)
        r = deny_families(ctx, SCMP_SYS(socket), socket_families, ARRAY_SIZE(socket_families));
    if (r == 0)
        r = deny_families(ctx, SCMP_SYS(socketpair), socketpair_families, ARRAY_SIZE(socketpair_families));
    /* Of netlink, NETLINK_ROUTE alone: not audit, uevents, netfilter, the
     * generic families and the rest. */
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT), SCMP_SYS(socket), 2,
                             SCMP_A0(SCMP_CMP_EQ, AF_NETLINK, 0), SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE, 0));
    /* The filter holds the native ABI only; a call through another one (int
     * $0x80, the x32 bit, and so i386's socketcall) is a denied call like
     * the others, for the whole box, not only the calling thread as
     * libseccomp's default would kill. */
    if (r == 0)
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY);
    if (r == 0)
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); /* the caller sets no_new_privs itself */
    /* Rules as a binary tree of syscall numbers: a call is decided in
     * O(log n) instructions rather than a scan, and the kernel's load-time
     * emulation of the filter for every syscall number (its cache of
     * always-allowed calls) costs a third of the linear program's. */
    if (r == 0)
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (r < 0) {
        rb_error_set(err, r, "seccomp policy");
        seccomp_release(ctx);
        return NULL;
    }
    return ctx;
}

scmp_filter_ctx seccomp_policy_build(int *err)
{
    struct rb_error e = { 0 };
    scmp_filter_ctx ctx = seccomp_policy_build_list(denied, ARRAY_SIZE(denied), &e);
    if (!ctx)
        *err = e.code ? e.code : -EINVAL;
    return ctx;
}

enum seccomp_notice seccomp_policy_notice(const struct seccomp_data *d)
{
    /* Another ABI, or x32 through the native one: the architecture check. */
    if (d->arch != seccomp_arch_native() || (d->nr & 0x40000000))
        return SECCOMP_NOTICE_DENIED;
    for (size_t i = 0; i < ARRAY_SIZE(fsize_senders); i++)
        if (d->nr == fsize_senders[i].nr)
            return SECCOMP_NOTICE_FSIZE;
    if (d->nr == SCMP_SYS(fcntl) || d->nr == SCMP_SYS(setrlimit) || d->nr == SCMP_SYS(prlimit64))
        return SECCOMP_NOTICE_FSIZE;
    if (d->nr == SCMP_SYS(clone)) {
        for (size_t i = 0; i < ARRAY_SIZE(namespace_flags); i++)
            if (d->args[0] & namespace_flags[i])
                return SECCOMP_NOTICE_DENIED;
        return SECCOMP_NOTICE_FSIZE;
    }
    return SECCOMP_NOTICE_DENIED;
}

void seccomp_policy_free(scmp_filter_ctx ctx)
{
    if (ctx)
        seccomp_release(ctx);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp policy: the deny-list of SPEC §3. A call on it either ends the
 * box (verdict SV: the filter hands it to the supervisor's listener, which
 * kills the box before the call runs) or fails with ENOSYS, the answer of a
 * kernel without it (clone3, whose flags live in memory a filter cannot
 * read, so libc falls back to clone(2), whose flags the filter checks; and
 * newer mount and namespace introspection calls). socket(2) takes only
 * AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK's NETLINK_ROUTE, socketpair(2)
 * the first three; any other family fails with EAFNOSUPPORT, another netlink
 * protocol with EPROTONOSUPPORT. Every other ABI (i386, x32) ends the box
 * too. The calls that could deliver SIGXFSZ without the file-size limit
 * (kill and its family, fcntl(F_SETSIG), clone's exit signal) or change
 * that limit reach the listener as well, which notes them and lets them
 * run: such a SIGXFSZ is the program's own signal, not OLE. */
#ifndef RUSTBOX_SECCOMP_POLICY_H
#define RUSTBOX_SECCOMP_POLICY_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One entry of the deny-list. */
struct seccomp_deny {
    const char *name;
    /* The x86_64 number, for a call newer than Debian 12's libseccomp
     * (2.5.4), which cannot resolve its name; -1 for every other call. */
    int x86_64_nr;
    bool kill; /* SIGSYS; false: ENOSYS */
};

/* The deny-list (*n entries), for the tests. */
const struct seccomp_deny *seccomp_policy_denied(size_t *n);
/* The number of d->name on the native architecture: libseccomp's, else the
 * entry's own x86_64 number (on x86_64). libseccomp may answer a negative
 * pseudo-number for a call this architecture lacks (umount on x86_64); a rule
 * for it is a no-op. 0, or -ENOSYS with err naming the call when neither
 * knows it, -EINVAL when they disagree. */
int seccomp_policy_resolve(const struct seccomp_deny *d, int *nr, struct rb_error *err);

/* Builds the filter (not loaded) from a deny-list: NULL with err filled when
 * a call on it cannot be resolved or libseccomp fails. Nothing is skipped. */
scmp_filter_ctx seccomp_policy_build_list(const struct seccomp_deny *list, size_t n, struct rb_error *err);
/* The same with the deny-list above. NULL with *err (-errno) set on failure. */
scmp_filter_ctx seccomp_policy_build(int *err);
/* It is loaded from the program compiled at build time (seccomp_filter.h).
 * Whoever holds the filter's listener decides the notified calls; a
 * notified call with no listener left fails with ENOSYS. */

/* What a notification from the filter stands for. */
enum seccomp_notice {
    SECCOMP_NOTICE_DENIED, /* a denied call: end the box, never let it run */
    SECCOMP_NOTICE_FSIZE,  /* SIGXFSZ sent or the file-size limit changed: note it, let it run */
};
enum seccomp_notice seccomp_policy_notice(const struct seccomp_data *d);
void seccomp_policy_free(scmp_filter_ctx ctx);

#endif

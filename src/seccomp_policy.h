/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp policy: the deny-list of SPEC §3. Everything on it kills the
 * process with SIGSYS (verdict SV), except clone3, whose flags live in memory
 * a filter cannot read: it fails with ENOSYS so libc falls back to clone(2),
 * whose flags the filter does check. */
#ifndef RUSTBOX_SECCOMP_POLICY_H
#define RUSTBOX_SECCOMP_POLICY_H

#include <seccomp.h>

/* Builds the filter (not loaded). NULL with *err set on failure. */
scmp_filter_ctx seccomp_policy_build(int *err);
/* Loads it into the calling process; no_new_privs must already be set. */
int seccomp_policy_load(scmp_filter_ctx ctx);
void seccomp_policy_free(scmp_filter_ctx ctx);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp_filter: the policy of seccomp_policy.h as a BPF program compiled
 * when rustbox is built (src/gen/seccomp_gen.c writes it with libseccomp),
 * loaded with one system call per run. Building the filter with libseccomp
 * at run time cost every run its API probing, rule building and BPF
 * generation; the unit tests check the compiled program is exactly what
 * libseccomp makes of the policy today. */
#ifndef RUSTBOX_SECCOMP_FILTER_H
#define RUSTBOX_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stddef.h>

/* The compiled program and its length in instructions. */
const struct sock_filter *seccomp_filter_program(size_t *len);
/* Loads it into the calling process (no_new_privs must be set) with a new
 * listener: *listener is its notification fd (close-on-exec), which must
 * leave the process before it execs the program. 0 or -errno. */
int seccomp_filter_load(int *listener);

#endif

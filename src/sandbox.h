/* SPDX-License-Identifier: Apache-2.0 */
/* sandbox: what happens inside the box's namespaces. The supervisor clones a
 * proxy (pid 1 of a fresh pid namespace) that builds the box's filesystem,
 * forks the payload and reports how it ended; the payload drops every
 * privilege and execs the program. When the proxy exits the kernel kills
 * whatever is left in the namespace, double-forked or setsid'd alike. */
#ifndef RUSTBOX_SANDBOX_H
#define RUSTBOX_SANDBOX_H

#include "sandbox_spec.h"

/* Runs in the cloned proxy; never returns. */
__attribute__((noreturn)) void sandbox_proxy_main(const struct rb_sandbox_spec *spec);

#endif

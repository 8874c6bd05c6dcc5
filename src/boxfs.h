/* SPDX-License-Identifier: Apache-2.0 */
/* boxfs: the box's filesystem, built by the proxy inside the run's own
 * mount namespace: the root (the box's tmpfs, or the isolate layout's
 * per-run one), /proc, the minimal /dev, the --dir rules over isolate's
 * defaults, then pivot_root into it. Nothing it mounts reaches the host. */
#ifndef RUSTBOX_BOXFS_H
#define RUSTBOX_BOXFS_H

#include "sandbox_spec.h"

/* Builds the box's filesystem and makes it the process's root; on any
 * failure it reports (sandbox_fail) and exits. */
void boxfs_build(const struct rb_sandbox_spec *s);

#endif

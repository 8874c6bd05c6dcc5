/* SPDX-License-Identifier: Apache-2.0 */
/* rootfs: the roots a box's proxy mounts inside the run's own mount
 * namespace (sandbox.h): a one-shot box's, and an isolate-layout box's,
 * whose host side is this: the box dir holds
 * box/ (the work dir, on the disk), root/ (an empty mount point on the
 * host) and tmp/ (root's): the run's root is a size- and inode-limited
 * tmpfs mounted on root/ in this namespace only, box/ is bound onto its
 * /box, and each ':tmp' rule is a dir below tmp/ that persists between
 * runs (tmp/tmp for the default /tmp, tmp/<path with '/' as ':'> for the
 * others), as isolate 1.10 keeps them. Every step is relative to a dir fd
 * of a directory only root changes, without following a symlink.
 * Functions return 0 or -errno with what failed in `what`. */
#ifndef RUSTBOX_ROOTFS_H
#define RUSTBOX_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "box.h"
#include "config.h"
#include "request.h"

/* Makes root/ (0750) and tmp/ (0755) when missing, mounts the run's root
 * tmpfs on root/ and, with bind_box, binds box/ onto its box/ (nosuid,
 * nodev; isolate's -D leaves it to a --dir rule). The mount
 * namespace must be private already: nothing of this reaches the host. */
int rootfs_isolate_root(const struct rb_box *box, const struct rb_config *cfg, bool bind_box, char *what, size_t wlen);

/* A one-shot box's root (native layout, not persistent): the size- and
 * inode-limited tmpfs mounted on box->root (the work root, which holds
 * nothing of this box) in the run's own mount namespace only, with its
 * box/ (0700, the box user's) made in it. Nothing of the box is on the
 * host: no dir to make or remove, no mount to undo, and the tmpfs dies
 * with the namespace. */
int rootfs_one_shot_root(const struct rb_box *box, const struct rb_config *cfg, char *what, size_t wlen);

/* Whether a ':tmp' rule is served by a dir below the box's tmp/ (isolate
 * layout, all but /dev/shm, which stays a per-run tmpfs below /dev). */
bool rootfs_tmp_on_disk(const struct rb_box *box, const struct rb_dir_rule *rule);

/* The rule's flags as the box's layout applies them: in the isolate layout
 * the default /tmp allows exec, as isolate's does. */
unsigned rootfs_rule_flags(const struct rb_box *box, const struct rb_dir_rule *rule);

/* The host name of a ':tmp' rule's dir below tmp/: "tmp" for /tmp, the box
 * path with every '/' turned into ':' otherwise (without the leading one
 * when the rule was written without it, as isolate names it).
 * -ENAMETOOLONG if it does not fit. */
int rootfs_tmp_name(const char *inside, bool no_slash, char *buf, size_t len);

/* Opens (making it, 0700, the box user's) the dir below tmp/ that serves
 * the ':tmp' rule: an O_PATH fd in *fd to bind from. */
int rootfs_tmp_source(const struct rb_box *box, const struct rb_dir_rule *rule, int *fd, char *what, size_t wlen);

#endif

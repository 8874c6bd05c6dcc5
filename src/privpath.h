/* SPDX-License-Identifier: Apache-2.0 */
/* privpath: whether a path the config names is root's alone. rustbox
 * builds, mounts and locks there as root, so a path a local user could
 * change (a component they own or may write) would let them plant what
 * root then works on. */
#ifndef RUSTBOX_PRIVPATH_H
#define RUSTBOX_PRIVPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Why an entry (owner uid, st_mode) on the way to a private path lets a
 * user other than root change what lies below it, or NULL when it does
 * not. `last`: the path itself, or its nearest existing ancestor when the
 * rest is yet to be made. */
const char *privpath_entry_unsafe(uid_t uid, mode_t mode, bool last);

/* 0, or -EINVAL with one line in err ("config <origin>: key "<key>": ...")
 * naming the component and why. Every existing component of path must pass
 * privpath_entry_unsafe, along the path as written and, when a link is on
 * the way, along the path it resolves to. */
int privpath_check(const char *origin, const char *key, const char *path, char *err, size_t errlen);

#endif

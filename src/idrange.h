/* SPDX-License-Identifier: Apache-2.0 */
/* idrange: the box uid/gid ranges against the ids the host gives out. Both
 * checks return 0, or -EINVAL with one line in err naming the config keys
 * (first_uid or first_gid, and num_boxes) and the id in the way. */
#ifndef RUSTBOX_IDRANGE_H
#define RUSTBOX_IDRANGE_H

#include <stddef.h>
#include <stdint.h>

/* Ids no box may take whatever the databases say (65534, 65535, systemd's
 * DynamicUser= range). Pure. */
int idrange_check_reserved(uint32_t first_uid, uint32_t first_gid, uint32_t num_boxes, const char *origin, char *err,
                           size_t errlen);
/* The passwd and group databases (NSS) and /etc/subuid, /etc/subgid. */
int idrange_check_host(uint32_t first_uid, uint32_t first_gid, uint32_t num_boxes, const char *origin, char *err,
                       size_t errlen);

/* The same, skipped when `stamp_dir` (a directory only root can write: the
 * state dir, checked by the caller) holds the stamp of an earlier pass with
 * the same range and the same passwd, group, subuid, subgid and
 * nsswitch.conf (device, inode, size, mtime). Only files-backed databases are
 * stamped: with another NSS source (LDAP, sss) every call asks again. A
 * missing stamp_dir just means no stamp. The NSS walk costs more than half a
 * millisecond a call; every rustbox command loads the config. */
int idrange_check_host_stamped(uint32_t first_uid, uint32_t first_gid, uint32_t num_boxes, const char *origin,
                               const char *stamp_dir, char *err, size_t errlen);

#endif

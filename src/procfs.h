/* SPDX-License-Identifier: Apache-2.0 */
/* procfs: the box's /proc. A procfs of the box's pid namespace with
 * hidepid=invisible (the box's processes only), its cpuinfo, meminfo and
 * stat replaced by the box's own (procinfo.h), the host-wide entries an
 * unprivileged reader could learn the host from covered, and /proc/sys
 * read-only (docs/decisions.md "The box's /proc"). */
#ifndef RUSTBOX_PROCFS_H
#define RUSTBOX_PROCFS_H

#include <stddef.h>
#include <stdint.h>

struct rb_error;

struct rb_procfs_spec {
    int rootfd;      /* O_PATH fd of the box's root (a tmpfs of root's): the synthesized files live there, unnamed */
    int mountpoint;  /* O_PATH fd of the (checked) directory /proc is mounted on, below rootfd */
    const char *dir; /* its name in rootfd ("proc") */
    uint64_t mem_total_kib;
};

/* Runs in the box's proxy, in its fresh mount and pid namespaces, before
 * pivot_root: nothing of the box runs yet. 0 or -errno, err naming what
 * failed without the errno's text (the setup report adds it). */
int procfs_mount(const struct rb_procfs_spec *spec, struct rb_error *err);

#endif

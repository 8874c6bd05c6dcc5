/* SPDX-License-Identifier: Apache-2.0 */
/* hostproc: what the host has right now — the mount points at or below a
 * directory and a box's mounts by mount id (from the mount table), the
 * processes of a uid and the CPU a process last ran on (from /proc).
 * Cleanup reads it to tear a box down and to prove it gone; the host scan,
 * to find what of rustbox is left anywhere. */
#ifndef RUSTBOX_HOSTPROC_H
#define RUSTBOX_HOSTPROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Mount points at or below dir, deepest first. On success *targets (and
 * each entry) is the caller's, freed with hostproc_free_mounts; on failure
 * (-ENOMEM, or -errno reading the table) nothing is held: *targets is NULL
 * and *n is 0. */
int hostproc_mounts_under(const char *dir, char ***targets, int *n);
void hostproc_free_mounts(char **targets, int n);

/* One mount of the table, known by its id (the first field of mountinfo).
 * A path can be faked or shadowed; the id is what the kernel calls it. */
struct rb_mount {
    uint64_t id;
    uint64_t parent;
    char *point; /* where it is mounted, unescaped */
};

/* A box's mounts: the mount `id` (0: none recorded) when it is still the
 * tmpfs named `source`, the mounts at or below `dir`, and every mount on top
 * of or below any of those (by parent id, wherever its path says it is).
 * Children come before their parents, so unmounting in order works. Same
 * ownership rules as hostproc_mounts_under; free with hostproc_free_mount_list. */
int hostproc_box_mounts(const char *dir, uint64_t id, const char *source, struct rb_mount **mounts, int *n);
void hostproc_free_mount_list(struct rb_mount *mounts, int n);
/* Whether the table holds mount `id`, with parent `parent` unless that is
 * 0, and as the tmpfs named `source` unless that is NULL. */
int hostproc_mount_present(uint64_t id, uint64_t parent, const char *source, bool *present);

/* The id of the mount fd is on (/proc/self/fdinfo's mnt_id). */
int hostproc_fd_mount_id(int fd, uint64_t *id);

/* Fills pids (up to max) with the processes whose effective uid is uid,
 * zombies left out; returns how many, or -errno if /proc cannot be read. */
int hostproc_pids_of_uid(uid_t uid, pid_t *pids, int max);

/* Field `field` of a /proc/<pid>/stat line, numbered as proc(5) numbers
 * them (1 is the pid, 2 the name in parentheses, which may hold spaces and
 * parentheses itself), as a number. -EINVAL when the line has no such
 * field or it is not a number. */
int hostproc_stat_field(const char *line, int field, long long *value);
/* The CPU process pid last ran on (its stat's field 39), or -errno. */
int hostproc_task_cpu(pid_t pid);

#endif

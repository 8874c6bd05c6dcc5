/* SPDX-License-Identifier: Apache-2.0 */
/* hostproc: what the host has right now — the mount points at or below a
 * directory (from the mount table) and the processes of a uid (from /proc).
 * Cleanup reads it to tear a box down and to prove it gone; the host scan,
 * to find what of rustbox is left anywhere. */
#ifndef RUSTBOX_HOSTPROC_H
#define RUSTBOX_HOSTPROC_H

#include <sys/types.h>

/* Mount points at or below dir, deepest first. On success *targets (and
 * each entry) is the caller's, freed with hostproc_free_mounts; on failure
 * (-ENOMEM, or -errno reading the table) nothing is held: *targets is NULL
 * and *n is 0. */
int hostproc_mounts_under(const char *dir, char ***targets, int *n);
void hostproc_free_mounts(char **targets, int n);

/* Fills pids (up to max) with the processes whose effective uid is uid,
 * zombies left out; returns how many, or -errno if /proc cannot be read. */
int hostproc_pids_of_uid(uid_t uid, pid_t *pids, int max);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* util: small helpers shared by every module (scoped cleanup, parsing, files). */
#ifndef RUSTBOX_UTIL_H
#define RUSTBOX_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "scoped.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "64M", "1G", "512K", "1048576" -> bytes. 0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, uint64_t *out);
/* "1.5", "0.25" seconds -> double; rejects negative, nan, junk. */
int parse_seconds(const char *s, double *out);
/* Non-negative decimal integer that fits in *out. */
int parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Whole-file helpers. read_file NUL-terminates; caller frees *out. */
int read_file(const char *path, char **out, size_t *len);
int write_file(const char *path, const char *data, int flags);
/* temp file + fsync + rename + fsync(dir): readers see old or new, never half. */
int write_file_atomic(const char *path, const char *data, mode_t mode);
int mkdir_p(const char *path, mode_t mode);

/* Files a caller names on the host and root writes (isolate's meta file):
 * the path is resolved one component at a time, and
 * - a symlink is followed only from a directory no one but root or the
 *   calling user can change (in a sticky one such as /tmp, only a link of
 *   theirs or of the directory's owner);
 * - `refuse`, when given, is asked about every directory reached (by its
 *   real path) and returns what it is when it is out of bounds ("the box
 *   directory ...", completing "it leads into ") or NULL;
 * - the file itself is never a symlink: a regular file or absent.
 * host_file_check only checks (before a run, so a bad path changes
 * nothing); host_file_write checks again and writes a new file in the same
 * directory, then renames it over the old one (which keeps its mode and
 * owner), so nothing it resolves is written through. 0 or -errno, with err
 * naming the path and why. */
struct rb_error;
typedef const char *(*host_dir_refuse_fn)(const char *dir, void *data);
int host_file_check(const char *path, host_dir_refuse_fn refuse, void *refuse_data, struct rb_error *err);
int host_file_write(const char *path, const char *text, host_dir_refuse_fn refuse, void *refuse_data,
                    struct rb_error *err);
/* Reads the decimal number in a one-value file such as a cgroup counter;
 * the _fd form from offset 0 of an open one (pread: a fresh read of a seq
 * file each time). */
int read_u64_file(const char *path, uint64_t *out);
int read_u64_fd(int fd, uint64_t *out);
/* What an open file holds from offset 0, up to cap - 1 bytes, NUL-ended. */
int read_text_fd(int fd, char *buf, size_t cap);

double monotonic_s(void);
/* CLOCK_MONOTONIC in microseconds: the clock of every phase timing. */
uint64_t monotonic_us(void);
/* ISO 8601 UTC, e.g. 2026-02-08T12:34:56Z; buf needs 21 bytes. */
void utc_timestamp(char *buf, size_t len);
/* The same for a given time. */
void utc_timestamp_at(time_t when, char *buf, size_t len);

/* snprintf for a path: 0, or -ENAMETOOLONG when it does not fit. A cut
 * path names another file, so it must never be used; buf then holds as much
 * of the path's start as fits, for the message that names it. */
int path_printf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* -errno after a call that failed, or -EIO should it not have set errno: a
 * failure must never read as success (or, from a counting function, as a
 * count). */
/* The smaller and larger of two numbers that are never NaN here (times,
 * limits): written out so the binary needs no libm. */
static inline double min_double(double a, double b)
{
    return a < b ? a : b;
}
static inline double max_double(double a, double b)
{
    return a > b ? a : b;
}

static inline int negative_errno(void)
{
    return errno > 0 ? -errno : -EIO;
}

/* asprintf that returns NULL on failure instead of leaving *out undefined. */
char *strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool pid_alive(pid_t pid);
/* A process that has exited but not been reaped holds nothing but its pid. */
bool proc_is_zombie(pid_t pid);
/* Gone, a zombie, or already exiting: a killed process tearing down its
 * namespaces shows in /proc for a moment, in the root cgroup. */
bool proc_is_dying(pid_t pid);
/* The state letter and the flags word of a /proc/<pid>/stat line; -EINVAL
 * if it does not parse. */
int proc_stat_parse(const char *line, char *state, unsigned long *flags);

struct stat;
/* Calls fn for every entry below and including path, children before their
 * directory (so fn may remove them), never crossing into another mount or
 * following a symlink. Every entry is visited even after a failure; returns
 * the first error. */
typedef int (*walk_fn)(int dirfd, const char *name, const struct stat *st, void *data);
int walk_tree(const char *path, walk_fn fn, void *data);
/* rm -rf that stays on path's filesystem and never follows symlinks. */
int remove_tree(const char *path);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup: per-run resource control behind one interface for cgroup v1 and v2.
 * A box's group is named <prefix>-<id> under the configured parent, and a
 * fresh one is made for every run so peak and OOM counters are that run's. */
#ifndef RUSTBOX_CGROUP_H
#define RUSTBOX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define RB_CG_MAX_CTRL 4
#define RB_CG_ROOT_DEFAULT "/sys/fs/cgroup"
/* A group dir: <root>/<controller>/<cgroup_parent>/<prefix>-<id> (v1) or
 * <root>/<cgroup_parent or prefix>/<prefix>-<id> (v2). config.h's
 * RB_CGROUP_PARENT_MAX is what the longest of them leaves for the parent. */
#define RB_CG_DIR_MAX 256
/* caps.why: a sentence that may name one group dir whole. */
#define RB_CG_WHY_MAX (RB_CG_DIR_MAX + 160)

/* What a backend can enforce on this host. */
struct rb_cg_caps {
    bool usable; /* the backend exists here at all */
    bool memory;
    bool pids;
    bool cpu;                /* CPU time accounting */
    char why[RB_CG_WHY_MAX]; /* when something is missing: what and why */
};

struct rb_cgroup {
    const struct rb_cgroup_backend *backend;
    int n_dirs;
    char dirs[RB_CG_MAX_CTRL][RB_CG_DIR_MAX]; /* one per hierarchy (v1) or one (v2) */
    int procs_fd[RB_CG_MAX_CTRL];             /* cgroup.procs, opened for the child to join */
};

struct rb_cg_usage {
    uint64_t cpu_ns;
    uint64_t memory_peak;
    uint64_t oom_kills;
};

/* The counter files a run reads, opened once when its program is on its
 * way: each read while the box runs is then one pread from offset 0 (a
 * fresh read of a seq file), not a lookup of a path in a group made a
 * moment before. -1: the host has no such counter (its figure reads 0). */
enum rb_cg_stat { RB_CG_STAT_CPU, RB_CG_STAT_MEMORY, RB_CG_STAT_OOM, RB_CG_STATS };
struct rb_cg_stats {
    int fd[RB_CG_STATS];
};

struct rb_cgroup_backend {
    const char *name; /* "v1" or "v2" */
    /* File a process writes "0" to in order to join. v1's `tasks` moves the
     * single calling thread without the global threadgroup lock, whose RCU
     * sync costs milliseconds per run; the payload is single-threaded then. */
    const char *join_file;
    void (*probe)(const char *root, const char *parent, struct rb_cg_caps *caps);
    /* Fills cg->dirs with the dirs the groups of boxes named <prefix>-<id>
     * live in, one per hierarchy of the controllers caps found, creating
     * nothing. -ENAMETOOLONG if one does not fit. */
    int (*parents)(struct rb_cgroup *cg, const struct rb_cg_caps *caps, const char *root, const char *parent,
                   const char *prefix);
    /* Creates the group(s) and applies the limits; fresh counters. */
    int (*create)(struct rb_cgroup *cg, uint64_t memory, uint64_t pids);
    /* Opens the group's counters into st (every fd -1 first); on failure
     * closes what it opened. */
    int (*open_stats)(const struct rb_cgroup *cg, struct rb_cg_stats *st);
    /* Reads them: cpu_ns only when cpu_only (what the limit loop needs). */
    int (*usage)(const struct rb_cg_stats *st, bool cpu_only, struct rb_cg_usage *u);
    /* Optional: 0 when the group surely holds no process (or is gone), 1
     * when it may, from one counter (v1: pids.current; v2: cgroup.events),
     * -errno when that cannot tell. */
    int (*populated)(const struct rb_cgroup *cg);
    /* Fills pids (up to max) with the processes still in the group. */
    int (*list_pids)(const struct rb_cgroup *cg, pid_t *pids, int max);
    /* Optional: kills every process in the group at once, descendants that
     * forked meanwhile included (v2: cgroup.kill). Returns how many processes
     * the group held, 0 if none or the group is gone, -EOPNOTSUPP when the
     * kernel lacks the means (cgroup_kill_all then signals pid by pid), or
     * another -errno. NULL: always pid by pid. */
    int (*kill)(const struct rb_cgroup *cg);
};

extern const struct rb_cgroup_backend rb_cgroup_v1;
extern const struct rb_cgroup_backend rb_cgroup_v2;

/* Picks the backend per SPEC §4 (auto: v2 on a pure cgroup2 host with cpu,
 * memory and pids, else v1). Returns NULL and fills caps->why if none fits. */
const struct rb_cgroup_backend *cgroup_select(enum rb_cg_choice want, const char *root, const char *parent,
                                              struct rb_cg_caps *caps);

void cgroup_init(struct rb_cgroup *cg, const struct rb_cgroup_backend *b);
/* cgroup_init, then the dirs of the group `name` (a box name <prefix>-<id>)
 * under the backend's parents; no I/O. -ENAMETOOLONG if a dir does not fit
 * (cg then has no dirs). */
int cgroup_describe(struct rb_cgroup *cg, const struct rb_cgroup_backend *b, const struct rb_cg_caps *caps,
                    const char *root, const char *parent, const char *prefix, const char *name);
/* Opens the join file of every dir so the child can join with a write of "0". */
int cgroup_open_procs(struct rb_cgroup *cg);
/* Child side, before exec: moves the calling process into the group. */
int cgroup_join(struct rb_cgroup *cg);
void cgroup_close_procs(struct rb_cgroup *cg);
void cgroup_stats_init(struct rb_cg_stats *st);
void cgroup_stats_close(struct rb_cg_stats *st);
/* For the backends: the value of `key` in a counter file of "key value"
 * lines (-ENODATA if absent), read from the open file with pread (a
 * one-value counter: util's read_u64_fd). */
int cgroup_stat_keyed(int fd, const char *key, uint64_t *out);
bool cgroup_keyed_value(const char *text, const char *key, uint64_t *out);
/* The backend's populated, or 1 (it may) when it has none or cannot tell. */
int cgroup_populated(const struct rb_cgroup *cg);
/* Sends SIGKILL to every process in the group. */
int cgroup_kill_all(const struct rb_cgroup *cg);
/* rmdir of every dir that still exists: 0, or the first -errno (and *failed_dir). */
int cgroup_remove(const struct rb_cgroup *cg, const char **failed_dir);
/* How many of the dirs still exist. */
int cgroup_count_existing(const struct rb_cgroup *cg);

#endif

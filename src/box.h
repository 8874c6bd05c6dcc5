/* SPDX-License-Identifier: Apache-2.0 */
/* box: a box's identity on the host (paths, uid, cgroup name), its lock in
 * the state dir, and the size-limited tmpfs root every run happens on. */
#ifndef RUSTBOX_BOX_H
#define RUSTBOX_BOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "context.h"
#include "error.h"

#define RB_BOX_NAME_MAX 128
#define RB_BOX_PATH_MAX 512

struct rb_box {
    long id;
    char name[RB_BOX_NAME_MAX];      /* <prefix>-<id>: cgroup and dir name */
    char dir[RB_BOX_PATH_MAX];       /* <work_root>/<name> */
    char root[RB_BOX_PATH_MAX];      /* <dir>/root: the tmpfs mount point */
    char workdir[RB_BOX_PATH_MAX];   /* <root>/box: /box inside */
    char lock_dir[RB_BOX_PATH_MAX];  /* <state_dir>/boxes/<id> */
    char lock_path[RB_BOX_PATH_MAX]; /* <lock_dir>/lock */
    /* Its cgroup dirs, <name> under the backend's parents (described, not
     * created; no backend when the host has none usable). Every run and
     * cleanup of the box uses these, never names of its own. */
    struct rb_cgroup cg;
    /* The id of the mount of its tmpfs root (0: none known), recorded in the
     * lock file: cleanup finds the box's mounts by it, not by a path. */
    uint64_t root_mnt_id;
    uid_t uid;
    gid_t gid;
    int lock_fd; /* -1 when not held */
    bool persistent;
    bool keep_special_files; /* the run's --special-files, for the hand-back after it */
};

/* Fills the identity of box `id`, its cgroup dirs included (no I/O).
 * -ERANGE if id is out of range, -ENAMETOOLONG if a path does not fit (the
 * config's bounds rule that out). */
int box_describe(const struct rb_ctx *ctx, long id, struct rb_box *box);

/* The functions below that take `err` name what failed there, with the path. */

/* Takes the box's lock (flock on the lock file), creating the file when
 * `create`. -ERANGE for an id past num_boxes; -EBUSY if another live process
 * holds it; -ENOENT if !create and the box was never initialised. */
int box_lock(const struct rb_ctx *ctx, long id, bool create, struct rb_box *box, struct rb_error *err);
/* Allocates a free one-shot box without races between parallel callers.
 * -EAGAIN when every id is taken; another -errno when the state dir is unusable. */
int box_lock_free_id(const struct rb_ctx *ctx, struct rb_box *box, struct rb_error *err);
/* Records who holds the box (pid 0: idle persistent box). */
int box_write_lock_info(const struct rb_box *box, pid_t holder, struct rb_error *err);
/* Reads the lock file's JSON (pid, persistent and, when mnt_id is not
 * NULL, the root's mount id or 0). */
int box_read_lock_info(const char *lock_path, pid_t *holder, bool *persistent, uint64_t *mnt_id);
/* Releases the lock; with `remove`, the lock file and dir go too. */
int box_unlock(struct rb_box *box, bool remove);

/* Creates <dir> (0700), mounts the tmpfs root on it through a dir fd and
 * makes the skeleton, every step relative to a dir fd without following a
 * symlink; records the mount's id in box->root_mnt_id. A <dir> that exists
 * already is a leftover, never reused: -EEXIST. Undoes its own steps on
 * failure. */
int box_create_root(const struct rb_ctx *ctx, struct rb_box *box, struct rb_error *err);
/* Whether the box's root is a mount (the one recorded, when one is). */
bool box_root_mounted(const struct rb_ctx *ctx, const struct rb_box *box);
/* isolate's hand-over: before a run only the work dir itself goes to the box
 * user, so the program can create files while the judge's own files keep
 * their owner and modes (a 0600 input stays unreadable, a 0722 output stays
 * writable); after the run the whole tree goes back to the caller
 * (handback.h). */
int box_chown_workdir(const struct rb_box *box, uid_t uid, gid_t gid, struct rb_error *err);

#endif

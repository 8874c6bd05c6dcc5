/* SPDX-License-Identifier: Apache-2.0 */
/* box: a box's identity on the host (paths, uid, cgroup name), its lock in
 * the state dir, and its directory in one of two layouts: rustbox's own (a
 * size-limited tmpfs root mounted on the host from init to cleanup, box/
 * inside it) or isolate's (box/ a plain dir on the disk, next to root/, an
 * empty mount point for the per-run root tmpfs, and tmp/, the box's /tmp
 * and its ':tmp' dirs). */
#ifndef RUSTBOX_BOX_H
#define RUSTBOX_BOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "context.h"
#include "error.h"

#define RB_BOX_NAME_MAX 128
#define RB_BOX_PATH_MAX 512

/* Where a box's files live (recorded in its lock file). */
enum rb_box_layout {
    RB_LAYOUT_NATIVE,  /* <dir>/root a host tmpfs mount, <dir>/root/box the work dir */
    RB_LAYOUT_ISOLATE, /* <dir>/box on the disk, <dir>/root mounted per run only, <dir>/tmp */
};

/* What an init asks the box to be: its layout and, isolate's --quota
 * (isolate layout only), the limits of a tmpfs on box/ (0: none). */
struct rb_box_shape {
    enum rb_box_layout layout;
    /* isolate 1.10.1 refuses a second --init of a box (-EEXIST); rustbox's
     * own init re-creates it from scratch. */
    bool refuse_existing;
    bool no_cg;            /* isolate's --init without --cg (rb_box.no_cg) */
    uint64_t quota_blocks; /* KiB */
    uint64_t quota_inodes;
};

struct rb_box {
    long id;
    char name[RB_BOX_NAME_MAX];      /* <prefix>-<id>: cgroup name (and dir name under work_root) */
    char parent[RB_BOX_PATH_MAX];    /* the dir that holds the box dir: work_root, or box_root */
    char leaf[RB_BOX_NAME_MAX];      /* the box dir's name in parent: <name>, or <id> under box_root */
    char dir[RB_BOX_PATH_MAX];       /* <parent>/<leaf> */
    char root[RB_BOX_PATH_MAX];      /* <dir>/root: the tmpfs mount point */
    char workdir[RB_BOX_PATH_MAX];   /* /box inside: <root>/box (native) or <dir>/box (isolate) */
    char tmpdir[RB_BOX_PATH_MAX];    /* isolate layout: <dir>/tmp, the host side of its tmp dirs */
    char lock_dir[RB_BOX_PATH_MAX];  /* <state_dir>/boxes/<id> */
    char lock_path[RB_BOX_PATH_MAX]; /* <lock_dir>/lock */
    /* Its cgroup dirs, <name> under the backend's parents (described, not
     * created; no backend when the host has none usable). Every run and
     * cleanup of the box uses these, never names of its own. */
    struct rb_cgroup cg;
    /* The id of the box's host mount (0: none known), recorded in the lock
     * file: cleanup finds the box's mounts by it, not by a path. Native
     * layout: its tmpfs root; isolate layout: the --quota tmpfs on box/, if
     * any (its root tmpfs is never on the host). */
    uint64_t root_mnt_id;
    enum rb_box_layout layout;
    uid_t uid;
    gid_t gid;
    int lock_fd; /* -1 when not held */
    bool persistent;
    /* isolate layout: made by --init without --cg, as isolate 1.10.1 makes
     * a box with no cgroup: a --cg run of it is refused as isolate's fails. */
    bool no_cg;
    bool keep_special_files; /* the run's --special-files, for the hand-back after it */
};

/* Fills the identity of box `id` in the native layout, its cgroup dirs
 * included (no I/O).
 * -ERANGE if id is out of range, -ENAMETOOLONG if a path does not fit (the
 * config's bounds rule that out). */
int box_describe(const struct rb_ctx *ctx, long id, struct rb_box *box);

/* Sets the box's layout and the paths that follow from it (no I/O):
 * -ENAMETOOLONG if a path does not fit (the config's bounds rule that out). */
int box_set_layout(const struct rb_ctx *ctx, struct rb_box *box, enum rb_box_layout layout);
const char *box_layout_name(enum rb_box_layout layout);
/* A one-shot box (native layout) has no dir on the host: its root is a
 * tmpfs mounted on the work root inside its run's mount namespace alone
 * (rootfs_one_shot_root). Points root there and workdir at its box/ (no
 * I/O); dir keeps the name cleanup and recovery look for. */
int box_set_one_shot_root(struct rb_box *box);

/* The functions below that take `err` name what failed there, with the path. */

/* Takes the box's lock (flock on the lock file), creating the file when
 * `create`, and takes the layout, mount id and persistence its lock file
 * records (a lock file without a layout: the isolate layout if box_root is
 * set and only <box_root>/<id> exists, else native). -ERANGE for an id past num_boxes; -EBUSY if another live process
 * holds it; -ENOENT if !create and the box was never initialised. */
int box_lock(const struct rb_ctx *ctx, long id, bool create, struct rb_box *box, struct rb_error *err);
/* Allocates a free one-shot box without races between parallel callers.
 * -EAGAIN when every id is taken; another -errno when the state dir is unusable. */
int box_lock_free_id(const struct rb_ctx *ctx, struct rb_box *box, struct rb_error *err);
/* Records who holds the box (pid 0: idle persistent box). */
int box_write_lock_info(const struct rb_box *box, pid_t holder, struct rb_error *err);
/* Reads the lock file's JSON (pid, persistent and, when mnt_id is not
 * NULL, the root's mount id or 0; when layout is not NULL, the layout,
 * left unchanged when the file names none). */
int box_read_lock_info(const char *lock_path, pid_t *holder, bool *persistent, uint64_t *mnt_id,
                       enum rb_box_layout *layout, bool *no_cg);
/* Releases the lock; with `remove`, the lock file and dir go too. */
int box_unlock(struct rb_box *box, bool remove);

/* Creates <dir> (0700), mounts the tmpfs root on it through a dir fd and
 * makes the skeleton, every step relative to a dir fd without following a
 * symlink; records the mount's id in box->root_mnt_id. A <dir> that exists
 * already is a leftover, never reused: -EEXIST. Undoes its own steps on
 * failure. */
int box_create_root(const struct rb_ctx *ctx, struct rb_box *box, struct rb_error *err);
/* isolate's --init: creates <dir> (0711) and <dir>/box (0700, the
 * caller's) on the disk, relative to dir fds without following a symlink;
 * with quota_blocks (KiB) a size- and inode-limited tmpfs is mounted on box/
 * and its id recorded in box->root_mnt_id. root/ and tmp/ come with the
 * first run (rootfs.h). -EEXIST for a <dir> already there. Undoes its own
 * steps on failure. */
int box_create_isolate(const struct rb_ctx *ctx, struct rb_box *box, uint64_t quota_blocks, uint64_t quota_inodes,
                       struct rb_error *err);
/* Whether the box's root is a mount (the one recorded, when one is). */
bool box_root_mounted(const struct rb_ctx *ctx, const struct rb_box *box);
/* Whether an idle box is whole: native, its root mounted; isolate, <dir>
 * and <dir>/box directories (and box/ the recorded mount, with a quota). */
bool box_intact(const struct rb_ctx *ctx, const struct rb_box *box);
/* isolate's hand-over: before a run only the work dir itself goes to the box
 * user, so the program can create files while the judge's own files keep
 * their owner and modes (a 0600 input stays unreadable, a 0722 output stays
 * writable); after the run the whole tree goes back to the caller
 * (handback.h). */
int box_chown_workdir(const struct rb_box *box, uid_t uid, gid_t gid, struct rb_error *err);

#endif

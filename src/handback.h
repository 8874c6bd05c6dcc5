/* SPDX-License-Identifier: Apache-2.0 */
/* handback: a persistent box's work dir going back to the judge after a run
 * (and the sweep before one). Symlinks, FIFOs, sockets and device nodes are
 * removed unless the run asked to keep them (--special-files, isolate's
 * rule), everything left is owned by the caller, and the modes the box
 * chose lose their set-id and group/other write bits. The walk is
 * iterative and relative to directory descriptors: no depth or path-length
 * limit, never a symlink followed, never a FIFO opened. */
#ifndef RUSTBOX_HANDBACK_H
#define RUSTBOX_HANDBACK_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct rb_handback {
    uid_t uid; /* the new owner: the caller */
    gid_t gid;
    uid_t box_uid;     /* entries it owns have modes the box chose */
    bool keep_special; /* --special-files: symlinks, FIFOs, sockets, devices stay */
    bool sweep_only;   /* before a run: only remove special files, touch nothing else */
    bool remove_all;   /* a box's teardown: every entry below dir goes (dir itself stays, empty) */
};

/* What becomes of one entry. */
enum rb_handback_action {
    RB_HB_KEEP,    /* stays (chown and chmod as the step says) */
    RB_HB_REMOVE,  /* a special file: unlinked */
    RB_HB_DESCEND, /* a directory: chown and chmod, then its entries */
};

struct rb_handback_step {
    enum rb_handback_action action;
    bool chown;  /* owner differs from hb->uid/gid */
    bool chmod;  /* mode below differs from the entry's */
    mode_t mode; /* permission bits (07777) to set when chmod */
};

/* Pure: the step for an entry of type and mode st_mode owned by uid:gid. */
struct rb_handback_step handback_decide(mode_t st_mode, uid_t uid, gid_t gid, const struct rb_handback *hb);

/* Pure: the permission bits of mode without set-uid, set-gid and group or
 * other write (the sticky bit and the rest stay). */
mode_t handback_mode(mode_t mode);

/* Applies handback_decide to dir and everything below it on the same
 * filesystem (a mount inside is neither entered nor changed; with
 * remove_all, the dirs holding one stay and their removal is an error). Goes on past
 * a failing entry; returns the first error (err names it), or 0. */
int handback_tree(const char *dir, const struct rb_handback *hb, struct rb_error *err);

#endif

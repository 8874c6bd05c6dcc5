/* SPDX-License-Identifier: Apache-2.0 */
/* handback: a work dir going back to the judge (handback.h). The tree is the
 * box's: it may be deeper than any stack or descriptor budget and hold
 * symlinks to host files and FIFOs nobody writes. So the walk keeps one
 * directory open at a time (it climbs back through ".." and checks that it
 * lands on the directory it left), acts on names relative to that
 * descriptor without following symlinks, and never opens anything but a
 * directory. */
#include "handback.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

mode_t handback_mode(mode_t mode)
{
    return mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID | S_IWGRP | S_IWOTH);
}

struct rb_handback_step handback_decide(mode_t st_mode, uid_t uid, gid_t gid, const struct rb_handback *hb)
{
    struct rb_handback_step s = { .action = RB_HB_KEEP, .mode = st_mode & 07777 };
    if (S_ISDIR(st_mode))
        s.action = RB_HB_DESCEND;
    else if (hb->remove_all || (!S_ISREG(st_mode) && !hb->keep_special))
        s.action = RB_HB_REMOVE;
    if (s.action == RB_HB_REMOVE || hb->sweep_only || hb->remove_all)
        return s;
    s.chown = uid != hb->uid || gid != hb->gid;
    /* Only modes the box chose are changed: the judge's own files keep
     * theirs, as in isolate (a 0722 output stays writable for the next
     * run). A symlink's mode means nothing and cannot be changed. */
    if (uid == hb->box_uid && !S_ISLNK(st_mode)) {
        s.mode = handback_mode(st_mode);
        s.chmod = s.mode != (st_mode & 07777);
    }
    return s;
}

/* A directory on the way down: where to climb back to, and the names of
 * its subdirectories (read before descending, so that nothing depends on a
 * directory stream surviving the climb). */
struct hb_frame {
    dev_t dev;
    ino_t ino;
    char **names;
    size_t n, next;
};

struct hb_walk {
    const struct rb_handback *hb;
    const char *top;
    dev_t dev;
    size_t depth;
    struct rb_error *err;
    int first;
};

static void hb_fail(struct hb_walk *w, int r, const char *what, const char *name)
{
    if (w->first == 0)
        w->first = r;
    (void)rb_error_set(w->err, r, "cannot %s %s (depth %zu under %s)", what, name, w->depth, w->top);
}

/* A directory itself, through its descriptor. */
static void hb_dir_self(struct hb_walk *w, int fd, const struct stat *st, const char *name)
{
    struct rb_handback_step s = handback_decide(st->st_mode, st->st_uid, st->st_gid, w->hb);
    if (s.chown && fchown(fd, w->hb->uid, w->hb->gid) < 0)
        hb_fail(w, -errno, "hand back the directory", name);
    if (s.chmod && fchmod(fd, s.mode) < 0)
        hb_fail(w, -errno, "set the mode of the directory", name);
}

/* Anything but a directory, by its name in dfd: unlinkat, fchownat and
 * fchmodat with AT_SYMLINK_NOFOLLOW neither follow a symlink nor open a
 * FIFO. */
static void hb_entry(struct hb_walk *w, int dfd, const char *name, const struct stat *st)
{
    struct rb_handback_step s = handback_decide(st->st_mode, st->st_uid, st->st_gid, w->hb);
    if (s.action == RB_HB_REMOVE) {
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
            hb_fail(w, -errno, w->hb->remove_all ? "remove" : "remove the special file", name);
        return;
    }
    /* A work dir on the disk (isolate's layout) may hold a hard link the
     * caller made to a file of someone else's it may write: its owner is
     * not ours to change, to the box user's or to the caller's. */
    if (st->st_nlink > 1 && st->st_uid != getuid() && st->st_uid != w->hb->uid && st->st_uid != w->hb->box_uid)
        return;
    if (s.chown && fchownat(dfd, name, w->hb->uid, w->hb->gid, AT_SYMLINK_NOFOLLOW) < 0)
        hb_fail(w, -errno, "hand back", name);
    if (s.chmod && fchmodat(dfd, name, s.mode, AT_SYMLINK_NOFOLLOW) < 0)
        hb_fail(w, -errno, "set the mode of", name);
}

static int hb_push_name(struct hb_frame *f, size_t *cap, const char *name)
{
    if (f->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        char **p = reallocarray(f->names, ncap, sizeof(*p));
        if (!p)
            return -ENOMEM;
        f->names = p;
        *cap = ncap;
    }
    if (!(f->names[f->n] = strdup(name)))
        return -ENOMEM;
    f->n++;
    return 0;
}

/* Hands back every entry of the directory fd but its subdirectories, whose
 * names go into f. */
static void hb_read_dir(struct hb_walk *w, int fd, struct hb_frame *f, const char *name)
{
    int rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0) {
        hb_fail(w, -errno, "read the directory", name);
        return;
    }
    _cleanup_dir_ DIR *d = fdopendir(rfd);
    if (!d) {
        hb_fail(w, -errno, "read the directory", name);
        (void)safe_close(rfd);
        return;
    }
    size_t cap = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno)
                hb_fail(w, -errno, "read the directory", name);
            return;
        }
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT)
                hb_fail(w, -errno, "inspect", de->d_name);
        } else if (!S_ISDIR(st.st_mode)) {
            hb_entry(w, fd, de->d_name, &st);
        } else if (st.st_dev != w->dev) {
            continue; /* a mount the judge made: not the box's, not ours to change */
        } else {
            int r = hb_push_name(f, &cap, de->d_name);
            if (r < 0) {
                hb_fail(w, r, "list the directory", name);
                return;
            }
        }
    }
}

static void hb_frame_free(struct hb_frame *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->names[i]);
    free(f->names);
}

/* Pushes a frame for the directory open at fd and hands back the
 * directory and its entries. */
static int hb_enter(struct hb_walk *w, struct hb_frame **stack, size_t *n, size_t *cap, int fd, const struct stat *st,
                    const char *name)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct hb_frame *p = reallocarray(*stack, ncap, sizeof(*p));
        if (!p)
            return -ENOMEM;
        *stack = p;
        *cap = ncap;
    }
    struct hb_frame *f = &(*stack)[(*n)++];
    *f = (struct hb_frame){ .dev = st->st_dev, .ino = st->st_ino };
    w->depth = *n - 1;
    hb_dir_self(w, fd, st, name);
    hb_read_dir(w, fd, f, name);
    return 0;
}

/* The descriptor of the next directory to work in, or -1 when the walk is
 * over; fd (the current one) is closed either way. */
static int hb_step(struct hb_walk *w, struct hb_frame **stack, size_t *n, size_t *cap, int fd)
{
    for (;;) {
        struct hb_frame *f = &(*stack)[*n - 1];
        if (f->next < f->n) {
            const char *name = f->names[f->next++];
            int cfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            struct stat st;
            if (cfd < 0) {
                if (errno != ENOENT)
                    hb_fail(w, -errno, "open the directory", name);
                continue;
            }
            int r = fstat(cfd, &st) < 0 ? -errno : 0;
            if (r < 0)
                hb_fail(w, r, "enter the directory", name);
            if (r < 0 || st.st_dev != w->dev) { /* a mount there: not ours */
                (void)safe_close(cfd);
                continue;
            }
            (void)safe_close(fd);
            r = hb_enter(w, stack, n, cap, cfd, &st, name);
            if (r < 0) {
                hb_fail(w, r, "enter the directory", name);
                (void)safe_close(cfd);
                return -1;
            }
            return cfd;
        }
        hb_frame_free(f);
        if (--*n == 0) {
            (void)safe_close(fd);
            return -1;
        }
        /* Climbing through ".." instead of keeping every ancestor open:
         * the depth is the box's choice, the descriptor limit is not. */
        const struct hb_frame *parent = &(*stack)[*n - 1];
        w->depth = *n - 1;
        int pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        int r = pfd < 0 || fstat(pfd, &st) < 0 ? -errno : 0;
        if (r == 0 && (st.st_dev != parent->dev || st.st_ino != parent->ino))
            r = -ESTALE; /* the tree moved under us: nothing below is known any more */
        (void)safe_close(fd);
        if (r < 0) {
            hb_fail(w, r, "climb back to", "..");
            (void)safe_close(pfd);
            return -1;
        }
        /* Emptied on the way: the directory just left goes too. */
        const char *left = parent->names[parent->next - 1];
        if (w->hb->remove_all && unlinkat(pfd, left, AT_REMOVEDIR) < 0 && errno != ENOENT)
            hb_fail(w, -errno, "remove the directory", left);
        fd = pfd;
    }
}

int handback_tree(const char *dir, const struct rb_handback *hb, struct rb_error *err)
{
    if (hb->sweep_only && hb->keep_special && !hb->remove_all)
        return 0;
    struct hb_walk w = { .hb = hb, .top = dir, .err = err };
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int r = rb_error_set(err, -errno, "cannot open the work dir %s", dir);
        (void)safe_close(fd);
        return r;
    }
    w.dev = st.st_dev;
    struct hb_frame *stack = NULL;
    size_t n = 0, cap = 0;
    int r = hb_enter(&w, &stack, &n, &cap, fd, &st, dir);
    if (r < 0) {
        hb_fail(&w, r, "enter the directory", dir);
        (void)safe_close(fd);
    } else {
        while (fd >= 0)
            fd = hb_step(&w, &stack, &n, &cap, fd);
    }
    while (n > 0)
        hb_frame_free(&stack[--n]);
    free(stack);
    return w.first;
}

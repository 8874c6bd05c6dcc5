/* SPDX-License-Identifier: Apache-2.0 */
#include "privpath.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "scoped.h"
#include "util.h"

const char *privpath_entry_unsafe(uid_t uid, mode_t mode, bool last)
{
    if (uid != 0)
        return "owned by a user other than root";
    if (S_ISLNK(mode) || !(mode & (S_IWGRP | S_IWOTH)))
        return NULL; /* a root-owned link in a dir only root changes is root's to point */
    /* Sticky: others may add entries, but cannot rename or remove root's,
     * and the next component is checked in its turn. Not where the path
     * ends or has yet to be made: the first to create it owns it. */
    if (S_ISDIR(mode) && (mode & S_ISVTX) && !last)
        return NULL;
    return "writable by users other than root";
}

/* Existing components of an absolute path, each lstat'ed: at most this many. */
#define PRIVATE_PATH_MAX_DEPTH 64

/* Refuses a path another user could change: every existing component must
 * pass privpath_entry_unsafe, along the path as written and, when a link is
 * on the way, along the path it resolves to. A component yet to be made is
 * judged by its nearest existing ancestor. */
static int check(const char *origin, const char *key, const char *path, bool resolved, char *err, size_t errlen)
{
    char p[PATH_MAX];
    if (path_printf(p, sizeof(p), "%s", path) < 0)
        return rb_error_refuse(err, errlen, "config %s: key \"%s\": path too long", origin, key);
    /* What the verdict needs of each component's lstat: 64 whole struct
     * stats would be 9 KiB more stack, probed page by page on every load
     * of the config. */
    struct {
        size_t end;
        uid_t uid;
        mode_t mode;
    } comps[PRIVATE_PATH_MAX_DEPTH];
    int n = 0;
    bool links = false;
    size_t len = strlen(p);
    for (size_t i = 0; i <= len; i++) {
        size_t end = 1; /* "/" first, then each prefix that ends a component */
        if (i > 0 && ((i < len && p[i] != '/') || p[i - 1] == '/'))
            continue;
        if (i > 0)
            end = i;
        char c = p[end];
        p[end] = '\0';
        struct stat st;
        int r = lstat(p, &st) < 0 ? -errno : 0;
        p[end] = c;
        if (r == -ENOENT || r == -ENOTDIR)
            break; /* not made yet, or below a file: nothing more exists */
        if (r < 0)
            return rb_error_refuse(err, errlen, "config %s: key \"%s\": cannot inspect %.*s: %s", origin, key, (int)end,
                                   p, strerror(-r));
        if (n == PRIVATE_PATH_MAX_DEPTH)
            return rb_error_refuse(err, errlen, "config %s: key \"%s\": more than %d components", origin, key,
                                   PRIVATE_PATH_MAX_DEPTH);
        comps[n].end = end;
        comps[n].uid = st.st_uid;
        comps[n++].mode = st.st_mode;
        links |= S_ISLNK(st.st_mode);
    }
    for (int i = 0; i < n; i++) {
        const char *why = privpath_entry_unsafe(comps[i].uid, comps[i].mode, i == n - 1);
        if (why)
            return rb_error_refuse(
                err, errlen,
                "config %s: key \"%s\": %s%.*s is %s (owner uid %u, mode %04o): a local user could plant "
                "what rustbox then works on as root; use a directory only root can change",
                origin, key, resolved ? "(resolved) " : "", (int)comps[i].end, p, why, (unsigned)comps[i].uid,
                (unsigned)(comps[i].mode & 07777));
    }
    if (!links || resolved || n == 0)
        return 0;
    /* The existing part, resolved (p is cut there: it is not used again). */
    p[comps[n - 1].end] = '\0';
    _cleanup_free_ char *real = realpath(p, NULL);
    if (!real)
        return rb_error_refuse(err, errlen, "config %s: key \"%s\": cannot resolve %s: %s", origin, key, p,
                               strerror(errno));
    return check(origin, key, real, true, err, errlen);
}

int privpath_check(const char *origin, const char *key, const char *path, char *err, size_t errlen)
{
    return check(origin, key, path, false, err, errlen);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* idrange: whether the box uid and gid ranges are no one else's. Cleanup
 * and health kill every process of a box's uid as the box's own, so a range
 * that shares an id with a host user kills innocent processes (box 5534 of a
 * range at 60000 once ran as nobody, and a `sleep` of nobody's was killed as
 * an orphan and the worker quarantined). */
#include "idrange.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

struct id_ranges {
    uint32_t first_uid, first_gid, num_boxes;
};

static int say(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rb_error_line(err, errlen, fmt, ap); /* user and group names are quoted: one line, whatever they hold */
    va_end(ap);
    return -EINVAL;
}

/* Ids no box may take, whatever the databases say: cleanup and health kill
 * every process of a box's uid as the box's own, so a shared id kills
 * innocent processes (box 5534 of a range at 60000 once ran as nobody, and a
 * `sleep` of nobody's was killed as an orphan). */
static const struct {
    uint32_t lo, hi;
    const char *what;
} reserved_ids[] = {
    { 65534, 65534, "the overflow id of nobody/nogroup" },
    { 65535, 65535, "the invalid id of 16-bit interfaces, (uint16_t)-1" },
    { 61184, 65519, "systemd's DynamicUser= ids, which services take as they start" },
};

/* "keys "first_uid" and "num_boxes": box uids A..B include <what>; ..." The
 * message names both keys: either one moves the range off the id. */
static int range_clash(char *err, size_t errlen, const char *origin, const char *kind, uint32_t first, uint32_t n,
                       const char *what)
{
    return say(err, errlen,
               "config %s: keys \"first_%s\" and \"num_boxes\": box %ss %" PRIu32 "..%" PRIu64
               " include %s; a box's %s must be no one else's: move first_%s or lower num_boxes",
               origin, kind, kind, first, (uint64_t)first + n - 1, what, kind, kind);
}

static bool ranges_meet(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi)
{
    return a_lo <= b_hi && b_lo <= a_hi;
}

static int check_reserved_ids(uint32_t first, uint32_t n, const char *kind, const char *origin, char *err,
                              size_t errlen)
{
    uint64_t last = (uint64_t)first + n - 1;
    for (size_t i = 0; i < ARRAY_SIZE(reserved_ids); i++) {
        if (!ranges_meet(first, last, reserved_ids[i].lo, reserved_ids[i].hi))
            continue;
        char what[192];
        if (reserved_ids[i].lo == reserved_ids[i].hi)
            (void)snprintf(what, sizeof(what), "%" PRIu32 " (%s)", reserved_ids[i].lo,
                           reserved_ids[i].what); /* fixed texts: they fit */
        else
            (void)snprintf(what, sizeof(what), "%" PRIu32 "..%" PRIu32 " (%s)", reserved_ids[i].lo, reserved_ids[i].hi,
                           reserved_ids[i].what);
        return range_clash(err, errlen, origin, kind, first, n, what);
    }
    return 0;
}

int idrange_check_reserved(uint32_t first_uid, uint32_t first_gid, uint32_t num_boxes, const char *origin, char *err,
                           size_t errlen)
{
    int r = check_reserved_ids(first_uid, num_boxes, "uid", origin, err, errlen);
    return r < 0 ? r : check_reserved_ids(first_gid, num_boxes, "gid", origin, err, errlen);
}

/* ---- the host's account databases ----
 *
 * Refused are ranges that hold a uid or gid of the passwd or group
 * databases (through NSS, so LDAP, sssd and systemd's users count) or of a
 * subordinate-id range. Enumerating NSS took 0.6-0.7 ms per process on a
 * Debian 12 host (files + systemd, 25 users, 49 groups; 0.05 ms of it
 * reading the files, the rest loading and asking nss-systemd). The result is
 * not cached: loading a config writes nothing, and a source that is no file
 * (LDAP, sssd, systemd's userdb) can gain an id with no file changing. */

static bool in_range(uint64_t id, uint32_t first, uint32_t n)
{
    return id >= first && id < (uint64_t)first + n;
}

static int scan_passwd(const struct id_ranges *cfg, const char *origin, char *err, size_t errlen)
{
    int r = 0;
    struct passwd *pw;
    setpwent();
    while (r == 0 && (pw = getpwent())) {
        char what[160];
        if (in_range(pw->pw_uid, cfg->first_uid, cfg->num_boxes)) {
            (void)snprintf(what, sizeof(what), "uid %ju of user \"%.64s\" (passwd database)", (uintmax_t)pw->pw_uid,
                           pw->pw_name); /* a name cut at 64 bytes still names the user */
            r = range_clash(err, errlen, origin, "uid", cfg->first_uid, cfg->num_boxes, what);
        } else if (in_range(pw->pw_gid, cfg->first_gid, cfg->num_boxes)) {
            (void)snprintf(what, sizeof(what), "gid %ju, the group of user \"%.64s\" (passwd database)",
                           (uintmax_t)pw->pw_gid, pw->pw_name); /* as above */
            r = range_clash(err, errlen, origin, "gid", cfg->first_gid, cfg->num_boxes, what);
        }
    }
    endpwent();
    return r;
}

static int scan_group(const struct id_ranges *cfg, const char *origin, char *err, size_t errlen)
{
    int r = 0;
    struct group *gr;
    setgrent();
    while (r == 0 && (gr = getgrent())) {
        if (!in_range(gr->gr_gid, cfg->first_gid, cfg->num_boxes))
            continue;
        char what[160];
        (void)snprintf(what, sizeof(what), "gid %ju of group \"%.64s\" (group database)", (uintmax_t)gr->gr_gid,
                       gr->gr_name); /* a name cut at 64 bytes still names the group */
        r = range_clash(err, errlen, origin, "gid", cfg->first_gid, cfg->num_boxes, what);
    }
    endgrent();
    return r;
}

/* /etc/subuid or /etc/subgid: "name:first:count" lines; ids handed to a
 * user's user namespaces, whose processes then run as them on the host. An
 * absent or unreadable file lists nothing. */
static int scan_subids(const char *path, const char *kind, uint32_t first, uint32_t n, const char *origin, char *err,
                       size_t errlen)
{
    _cleanup_free_ char *text = NULL;
    if (read_file(path, &text, NULL) < 0)
        return 0;
    uint64_t last = (uint64_t)first + n - 1;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || line[0] == '#')
            continue;
        *c1 = '\0';
        char *end1, *end2;
        errno = 0;
        unsigned long long lo = strtoull(c1 + 1, &end1, 10), count = strtoull(c2 + 1, &end2, 10);
        if (errno || end1 != c2 || count == 0 || lo > UINT32_MAX)
            continue;
        uint64_t hi = count - 1 > UINT32_MAX - lo ? UINT32_MAX : lo + count - 1;
        if (!ranges_meet(first, last, lo, hi))
            continue;
        char what[200];
        (void)snprintf(what, sizeof(what), "the subordinate %ss %llu..%ju of \"%.64s\" (%s)", kind, lo, (uintmax_t)hi,
                       line, path); /* a name cut at 64 bytes still names the user */
        return range_clash(err, errlen, origin, kind, first, n, what);
    }
    return 0;
}

int idrange_check_host(uint32_t first_uid, uint32_t first_gid, uint32_t num_boxes, const char *origin, char *err,
                       size_t errlen)
{
    const struct id_ranges ids = { first_uid, first_gid, num_boxes };
    int r = scan_passwd(&ids, origin, err, errlen);
    if (r == 0)
        r = scan_group(&ids, origin, err, errlen);
    if (r == 0)
        r = scan_subids("/etc/subuid", "uid", first_uid, num_boxes, origin, err, errlen);
    if (r == 0)
        r = scan_subids("/etc/subgid", "gid", first_gid, num_boxes, origin, err, errlen);
    return r;
}

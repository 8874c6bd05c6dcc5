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
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

struct id_ranges {
    uint32_t first_uid, first_gid, num_boxes;
};

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
    return rb_error_refuse(err, errlen,
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

/* The databases a pass read, as they were. */
static const char *const stamped_files[] = { "/etc/passwd", "/etc/group", "/etc/subuid", "/etc/subgid",
                                             "/etc/nsswitch.conf" };

/* Only "files" (and systemd's, whose dynamic users sit in the reserved
 * range) answer the same until those files change. */
static bool nss_files_only(void)
{
    _cleanup_fclose_ FILE *f = fopen("/etc/nsswitch.conf", "re");
    if (!f)
        return true; /* glibc's default without it: files */
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        char *p = line + strspn(line, " \t");
        bool db = !strncmp(p, "passwd:", 7) || !strncmp(p, "group:", 6);
        if (!db)
            continue;
        p = strchr(p, ':') + 1;
        for (char *tok = strtok(p, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
            if (tok[0] == '[' || tok[0] == '#')
                break;
            if (strcmp(tok, "files") && strcmp(tok, "systemd") && strcmp(tok, "compat"))
                return false;
        }
    }
    return true;
}

static int stamp_text(uint32_t first_uid, uint32_t first_gid, uint32_t num_boxes, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "idrange/1 %" PRIu32 " %" PRIu32 " %" PRIu32, first_uid, first_gid,
                                   num_boxes);
    for (size_t i = 0; i < sizeof(stamped_files) / sizeof(stamped_files[0]) && used < len; i++) {
        struct stat st;
        if (stat(stamped_files[i], &st) < 0)
            used += (size_t)snprintf(buf + used, len - used, " -");
        else
            used += (size_t)snprintf(buf + used, len - used, " %ju:%ju:%jd:%jd.%09ld", (uintmax_t)st.st_dev,
                                     (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
                                     st.st_mtim.tv_nsec);
    }
    return used < len ? 0 : -ENAMETOOLONG;
}

int idrange_check_host_stamped(uint32_t first_uid, uint32_t first_gid, uint32_t num_boxes, const char *origin,
                               const char *stamp_dir, char *err, size_t errlen)
{
    char want[512], have[512] = "", path[4096];
    bool stampable = stamp_dir && nss_files_only() &&
                     stamp_text(first_uid, first_gid, num_boxes, want, sizeof(want)) == 0 &&
                     (size_t)snprintf(path, sizeof(path), "%s/idrange.stamp", stamp_dir) < sizeof(path);
    if (stampable) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, have, sizeof(have) - 1) : -1;
        if (n > 0 && (size_t)n == strlen(want) && !memcmp(have, want, (size_t)n))
            return 0;
    }
    int r = idrange_check_host(first_uid, first_gid, num_boxes, origin, err, errlen);
    if (r == 0 && stampable) {
        /* Best effort: without a stamp the next call just asks again. */
        char tmp[4096 + 16];
        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) < sizeof(tmp)) {
            int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (fd >= 0) {
                bool ok = write(fd, want, strlen(want)) == (ssize_t)strlen(want);
                (void)safe_close(fd);
                if (!ok || rename(tmp, path) < 0)
                    (void)unlink(tmp); /* no stamp: the next call asks again */
            }
        }
    }
    return r;
}

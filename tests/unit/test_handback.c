/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the hand-back of a work dir: what happens to each kind of
 * entry (pure), and the walk itself on a real tree (as root: it changes
 * owners) deeper than the descriptors it may hold. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "handback.h"
#include "util.h"

#define CALLER 0
#define BOX 4242424u
#define OTHER 1234u

static const struct rb_handback after = { .uid = CALLER, .gid = CALLER, .box_uid = BOX };
static const struct rb_handback after_keep = { .uid = CALLER, .gid = CALLER, .box_uid = BOX, .keep_special = true };
static const struct rb_handback before = { .sweep_only = true };

static void test_mode(void **state)
{
    assert_int_equal(handback_mode(S_IFREG | 04777), 0755);
    assert_int_equal(handback_mode(S_IFDIR | 02777), 0755);
    assert_int_equal(handback_mode(S_IFDIR | 01777), 01755); /* sticky is no set-id bit */
    assert_int_equal(handback_mode(0666), 0644);
    assert_int_equal(handback_mode(0600), 0600);
    assert_int_equal(handback_mode(0), 0);
}

static void test_special_files_removed_unless_kept(void **state)
{
    const mode_t specials[] = { S_IFLNK | 0777, S_IFIFO | 0666, S_IFSOCK | 0755, S_IFCHR | 0666, S_IFBLK | 0660 };
    for (size_t i = 0; i < ARRAY_SIZE(specials); i++) {
        struct rb_handback_step s = handback_decide(specials[i], BOX, BOX, &after);
        assert_int_equal(s.action, RB_HB_REMOVE);
        assert_false(s.chown || s.chmod);
        s = handback_decide(specials[i], CALLER, CALLER, &before); /* the judge's too, as isolate does */
        assert_int_equal(s.action, RB_HB_REMOVE);
        s = handback_decide(specials[i], BOX, BOX, &after_keep);
        assert_int_equal(s.action, RB_HB_KEEP);
        assert_true(s.chown);
    }
    /* Kept, a symlink gets a new owner but no mode (it has none to speak of). */
    struct rb_handback_step s = handback_decide(S_IFLNK | 0777, BOX, BOX, &after_keep);
    assert_false(s.chmod);
    s = handback_decide(S_IFIFO | 0666, BOX, BOX, &after_keep);
    assert_true(s.chmod);
    assert_int_equal(s.mode, 0644);
}

static void test_box_modes_normalised_judge_modes_kept(void **state)
{
    struct rb_handback_step s = handback_decide(S_IFREG | 04777, BOX, BOX, &after);
    assert_int_equal(s.action, RB_HB_KEEP);
    assert_true(s.chown && s.chmod);
    assert_int_equal(s.mode, 0755);
    s = handback_decide(S_IFDIR | 0777, BOX, BOX, &after);
    assert_int_equal(s.action, RB_HB_DESCEND);
    assert_true(s.chown && s.chmod);
    assert_int_equal(s.mode, 0755);
    s = handback_decide(S_IFREG | 0644, BOX, BOX, &after);
    assert_true(s.chown);
    assert_false(s.chmod);
    /* The judge's 0722 output (CMS) and a foreign owner's 0640 (isolate's
     * case 018) keep their modes; the owner changes where it differs. */
    s = handback_decide(S_IFREG | 0722, CALLER, CALLER, &after);
    assert_false(s.chown || s.chmod);
    s = handback_decide(S_IFREG | 0640, OTHER, OTHER, &after);
    assert_true(s.chown);
    assert_false(s.chmod);
    /* Before a run nothing but the special files is touched. */
    s = handback_decide(S_IFREG | 04777, BOX, BOX, &before);
    assert_int_equal(s.action, RB_HB_KEEP);
    assert_false(s.chown || s.chmod);
    s = handback_decide(S_IFDIR | 0777, BOX, BOX, &before);
    assert_int_equal(s.action, RB_HB_DESCEND);
    assert_false(s.chown || s.chmod);
}

/* ---- the walk ---- */

#define DEPTH 300

static char *tree_dir(void)
{
    char tmpl[] = "/tmp/rbhandback.XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

/* rm -rf: util's remove_tree stops at its depth cap, deeper than the tree
 * here. */
static void remove_dir(char *dir)
{
    char cmd[128];
    assert_true(snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir) < (int)sizeof(cmd));
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static void box_owned(int dfd, const char *name, mode_t mode)
{
    assert_int_equal(fchownat(dfd, name, BOX, BOX, AT_SYMLINK_NOFOLLOW), 0);
    if (mode)
        assert_int_equal(fchmodat(dfd, name, mode, 0), 0);
}

/* dir/top (box-owned 0777) with a FIFO, a symlink to /etc/hostname, a
 * socket, a 04777 file, the judge's 0722 file and a DEPTH-deep chain of
 * 0777 dirs "d" whose last holds a FIFO and a 0666 file. */
static void make_tree(const char *dir)
{
    int top = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(top >= 0);
    box_owned(top, ".", 0777);
    assert_int_equal(mkfifoat(top, "fifo", 0666), 0);
    box_owned(top, "fifo", 0);
    assert_int_equal(symlinkat("/etc/hostname", top, "link"), 0);
    box_owned(top, "link", 0);
    int fd = openat(top, "suid", O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    box_owned(top, "suid", 04777);
    fd = openat(top, "judge", O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(fchmodat(top, "judge", 0722, 0), 0);
    char sockpath[sizeof(((struct sockaddr_un *)0)->sun_path)];
    assert_true(snprintf(sockpath, sizeof(sockpath), "%s/sock", dir) < (int)sizeof(sockpath));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    memcpy(a.sun_path, sockpath, sizeof(sockpath));
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    close(s);
    int cur = top;
    for (int i = 0; i < DEPTH; i++) {
        assert_int_equal(mkdirat(cur, "d", 0777), 0);
        box_owned(cur, "d", 0777);
        int next = openat(cur, "d", O_RDONLY | O_DIRECTORY);
        assert_true(next >= 0);
        if (cur != top)
            close(cur);
        cur = next;
    }
    assert_int_equal(mkfifoat(cur, "deepfifo", 0600), 0);
    fd = openat(cur, "leaf", O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    box_owned(cur, "leaf", 0666);
    close(cur);
    close(top);
}

/* Opens dir/d/d/... (depth times) without a path. */
static int open_deep(const char *dir, int depth)
{
    int cur = open(dir, O_RDONLY | O_DIRECTORY);
    for (int i = 0; i < depth && cur >= 0; i++) {
        int next = openat(cur, "d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        close(cur);
        cur = next;
    }
    return cur;
}

static void test_walk_deep_tree(void **state)
{
    if (geteuid() != 0)
        skip();
    char *dir = tree_dir();
    make_tree(dir);
    /* Fewer descriptors than the tree is deep: the walk must not need one per level. */
    struct rlimit old, low = { 32, 32 };
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    struct rb_error err = { 0 };
    int r = handback_tree(dir, &after, &err);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    if (r != 0)
        fail_msg("handback_tree: %d %s", r, err.text);

    struct stat st;
    assert_int_equal(lstat(dir, &st), 0);
    assert_int_equal(st.st_uid, CALLER);
    assert_int_equal(st.st_mode & 07777, 0755);
    int top = open(dir, O_RDONLY | O_DIRECTORY);
    const char *gone[] = { "fifo", "link", "sock" };
    for (size_t i = 0; i < ARRAY_SIZE(gone); i++)
        assert_int_equal(fstatat(top, gone[i], &st, AT_SYMLINK_NOFOLLOW), -1);
    assert_int_equal(fstatat(top, "suid", &st, 0), 0);
    assert_int_equal(st.st_uid, CALLER);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(fstatat(top, "judge", &st, 0), 0);
    assert_int_equal(st.st_mode & 07777, 0722);
    close(top);
    int deep = open_deep(dir, DEPTH);
    assert_true(deep >= 0);
    assert_int_equal(fstat(deep, &st), 0);
    assert_int_equal(st.st_uid, CALLER);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(fstatat(deep, "leaf", &st, 0), 0);
    assert_int_equal(st.st_uid, CALLER);
    assert_int_equal(st.st_gid, CALLER);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(fstatat(deep, "deepfifo", &st, AT_SYMLINK_NOFOLLOW), -1);
    close(deep);
    remove_dir(dir);
}

static void test_walk_keeps_special_files(void **state)
{
    if (geteuid() != 0)
        skip();
    char *dir = tree_dir();
    make_tree(dir);
    struct stat host;
    assert_int_equal(stat("/etc/hostname", &host), 0);
    struct rb_error err = { 0 };
    assert_int_equal(handback_tree(dir, &after_keep, &err), 0);
    int top = open(dir, O_RDONLY | O_DIRECTORY);
    struct stat st;
    assert_int_equal(fstatat(top, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(st.st_uid, CALLER);
    assert_int_equal(fstatat(top, "fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(st.st_uid, CALLER);
    assert_int_equal(st.st_mode & 07777, 0644);
    close(top);
    struct stat host_after;
    assert_int_equal(stat("/etc/hostname", &host_after), 0);
    assert_int_equal(host_after.st_mode, host.st_mode); /* the symlink was not followed */
    assert_int_equal(host_after.st_ctim.tv_nsec, host.st_ctim.tv_nsec);
    remove_dir(dir);
}

static void test_sweep_before_a_run(void **state)
{
    if (geteuid() != 0)
        skip();
    char *dir = tree_dir();
    make_tree(dir);
    struct rb_error err = { 0 };
    assert_int_equal(handback_tree(dir, &before, &err), 0);
    int top = open(dir, O_RDONLY | O_DIRECTORY);
    struct stat st;
    assert_int_equal(fstatat(top, "link", &st, AT_SYMLINK_NOFOLLOW), -1);
    assert_int_equal(fstatat(top, "fifo", &st, AT_SYMLINK_NOFOLLOW), -1);
    assert_int_equal(fstatat(top, "suid", &st, 0), 0); /* owners and modes untouched */
    assert_int_equal(st.st_uid, BOX);
    assert_int_equal(st.st_mode & 07777, 04777);
    close(top);
    int deep = open_deep(dir, DEPTH);
    assert_true(deep >= 0);
    assert_int_equal(fstatat(deep, "deepfifo", &st, AT_SYMLINK_NOFOLLOW), -1);
    close(deep);
    /* With --special-files the sweep does nothing at all. */
    assert_int_equal(mkfifoat(top = open(dir, O_RDONLY | O_DIRECTORY), "kept", 0600), 0);
    const struct rb_handback keep = { .sweep_only = true, .keep_special = true };
    assert_int_equal(handback_tree(dir, &keep, &err), 0);
    assert_int_equal(fstatat(top, "kept", &st, AT_SYMLINK_NOFOLLOW), 0);
    close(top);
    remove_dir(dir);
}

/* A mount the judge made inside the work dir is not the box's: neither
 * entered nor changed, and no error. */
static void test_mount_inside_left_alone(void **state)
{
    if (geteuid() != 0)
        skip();
    char *dir = tree_dir();
    int top = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(top >= 0);
    assert_int_equal(mkdirat(top, "mnt", 0755), 0);
    char mnt[64];
    assert_true(snprintf(mnt, sizeof(mnt), "%s/mnt", dir) < (int)sizeof(mnt));
    assert_int_equal(mount("rbhandback", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"), 0);
    int m = open(mnt, O_RDONLY | O_DIRECTORY);
    assert_int_equal(mkfifoat(m, "fifo", 0666), 0);
    box_owned(m, "fifo", 0);
    struct rb_error err = { 0 };
    int r = handback_tree(dir, &after, &err);
    struct stat st;
    int there = fstatat(m, "fifo", &st, AT_SYMLINK_NOFOLLOW);
    close(m);
    assert_int_equal(umount2(mnt, MNT_DETACH), 0);
    assert_int_equal(r, 0);
    assert_int_equal(there, 0);
    assert_int_equal(st.st_uid, BOX);
    close(top);
    remove_dir(dir);
}

/* A box's teardown: everything below dir goes, at any depth and with few
 * descriptors, no symlink followed; dir itself stays, empty. */
static void test_remove_all(void **state)
{
    if (geteuid() != 0)
        skip();
    char *dir = tree_dir();
    make_tree(dir);
    char outside[] = "/tmp/rbhandback-out.XXXXXX";
    assert_non_null(mkdtemp(outside));
    char keep[64];
    assert_true(snprintf(keep, sizeof(keep), "%s/keep", outside) < (int)sizeof(keep));
    int fd = open(keep, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    close(fd);
    int top = open(dir, O_RDONLY | O_DIRECTORY);
    assert_int_equal(symlinkat(outside, top, "dirlink"), 0);
    int deep = open_deep(dir, DEPTH);
    assert_true(deep >= 0);
    assert_int_equal(symlinkat(outside, deep, "deeplink"), 0);
    close(deep);
    struct rlimit old, low = { 32, 32 };
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    struct rb_error err = { 0 };
    int r = handback_tree(dir, &(struct rb_handback){ .remove_all = true }, &err);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    if (r != 0)
        fail_msg("handback_tree: %d %s", r, err.text);
    DIR *d = fdopendir(top);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            fail_msg("left: %s", de->d_name);
    closedir(d);
    assert_int_equal(access(keep, F_OK), 0); /* the links were not followed */
    assert_int_equal(unlink(keep), 0);
    assert_int_equal(rmdir(outside), 0);
    remove_dir(dir);
}

/* A mount inside is neither entered nor removed: an error, the mount intact. */
static void test_remove_all_stops_at_a_mount(void **state)
{
    if (geteuid() != 0)
        skip();
    char *dir = tree_dir();
    char mnt[64];
    assert_true(snprintf(mnt, sizeof(mnt), "%s/mnt", dir) < (int)sizeof(mnt));
    assert_int_equal(mkdir(mnt, 0755), 0);
    assert_int_equal(mount("rbhandback", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"), 0);
    int m = open(mnt, O_RDONLY | O_DIRECTORY);
    int fd = openat(m, "f", O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    struct rb_error err = { 0 };
    int r = handback_tree(dir, &(struct rb_handback){ .remove_all = true }, &err);
    struct stat st;
    int there = fstatat(m, "f", &st, 0);
    close(m);
    assert_int_equal(umount2(mnt, MNT_DETACH), 0);
    assert_int_equal(there, 0);
    assert_true(r == 0 || r == -EBUSY || r == -ENOTEMPTY);
    remove_dir(dir);
}

/* A hard link to a file of someone else's (not the new owner's, the
 * caller's or the box user's) is never chowned: a work dir on the disk may
 * hold one the caller made. */
static void test_foreign_hard_link_not_given_away(void **state)
{
    if (geteuid() != 0)
        skip();
    char *dir = tree_dir();
    char out[] = "/tmp/rbhandback-out.XXXXXX";
    assert_non_null(mkdtemp(out));
    char target[64], hard[64];
    assert_true(snprintf(target, sizeof(target), "%s/f", out) < (int)sizeof(target));
    assert_true(snprintf(hard, sizeof(hard), "%s/link", dir) < (int)sizeof(hard));
    int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0666);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(chown(target, 4242, 4242), 0);
    assert_int_equal(chmod(target, 0666), 0);
    assert_int_equal(link(target, hard), 0);
    struct rb_error err = { 0 };
    assert_int_equal(handback_tree(dir, &after, &err), 0);
    struct stat st;
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_uid, 4242);
    assert_int_equal(st.st_mode & 07777, 0666);
    assert_int_equal(unlink(hard), 0);
    assert_int_equal(unlink(target), 0);
    assert_int_equal(rmdir(out), 0);
    remove_dir(dir);
}

static void test_missing_dir(void **state)
{
    struct rb_error err = { 0 };
    assert_int_equal(handback_tree("/nonexistent/rbhandback", &after, &err), -ENOENT);
    assert_non_null(strstr(err.text, "/nonexistent/rbhandback"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode),
        cmocka_unit_test(test_special_files_removed_unless_kept),
        cmocka_unit_test(test_box_modes_normalised_judge_modes_kept),
        cmocka_unit_test(test_walk_deep_tree),
        cmocka_unit_test(test_walk_keeps_special_files),
        cmocka_unit_test(test_sweep_before_a_run),
        cmocka_unit_test(test_mount_inside_left_alone),
        cmocka_unit_test(test_remove_all),
        cmocka_unit_test(test_remove_all_stops_at_a_mount),
        cmocka_unit_test(test_foreign_hard_link_not_given_away),
        cmocka_unit_test(test_missing_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

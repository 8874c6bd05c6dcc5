/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: reach the host's filesystem through /proc magic links and "..":
 * /proc/self/root/.., /proc/1/root, /proc/self/cwd/../.., /proc/self/fd of a
 * directory, and the box root's own "..". The box has no /etc, the host
 * does, so any readable etc/passwd means an escape. Exits 0 with
 * CONTAINED only if none is reachable. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int bad;

static void probe(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        char buf[64] = "";
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        printf("ESCAPED: %s readable (%zd bytes)\n", path, n);
        bad = 1;
        close(fd);
    }
}

int main(void)
{
    const char *paths[] = {
        "/etc/passwd",
        "/../etc/passwd",
        "/proc/self/root/etc/passwd",
        "/proc/self/root/../etc/passwd",
        "/proc/self/root/../../../etc/passwd",
        "/proc/self/cwd/../../../../etc/passwd",
        "/proc/1/root/etc/passwd",
        "/proc/1/cwd/etc/passwd",
        "/proc/2/root/etc/passwd",
        "/proc/self/root/proc/1/root/etc/passwd",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        probe(paths[i]);

    /* openat(.., "..") from a directory fd, repeatedly. */
    int fd = open("/", O_PATH | O_DIRECTORY);
    for (int i = 0; i < 32 && fd >= 0; i++) {
        int up = openat(fd, "..", O_PATH | O_DIRECTORY);
        close(fd);
        fd = up;
    }
    if (fd >= 0) {
        if (faccessat(fd, "etc/passwd", R_OK, 0) == 0) {
            printf("ESCAPED: /etc/passwd reachable from an fd walked up with ..\n");
            bad = 1;
        }
        close(fd);
    }
    /* The root's parent must be the root itself. */
    struct stat a, b;
    if (stat("/", &a) == 0 && stat("/..", &b) == 0 && (a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
        printf("ESCAPED: / and /.. differ\n");
        bad = 1;
    }
    char link[256] = "";
    ssize_t n = readlink("/proc/self/root", link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = '\0';
        printf("/proc/self/root -> %s\n", link);
        if (strcmp(link, "/") != 0) {
            printf("ESCAPED: /proc/self/root names %s\n", link);
            bad = 1;
        }
    }
    /* The host's rustbox binary, as pid 1's exe (the runc CVE-2019-5736 path). */
    int exe = open("/proc/1/exe", O_RDONLY);
    if (exe >= 0) {
        printf("ESCAPED: /proc/1/exe (the supervisor's binary) is open to the box\n");
        bad = 1;
        close(exe);
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* mkspecial [DEPTH]: what a box may leave in its work dir for the judge to
 * trip over, made in the current directory: out.txt, a symlink to the
 * host's /etc/hostname; fifo, a FIFO; sock, a bound unix socket; open/, a
 * 0777 directory; suid, a 04777 file; sgid/, a 02777 directory; and deep/,
 * a chain of DEPTH (default 300) directories "d" whose last holds leaf (a
 * 0666 file), leaflink (a symlink) and leaffifo (a FIFO). Prints "made" on
 * success, the failing step otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
    printf("%s: %s\n", what, strerror(errno));
    return 1;
}

static int make_file(const char *name, mode_t mode)
{
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "box\n", 4) != 4 || fchmod(fd, mode) < 0)
        return -1;
    return close(fd);
}

int main(int argc, char **argv)
{
    long depth = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    umask(0);
    if (symlink("/etc/hostname", "out.txt") < 0)
        return fail("symlink out.txt");
    if (mkfifo("fifo", 0666) < 0)
        return fail("mkfifo fifo");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path, "sock");
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
        return fail("bind sock");
    if (mkdir("open", 0777) < 0 || chmod("open", 0777) < 0)
        return fail("mkdir open");
    if (make_file("suid", 04777) < 0)
        return fail("suid");
    if (mkdir("sgid", 0777) < 0 || chmod("sgid", 02777) < 0)
        return fail("mkdir sgid");
    if (mkdir("deep", 0755) < 0 || chdir("deep") < 0)
        return fail("mkdir deep");
    for (long i = 0; i < depth; i++)
        if (mkdir("d", 0777) < 0 || chdir("d") < 0)
            return fail("mkdir d");
    if (make_file("leaf", 0666) < 0)
        return fail("leaf");
    if (symlink("/etc/hostname", "leaflink") < 0 || mkfifo("leaffifo", 0600) < 0)
        return fail("leaf specials");
    printf("made\n");
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: one file in /box grown past --file-size. With argv[1] =
 * "ignore" SIGXFSZ is ignored: the writes must then fail with EFBIG and the
 * file stay within the limit (argv[2] bytes); prints CONTAINED. Without it
 * the kernel's SIGXFSZ ends the program: OLE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int ignore = argc > 1 && !strcmp(argv[1], "ignore");
    long long limit = argc > 2 ? atoll(argv[2]) : 1 << 20;
    if (ignore)
        signal(SIGXFSZ, SIG_IGN);
    int fd = open("/box/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 3;
    static char buf[1 << 16];
    memset(buf, 'F', sizeof(buf));
    int err = 0;
    for (int i = 0; i < 1600; i++)
        if (write(fd, buf, sizeof(buf)) < 0) {
            err = errno;
            break;
        }
    /* Past the limit with an lseek hole, too. */
    if (lseek(fd, 512LL << 20, SEEK_SET) >= 0 && write(fd, "x", 1) == 1)
        printf("ESCAPED: wrote at offset 512M\n");
    close(fd);
    struct stat st;
    stat("/box/big", &st);
    printf("size=%lld stopped_by=%s\n", (long long)st.st_size, strerror(err));
    if (err == EFBIG && st.st_size <= limit) {
        printf("CONTAINED\n");
        return 0;
    }
    printf("ESCAPED: file of %lld bytes (limit %lld)\n", (long long)st.st_size, limit);
    return 42;
}

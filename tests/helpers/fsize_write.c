/* SPDX-License-Identifier: Apache-2.0 */
/* fsize_write BYTES PATH: writes BYTES bytes into PATH in 64 KiB chunks.
 * Past RLIMIT_FSIZE the kernel sends SIGXFSZ (expected verdict OLE). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fsize_write BYTES PATH\n");
        return 2;
    }
    long long total = atoll(argv[1]), done = 0;
    static char buf[65536];
    memset(buf, 'f', sizeof buf);
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("open failed errno=%d (%s)\n", errno, strerror(errno));
        return 1;
    }
    while (done < total) {
        size_t n = total - done < (long long)sizeof buf ? (size_t)(total - done) : sizeof buf;
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            printf("write failed after %lld bytes errno=%d (%s)\n", done, errno, strerror(errno));
            return 1;
        }
        done += w;
    }
    printf("wrote %lld\n", done);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: fill a directory (argv[1]: /box, /tmp or /dev/shm) with
 * 8 MiB files until the filesystem refuses. Each of them is a size-limited
 * tmpfs, so the writes must stop with ENOSPC before argv[2] bytes (the
 * configured box_size) plus one block. Prints CONTAINED and exits 0 only then. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    unsigned long long limit = strtoull(argv[2], NULL, 10), total = 0;
    static char buf[1 << 16];
    memset(buf, 'D', sizeof(buf));
    int err = 0;
    for (int i = 0; !err && i < 100000; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/fill.%d", argv[1], i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            err = errno;
            break;
        }
        for (int k = 0; k < 128; k++) {
            ssize_t w = write(fd, buf, sizeof(buf));
            if (w < 0) {
                err = errno;
                break;
            }
            total += (unsigned long long)w;
        }
        close(fd);
    }
    printf("dir=%s wrote=%llu MiB stopped_by=%s\n", argv[1], total >> 20, strerror(err));
    if ((err == ENOSPC || err == EDQUOT) && total <= limit) {
        printf("CONTAINED\n");
        return 0;
    }
    printf("ESCAPED: %llu bytes written to %s (limit %llu)\n", total, argv[1], limit);
    return 42;
}

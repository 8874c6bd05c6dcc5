/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: create empty files in /box until the inode-limited tmpfs
 * refuses. argv[1] is box_inodes: the count must stay at or below it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long limit = argc > 1 ? atol(argv[1]) : 16384, n = 0;
    int err = 0;
    for (long i = 0; i < 10000000; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/box/i%ld", i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            err = errno;
            break;
        }
        close(fd);
        n++;
    }
    printf("files=%ld stopped_by=%s\n", n, strerror(err));
    if ((err == ENOSPC || err == EDQUOT) && n <= limit) {
        printf("CONTAINED\n");
        return 0;
    }
    printf("ESCAPED: %ld inodes (limit %ld)\n", n, limit);
    return 42;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: memory taken through tmpfs pages instead of the heap.
 * Files in /dev/shm (a box-private tmpfs) grow in 4 MiB pieces; the pages
 * are charged to the box's memory cgroup. Expected: MLE, or the writes are
 * refused (ENOSPC/ENOMEM) before the box's memory limit: then CONTAINED. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    unsigned long long limit = argc > 1 ? strtoull(argv[1], NULL, 10) : 64ULL << 20, total = 0;
    static char buf[1 << 16];
    memset(buf, 'M', sizeof(buf));
    int err = 0;
    for (int i = 0; !err && i < 10000; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/dev/shm/m.%d", i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) {
            err = errno;
            break;
        }
        for (int k = 0; k < 64; k++) {
            if (write(fd, buf, sizeof(buf)) < 0) {
                err = errno;
                break;
            }
            total += sizeof(buf);
        }
        close(fd);
    }
    printf("wrote=%llu MiB stopped_by=%s\n", total >> 20, strerror(err));
    if (err && total <= limit) {
        printf("CONTAINED\n");
        return 0;
    }
    printf("ESCAPED: %llu bytes of tmpfs under a %llu-byte memory limit\n", total, limit);
    return 42;
}

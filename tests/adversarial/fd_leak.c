/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak / escape: descriptors inherited from the caller. The
 * runner starts rustbox with fd 7 open on a secret host file, fd 8 on a
 * host directory and fd 9 for appending to a host file. The box must get only
 * 0, 1, 2. Also tries pid 1's descriptors through /proc. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    int bad = 0;
    for (int fd = 3; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) < 0)
            continue;
        char link[64], target[512] = "";
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n > 0)
            target[n] = '\0';
        char data[128] = "";
        ssize_t r = pread(fd, data, sizeof(data) - 1, 0);
        if (r > 0)
            data[r] = '\0';
        printf("LEAKED: fd %d -> %s (%s)\n", fd, target, data);
        bad = 1;
    }
    /* The supervisor's side of the box: pid 1's descriptors. */
    DIR *d = opendir("/proc/1/fd");
    if (d) {
        printf("LEAKED: /proc/1/fd is listable\n");
        bad = 1;
        closedir(d);
    }
    for (int fd = 0; fd < 16; fd++) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/1/fd/%d", fd);
        int x = open(p, O_RDONLY);
        if (x >= 0) {
            printf("LEAKED: opened %s\n", p);
            bad = 1;
            close(x);
        }
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

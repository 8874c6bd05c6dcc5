/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: open descriptors until refused, then try to lift the limit
 * or sidestep it. argv[1] is --open-files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long limit = argc > 1 ? atol(argv[1]) : 32;
    int bad = 0, n = 0, err = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            err = errno;
            break;
        }
        n++;
        if (n > 1000000)
            break;
    }
    printf("opened=%d stopped_by=%s\n", n, strerror(err));
    if (err != EMFILE || n + 3 > limit) {
        printf("ESCAPED: opened %d descriptors (limit %ld)\n", n, limit);
        bad = 1;
    }
    struct rlimit rl = { 1 << 20, 1 << 20 };
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
        printf("ESCAPED: raised RLIMIT_NOFILE\n");
        bad = 1;
    }
    if (dup2(0, 100000) >= 0) {
        printf("ESCAPED: dup2 to fd 100000\n");
        bad = 1;
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* outbomb [BYTES]: writes BYTES (default 16 MiB) of 'x' to stdout. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long long total = argc > 1 ? atoll(argv[1]) : 16LL << 20;
    static char buf[65536];
    memset(buf, 'x', sizeof buf);
    while (total > 0) {
        size_t n = total < (long long)sizeof buf ? (size_t)total : sizeof buf;
        ssize_t w = write(1, buf, n);
        if (w <= 0)
            return 1;
        total -= w;
    }
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* outbomb [BYTES [BYTE]]: writes BYTES (default 16 MiB) of BYTE (a number,
 * default 'x') to stdout. A control byte such as 1 is what costs the most
 * once escaped into JSON (\u0001, six bytes). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long long total = argc > 1 ? atoll(argv[1]) : 16LL << 20;
    int byte = argc > 2 ? atoi(argv[2]) : 'x';
    static char buf[65536];
    memset(buf, byte, sizeof buf);
    while (total > 0) {
        size_t n = total < (long long)sizeof buf ? (size_t)total : sizeof buf;
        ssize_t w = write(1, buf, n);
        if (w <= 0)
            return 1;
        total -= w;
    }
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* memtouch MIB: maps MIB MiB of anonymous memory and writes every page, so
 * the memory is really charged to the box's cgroup. Prints "touched N MiB". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 256;
    size_t len = (size_t)mib << 20;
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t off = 0; off < len; off += (size_t)page)
        p[off] = 1;
    printf("touched %ld MiB\n", mib);
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: write to fd argv[1] (1: stdout, 2: stderr) forever.
 * Expected: OLE once --output-limit is passed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int fd = argc > 1 ? atoi(argv[1]) : 1;
    static char buf[1 << 16];
    memset(buf, 'O', sizeof(buf));
    for (;;)
        if (write(fd, buf, sizeof(buf)) < 0)
            return 3;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* try_setuid0: tries to become root. Prints "setuid(0) failed: EPERM" (and
 * exits 0) when refused, "setuid(0) succeeded" (exit 1) otherwise. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    if (setuid(0) == 0) {
        printf("setuid(0) succeeded uid=%d\n", (int)getuid());
        return 1;
    }
    printf("setuid(0) failed: %s uid=%d\n", errno == EPERM ? "EPERM" : strerror(errno), (int)getuid());
    return 0;
}

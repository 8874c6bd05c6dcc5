/* SPDX-License-Identifier: Apache-2.0 */
/* sigabrt: raises SIGABRT at itself (expected verdict SIG, signal 6). */
#include <signal.h>
#include <stdio.h>

int main(void)
{
    raise(SIGABRT);
    puts("still alive after raise(SIGABRT)");
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Timing/persistence: stop itself (SIGSTOP) with a stopped child, so that a
 * supervisor waiting only for exits, or signalling with anything but
 * SIGKILL, hangs. Expected: TLE (wall_time), nothing left. */
#include <signal.h>
#include <unistd.h>

int main(void)
{
    if (fork() == 0)
        raise(SIGSTOP);
    raise(SIGSTOP);
    return 0;
}

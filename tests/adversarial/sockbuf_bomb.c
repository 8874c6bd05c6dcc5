/* SPDX-License-Identifier: Apache-2.0 */
/* Resource bomb: kernel memory instead of user memory. 48 processes fill
 * the buffers of as many unix socket pairs as their descriptors allow (up to
 * 48 x 60 sockets x ~200 KiB queued each, far past the box's --memory).
 * Socket buffers are kernel allocations that a memory limit counting only
 * user pages would miss; the box's cgroup must count them: expected MLE
 * (otherwise the processes sleep into a wall-time TLE). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int nproc = argc > 1 ? atoi(argv[1]) : 48;
    for (int i = 1; i < nproc; i++)
        if (fork() == 0)
            break;
    static char buf[65536];
    long long total = 0;
    for (;;) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
            break;
        for (int side = 0; side < 2; side++) {
            fcntl(sv[side], F_SETFL, O_NONBLOCK);
            while (write(sv[side], buf, sizeof(buf)) > 0)
                total += sizeof(buf);
        }
    }
    fprintf(stderr, "queued %lld KiB\n", total >> 10);
    for (;;)
        pause();
}

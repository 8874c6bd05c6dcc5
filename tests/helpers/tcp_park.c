/* SPDX-License-Identifier: Apache-2.0 */
/* tcp_park [CONNS]: opens CONNS (default 20) TCP connections to itself on
 * 127.0.0.1 and fills them from both ends without ever reading, so the data
 * sits in the kernel's socket buffers. Prints "parked N KiB" (what the
 * sends accepted) and exits 0; a send that is refused or would block ends
 * that direction of that connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static long long fill(int fd)
{
    static char buf[1 << 16];
    long long sent = 0;
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
        return 0;
    for (;;) {
        ssize_t n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
        if (n <= 0)
            return sent;
        sent += n;
    }
}

int main(int argc, char **argv)
{
    int conns = argc > 1 ? atoi(argv[1]) : 20;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, conns) < 0 ||
        getsockname(l, (struct sockaddr *)&sa, &len) < 0) {
        perror("tcp_park: listen");
        return 1;
    }
    long long parked = 0;
    int made = 0;
    for (int i = 0; i < conns; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            perror("tcp_park: connect");
            break;
        }
        int s = accept(l, NULL, NULL);
        if (s < 0) {
            perror("tcp_park: accept");
            break;
        }
        made++;
        parked += fill(c);
        parked += fill(s);
    }
    printf("connections %d\nparked %lld KiB\n", made, parked >> 10);
    return 0;
}

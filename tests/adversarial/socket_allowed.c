/* SPDX-License-Identifier: Apache-2.0 */
/* The other side of socket_family: what programs do need still works inside
 * the box's private network namespace. AF_UNIX (socket and socketpair), TCP
 * and UDP over IPv4 and IPv6 loopback, netlink's NETLINK_ROUTE (glibc's
 * if_nameindex reads the interfaces through it: loopback alone here) and
 * getaddrinfo with AI_ADDRCONFIG, which asks netlink too.
 * Expected: OK with WORKS. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int bad;

static void fail(const char *what)
{
    printf("FAILED: %s: %s\n", what, strerror(errno));
    bad = 1;
}

/* A listener on the loopback address of family f, a client, one message. */
static void tcp_loopback(int f, const char *name)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (f == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*a);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof(*a);
    }
    int l = socket(f, SOCK_STREAM, 0);
    if (l < 0)
        return fail(name);
    if (bind(l, (struct sockaddr *)&ss, len) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&ss, &len) < 0)
        return fail(name);
    int c = socket(f, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&ss, len) < 0)
        return fail(name);
    int a = accept(l, NULL, NULL);
    char buf[8] = "";
    if (a < 0 || write(c, "ping", 4) != 4 || read(a, buf, sizeof(buf)) != 4 || strcmp(buf, "ping"))
        return fail(name);
    close(a);
    close(c);
    close(l);
    printf("%s: ok\n", name);
}

int main(void)
{
    int sv[2];
    char buf[8] = "";
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || write(sv[0], "hi", 2) != 2 || read(sv[1], buf, 2) != 2)
        fail("socketpair(AF_UNIX)");
    else
        printf("socketpair(AF_UNIX): ok\n");

    struct sockaddr_un un = { .sun_family = AF_UNIX };
    snprintf(un.sun_path, sizeof(un.sun_path), "/tmp/socket_allowed.sock");
    unlink(un.sun_path);
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    if (u < 0 || bind(u, (struct sockaddr *)&un, sizeof(un)) < 0 || listen(u, 1) < 0)
        fail("socket(AF_UNIX) bound in /tmp");
    else
        printf("socket(AF_UNIX): ok\n");
    unlink(un.sun_path);

    tcp_loopback(AF_INET, "tcp over 127.0.0.1");
    tcp_loopback(AF_INET6, "tcp over ::1");
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    if (d < 0)
        fail("socket(AF_INET, SOCK_DGRAM)");
    else
        printf("udp: ok\n");

    struct if_nameindex *ifs = if_nameindex();
    if (!ifs) {
        fail("if_nameindex");
    } else {
        printf("interfaces:");
        for (struct if_nameindex *i = ifs; i->if_index; i++)
            printf(" %s", i->if_name);
        printf("\n");
        for (struct if_nameindex *i = ifs; i->if_index; i++)
            if (strcmp(i->if_name, "lo"))
                printf("LEAKED: interface %s is visible\n", i->if_name);
        if_freenameindex(ifs);
    }

    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_ADDRCONFIG | AI_NUMERICHOST }, *res = NULL;
    int r = getaddrinfo("127.0.0.1", "80", &hints, &res);
    if (r != 0) {
        printf("FAILED: getaddrinfo(127.0.0.1, AI_ADDRCONFIG): %s\n", gai_strerror(r));
        bad = 1;
    } else {
        printf("getaddrinfo: ok\n");
        freeaddrinfo(res);
    }
    if (!bad)
        printf("WORKS\n");
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: reach past the network namespace through an address family it
 * does not confine. AF_VSOCK sockets share the host's vsock port space (a box
 * got "Address already in use" on a port the host held, and could talk to the
 * hypervisor); AF_PACKET, AF_ALG and the others, and netlink beyond
 * NETLINK_ROUTE, are kernel surface a judged program has no use for.
 * socket(2) and socketpair(2) must fail with EAFNOSUPPORT (EPROTONOSUPPORT
 * for a netlink protocol), an error rather than a kill: expected OK with
 * CONTAINED. An AF_VSOCK descriptor is an escape (ESCAPED); a descriptor of
 * another family, or another errno (the kernel refused, not the policy),
 * fails the case too. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif

static const struct {
    const char *name;
    int family, type, proto, want;
} families[] = {
    { "AF_VSOCK", AF_VSOCK, SOCK_STREAM, 0, EAFNOSUPPORT },
    { "AF_VSOCK/dgram", AF_VSOCK, SOCK_DGRAM, 0, EAFNOSUPPORT },
    { "AF_NETLINK/audit", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, EPROTONOSUPPORT },
    { "AF_NETLINK/generic", AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, EPROTONOSUPPORT },
    { "AF_NETLINK/uevent", AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT, EPROTONOSUPPORT },
    { "AF_NETLINK/netfilter", AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER, EPROTONOSUPPORT },
    { "AF_PACKET", AF_PACKET, SOCK_DGRAM, 0, EAFNOSUPPORT },
    { "AF_ALG", AF_ALG, SOCK_SEQPACKET, 0, EAFNOSUPPORT },
    { "AF_KEY", AF_KEY, SOCK_RAW, 2, EAFNOSUPPORT }, /* PF_KEY_V2 */
    { "AF_TIPC", AF_TIPC, SOCK_RDM, 0, EAFNOSUPPORT },
    { "AF_BLUETOOTH", AF_BLUETOOTH, SOCK_RAW, 0, EAFNOSUPPORT },
    { "AF_CAN", AF_CAN, SOCK_RAW, 1, EAFNOSUPPORT },
    { "AF_RDS", AF_RDS, SOCK_SEQPACKET, 0, EAFNOSUPPORT },
    { "AF_XDP", AF_XDP, SOCK_RAW, 0, EAFNOSUPPORT },
    { "AF_UNSPEC", AF_UNSPEC, SOCK_STREAM, 0, EAFNOSUPPORT },
};

int main(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        int fd = socket(families[i].family, families[i].type, families[i].proto);
        if (fd >= 0) {
            printf("%s: socket(%s) gave descriptor %d\n", families[i].family == AF_VSOCK ? "ESCAPED" : "ALLOWED",
                   families[i].name, fd);
            close(fd);
            bad = 1;
        } else if (errno != families[i].want) {
            printf("socket(%s): %s, not refused by the policy (%s)\n", families[i].name, strerror(errno),
                   strerror(families[i].want));
            bad = 1;
        }
    }
    static const struct {
        const char *name;
        int family, type;
    } pairs[] = { { "AF_VSOCK", AF_VSOCK, SOCK_STREAM }, { "AF_NETLINK", AF_NETLINK, SOCK_RAW },
                  { "AF_TIPC", AF_TIPC, SOCK_STREAM } };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        int sv[2];
        if (socketpair(pairs[i].family, pairs[i].type, 0, sv) == 0) {
            printf("ALLOWED: socketpair(%s) gave descriptors %d and %d\n", pairs[i].name, sv[0], sv[1]);
            bad = 1;
        } else if (errno != EAFNOSUPPORT) {
            printf("socketpair(%s): %s, not refused by the policy (EAFNOSUPPORT)\n", pairs[i].name, strerror(errno));
            bad = 1;
        }
    }
    if (!bad)
        printf("CONTAINED\n");
    return 0;
}

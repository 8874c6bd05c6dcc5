/* SPDX-License-Identifier: Apache-2.0 */
#include "boxnet.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cpuplace.h"
#include "fdpass.h"
#include "util.h"

/* Brings up the loopback of the network namespace this thread is in. */
static int loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return negative_errno();
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    int r = ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? negative_errno() : 0;
    (void)close(fd); /* a socket: nothing to flush */
    return r;
}

/* A new network namespace with its loopback up, as an fd: made by this
 * thread and left at once (a namespace lives as long as an fd to it), so
 * that none of the supervisor's own sockets is in it. */
static int new_netns(void)
{
    int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (own < 0)
        return negative_errno();
    int fd = -1, r = 0;
    if (unshare(CLONE_NEWNET) < 0) {
        r = negative_errno();
    } else {
        r = loopback_up();
        fd = r < 0 ? -1 : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (r == 0 && fd < 0)
            r = negative_errno();
        /* Back to the host's: cannot fail for root holding a valid fd,
         * and if it did, no run could be trusted to this process. */
        if (setns(own, CLONE_NEWNET) < 0)
            abort();
    }
    (void)close(own); /* an nsfs fd: nothing to flush */
    return r < 0 ? r : fd;
}

/* Made while the proxy builds the box (some 0.6 ms). The cgroups are made
 * before the clone, not here: made beside the proxy, the first memory
 * cgroup of a boot flips a static key in the kernel's allocator while the
 * proxy runs it, which an emulated guest (qemu TCG) has been seen to oops
 * on. */
int boxnet_make_and_send(pid_t proxy, int sock, const char **failed)
{
    /* A new task starts on its parent's CPU when the others look busy, and
     * would run there first, the namespace waiting for it. */
    cpuplace_move_off(proxy);
    *failed = "create";
    int netfd = new_netns();
    if (netfd < 0)
        return netfd;
    *failed = "hand over";
    int r = fd_send(sock, netfd);
    /* The proxy already gone (its setup failed): its report says why. */
    if (r == -EPIPE || r == -ECONNRESET)
        r = 0;
    (void)close(netfd); /* an nsfs fd: nothing to flush */
    return r;
}

int boxnet_receive_and_enter(int sock, const char **failed)
{
    int fd;
    *failed = "receive";
    while ((fd = fd_recv(sock, 0)) == -EINTR)
        ;
    if (fd < 0)
        return fd;
    *failed = "enter";
    int r = setns(fd, CLONE_NEWNET) < 0 ? negative_errno() : 0;
    (void)close(fd); /* an nsfs fd: nothing to flush */
    return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "util.h"

/* A one-byte message with room for one descriptor. */
struct fd_msg {
    char byte;
    struct iovec iov;
    /* Aligned for the header it holds (a union with struct cmsghdr would
     * carry its flexible array member into the middle of this struct). */
    _Alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    struct msghdr msg;
};

static void fd_msg_init(struct fd_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->iov = (struct iovec){ &m->byte, 1 };
    m->msg = (struct msghdr){
        .msg_iov = &m->iov, .msg_iovlen = 1, .msg_control = m->control, .msg_controllen = sizeof(m->control)
    };
}

int fd_send(int sock, int fd)
{
    struct fd_msg m;
    fd_msg_init(&m);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m.msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &m.msg, MSG_NOSIGNAL) == 1 ? 0 : negative_errno();
}

int fd_recv(int sock, int flags)
{
    struct fd_msg m;
    fd_msg_init(&m);
    ssize_t n = recvmsg(sock, &m.msg, flags | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return negative_errno();
    struct cmsghdr *c = n == 1 ? CMSG_FIRSTHDR(&m.msg) : NULL;
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
        return -EBADMSG;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

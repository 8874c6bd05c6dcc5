/* SPDX-License-Identifier: Apache-2.0 */
/* fdpass: one descriptor over a Unix socket, as the box hands its seccomp
 * listener to the supervisor. */
#ifndef RUSTBOX_FDPASS_H
#define RUSTBOX_FDPASS_H

/* One descriptor over a Unix socket (SCM_RIGHTS, with a one-byte message).
 * fd_send: 0 or -errno. fd_recv: the descriptor received (close-on-exec), or
 * -errno (-EAGAIN with MSG_DONTWAIT and nothing there, -EBADMSG when the
 * message holds no descriptor). flags: recvmsg's, MSG_CMSG_CLOEXEC added. */
int fd_send(int sock, int fd);
int fd_recv(int sock, int flags);

#endif

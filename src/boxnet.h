/* SPDX-License-Identifier: Apache-2.0 */
/* boxnet: the box's network namespace. The supervisor makes it while the
 * proxy builds the box's filesystem, and hands it over the socket the two
 * share; the proxy enters it before it forks the program, so nothing of the
 * program runs in the host's. */
#ifndef RUSTBOX_BOXNET_H
#define RUSTBOX_BOXNET_H

#include <sys/types.h>

/* The supervisor's end: a new network namespace with its loopback up, sent
 * over sock, made on another CPU than proxy's when one is allowed. 0 (also
 * when the proxy is already gone: its own report says why) or -errno, with
 * *failed naming the step: "create" or "hand over". */
int boxnet_make_and_send(pid_t proxy, int sock, const char **failed);

/* The proxy's end: the namespace received over sock, entered by this
 * process. 0 or -errno, with *failed naming the step: "receive" or
 * "enter". */
int boxnet_receive_and_enter(int sock, const char **failed);

#endif

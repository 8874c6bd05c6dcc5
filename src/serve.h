/* SPDX-License-Identifier: Apache-2.0 */
/* serve: `rustbox serve`, /metrics and /health over HTTP (libmicrohttpd),
 * on a loopback address unless the config allows a remote one. */
#ifndef RUSTBOX_SERVE_H
#define RUSTBOX_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "context.h"
#include "error.h"

/* Largest request head (request line + headers) a connection may carry;
 * beyond it the request is answered 431 and the connection closed. */
#define RB_SERVE_CONN_MEMORY (16 * 1024)
#define RB_SERVE_CONN_LIMIT 64
#define RB_SERVE_CONN_TIMEOUT_S 10

struct rb_listen_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    bool v6;
    bool loopback;
    unsigned port;
    char text[80]; /* normalised, e.g. 127.0.0.1:9090 or [::1]:9090 */
};

/* Parses HOST:PORT, [V6]:PORT or :PORT (every address). HOST is a numeric
 * address or "localhost". -EINVAL with one line in err otherwise. */
int serve_parse_listen(const char *spec, struct rb_listen_addr *a, char *err, size_t errlen);

/* Serves on listen (NULL: the config's address) until SIGTERM or SIGINT,
 * then returns 0. -EINVAL (err says why) for an address it must not or cannot
 * serve on; another -errno when the server cannot start. */
int serve_run(struct rb_ctx *ctx, const char *listen, struct rb_error *err);

#endif

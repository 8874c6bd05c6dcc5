/* SPDX-License-Identifier: Apache-2.0 */
/* error: what a setup path failed at, as one line naming the operation, the
 * path and the errno text ("cannot create /srv/work/rustbox-3: Not a
 * directory"). The lowest layer that knows the path fills it; the layers
 * above pass it on unchanged and the command prints it as it is. Teardown
 * has its own record of every failure (the cleanup report). */
#ifndef RUSTBOX_ERROR_H
#define RUSTBOX_ERROR_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

#define RB_ERROR_TEXT_MAX 640

struct rb_error {
    int code; /* -errno; 0: no error recorded */
    char text[RB_ERROR_TEXT_MAX];
};

/* Records "<what>: <strerror(-code)>" unless an error is already recorded
 * (the lowest layer's text wins). Returns code, so a caller can write
 * `return rb_error_set(err, r, "cannot open %s", path);`. err may be NULL. */
int rb_error_set(struct rb_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same without the errno text, for a cause that is not an errno
 * (e.g. "box id 4000 is out of range: num_boxes is 1000"). */
int rb_error_say(struct rb_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The one-line refusals of the parsers (command line, config, --dir rules):
 * formats into err, turning every control byte into '?' (the message quotes
 * what a user wrote: a newline or an escape must not make a second line or
 * forge a log event). err may be NULL. */
void rb_error_line(char *err, size_t errlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* rb_error_line, then -EINVAL: `return rb_error_refuse(err, errlen, ...);`
 * where a parser refuses what it was given. Inline, so that the static
 * analyzer sees every refusal return -EINVAL. */
static inline int rb_error_refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int rb_error_refuse(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rb_error_line(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int record(struct rb_error *err, int code, bool with_errno, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int record(struct rb_error *err, int code, bool with_errno, const char *fmt, va_list ap)
{
    if (!err || err->code)
        return code;
    err->code = code;
    int n = vsnprintf(err->text, sizeof(err->text), fmt, ap);
    if (n < 0)
        err->text[0] = '\0';
    size_t used = strlen(err->text);
    /* A message too long for the buffer keeps its start and its cause. */
    if (with_errno && used < sizeof(err->text))
        (void)snprintf(err->text + used, sizeof(err->text) - used, ": %s", strerror(code < 0 ? -code : code));
    return code;
}

void rb_error_line(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (!err || errlen == 0)
        return;
    if (vsnprintf(err, errlen, fmt, ap) < 0)
        err[0] = '\0';
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

int rb_error_set(struct rb_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = record(err, code, true, fmt, ap);
    va_end(ap);
    return r;
}

int rb_error_say(struct rb_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = record(err, code, false, fmt, ap);
    va_end(ap);
    return r;
}

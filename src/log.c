/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

void log_open(void)
{
    openlog("rustbox", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_event(const struct rb_log *log, enum rb_log_level level, const char *event, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(line, sizeof(line), "event=%s ", event);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);

    int prio = level == RB_LOG_ERROR ? LOG_ERR : level == RB_LOG_WARNING ? LOG_WARNING : LOG_INFO;
    syslog(prio, "%s", line);
    if (!log->silent && (level != RB_LOG_INFO || log->verbose))
        fprintf(stderr, "rustbox: %s\n", line);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rustbox: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

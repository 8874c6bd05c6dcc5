/* SPDX-License-Identifier: Apache-2.0 */
/* log: one line per event, `event=<name> key=value ...`, to syslog (identifier
 * rustbox) and stderr. Routine events reach stderr only when verbose, so a
 * judge reading our stderr sees problems, not chatter. */
#ifndef RUSTBOX_LOG_H
#define RUSTBOX_LOG_H

#include <stdbool.h>

enum rb_log_level { RB_LOG_INFO, RB_LOG_WARNING, RB_LOG_ERROR };

struct rb_log {
    bool verbose; /* routine events to stderr too */
    bool silent;  /* nothing to stderr but errors of the command itself */
};

void log_open(void);
void log_event(const struct rb_log *log, enum rb_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A plain one-line error for the operator (usage errors and the like). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

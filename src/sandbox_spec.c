/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox_spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void sandbox_fail(int report_fd, int err, const char *fmt, ...)
{
    struct rb_report rep = { .type = RB_REPORT_SETUP_ERROR, .value = err < 0 ? -err : err };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep.what, sizeof(rep.what), fmt, ap);
    va_end(ap);
    if (write(report_fd, &rep, sizeof(rep)) < 0) {
        /* Nobody left to tell; the exit status still says setup failed. */
    }
    _exit(127);
}

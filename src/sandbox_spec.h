/* SPDX-License-Identifier: Apache-2.0 */
/* sandbox_spec: what the proxy and the payload are given (struct
 * rb_sandbox_spec), the records they send the supervisor on the report
 * pipe, and the one way they fail during setup: a report, then exit. Shared
 * by the box's filesystem (boxfs) and the processes (sandbox). */
#ifndef RUSTBOX_SANDBOX_SPEC_H
#define RUSTBOX_SANDBOX_SPEC_H

#include <signal.h>
#include <stdint.h>

#include "box.h"
#include "cgroup.h"
#include "config.h"
#include "env.h"
#include "request.h"

#define RB_SANDBOX_HOSTNAME "rustbox-sandbox"
#define RB_SANDBOX_DEV_SIZE "64k"

/* The box's namespaces; the controls they stand for are reported. The
 * proxy is cloned into all but the network one, which the supervisor makes
 * meanwhile and hands over (run.c). */
#define RB_SANDBOX_CLONE_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

enum rb_report_type { RB_REPORT_SETUP_ERROR = 1, RB_REPORT_STATUS = 2, RB_REPORT_CPU_MS = 3, RB_REPORT_EXEC = 4 };

/* One record on the report pipe; small enough that a write is atomic. */
struct rb_report {
    int type;
    int value; /* errno for SETUP_ERROR, wait status for STATUS, the
                * program's own CPU time (rusage, ms) for CPU_MS */
    char what[200];
    /* STATUS: the program's own rusage (with the children it reaped), as
     * isolate reports max-rss and context switches. */
    long max_rss_kib;
    long csw_voluntary;
    long csw_forced;
    uint64_t at_us; /* EXEC: monotonic_us() just before the program's exec */
};

struct rb_sandbox_spec {
    const struct rb_config *cfg;
    const struct rb_box *box;
    const struct rb_run_request *req;
    struct rb_cgroup *cg;
    char **envp;
    int stdin_fd;  /* -1: /dev/null unless req->stdin_path */
    int stdout_fd; /* capture pipe or inherited; req->stdout_path wins */
    int stderr_fd;
    int report_fd;
    int notify_fd;          /* socket the payload hands the seccomp listener over */
    sigset_t child_sigmask; /* the caller's mask, restored in the proxy */
};

/* Sends a setup-error report (err: an errno, either sign; fmt: what failed,
 * with the path) on report_fd and exits 127: nothing set up so far may
 * run on. */
__attribute__((noreturn, format(printf, 3, 4))) void sandbox_fail(int report_fd, int err, const char *fmt, ...);

#endif

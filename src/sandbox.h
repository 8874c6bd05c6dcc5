/* SPDX-License-Identifier: Apache-2.0 */
/* sandbox: what happens inside the box's namespaces. The supervisor clones a
 * proxy (pid 1 of a fresh pid namespace) that builds the box's filesystem,
 * forks the payload and reports how it ended; the payload drops every
 * privilege and execs the program. When the proxy exits the kernel kills
 * whatever is left in the namespace, double-forked or setsid'd alike. */
#ifndef RUSTBOX_SANDBOX_H
#define RUSTBOX_SANDBOX_H

#include <signal.h>

#include "box.h"
#include "cgroup.h"
#include "env.h"
#include "request.h"

#define RB_SANDBOX_HOSTNAME "rustbox-sandbox"
#define RB_SANDBOX_DEV_SIZE "64k"

/* Clone flags of the proxy; the controls they stand for are reported. */
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

/* Runs in the cloned proxy; never returns. */
__attribute__((noreturn)) void sandbox_proxy_main(const struct rb_sandbox_spec *spec);

#endif

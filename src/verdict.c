/* SPDX-License-Identifier: Apache-2.0 */
/* verdict: turns what the supervisor saw into one verdict and reason. The
 * order of the rules is the contract: several can hold at once (a program
 * killed for its CPU time also ends by SIGKILL), and the one that says why
 * the run ended must win. */
#include "verdict.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

void verdict_set_reason(struct rb_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason_buf, sizeof(res->reason_buf), fmt, ap);
    va_end(ap);
    res->reason = res->reason_buf;
}

static void classify(const struct rb_verdict_input *in, struct rb_result *res)
{
    const struct rb_limits *l = in->limits;
    /* Nothing the program did counts when its box was never complete. */
    if (in->setup_what) {
        res->verdict = RB_IE;
        verdict_set_reason(res, RB_SETUP_FAILED "%s: %s", in->setup_what, strerror(in->setup_errno));
        return;
    }
    if (in->have_status) {
        res->exited = WIFEXITED(in->status);
        res->exit_code = res->exited ? WEXITSTATUS(in->status) : 0;
        res->signal = WIFSIGNALED(in->status) ? WTERMSIG(in->status) : 0;
    }
    /* The supervisor's own kills come first: the SIGKILL it sent is how the
     * program ended, not why. The measured times count too, since a program
     * can end on its own just past a limit between two checks. */
    if (in->killed == RB_KILL_INTERRUPTED) {
        res->verdict = RB_IE;
        verdict_set_reason(res, "interrupted by %s", strsignal(in->interrupted_by));
    } else if (in->killed == RB_KILL_CPU ||
               (l->cpu_time_s > 0 && (in->cpu_time_s > l->cpu_time_s || in->program_cpu_s > l->cpu_time_s))) {
        res->verdict = RB_TLE;
        res->reason = "cpu_time";
    } else if (in->killed == RB_KILL_WALL || (l->wall_time_s > 0 && in->wall_time_s > l->wall_time_s)) {
        res->verdict = RB_TLE;
        res->reason = "wall_time";
    } else if (in->killed == RB_KILL_OUTPUT) {
        res->verdict = RB_OLE;
        res->reason = "output_limit";
    } else if (in->killed == RB_KILL_SECCOMP) {
        /* The box was killed while the denied call waited: SIGSYS is the
         * policy's signal, as when the filter killed a process itself. */
        res->verdict = RB_SV;
        res->reason = "seccomp";
        res->exited = false;
        res->exit_code = 0;
        res->signal = SIGSYS;
    } else if (!in->have_status) {
        res->verdict = RB_IE;
        res->reason = "the sandbox ended without reporting the program's status";
    } else if (res->signal == SIGXFSZ && l->file_size > 0 && !in->fsize_noted) {
        /* The kernel sends SIGXFSZ only past RLIMIT_FSIZE, which the box
         * cannot change unnoticed; any other SIGXFSZ is the program's own
         * (SIG, below). A SIGSYS is always its own: the filter never kills
         * by itself, the supervisor does (RB_KILL_SECCOMP). */
        res->verdict = RB_OLE;
        res->reason = "file_size";
    } else if (in->oom_kills > 0 && !(res->exited && res->exit_code == 0)) {
        /* An OOM kill of a helper process the program survived and still
         * succeeded with is not the program's failure. */
        res->verdict = RB_MLE;
        res->reason = "memory";
    } else if (res->signal) {
        /* SIGXCPU too: with the CPU limit really reached it is TLE above;
         * below it the program raised it or lowered its own RLIMIT_CPU. */
        res->verdict = RB_SIG;
    } else {
        res->verdict = res->exit_code == 0 ? RB_OK : RB_RE;
    }
}

void verdict_classify(const struct rb_verdict_input *in, struct rb_result *res)
{
    classify(in, res);
    /* A supervisor that lost track of the run cannot vouch for any other
     * verdict; an IE already found keeps its own reason. */
    if (in->supervise_error < 0 && res->verdict != RB_IE) {
        res->verdict = RB_IE;
        verdict_set_reason(res, "supervising the run failed: %s", strerror(-in->supervise_error));
    }
}

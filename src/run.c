/* SPDX-License-Identifier: Apache-2.0 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boxnet.h"
#include "cpuplace.h"
#include "env.h"
#include "fdpass.h"
#include "progclock.h"
#include "sandbox.h"
#include "seccomp_policy.h"
#include "util.h"
#include "verdict.h"

extern char **environ;

/* Signals that ask rustbox to stop; during a run they end the box cleanly. */
static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };

/* Bytes read from an output pipe at a time: a whole default pipe buffer. */
#define CAPTURE_CHUNK 65536

/* One output pipe. Only its first max bytes are kept (the config's
 * capture_limit): the supervisor runs outside every cgroup, so its memory
 * must not follow what the program writes. */
struct capture {
    int fd;
    char *buf;
    size_t len, cap;
    size_t max;
    bool cut; /* bytes were read and not kept */
};

struct supervisor {
    const struct rb_run_request *req;
    struct rb_cgroup cg;
    bool have_cg;
    struct rb_cg_stats stats; /* cg's counters, open while the box runs */
    pid_t proxy;
    int pidfd;
    int report_fd;
    struct capture out, err;
    /* capture_read's buffer. On the heap: as a 64 KiB array on the stack,
     * stack-clash probing would touch (and fault in) all its 16 pages on
     * every run, whatever the program wrote. */
    char *chunk;
    size_t captured;
    bool truncated;
    enum rb_kill_reason killed;
    double started;
    int sigfd; /* termination signals sent to rustbox itself */
    int interrupted_by;
    struct rb_report setup_error;
    bool have_setup_error;
    bool have_status;
    bool ended_early; /* the proxy reported the status and closed: the box is over, the proxy still exiting */
    int status;
    struct rb_report usage;    /* the program's rusage, with have_status */
    uint64_t exec_at_us;       /* when the program was exec'd; 0 if it never was */
    int program_cpu_ms;        /* the program's own CPU time, -1 if not reported */
    int notify_sock;           /* where the payload hands over the seccomp listener */
    int listener;              /* the seccomp listener */
    bool fsize_noted;          /* a box process sent SIGXFSZ or changed its file-size limit */
    struct rb_cpu_rule cpu;    /* how CPU time is measured and where the box is killed */
    bool per_process;          /* the program's own CPU time counts (cpu.per_process, or no cgroup) */
    struct rb_prog_clock prog; /* the program's own CPU time, with per_process */
};

void run_controls(const struct rb_ctx *ctx, unsigned *applied, unsigned *missing)
{
    *applied = *missing = 0;
    for (int c = 0; c < RB_CTL_COUNT; c++)
        *applied |= 1u << c;
    const struct rb_cg_caps *caps = &ctx->cg_caps;
    if (!ctx->cg || !caps->memory || !caps->pids || !caps->cpu) {
        *applied &= ~(1u << RB_CTL_CGROUP);
        *missing |= 1u << RB_CTL_CGROUP;
    }
}

void run_result_init(const struct rb_ctx *ctx, long box_id, const struct rb_limits *limits, struct rb_result *res)
{
    memset(res, 0, sizeof(*res));
    res->box_id = box_id;
    res->limits = *limits;
    res->strict = ctx->cfg.strict;
    res->cgroup_backend = ctx->cg ? ctx->cg->name : "none";
    run_controls(ctx, &res->controls_applied, &res->controls_missing);
}

static pid_t clone_proxy(int *pidfd)
{
    /* Fork-like clone (no new stack) that also hands back a pidfd, so waiting
     * and killing can never hit a recycled pid. The network namespace is
     * made by the supervisor meanwhile (boxnet.c). */
    *pidfd = -1;
    unsigned long flags = (RB_SANDBOX_CLONE_FLAGS & ~(unsigned long)CLONE_NEWNET) | CLONE_PIDFD | SIGCHLD;
    long r = syscall(SYS_clone, flags, NULL, pidfd, NULL, NULL);
    return (pid_t)r;
}

static int capture_read(struct supervisor *sv, struct capture *c, uint64_t limit)
{
    for (;;) {
        ssize_t n = read(c->fd, sv->chunk, CAPTURE_CHUNK);
        if (n < 0)
            return errno == EINTR ? 0 : errno == EAGAIN ? 1 : -errno;
        if (n == 0) {
            (void)safe_close(c->fd);
            c->fd = -1;
            return 0;
        }
        /* Every byte read counts against output_limit; what is kept stays
         * within both output_limit (stdout and stderr together) and the
         * stream's own max. */
        size_t keep = (size_t)n, room = c->max - c->len;
        if (limit) {
            uint64_t left = sv->captured < limit ? limit - sv->captured : 0;
            if ((uint64_t)n > left)
                sv->truncated = true;
            if (left < room)
                room = (size_t)left;
        }
        if (keep > room) {
            keep = room;
            c->cut = true;
        }
        if (keep && c->len + keep > c->cap) {
            size_t ncap = c->cap ? c->cap : 4096;
            while (ncap < c->len + keep)
                ncap *= 2;
            if (ncap > c->max)
                ncap = c->max;
            char *nb = realloc(c->buf, ncap);
            if (!nb)
                return -ENOMEM;
            c->buf = nb;
            c->cap = ncap;
        }
        if (keep)
            memcpy(c->buf + c->len, sv->chunk, keep);
        c->len += keep;
        sv->captured += (size_t)n;
    }
}

static void kill_box(struct supervisor *sv, enum rb_kill_reason why)
{
    if (sv->killed == RB_KILL_NONE)
        sv->killed = why;
    /* SIGKILL to the namespace's pid 1 kills every process in it. */
    syscall(SYS_pidfd_send_signal, sv->pidfd, SIGKILL, NULL, 0);
}

/* The payload's one message: the seccomp listener. Whatever comes, the
 * socket has done its job. */
static void recv_listener(struct supervisor *sv)
{
    int fd = fd_recv(sv->notify_sock, MSG_DONTWAIT);
    if (fd == -EAGAIN || fd == -EINTR)
        return;
    if (fd >= 0)
        sv->listener = fd;
    (void)safe_close(sv->notify_sock);
    sv->notify_sock = -1;
}

/* One notification of the filter. A denied call ends the box while its
 * caller still waits for the answer, so it never runs; a call that could
 * forge a file-size verdict is noted and goes on (its arguments are
 * registers the filter already saw: nothing to re-read). */
static void handle_notice(struct supervisor *sv)
{
    struct seccomp_notif req;
    memset(&req, 0, sizeof(req));
    if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return; /* ENOENT: the caller was killed meanwhile */
    if (seccomp_policy_notice(&req.data) == SECCOMP_NOTICE_DENIED) {
        kill_box(sv, RB_KILL_SECCOMP);
        return;
    }
    sv->fsize_noted = true;
    struct seccomp_notif_resp resp = { .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
    if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno == EINVAL) {
        /* Before Linux 5.5 a call cannot be let through: it fails instead. */
        resp = (struct seccomp_notif_resp){ .id = req.id, .error = -EPERM };
        (void)ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

static uint64_t cpu_used_ns(const struct supervisor *sv)
{
    struct rb_cg_usage u;
    if (!sv->have_cg || sv->cg.backend->usage(&sv->stats, true, &u) < 0)
        return 0;
    return u.cpu_ns;
}

/* The CPU time the limit counts (request_cpu_rule). */
static double cpu_measured_s(struct supervisor *sv)
{
    return sv->per_process ? progclock_read(&sv->prog) : (double)cpu_used_ns(sv) / 1e9;
}

static double next_wait(struct supervisor *sv, const struct rb_limits *l, double ncpu)
{
    double wait = RB_RUN_POLL_MAX_S;
    double elapsed = monotonic_s() - sv->started;
    if (l->wall_time_s > 0)
        wait = min_double(wait, l->wall_time_s - elapsed);
    if (sv->cpu.kill_at_s > 0) {
        /* CPU time grows at most ncpu seconds per second of sleep. */
        double left = sv->cpu.kill_at_s - cpu_measured_s(sv);
        wait = min_double(wait, left / ncpu);
    }
    return max_double(wait, RB_RUN_POLL_MIN_S);
}

static void check_limits(struct supervisor *sv, const struct rb_limits *l)
{
    if (sv->cpu.kill_at_s > 0 && cpu_measured_s(sv) > sv->cpu.kill_at_s)
        kill_box(sv, RB_KILL_CPU);
    if (l->wall_time_s > 0 && monotonic_s() - sv->started > l->wall_time_s)
        kill_box(sv, RB_KILL_WALL);
    if (sv->truncated)
        kill_box(sv, RB_KILL_OUTPUT);
}

static void read_reports(struct supervisor *sv)
{
    struct rb_report rep;
    while (read(sv->report_fd, &rep, sizeof(rep)) == (ssize_t)sizeof(rep)) {
        if (rep.type == RB_REPORT_SETUP_ERROR && !sv->have_setup_error) {
            sv->setup_error = rep;
            sv->have_setup_error = true;
        } else if (rep.type == RB_REPORT_EXEC) {
            sv->exec_at_us = rep.at_us;
        } else if (rep.type == RB_REPORT_CPU_MS) {
            sv->program_cpu_ms = rep.value;
        } else if (rep.type == RB_REPORT_STATUS) {
            sv->status = rep.value;
            sv->have_status = true;
            sv->usage = rep;
        }
    }
}

static int supervise(struct supervisor *sv, const struct rb_limits *l)
{
    double ncpu = (double)sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    bool proxy_done = false, reports_open = true;
    while (!proxy_done) {
        struct pollfd pfd[7] = {
            { sv->pidfd, POLLIN, 0 },
            { sv->out.fd, POLLIN, 0 },
            { sv->err.fd, POLLIN, 0 },
            { sv->sigfd, POLLIN, 0 },
            { sv->notify_sock, POLLIN, 0 },
            { sv->listener, POLLIN, 0 },
            { reports_open ? sv->report_fd : -1, POLLIN, 0 },
        };
        double wait = next_wait(sv, l, ncpu);
        /* wait is positive (at least RB_RUN_POLL_MIN_S): the cast is its floor. */
        time_t secs = (time_t)wait;
        struct timespec ts = { secs, (long)((wait - (double)secs) * 1e9) };
        int n = ppoll(pfd, 7, &ts, NULL);
        if (n < 0 && errno != EINTR)
            return -errno;
        for (int i = 1; i < 3; i++)
            if (pfd[i].fd >= 0 && pfd[i].revents) {
                int r = capture_read(sv, i == 1 ? &sv->out : &sv->err, l->output_limit);
                if (r < 0)
                    return r;
            }
        struct signalfd_siginfo si;
        if (pfd[3].fd >= 0 && (pfd[3].revents & POLLIN) && read(sv->sigfd, &si, sizeof(si)) == sizeof(si)) {
            /* Asked to stop: end the box now and let cleanup run, rather
             * than die and leave it for recovery. */
            sv->interrupted_by = (int)si.ssi_signo;
            kill_box(sv, RB_KILL_INTERRUPTED);
        }
        if (pfd[4].fd >= 0 && pfd[4].revents)
            recv_listener(sv);
        if (pfd[5].fd >= 0 && (pfd[5].revents & POLLIN))
            handle_notice(sv);
        else if (pfd[5].fd >= 0 && pfd[5].revents) {
            /* No process uses the filter any more. */
            (void)safe_close(sv->listener);
            sv->listener = -1;
        }
        if (pfd[6].fd >= 0 && pfd[6].revents)
            read_reports(sv);
        /* The program's status is the proxy's last report, sent once it has
         * ended and reaped every process of the box (sandbox.c): the box is
         * over, and neither the proxy's EOF nor its exit (its namespaces'
         * teardown) need hold up cleanup. */
        sv->ended_early = sv->have_status;
        /* EOF without the status: the proxy died, and its exit (pidfd) is
         * what proves the namespace empty. */
        if (pfd[6].fd >= 0 && (pfd[6].revents & POLLHUP))
            reports_open = false;
        proxy_done = (n > 0 && (pfd[0].revents & POLLIN)) || sv->ended_early;
        if (!proxy_done)
            check_limits(sv, l);
    }
    return 0;
}

/* Once the namespace is gone every writer is gone: read to EOF. */
static void drain(struct supervisor *sv, const struct rb_limits *l)
{
    double until = monotonic_s() + RB_RUN_DRAIN_S;
    while ((sv->out.fd >= 0 || sv->err.fd >= 0) && monotonic_s() < until) {
        struct pollfd pfd[2] = { { sv->out.fd, POLLIN, 0 }, { sv->err.fd, POLLIN, 0 } };
        if (poll(pfd, 2, 100) <= 0)
            continue;
        for (int i = 0; i < 2; i++)
            if (pfd[i].fd >= 0 && pfd[i].revents)
                (void)capture_read(sv, i == 0 ? &sv->out : &sv->err, l->output_limit);
    }
}

static int open_pipes(struct supervisor *sv, int report[2], int out[2], int err[2], bool capture_out, bool capture_err)
{
    report[0] = report[1] = out[0] = out[1] = err[0] = err[1] = -1;
    if (pipe2(report, O_CLOEXEC) < 0)
        return -errno;
    if (capture_out && pipe2(out, O_CLOEXEC) < 0)
        return -errno;
    if (capture_err && pipe2(err, O_CLOEXEC) < 0)
        return -errno;
    /* Read as they come while the box runs: never a read that waits. */
    for (int i = 0; i < 3; i++) {
        int fd = i == 0 ? out[0] : i == 1 ? err[0] : report[0];
        if (fd >= 0)
            fcntl(fd, F_SETFL, O_NONBLOCK);
    }
    sv->report_fd = report[0];
    sv->out.fd = out[0];
    sv->err.fd = err[0];
    return 0;
}

/* A group of this name left by an earlier run would carry its counters.
 * cg already holds the box's description (the dirs cleanup removes). */
static int fresh_cgroup(const struct rb_limits *l, struct rb_cgroup *cg)
{
    int r;
    const char *failed = NULL;
    if (cgroup_count_existing(cg) > 0 && (r = cgroup_remove(cg, &failed)) < 0)
        return r;
    r = cg->backend->create(cg, l->memory, l->processes);
    if (r < 0)
        return r;
    r = cgroup_open_procs(cg);
    if (r < 0)
        (void)cgroup_remove(cg, NULL);
    return r;
}

void run_reap_proxy(int pidfd)
{
    if (pidfd < 0)
        return;
    siginfo_t si;
    while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
        ;
    (void)close(pidfd); /* a pidfd: nothing to flush */
}

int run_in_box(struct rb_ctx *ctx, struct rb_box *box, const struct rb_run_request *req, struct rb_result *res,
               int *ending_proxy)
{
    *ending_proxy = -1;
    struct supervisor sv = {
        .req = req,
        .pidfd = -1,
        .report_fd = -1,
        .sigfd = -1,
        .program_cpu_ms = -1,
        .notify_sock = -1,
        .listener = -1,
        .cpu = request_cpu_rule(req),
        .prog = RB_PROG_CLOCK_INIT,
    };
    sv.out.fd = sv.err.fd = -1;
    cgroup_stats_init(&sv.stats);
    sv.out.max = sv.err.max = (size_t)ctx->cfg.capture_limit;
    cgroup_init(&sv.cg, ctx->cg);
    int report[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, notify[2] = { -1, -1 };
    bool capture = req->output == RB_OUTPUT_CAPTURE;
    int r = 0;
    char **envp = NULL;

    uint64_t t = monotonic_us();
    if (ctx->cg) {
        sv.cg = box->cg; /* the box's own description: the dirs cleanup removes */
        r = sv.cg.backend && sv.cg.n_dirs > 0 ? fresh_cgroup(&req->limits, &sv.cg) : -EINVAL;
    }
    res->timings.phase_us[RB_PHASE_CGROUP_CREATE] = monotonic_us() - t;
    t = monotonic_us();
    if (r < 0) {
        res->verdict = RB_IE;
        verdict_set_reason(res, "cannot create cgroup %s: %s", box->name, strerror(-r));
        return 0;
    }
    sv.have_cg = ctx->cg != NULL;
    sv.per_process = sv.cpu.per_process || !sv.have_cg;
    if ((r = open_pipes(&sv, report, out, err, capture && !req->stdout_path,
                        capture && !req->stderr_path && !req->stderr_to_stdout)) < 0 ||
        (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, notify) < 0 && (r = -errno) < 0) ||
        !(envp = env_build(req, environ)) || (capture && !(sv.chunk = malloc(CAPTURE_CHUNK)))) {
        res->verdict = RB_IE;
        verdict_set_reason(res, "cannot prepare the run: %s", strerror(r ? -r : ENOMEM));
        goto out;
    }

    struct rb_sandbox_spec spec = {
        .cfg = &ctx->cfg,
        .box = box,
        .req = req,
        .cg = &sv.cg,
        .envp = envp,
        .stdin_fd = capture ? -1 : STDIN_FILENO,
        .stdout_fd = capture ? out[1] : STDOUT_FILENO,
        .stderr_fd = capture ? err[1] : STDERR_FILENO,
        .report_fd = report[1],
        .notify_fd = notify[1],
    };
    /* Termination signals wait in a signalfd while the box runs; the proxy
     * gets the caller's mask back before anything else. */
    sigset_t stop;
    sigemptyset(&stop);
    for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
        sigaddset(&stop, stop_signals[i]);
    sigprocmask(SIG_BLOCK, &stop, &spec.child_sigmask);
    sv.sigfd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
    sv.started = monotonic_s();
    sv.proxy = clone_proxy(&sv.pidfd);
    if (sv.proxy == 0)
        sandbox_proxy_main(&spec);
    if (sv.proxy < 0) {
        res->verdict = RB_IE;
        verdict_set_reason(res, "cannot create the box's namespaces: %s", strerror(errno));
        goto out;
    }
    sv.prog.proxy = sv.proxy;
    /* Only the box may hold the write ends, so EOF means the box is gone. */
    (void)safe_close(report[1]);
    report[1] = -1;
    if (out[1] >= 0)
        close(out[1]);
    if (err[1] >= 0)
        close(err[1]);
    out[1] = err[1] = -1;
    (void)safe_close(notify[1]);
    notify[1] = -1;
    cgroup_close_procs(&sv.cg);
    const char *failed = NULL;
    if (!req->share_net && (r = boxnet_make_and_send(sv.proxy, notify[0], &failed)) < 0) {
        /* Nothing of the program ran: the proxy waits for the namespace. */
        kill_box(&sv, RB_KILL_NONE);
        run_reap_proxy(sv.pidfd);
        sv.pidfd = -1;
        res->verdict = RB_IE;
        verdict_set_reason(res, "cannot %s the box's network namespace: %s", failed, strerror(-r));
        goto out;
    }
    sv.notify_sock = notify[0];
    notify[0] = -1;
    /* Opened while the proxy still builds the box, so no read of a counter
     * on the way to the verdict looks up a path. */
    if (sv.have_cg && (r = sv.cg.backend->open_stats(&sv.cg, &sv.stats)) < 0) {
        kill_box(&sv, RB_KILL_NONE);
        run_reap_proxy(sv.pidfd);
        sv.pidfd = -1;
        res->verdict = RB_IE;
        verdict_set_reason(res, "cannot open the counters of cgroup %s: %s", box->name, strerror(-r));
        goto out;
    }

    r = supervise(&sv, &req->limits);
    if (r < 0)
        kill_box(&sv, sv.killed);
    siginfo_t si;
    /* The raw call also hands back the proxy's rusage: the only counts
     * there are when the box was killed before the proxy could report. */
    struct rusage proxy_ru = { 0 };
    if (sv.ended_early) {
        *ending_proxy = sv.pidfd; /* reaped after cleanup: run_reap_proxy */
        sv.pidfd = -1;
        /* The proxy's last report woke us, often on its own CPU: its exit
         * would then run before our cleanup instead of beside it. */
        cpuplace_move_off(sv.proxy);
    }
    while (sv.pidfd >= 0 && syscall(SYS_waitid, P_PIDFD, sv.pidfd, &si, WEXITED, &proxy_ru) < 0 && errno == EINTR)
        ;
    res->wall_time_s = monotonic_s() - sv.started;
    drain(&sv, &req->limits);
    read_reports(&sv);
    /* Setup ends at the program's exec (all of it, when it never got that far). */
    uint64_t ended = monotonic_us();
    uint64_t exec_at = sv.exec_at_us > t && sv.exec_at_us < ended ? sv.exec_at_us : ended;
    res->timings.phase_us[RB_PHASE_CLONE_EXEC] = exec_at - t;
    res->timings.phase_us[RB_PHASE_WAIT] = ended - exec_at;

    struct rb_cg_usage u = { 0 };
    if (sv.have_cg)
        (void)sv.cg.backend->usage(&sv.stats, false, &u); /* all zero if unreadable, as with no cgroup */
    res->cpu_time_s = (double)u.cpu_ns / 1e9;
    if (sv.per_process) /* the program's own, with what it reaped if it ended */
        res->cpu_time_s = max_double(sv.prog.cpu_s, sv.program_cpu_ms >= 0 ? sv.program_cpu_ms / 1e3 : 0);
    res->memory_peak_kib = u.memory_peak / 1024;
    res->oom_killed = u.oom_kills > 0;
    res->killed_by_supervisor = sv.killed != RB_KILL_NONE;
    if (!sv.have_status)
        sv.usage = (struct rb_report){ .max_rss_kib = proxy_ru.ru_maxrss,
                                       .csw_voluntary = proxy_ru.ru_nvcsw,
                                       .csw_forced = proxy_ru.ru_nivcsw };
    res->have_rusage = sv.have_status || sv.killed != RB_KILL_NONE;
    res->max_rss_kib = (uint64_t)(sv.usage.max_rss_kib > 0 ? sv.usage.max_rss_kib : 0);
    res->csw_voluntary = (uint64_t)(sv.usage.csw_voluntary > 0 ? sv.usage.csw_voluntary : 0);
    res->csw_forced = (uint64_t)(sv.usage.csw_forced > 0 ? sv.usage.csw_forced : 0);
    struct rb_verdict_input vin = {
        .setup_what = sv.have_setup_error ? sv.setup_error.what : NULL,
        .setup_errno = sv.setup_error.value,
        .have_status = sv.have_status,
        .status = sv.status,
        .killed = sv.killed,
        .interrupted_by = sv.interrupted_by,
        .cpu_time_s = res->cpu_time_s,
        .program_cpu_s = sv.program_cpu_ms >= 0 ? sv.program_cpu_ms / 1e3 : 0,
        .fsize_noted = sv.fsize_noted,
        .wall_time_s = res->wall_time_s,
        .oom_kills = u.oom_kills,
        .limits = &res->limits,
        .supervise_error = r,
    };
    verdict_classify(&vin, res);
    res->out = sv.out.buf;
    res->out_len = sv.out.cut ? utf8_whole_prefix(sv.out.buf, sv.out.len) : sv.out.len;
    res->err = sv.err.buf;
    res->err_len = sv.err.cut ? utf8_whole_prefix(sv.err.buf, sv.err.len) : sv.err.len;
    sv.out.buf = sv.err.buf = NULL;
    res->output_truncated = sv.out.cut || sv.err.cut;
out:
    for (size_t i = 0; i < 3; i++) {
        int fds[] = { report[1], out[1], err[1], sv.report_fd, sv.out.fd, sv.err.fd };
        if (fds[i] >= 0)
            (void)safe_close(fds[i]);
        if (fds[i + 3] >= 0)
            (void)safe_close(fds[i + 3]);
    }
    if (sv.pidfd >= 0)
        (void)safe_close(sv.pidfd);
    if (sv.sigfd >= 0)
        (void)safe_close(sv.sigfd);
    progclock_close(&sv.prog);
    for (size_t i = 0; i < 4; i++) {
        int fds[] = { notify[0], notify[1], sv.notify_sock, sv.listener };
        if (fds[i] >= 0)
            (void)safe_close(fds[i]);
    }
    cgroup_close_procs(&sv.cg);
    cgroup_stats_close(&sv.stats);
    free(sv.out.buf);
    free(sv.err.buf);
    free(sv.chunk);
    env_free(envp);
    return 0;
}

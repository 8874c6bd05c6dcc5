/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/close_range.h>

#include "boxfs.h"
#include "boxnet.h"
#include "env.h"
#include "fdpass.h"
#include "seccomp_filter.h"
#include "util.h"

/* fs.nr_open: the most descriptors the kernel lets a process have, and the
 * highest RLIMIT_NOFILE setrlimit takes (EPERM above it; RLIM_INFINITY is
 * always above it). Rather than trust the box's /proc/sys, setrlimit
 * itself is asked while this process still holds
 * CAP_SYS_RESOURCE: a binary search between the current hard limit, always
 * allowed, and 2^31, above the kernel's ceiling for nr_open (some 30 calls).
 * Without the capability (a container, a unit that bounds it) nothing above
 * the inherited hard limit is allowed, and that is where it ends. */
static rlim_t host_max_open_files(void)
{
    struct rlimit cur;
    rlim_t ok = getrlimit(RLIMIT_NOFILE, &cur) == 0 ? cur.rlim_max : 0, above = (rlim_t)1 << 31;
    while (ok < above && above - ok > 1) {
        rlim_t mid = ok + (above - ok) / 2;
        struct rlimit rl = { mid, mid };
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            ok = mid;
        else
            above = mid;
    }
    return ok;
}

static void set_rlimits(const struct rb_sandbox_spec *s)
{
    const struct rb_limits *l = &s->req->limits;
    struct {
        __rlimit_resource_t res;
        const char *name;
        rlim_t value;
    } lims[] = {
        { RLIMIT_FSIZE, "RLIMIT_FSIZE", l->file_size ? (rlim_t)l->file_size : RLIM_INFINITY },
        /* 0: as many as the host allows (isolate's "0=unlimited") */
        { RLIMIT_NOFILE, "RLIMIT_NOFILE", l->open_files ? (rlim_t)l->open_files : host_max_open_files() },
        { RLIMIT_STACK, "RLIMIT_STACK", l->stack ? (rlim_t)l->stack : RLIM_INFINITY },
        /* isolate's --core (0 by default); docs/decisions.md says where a
         * dump goes. */
        { RLIMIT_CORE, "RLIMIT_CORE", (rlim_t)s->req->core_size },
        { RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 0 },
        { RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(lims); i++) {
        struct rlimit rl = { lims[i].value, lims[i].value };
        if (setrlimit(lims[i].res, &rl) == 0)
            continue;
        if (lims[i].res == RLIMIT_NOFILE && errno == EPERM)
            sandbox_fail(s->report_fd, EPERM,
                         "open files limit %llu is above the most this host allows, %llu (fs.nr_open, or the "
                         "inherited hard limit without CAP_SYS_RESOURCE)",
                         (unsigned long long)lims[i].value, (unsigned long long)host_max_open_files());
        sandbox_fail(s->report_fd, errno, "set %s to %llu", lims[i].name, (unsigned long long)lims[i].value);
    }
    if (l->processes) {
        /* The box uid's processes, as isolate sets it; the cgroup's pids
         * limit counts the same tasks and is what enforces it. Unlimited
         * keeps the inherited limit: raising it may need a capability a
         * container does not give. */
        rlim_t want = (rlim_t)l->processes;
        struct rlimit rl = { want, want }, cur;
        if (setrlimit(RLIMIT_NPROC, &rl) < 0) {
            int e = errno;
            /* Above an inherited hard limit it may not raise: that limit. */
            if (e != EPERM || getrlimit(RLIMIT_NPROC, &cur) < 0 || cur.rlim_max >= want)
                sandbox_fail(s->report_fd, e, "set RLIMIT_NPROC to %llu", (unsigned long long)want);
            rl.rlim_cur = rl.rlim_max = cur.rlim_max;
            if (setrlimit(RLIMIT_NPROC, &rl) < 0)
                sandbox_fail(s->report_fd, errno, "set RLIMIT_NPROC to %llu", (unsigned long long)cur.rlim_max);
        }
    }
    if (l->cpu_time_s > 0) {
        /* A backstop only: the supervisor enforces CPU time far more
         * precisely through the cgroup, one second is RLIMIT_CPU's grain. */
        rlim_t secs = (rlim_t)(l->cpu_time_s + l->extra_time_s) + 2;
        struct rlimit rl = { secs, secs + 1 };
        if (setrlimit(RLIMIT_CPU, &rl) < 0)
            sandbox_fail(s->report_fd, errno, "setrlimit cpu");
    }
}

static void drop_privileges(const struct rb_sandbox_spec *s)
{
    if (setgroups(0, NULL) < 0 || setresgid(s->box->gid, s->box->gid, s->box->gid) < 0)
        sandbox_fail(s->report_fd, errno, "set gid %u", (unsigned)s->box->gid);
    /* Up to the running kernel's last capability, not the headers': EINVAL
     * marks the end, so a newer kernel's extra capabilities go too. The
     * raw calls spare every run libcap's start-up probing. */
    for (unsigned long c = 0;; c++) {
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
            continue;
        if (errno == EINVAL)
            break;
        sandbox_fail(s->report_fd, errno, "drop capability %lu from the bounding set", c);
    }
    if (setresuid(s->box->uid, s->box->uid, s->box->uid) < 0)
        sandbox_fail(s->report_fd, errno, "set uid %u", (unsigned)s->box->uid);
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = { { 0, 0, 0 } };
    if (syscall(SYS_capset, &hdr, none) < 0)
        sandbox_fail(s->report_fd, errno, "clear capabilities");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        sandbox_fail(s->report_fd, errno, "clear ambient capabilities");
}

static void redirect(const struct rb_sandbox_spec *s, int target, const char *path, int fd, int flags)
{
    if (path) {
        fd = open(path, flags | O_CLOEXEC, 0666);
        if (fd < 0) {
            if (s->req->rules == RB_RULES_ISOLATE) /* isolate's wording, which judges show */
                sandbox_fail(s->report_fd, errno, "open(\"%s\")", path);
            sandbox_fail(s->report_fd, errno, "open %s", path);
        }
    }
    if (fd >= 0 && fd != target && dup2(fd, target) < 0)
        sandbox_fail(s->report_fd, errno, "redirect fd %d", target);
}

static void setup_stdio(const struct rb_sandbox_spec *s)
{
    const struct rb_run_request *req = s->req;
    int in = s->stdin_fd;
    const char *in_path = req->stdin_path ? req->stdin_path : in < 0 ? "/dev/null" : NULL;
    redirect(s, STDIN_FILENO, in_path, in, O_RDONLY);
    redirect(s, STDOUT_FILENO, req->stdout_path, s->stdout_fd, O_WRONLY | O_CREAT | O_TRUNC);
    if (req->stderr_to_stdout)
        redirect(s, STDERR_FILENO, NULL, STDOUT_FILENO, 0);
    else
        redirect(s, STDERR_FILENO, req->stderr_path, s->stderr_fd, O_WRONLY | O_CREAT | O_TRUNC);
}

/* execvpe would search the caller's PATH; the box's own PATH is what counts. */
/* isolate's -m, set last, just before the exec: rustbox's own address space
 * (its libraries, a sanitizer's shadow) is no business of the limit, and the
 * steps before the exec must not fail for lack of it. Without -m the
 * inherited limit stays (the box's memory is the cgroup's to bound). */
static void limit_address_space(const struct rb_sandbox_spec *s)
{
    if (!s->req->address_space)
        return;
    struct rlimit rl = { (rlim_t)s->req->address_space, (rlim_t)s->req->address_space };
    if (setrlimit(RLIMIT_AS, &rl) < 0)
        sandbox_fail(s->report_fd, errno, "set RLIMIT_AS to %llu", (unsigned long long)rl.rlim_max);
}

static void exec_program(const struct rb_sandbox_spec *s, char *const argv[])
{
    limit_address_space(s);
    if (s->req->rules == RB_RULES_ISOLATE) {
        /* isolate runs argv[0] as given and a failed exec is the program's
         * own failure: its message on the program's stderr, exit 127. */
        execve(argv[0], argv, s->envp);
        dprintf(STDERR_FILENO, "execve(\"%s\"): %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (strchr(argv[0], '/')) {
        execve(argv[0], argv, s->envp);
        sandbox_fail(s->report_fd, errno, "exec %s", argv[0]);
    }
    const char *path = env_lookup(s->envp, "PATH");
    int err = ENOENT;
    char buf[PATH_MAX];
    for (const char *p = path ? path : RB_SANDBOX_PATH; *p;) {
        const char *end = strchrnul(p, ':');
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, argv[0]);
        execve(buf, argv, s->envp);
        if (errno != ENOENT)
            err = errno;
        p = *end ? end + 1 : end;
    }
    sandbox_fail(s->report_fd, err, "exec %s", argv[0]);
}

__attribute__((noreturn)) static void payload_main(const struct rb_sandbox_spec *s)
{
    const struct rb_run_request *req = s->req;
    int r = cgroup_join(s->cg);
    if (r < 0)
        sandbox_fail(s->report_fd, r, "join cgroup %s", s->box->name);
    if (setsid() < 0)
        sandbox_fail(s->report_fd, errno, "setsid");
    set_rlimits(s);
    const char *dir = req->chdir ? req->chdir : RB_SANDBOX_HOME;
    drop_privileges(s);
    /* A relative --chdir starts at /box, as isolate's -c does. */
    if (dir[0] != '/' && chdir(RB_SANDBOX_HOME) < 0)
        sandbox_fail(s->report_fd, errno, "chdir %s", RB_SANDBOX_HOME);
    if (chdir(dir) < 0) {
        if (s->req->rules == RB_RULES_ISOLATE)
            sandbox_fail(s->report_fd, errno, "%s", req->chdir ? "chdir" : "Cannot change current directory");
        sandbox_fail(s->report_fd, errno, "chdir %s", dir);
    }
    /* Files the program makes are 0644/0755 whatever the caller's umask
     * (isolate's 022). */
    umask(022);
    /* Opened after the uid change, as isolate does: the program's files are
     * reachable only if the box user could reach them. */
    setup_stdio(s);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        sandbox_fail(s->report_fd, errno, "prctl");
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        sandbox_fail(s->report_fd, errno, "close inherited fds");
    /* --inherit-fds: the caller's own descriptors reach the program. */
    for (size_t i = 0; i < req->n_caller_fds; i++)
        if (fcntl(req->caller_fds[i], F_SETFD, 0) < 0)
            sandbox_fail(s->report_fd, errno, "keep the caller's fd %d", req->caller_fds[i]);
    int listener = -1;
    r = seccomp_filter_load(&listener);
    if (r < 0)
        sandbox_fail(s->report_fd, r, "load seccomp policy");
    /* The listener decides what a denied call does: it goes to the
     * supervisor and never reaches the program. */
    r = fd_send(s->notify_fd, listener);
    if (r < 0)
        sandbox_fail(s->report_fd, r, "hand over the seccomp listener");
    (void)safe_close(listener);
    (void)safe_close(s->notify_fd);
    /* Where setup ends and the program begins, for the result's timings
     * (CLOCK_MONOTONIC is the host's in every namespace but a time one). */
    struct rb_report exec_at = { .type = RB_REPORT_EXEC, .at_us = monotonic_us() };
    if (write(s->report_fd, &exec_at, sizeof(exec_at)) < 0)
        sandbox_fail(s->report_fd, errno, "report the exec");
    static char *const sh_argv[] = { "/bin/sh", "-c", NULL, NULL };
    if (req->code) {
        char *argv[] = { sh_argv[0], sh_argv[1], req->code, NULL };
        exec_program(s, argv);
    }
    exec_program(s, req->argv);
    _exit(127);
}

static int cmp_fd(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* pid 1 of the box is root: it keeps only the descriptors the run needs, so
 * nothing of the caller's (its lock, its directories, its files) is within
 * reach of the box even through a future slip elsewhere. */
static void close_other_fds(const struct rb_sandbox_spec *s)
{
    int keep[RB_CG_MAX_CTRL + 6 + RB_MAX_INHERIT_FDS];
    size_t n = 0;
    for (size_t i = 0; i < s->req->n_caller_fds && i < RB_MAX_INHERIT_FDS; i++)
        keep[n++] = s->req->caller_fds[i];
    int wanted[] = { s->report_fd, s->notify_fd, s->stdin_fd, s->stdout_fd, s->stderr_fd };
    for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
        if (wanted[i] > STDERR_FILENO)
            keep[n++] = wanted[i];
    for (int i = 0; i < RB_CG_MAX_CTRL; i++)
        if (s->cg->procs_fd[i] > STDERR_FILENO)
            keep[n++] = s->cg->procs_fd[i];
    qsort(keep, n, sizeof(int), cmp_fd);
    unsigned lo = STDERR_FILENO + 1;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)keep[i] > lo)
            syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
        lo = (unsigned)keep[i] + 1;
    }
    syscall(SYS_close_range, lo, ~0U, 0);
}

/* Once the program has ended, what it left running ends with it: as pid 1,
 * kill(-1) reaches every other process of the namespace, and each is reaped
 * here (ECHILD: no process of the box is left). The status report that
 * follows therefore also says the box is empty, and the supervisor goes on
 * to cleanup while the kernel still tears our namespaces down. */
static void end_the_rest(void)
{
    (void)kill(-1, SIGKILL); /* ESRCH: nothing else runs */
    for (;;) {
        pid_t p = waitpid(-1, NULL, 0);
        if (p < 0 && errno != EINTR)
            return;
    }
}

/* The supervisor makes the box's network namespace, its loopback up, while
 * this process builds the box (boxnet.c), and hands it over the socket. The
 * program is forked only once the proxy is in it, so nothing of it runs
 * in the host's. */
static void receive_from_supervisor(const struct rb_sandbox_spec *s)
{
    if (s->req->share_net)
        return;
    const char *failed = NULL;
    int r = boxnet_receive_and_enter(s->notify_fd, &failed);
    if (r < 0)
        sandbox_fail(s->report_fd, -r, "%s the box's network namespace", failed);
}

void sandbox_proxy_main(const struct rb_sandbox_spec *s)
{
    sigprocmask(SIG_SETMASK, &s->child_sigmask, NULL);
    close_other_fds(s);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        sandbox_fail(s->report_fd, errno, "prctl pdeathsig");
    boxfs_build(s);
    if (sethostname(RB_SANDBOX_HOSTNAME, strlen(RB_SANDBOX_HOSTNAME)) < 0)
        sandbox_fail(s->report_fd, errno, "sethostname");
    receive_from_supervisor(s);

    pid_t child = fork();
    if (child < 0)
        sandbox_fail(s->report_fd, errno, "fork the program");
    if (child == 0)
        payload_main(s);
    if (s->stdout_fd >= 0)
        (void)safe_close(s->stdout_fd);
    if (s->stderr_fd >= 0)
        (void)safe_close(s->stderr_fd);
    (void)safe_close(s->notify_fd);
    cgroup_close_procs(s->cg);
    /* As pid 1, orphans re-parent to us: reap them until the program itself
     * ends, then end the rest of the box too. */
    for (;;) {
        int status;
        struct rusage ru;
        pid_t p = wait4(-1, &status, 0, &ru);
        if (p < 0 && errno == EINTR)
            continue;
        if (p < 0)
            sandbox_fail(s->report_fd, errno, "wait for the program");
        if (p == child) {
            /* The program's own CPU time: what RLIMIT_CPU counted, for a
             * SIGXCPU without a cgroup to measure the box. */
            long long ms = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
                           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
            struct rb_report cpu = { .type = RB_REPORT_CPU_MS, .value = ms > INT_MAX ? INT_MAX : (int)ms };
            struct rb_report rep = { .type = RB_REPORT_STATUS,
                                     .value = status,
                                     .max_rss_kib = ru.ru_maxrss,
                                     .csw_voluntary = ru.ru_nvcsw,
                                     .csw_forced = ru.ru_nivcsw };
            end_the_rest();
            if (write(s->report_fd, &cpu, sizeof(cpu)) < 0 || write(s->report_fd, &rep, sizeof(rep)) < 0)
                _exit(126);
            /* Closed here, not by _exit: an exiting task's last fput waits
             * until after its namespaces are torn down, and the
             * supervisor takes this EOF as the end of the box. */
            (void)close(s->report_fd);
            _exit(0);
        }
    }
}

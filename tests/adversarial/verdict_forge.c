/* SPDX-License-Identifier: Apache-2.0 */
/* Verdicts: a program that dies of a signal rustbox reads as a limit
 * (SIGXFSZ: file size, SIGSYS: seccomp, SIGXCPU: CPU time) without
 * reaching that limit. Each way to get the signal delivered is one mode;
 * expected SIG every time, never OLE, SV or TLE.
 *   kill     kill(getpid(), SIGXFSZ)
 *   tgkill   tgkill(self, SIGXFSZ) with the signal's high bits set
 *   setsig   fcntl(F_SETSIG, SIGXFSZ) + O_ASYNC on a pipe, then a write
 *   clone    a child cloned with SIGXFSZ as its exit signal exits
 *   rlimit   RLIMIT_FSIZE lowered to 1000 bytes, then 5000 written
 *   seccomp  its own filter that kills getppid(2) with SIGSYS
 *   xcpu     RLIMIT_CPU lowered to 1 s, then a busy loop */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[65536];

static int child(void *arg)
{
    (void)arg;
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(mode, "kill")) {
        kill(getpid(), SIGXFSZ);
    } else if (!strcmp(mode, "tgkill")) {
        syscall(SYS_tgkill, (long)getpid(), (long)getpid(), (long)(1UL << 32 | SIGXFSZ));
    } else if (!strcmp(mode, "setsig")) {
        int p[2];
        if (pipe(p) < 0 || fcntl(p[0], F_SETOWN, getpid()) < 0 || fcntl(p[0], F_SETSIG, SIGXFSZ) < 0 ||
            fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK) < 0)
            perror("setsig");
        (void)!write(p[1], "x", 1);
        sleep(1);
    } else if (!strcmp(mode, "clone")) {
        if (clone(child, stack + sizeof(stack), SIGXFSZ, NULL) < 0)
            perror("clone");
        sleep(1);
    } else if (!strcmp(mode, "rlimit")) {
        struct rlimit rl = { 1000, 1000 };
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
            perror("setrlimit");
        FILE *f = fopen("forge.out", "w");
        char buf[5000];
        memset(buf, 'x', sizeof(buf));
        if (f) {
            fwrite(buf, 1, sizeof(buf), f);
            fflush(f);
        }
    } else if (!strcmp(mode, "seccomp")) {
        struct sock_filter prog[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog fp = { sizeof(prog) / sizeof(prog[0]), prog };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
            perror("seccomp");
        syscall(SYS_getppid);
    } else if (!strcmp(mode, "xcpu")) {
        struct rlimit rl;
        getrlimit(RLIMIT_CPU, &rl);
        rl.rlim_cur = 1;
        if (setrlimit(RLIMIT_CPU, &rl) < 0)
            perror("setrlimit");
        volatile unsigned long x = 0;
        for (;;)
            x++;
    } else {
        fprintf(stderr, "usage: verdict_forge kill|tgkill|setsig|clone|rlimit|seccomp|xcpu\n");
        return 2;
    }
    printf("SURVIVED %s\n", mode);
    return 1;
}

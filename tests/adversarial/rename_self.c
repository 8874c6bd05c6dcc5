/* SPDX-License-Identifier: Apache-2.0 */
/* Persistence: disguise. Rename the process (prctl PR_SET_NAME and its
 * argv[0] in place) as a kernel thread, then leave a setsid'd daemon with
 * the same disguise behind. A cleanup that hunts by name would miss it; the
 * runner hunts by uid. Expected: OK with nothing left. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void disguise(int argc, char **argv)
{
    prctl(PR_SET_NAME, "kworker/0:1", 0, 0, 0);
    size_t room = 0;
    for (int i = 0; i < argc; i++)
        room += strlen(argv[i]) + 1;
    memset(argv[0], 0, room);
    snprintf(argv[0], room, "[kworker/0:1]");
}

int main(int argc, char **argv)
{
    disguise(argc, argv);
    int pfd[2];
    if (pipe(pfd) < 0)
        return 3;
    pid_t c = fork();
    if (c == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        prctl(PR_SET_NAME, "systemd", 0, 0, 0);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        close(1);
        close(2);
        (void)!write(pfd[1], "r", 1);
        for (int i = 0; i < 600; i++)
            usleep(100000);
        _exit(0);
    }
    close(pfd[1]);
    waitpid(c, NULL, 0);
    char b;
    if (read(pfd[0], &b, 1) != 1)
        return 3;
    char comm[32] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        if (!fgets(comm, sizeof(comm), f))
            comm[0] = '\0';
        fclose(f);
    }
    printf("renamed to %s", comm);
    return 0;
}

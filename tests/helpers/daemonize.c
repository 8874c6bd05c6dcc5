/* SPDX-License-Identifier: Apache-2.0 */
/* daemonize: double fork + setsid; the grandchild detaches from stdio, writes
 * ./daemon.started and sleeps 60 s. The parent waits until that file exists,
 * prints "daemon started" and exits 0, leaving the daemon behind. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t p = fork();
    if (p < 0)
        return 1;
    if (p == 0) {
        setsid();
        if (fork() == 0) {
            int fd = open("/dev/null", O_RDWR);
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            close(open("daemon.started", O_WRONLY | O_CREAT, 0644));
            sleep(60);
            _exit(0);
        }
        _exit(0);
    }
    waitpid(p, NULL, 0);
    for (int i = 0; i < 300 && access("daemon.started", F_OK) != 0; i++)
        usleep(10000);
    if (access("daemon.started", F_OK) != 0) {
        printf("daemon did not start\n");
        return 1;
    }
    printf("daemon started\n");
    return 0;
}

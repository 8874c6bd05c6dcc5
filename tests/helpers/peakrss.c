/* SPDX-License-Identifier: Apache-2.0 */
/* peakrss FILE CMD [ARG...]: runs CMD (on the host, not in a box) with this
 * process's stdio, then writes the peak resident set of CMD and of the
 * descendants it waited for, in KiB (wait4's ru_maxrss), to FILE. Exits with
 * CMD's exit status (128 + the signal if it was killed). */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: peakrss FILE CMD [ARG...]\n");
        return 64;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("peakrss: fork");
        return 70;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("peakrss: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("peakrss: wait4");
        return 70;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
        perror("peakrss: cannot write the result");
        return 70;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak: the caller's environment. rustbox is run with a secret
 * variable set; the box must see only its fixed PATH/HOME (and what --env
 * passes). Dumps every environment it can reach (its own, /proc/self, its
 * parent's and pid 1's) so that the runner can check the secret is absent,
 * and flags any variable other than the expected ones. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void dump(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return;
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = '\n';
    buf[n] = '\0';
    printf("== %s\n%s\n", path, buf);
}

int main(void)
{
    int bad = 0;
    static const char *allowed[] = { "PATH=", "HOME=", "LIBC_FATAL_STDERR_=", "PWD=", NULL };
    printf("== environ\n");
    for (char **e = environ; *e; e++) {
        printf("%s\n", *e);
        int ok = 0;
        for (const char **a = allowed; *a; a++)
            ok |= !strncmp(*e, *a, strlen(*a));
        if (!ok) {
            printf("LEAKED: unexpected variable %s\n", *e);
            bad = 1;
        }
    }
    dump("/proc/self/environ");
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/environ", (int)getppid());
    dump(path);
    dump("/proc/1/environ");
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

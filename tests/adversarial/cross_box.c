/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak between boxes running at the same time. argv[1] "write":
 * leave a secret in every shared-looking place (/tmp, /dev/shm, a POSIX and
 * a SysV shared memory segment, an abstract unix socket, a TCP port on
 * 127.0.0.1), signal readiness through /box/READY (seen by the runner
 * through this process's /proc/<pid>/root) and linger. argv[1] "read", in
 * another box meanwhile: look for all of them. Exits 0 with CONTAINED only
 * if nothing is found. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SECRET "rbadv-cross-box-secret"
#define SHM_KEY 0x52424f58
#define PORT 47823

static socklen_t abstract_addr(struct sockaddr_un *a)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, "rbadv-cross", 11);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 12);
}

static int writer(void)
{
    const char *files[] = { "/tmp/rbadv-secret", "/dev/shm/rbadv-secret" };
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "w");
        if (!f) {
            printf("cannot write %s: %s\n", files[i], strerror(errno));
            return 3;
        }
        fputs(SECRET, f);
        fclose(f);
    }
    int id = shmget(SHM_KEY, 4096, IPC_CREAT | 0666);
    if (id >= 0) {
        char *p = shmat(id, NULL, 0);
        if (p != (void *)-1)
            strcpy(p, SECRET);
    }
    struct sockaddr_un ua;
    socklen_t ul = abstract_addr(&ua);
    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    if (us < 0 || bind(us, (struct sockaddr *)&ua, ul) < 0 || listen(us, 4) < 0)
        printf("abstract socket: %s\n", strerror(errno));
    int ts = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(PORT),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (ts < 0 || bind(ts, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(ts, 4) < 0)
        printf("tcp listener: %s\n", strerror(errno));
    int r = open("/box/READY", O_WRONLY | O_CREAT, 0644);
    if (r >= 0)
        close(r);
    printf("WROTE\n");
    fflush(stdout);
    /* Linger until the runner removes READY (or 4 s pass). */
    for (int i = 0; i < 400 && access("/box/READY", F_OK) == 0; i++)
        usleep(10000);
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
    return 0;
}

static int reader(void)
{
    int bad = 0;
    const char *files[] = { "/tmp/rbadv-secret", "/dev/shm/rbadv-secret", "/box/READY" };
    for (int i = 0; i < 3; i++)
        if (access(files[i], F_OK) == 0) {
            printf("LEAKED: %s is visible\n", files[i]);
            bad = 1;
        }
    int fd = shm_open("/rbadv-secret", O_RDONLY, 0);
    if (fd >= 0) {
        printf("LEAKED: POSIX shm /rbadv-secret\n");
        bad = 1;
    }
    int id = shmget(SHM_KEY, 0, 0);
    if (id >= 0) {
        printf("LEAKED: SysV shm key %#x (id %d)\n", SHM_KEY, id);
        bad = 1;
    }
    struct sockaddr_un ua;
    socklen_t ul = abstract_addr(&ua);
    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    if (us >= 0 && connect(us, (struct sockaddr *)&ua, ul) == 0) {
        printf("LEAKED: connected to the other box's abstract socket\n");
        bad = 1;
    }
    int ts = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(PORT),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (ts >= 0 && connect(ts, (struct sockaddr *)&in, sizeof(in)) == 0) {
        printf("LEAKED: connected to the other box's TCP port %d\n", PORT);
        bad = 1;
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "write"))
        return writer();
    return reader();
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Privilege: capabilities. Every set (effective, permitted, inheritable,
 * bounding, ambient) must be empty and no_new_privs set; and the acts that
 * need a capability must fail: raising one with capset, a raw socket
 * (CAP_NET_RAW), mknod of a device (CAP_MKNOD), chown to root (CAP_CHOWN),
 * binding port 80 (CAP_NET_BIND_SERVICE), raising a hard rlimit
 * (CAP_SYS_RESOURCE), renice below 0 (CAP_SYS_NICE). */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int main(void)
{
    int bad = 0;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "Cap", 3)) {
            printf("%s", line);
            if (!strstr(line, "0000000000000000")) {
                printf("ESCAPED: non-empty capability set\n");
                bad = 1;
            }
        }
        if (!strncmp(line, "NoNewPrivs:", 11)) {
            printf("%s", line);
            if (!strstr(line, "1")) {
                printf("ESCAPED: no_new_privs not set\n");
                bad = 1;
            }
        }
    }
    if (f)
        fclose(f);

    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0xff, sizeof(d));
    if (syscall(SYS_capset, &h, d) == 0) { printf("ESCAPED: capset raised capabilities\n"); bad = 1; }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0) == 0) {
        printf("ESCAPED: ambient CAP_SYS_ADMIN\n");
        bad = 1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0) {
        printf("ESCAPED: no_new_privs cleared\n");
        bad = 1;
    }
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (s >= 0) { printf("ESCAPED: raw socket\n"); bad = 1; }
    if (mknod("/tmp/sda", S_IFBLK | 0600, makedev(8, 0)) == 0) { printf("ESCAPED: mknod block device\n"); bad = 1; }
    if (mknod("/box/null2", S_IFCHR | 0666, makedev(1, 3)) == 0) { printf("ESCAPED: mknod char device\n"); bad = 1; }
    FILE *t = fopen("/tmp/mine", "w");
    if (t)
        fclose(t);
    if (chown("/tmp/mine", 0, 0) == 0) { printf("ESCAPED: chown to root\n"); bad = 1; }
    int p = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
    if (p >= 0 && bind(p, (struct sockaddr *)&a, sizeof(a)) == 0) { printf("ESCAPED: bound port 80\n"); bad = 1; }
    struct rlimit rl;
    getrlimit(RLIMIT_CORE, &rl); /* the box sets it to 0 */
    if (rl.rlim_max != RLIM_INFINITY) {
        rl.rlim_cur = rl.rlim_max = rl.rlim_max + (1 << 20);
        if (setrlimit(RLIMIT_CORE, &rl) == 0) { printf("ESCAPED: raised a hard rlimit\n"); bad = 1; }
    }
    if (setpriority(PRIO_PROCESS, 0, -10) == 0) { printf("ESCAPED: nice -10\n"); bad = 1; }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

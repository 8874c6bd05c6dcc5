/* SPDX-License-Identifier: Apache-2.0 */
/* Privilege: ask for root directly: setuid/setgid/setresuid/setresgid(0),
 * setgroups, setfsuid. All must fail and leave the ids unchanged. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <unistd.h>

int main(void)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    int bad = 0;
    if (setuid(0) == 0) { printf("ESCAPED: setuid(0)\n"); bad = 1; }
    if (setgid(0) == 0) { printf("ESCAPED: setgid(0)\n"); bad = 1; }
    if (setresuid(0, 0, 0) == 0) { printf("ESCAPED: setresuid(0)\n"); bad = 1; }
    if (setresgid(0, 0, 0) == 0) { printf("ESCAPED: setresgid(0)\n"); bad = 1; }
    gid_t g0 = 0;
    if (setgroups(1, &g0) == 0) { printf("ESCAPED: setgroups([0])\n"); bad = 1; }
    setfsuid(0);
    if ((uid_t)setfsuid((uid_t)-1) == 0) { printf("ESCAPED: setfsuid(0)\n"); bad = 1; }
    gid_t groups[8];
    int ng = getgroups(8, groups);
    for (int i = 0; i < ng; i++)
        if (groups[i] != gid) { printf("LEAKED: supplementary group %u\n", (unsigned)groups[i]); bad = 1; }
    printf("uid=%u gid=%u euid=%u egid=%u\n", (unsigned)getuid(), (unsigned)getgid(),
           (unsigned)geteuid(), (unsigned)getegid());
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid || uid == 0) {
        printf("ESCAPED: ids changed\n");
        bad = 1;
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Information leak: the host's hostname and domain name. The box has its own
 * UTS namespace named rustbox-sandbox; it cannot rename it either. Prints
 * nodename=... for the runner to compare with the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void)
{
    struct utsname u;
    int bad = 0;
    uname(&u);
    printf("nodename=%s\n", u.nodename);
    printf("domainname=%s\n", u.domainname);
    char h[256] = "";
    gethostname(h, sizeof(h));
    printf("gethostname=%s\n", h);
    if (sethostname("pwned", 5) == 0) {
        printf("ESCAPED: sethostname succeeded\n");
        bad = 1;
    }
    if (strcmp(u.nodename, "rustbox-sandbox") != 0) {
        printf("LEAKED: nodename is %s\n", u.nodename);
        bad = 1;
    }
    if (!bad)
        printf("CONTAINED\n");
    return bad ? 42 : 0;
}

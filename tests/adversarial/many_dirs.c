/* SPDX-License-Identifier: Apache-2.0 */
/* Hostile input from the operator's side: more --dir rules than a fixed
 * table holds (the runner passes N rules "--dir /dK:tmp", K = 1..N, with
 * N = argv[1]). The contract allows two outcomes: every rule applied (each
 * /dK a mount of its own: prints dirs=N) or the command refused as a usage
 * error (exit 64, one line, nothing created). Silently dropping rules, or
 * writing past the table, is neither. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0, found = 0;
    struct stat root;
    stat("/", &root);
    for (int k = 1; k <= n; k++) {
        char p[32];
        struct stat st;
        snprintf(p, sizeof(p), "/d%d", k);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev != root.st_dev)
            found++;
        else
            printf("missing %s\n", p);
    }
    printf("dirs=%d\n", found);
    return found == n ? 0 : 1;
}

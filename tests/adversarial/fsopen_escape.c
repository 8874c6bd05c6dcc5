/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: the new mount API (fsopen/fsmount/move_mount, open_tree), which a
 * filter written only for mount(2) would miss. Expected: SV. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif

int main(void)
{
    long fs = syscall(SYS_fsopen, "tmpfs", 0);
    long tree = syscall(SYS_open_tree, -100 /* AT_FDCWD */, "/", 1 /* OPEN_TREE_CLONE */);
    printf("fsopen=%ld open_tree=%ld instead of being killed\n", fs, tree);
    return 0;
}

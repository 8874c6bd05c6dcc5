/* SPDX-License-Identifier: Apache-2.0 */
/* Escape: bpf(2), the kernel's in-kernel VM and a long list of CVEs.
 * Expected: SV. */
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 8;
    attr.max_entries = 1;
    long r = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
    printf("bpf returned %ld instead of being killed\n", r);
    return 0;
}

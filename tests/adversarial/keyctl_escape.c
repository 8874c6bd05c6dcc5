/* SPDX-License-Identifier: Apache-2.0 */
/* Escape/leak: the kernel keyring, which is not namespaced and holds other
 * users' secrets. Expected: SV. */
#include <linux/keyctl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
    long a = syscall(SYS_add_key, "user", "rbadv", "x", 1, KEY_SPEC_SESSION_KEYRING);
    printf("keyctl=%ld add_key=%ld instead of being killed\n", r, a);
    return 0;
}

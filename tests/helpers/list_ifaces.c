/* SPDX-License-Identifier: Apache-2.0 */
/* list_ifaces: prints the name of every network interface, one a line. */
#include <net/if.h>
#include <stdio.h>

int main(void)
{
    struct if_nameindex *ifs = if_nameindex();
    if (!ifs) {
        perror("if_nameindex");
        return 1;
    }
    for (struct if_nameindex *i = ifs; i->if_index != 0; i++)
        printf("%s\n", i->if_name);
    if_freenameindex(ifs);
    return 0;
}

# SPDX-License-Identifier: Apache-2.0
# Escape: become "root" in a new user namespace (the first step of most
# container break-outs), from Python through ctypes. Expected: SV.
import ctypes
import os

CLONE_NEWUSER = 0x10000000
libc = ctypes.CDLL(None, use_errno=True)
r = libc.unshare(CLONE_NEWUSER)
print("unshare(CLONE_NEWUSER) returned", r, "errno", ctypes.get_errno(), "instead of being killed")
if r == 0:
    print("ESCAPED: new user namespace, uid", os.getuid())

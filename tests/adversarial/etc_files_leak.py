# SPDX-License-Identifier: Apache-2.0
# Information leak: the host's secrets and configuration by path: /etc/shadow
# and friends, root's home, rustbox's state and config (argv[1] is the test's
# private directory on the host, holding config.json and a secret file), the
# host's run dirs. The box's root has none of them.
import os
import sys

paths = [
    "/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/hostname", "/etc/sudoers",
    "/root", "/root/.ssh", "/home", "/var/lib/rustbox", "/etc/rustbox/config.json",
    "/run", "/var/run/docker.sock", "/boot",
]
if len(sys.argv) > 1:
    paths += [sys.argv[1], os.path.join(sys.argv[1], "config.json"), os.path.join(sys.argv[1], "secret.txt")]
bad = False
for p in paths:
    if os.path.lexists(p):
        try:
            what = "dir" if os.path.isdir(p) else open(p, "rb").read(40)
        except OSError as e:
            what = "exists (%s)" % e.strerror
        print("LEAKED: %s: %r" % (p, what))
        bad = True
print("ESCAPED" if bad else "CONTAINED")
sys.exit(42 if bad else 0)

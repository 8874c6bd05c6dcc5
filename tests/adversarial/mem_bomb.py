# SPDX-License-Identifier: Apache-2.0
# Resource bomb in Python: grow a list of touched 1 MiB blocks forever.
# Expected: MLE.
blocks = []
while True:
    blocks.append(b"\x01" * (1 << 20))

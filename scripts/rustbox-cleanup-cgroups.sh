#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# rustbox-cleanup-cgroups.sh: lists the cgroups of rustbox boxes that no live
# box owns (those of a dead box, and any of an idle persistent box, which must
# have none between runs) and, with --yes, has rustbox clean them up
# (`rustbox health --recover`). One implementation serves mounts and cgroups:
# rustbox-cleanup-mounts.sh, beside this script. See rustbox-cleanup-cgroups.sh(8).
set -euo pipefail
exec "$(dirname "$0")/rustbox-cleanup-mounts.sh" --kind cgroups "$@"

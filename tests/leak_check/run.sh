#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The leak check with its defaults: RUSTBOX (the binary under test), FDPROBE
# (default: fault/fdprobe.so beside the binary, as `make fault-libs` builds
# it), LEAK_RUNS (default 1000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rustbox=${RUSTBOX:-build/rustbox}
exec python3 "$here/run.py" --rustbox "$rustbox" --fdprobe "${FDPROBE:-$(dirname "$rustbox")/fault/fdprobe.so}" "$@"

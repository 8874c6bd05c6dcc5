#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The failure matrix with its defaults: RUSTBOX (the binary under test) and
# FAULT_SHIM (default: fault/shim.so beside the binary, as `make fault-libs`
# builds it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rustbox=${RUSTBOX:-build/rustbox}
exec python3 "$here/run.py" --rustbox "$rustbox" --shim "${FAULT_SHIM:-$(dirname "$rustbox")/fault/shim.so}" "$@"

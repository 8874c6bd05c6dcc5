#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: see bench/run.py.
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"

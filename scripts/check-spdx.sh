#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/check-spdx.sh: every source file carries the project's license tag
# (`SPDX-License-Identifier: Apache-2.0`) in its first two lines (the second
# when the first is a shebang). Source files: *.c *.h *.sh *.py *.bats *.bash,
# Makefile, .ci/run and everything in scripts/, as git lists them (tracked,
# plus new files git does not ignore). Exits 1 naming each file without it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TAG='SPDX-License-Identifier: Apache-2.0'

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    list() { git ls-files -z --cached --others --exclude-standard; }
else # an unpacked source tarball
    list() { find . -path ./build -prune -o -path ./.git -prune -o -type f -printf '%P\0'; }
fi

is_source() {
    case $1 in
    *.c | *.h | *.sh | *.py | *.bats | *.bash | Makefile | */Makefile | .ci/run | scripts/*) return 0 ;;
    esac
    return 1
}

bad=0
checked=0
while IFS= read -r -d '' f; do
    is_source "$f" || continue
    [ -f "$f" ] || continue # deleted in the work tree, not yet in the index
    checked=$((checked + 1))
    if ! head -n 2 -- "$f" | grep -qF -- "$TAG"; then
        echo "check-spdx: $f: no '$TAG' in its first two lines" >&2
        bad=1
    fi
done < <(list | sort -z -u)

if [ "$bad" -ne 0 ]; then
    exit 1
fi
echo "check-spdx: $checked files carry the license tag"

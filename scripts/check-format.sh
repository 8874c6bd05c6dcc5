#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/check-format.sh [--diff] [FILE...]: fails (exit 1) naming every C
# file that differs from what clang-format makes of it with the tree's
# .clang-format. Without FILEs it checks what `make format` rewrites:
# src/*.c src/*.h tests/unit/*.c tests/unit/*.h. --diff also prints the
# changes clang-format would make. CLANG_FORMAT picks the binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
show_diff=0
if [ "${1:-}" = --diff ]; then
    show_diff=1
    shift
fi
command -v "$CLANG_FORMAT" >/dev/null || {
    echo "check-format: $CLANG_FORMAT not found (scripts/install-deps)" >&2
    exit 2
}

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    shopt -s nullglob
    files=(src/*.c src/*.h tests/unit/*.c tests/unit/*.h)
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
bad=0
for f in "${files[@]}"; do
    "$CLANG_FORMAT" --style=file "$f" >"$tmp" || {
        echo "check-format: clang-format failed on $f" >&2
        exit 2
    }
    if ! cmp -s "$tmp" "$f"; then
        n=$(diff "$f" "$tmp" | grep -c '^[<>]' || true)
        echo "check-format: $f differs from clang-format's output ($n lines; make format)" >&2
        if [ "$show_diff" -eq 1 ]; then
            diff -u --label "$f" --label "$f (clang-format)" "$f" "$tmp" || true
        fi
        bad=1
    fi
done
if [ "$bad" -ne 0 ]; then
    exit 1
fi
echo "check-format: ${#files[@]} files match clang-format"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/check-layering.sh [--graph | --dot]: checks the #include "..." lines
# of src/ against the layering rules (docs/architecture.md) and fails (exit 1)
# naming each file and include that breaks one:
#
#   (a) the library never sees the command line: no library file includes a
#       header of the command layer (cli.h, cli_opt.h, isolate_cli.h,
#       commands.h, main.h, cmd.h, cmd_*.h). The command layer is main, cli,
#       cli_opt, isolate_cli, cmd and cmd_*; every other file of src/ is the
#       library (the Makefile's CMD_SRC and librustbox.a).
#   (b) no cycles among modules. A module is a file name without .c/.h;
#       A depends on B when A.c or A.h includes B.h (A != B).
#
# --graph prints the module graph (`A -> B C`, command-layer modules marked
# with *) instead; --dot prints it for Graphviz (`... --dot | dot -Tsvg`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=check
case ${1:-} in
--graph) mode='graph' ;;
--dot) mode='dot' ;;
'') ;;
-h | --help)
    sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
    ;;
*)
    echo "usage: $0 [--graph | --dot]" >&2
    exit 2
    ;;
esac

shopt -s nullglob
files=(src/*.c src/*.h)
[ ${#files[@]} -gt 0 ] || {
    echo "check-layering: no files in src/" >&2
    exit 2
}

awk -v mode="$mode" '
function module(path,    m) {
    m = path
    sub(/.*\//, "", m)
    sub(/\.[ch]$/, "", m)
    return m
}
function is_cmd(m) {
    return m == "main" || m == "cli" || m == "cli_opt" || m == "isolate_cli" || m == "isolate_usage" || m == "cmd" || m ~ /^cmd_/
}
# Headers only the command layer may include.
function cmd_header(h) {
    return h ~ /^(cli|cli_opt|isolate_cli|commands|main|cmd|cmd_[A-Za-z0-9_]*)\.h$/
}
# Tarjan: strongly connected components of the module graph.
function strongconnect(v,    i, w, c) {
    idx[v] = low[v] = ++counter
    stack[++sp] = v
    onstack[v] = 1
    for (i = 1; i <= nsucc[v]; i++) {
        w = succ[v, i]
        if (!(w in idx)) {
            strongconnect(w)
            if (low[w] < low[v]) low[v] = low[w]
        } else if (onstack[w] && idx[w] < low[v]) {
            low[v] = idx[w]
        }
    }
    if (low[v] == idx[v]) {
        nscc++
        do {
            w = stack[sp--]
            onstack[w] = 0
            comp[w] = nscc
            size[nscc]++
        } while (w != v)
    }
}
# A shortest way back from start to itself inside its component (BFS).
function cycle_path(start,    q, head, tail, v, i, w, prev, path, seen) {
    head = 1; tail = 0
    for (i = 1; i <= nsucc[start]; i++) {
        w = succ[start, i]
        if (comp[w] == comp[start] && !(w in seen)) { seen[w] = 1; prev[w] = start; q[++tail] = w }
    }
    while (head <= tail) {
        v = q[head++]
        if (v == start) break
        for (i = 1; i <= nsucc[v]; i++) {
            w = succ[v, i]
            if (comp[w] == comp[start] && !(w in seen)) { seen[w] = 1; prev[w] = v; q[++tail] = w }
        }
    }
    path = start
    for (v = prev[start]; v != start; v = prev[v]) path = v " -> " path
    return start " -> " path
}
FNR == 1 {
    m = module(FILENAME)
    if (!(m in known)) { known[m] = 1; mods[++nmods] = m }
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
    h = $0
    sub(/^[^"]*"/, "", h)
    sub(/".*/, "", h)
    base = h
    sub(/.*\//, "", base)
    m = module(FILENAME)
    if (!is_cmd(m) && cmd_header(base)) {
        printf "check-layering: %s:%d: #include \"%s\": %s is library code and must not see the command layer\n", \
            FILENAME, FNR, h, m > "/dev/stderr"
        bad = 1
    }
    if (base !~ /\.h$/) next
    dep = base
    sub(/\.h$/, "", dep)
    if (dep == m) next
    if (!((m, dep) in edge)) {
        edge[m, dep] = 1
        succ[m, ++nsucc[m]] = dep
    }
    why[m, dep] = why[m, dep] (why[m, dep] == "" ? "" : ", ") sprintf("%s:%d", FILENAME, FNR)
}
END {
    # Only headers that exist in src/ are modules; drop edges to others.
    for (m in nsucc) {
        n = 0
        for (i = 1; i <= nsucc[m]; i++)
            if (succ[m, i] in known) keep[++n] = succ[m, i]
        for (i = 1; i <= n; i++) succ[m, i] = keep[i]
        nsucc[m] = n
    }
    # Stable output: modules in name order, successors in name order.
    for (i = 1; i <= nmods; i++)
        for (j = i + 1; j <= nmods; j++)
            if (mods[j] < mods[i]) { t = mods[i]; mods[i] = mods[j]; mods[j] = t }
    for (m in nsucc)
        for (i = 1; i <= nsucc[m]; i++)
            for (j = i + 1; j <= nsucc[m]; j++)
                if (succ[m, j] < succ[m, i]) { t = succ[m, i]; succ[m, i] = succ[m, j]; succ[m, j] = t }

    if (mode == "graph") {
        for (i = 1; i <= nmods; i++) {
            m = mods[i]
            line = (is_cmd(m) ? "*" : "") m " ->"
            for (j = 1; j <= nsucc[m]; j++) line = line " " succ[m, j]
            print line
        }
        exit 0
    }
    if (mode == "dot") {
        print "digraph rustbox {"
        print "    rankdir=LR; node [shape=box, fontname=monospace];"
        for (i = 1; i <= nmods; i++) {
            m = mods[i]
            if (is_cmd(m)) printf "    \"%s\" [style=filled, fillcolor=lightgrey];\n", m
            for (j = 1; j <= nsucc[m]; j++) printf "    \"%s\" -> \"%s\";\n", m, succ[m, j]
        }
        print "}"
        exit 0
    }

    for (i = 1; i <= nmods; i++)
        if (!(mods[i] in idx)) strongconnect(mods[i])
    for (i = 1; i <= nmods; i++) {
        m = mods[i]
        c = comp[m]
        if (size[c] < 2 || (c in reported)) continue
        reported[c] = 1
        bad = 1
        members = ""
        for (j = 1; j <= nmods; j++) if (comp[mods[j]] == c) members = members (members == "" ? "" : " ") mods[j]
        printf "check-layering: include cycle: %s (modules in it: %s); its includes:\n", cycle_path(m), members \
            > "/dev/stderr"
        for (j = 1; j <= nmods; j++) {
            a = mods[j]
            if (comp[a] != c) continue
            for (k = 1; k <= nsucc[a]; k++) {
                b = succ[a, k]
                if (comp[b] == c)
                    printf "check-layering:   %s -> %s: #include \"%s.h\" at %s\n", a, b, b, why[a, b] > "/dev/stderr"
            }
        }
    }
    if (bad) exit 1
    printf "check-layering: %d modules, no library file sees the command layer, no include cycles\n", nmods
}
' "${files[@]}"
